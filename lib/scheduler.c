/*
 * scheduler.c: the filter scheduler (scheduler.h).
 *
 * Three passes over the hosts, each linear: filter every host (with no
 * text, but for the first failure's reason), weigh the ones that passed
 * against the ranges found while filtering, and, only when asked, write
 * the explanation by running the filters again with their text.  A
 * verdict's text is formatted into a stack buffer and appended, piece by
 * piece, to one growing struct buf: no allocation per line, and printf
 * only where a verdict needs numbers, so 100,000 hosts stay linear.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nubes.h"
#include "scheduler.h"

#define LINE_MAX_SCHED	2048	/* a verdict's text; longer is cut */
#define PASSED		0xff	/* verdict[i]: passed every filter */

enum policy {
	POLICY_NONE,
	POLICY_AFFINITY,
	POLICY_ANTI_AFFINITY,
	POLICY_SOFT_AFFINITY,
	POLICY_SOFT_ANTI_AFFINITY,
	POLICY_UNKNOWN
};

/* The request with what every host's verdict shares worked out once. */
struct ctx {
	const struct sched_request	*req;
	enum policy			 policy;
	const char			*arch;	/* canonical; NULL: any */
};

/*
 * A filter: 1 when the host passes, 0 when not.  When line is not NULL
 * it also writes its verdict's text, with the numbers it used; when NULL
 * it only decides, which is what keeps the common case fast.
 */
typedef int	 filter_fn(const struct ctx *, const struct sched_host *,
		    char *line, size_t len);

static void	 say(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 bprintf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

/* Write a verdict's text into line, when the caller wants it. */
static void
say(char *line, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	if (line == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, len, fmt, ap);
	va_end(ap);
}

/* buf_printf() without an allocation per call for short lines. */
static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap, aq;
	char	 tmp[512], *s;
	int	 n;

	va_start(ap, fmt);
	va_copy(aq, ap);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(aq);
		return;
	}
	if ((size_t)n < sizeof(tmp))
		buf_add(b, tmp, n);
	else {
		s = xmalloc((size_t)n + 1);
		vsnprintf(s, (size_t)n + 1, fmt, aq);
		buf_add(b, s, n);
		free(s);
	}
	va_end(aq);
}

/*
 * v with the given decimals (1 to 3), rounded half away from zero, into
 * out[32]; with trim, trailing zeros go but for the first decimal.
 * Integer arithmetic: printf's "%.2f" was most of the explanation's
 * cost over 100,000 hosts.
 */
static const char *
fmt_fixed(double v, int decimals, int trim, char out[32])
{
	static const long long	 scale[] = { 1, 10, 100, 1000 };
	unsigned long long	 m, ip, frac;
	char			 digits[24];
	size_t			 o = 0, d = 0;
	int			 k;

	if (!(v > -1e15 && v < 1e15)) {		/* huge, or NaN */
		snprintf(out, 32, "%.*g", decimals + 1, v);
		return out;
	}
	if (v < 0) {
		m = (unsigned long long)(-v * scale[decimals] + 0.5);
		if (m != 0)
			out[o++] = '-';
	} else
		m = (unsigned long long)(v * scale[decimals] + 0.5);
	ip = m / scale[decimals];
	frac = m % scale[decimals];
	do {
		digits[d++] = '0' + ip % 10;
		ip /= 10;
	} while (ip != 0);
	while (d > 0)
		out[o++] = digits[--d];
	out[o++] = '.';
	for (k = decimals - 1; k >= 0; k--)
		out[o++] = '0' + (frac / scale[k]) % 10;
	while (trim && out[o - 1] == '0' && out[o - 2] != '.')
		o--;
	out[o] = '\0';
	return out;
}

/* A ratio or multiplier as people write it: "1.0", "1.5", "0.125". */
static const char *
fmt_ratio(double v, char out[32])
{
	return fmt_fixed(v, 3, 1, out);
}

/*
 * capacity * ratio - used, rounded down to a whole unit.  The small
 * epsilon keeps 100 * 0.29 (28.999...) at 29, as its writer meant.
 */
static long long
free_units(long long capacity, double ratio, long long used)
{
	double		 x = (double)capacity * ratio + 1e-6;
	long long	 f;

	if (x > 9e18)
		x = 9e18;
	else if (x < -9e18)
		x = -9e18;
	f = (long long)x;
	if ((double)f > x)
		f--;
	return f - used;
}

static long long
free_ram_mib(const struct sched_host *h)
{
	return free_units(h->ram_mib - h->reserved_ram_mib, h->ram_ratio,
	    h->ram_used_mib);
}

static long long
free_vcpus(const struct sched_host *h)
{
	return free_units(h->vcpus, h->cpu_ratio, h->vcpus_used);
}

static long long
free_disk_gb(const struct sched_host *h)
{
	return free_units(h->disk_gb, h->disk_ratio, h->disk_used_gb);
}

/* Nova's canonical architecture names for the usual aliases. */
static const char *
canonical_arch(const char *a)
{
	static const char *const alias[][2] = {
		{ "amd64", "x86_64" }, { "x64", "x86_64" },
		{ "x86-64", "x86_64" },
		{ "i386", "i686" }, { "i486", "i686" }, { "i586", "i686" },
		{ "x86", "i686" }, { "ia32", "i686" },
		{ "arm64", "aarch64" }
	};
	size_t	 i;

	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcasecmp(a, alias[i][0]) == 0)
			return alias[i][1];
	return a;
}

static int
in_list(const char *id, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (list[i] != NULL && strcmp(list[i], id) == 0)
			return 1;
	return 0;
}

static int
filter_enabled(const struct ctx *c, const struct sched_host *h, char *line,
    size_t len)
{
	if (h->enabled) {
		say(line, len, "host enabled");
		return 1;
	}
	if (h->disabled_reason != NULL && *h->disabled_reason != '\0')
		say(line, len, "host disabled: %s", h->disabled_reason);
	else
		say(line, len, "host disabled");
	return 0;
}

static int
filter_zone(const struct ctx *c, const struct sched_host *h, char *line,
    size_t len)
{
	const char	*want = c->req->zone;

	if (want == NULL) {
		say(line, len, "host in %s, requested any", str(h->zone));
		return 1;
	}
	say(line, len, "host in %s, requested %s", str(h->zone), want);
	return strcmp(str(h->zone), want) == 0;
}

static int
filter_force_host(const struct ctx *c, const struct sched_host *h,
    char *line, size_t len)
{
	const char	*want = c->req->force_host;

	if (want == NULL) {
		say(line, len, "no host forced");
		return 1;
	}
	say(line, len, "requested %s", want);
	return strcmp(str(h->name), want) == 0 || strcmp(str(h->id), want) == 0;
}

static int
filter_same_host(const struct ctx *c, const struct sched_host *h,
    char *line, size_t len)
{
	const struct sched_request	*r = c->req;

	if (r->nsame_host == 0) {
		say(line, len, "no hint");
		return 1;
	}
	if (in_list(str(h->id), r->same_host, r->nsame_host)) {
		say(line, len, "host among the %zu hinted", r->nsame_host);
		return 1;
	}
	say(line, len, "host not among the %zu hinted", r->nsame_host);
	return 0;
}

static int
filter_different_host(const struct ctx *c, const struct sched_host *h,
    char *line, size_t len)
{
	const struct sched_request	*r = c->req;

	if (r->ndifferent_host == 0) {
		say(line, len, "no hint");
		return 1;
	}
	if (in_list(str(h->id), r->different_host, r->ndifferent_host)) {
		say(line, len, "host among the %zu to avoid",
		    r->ndifferent_host);
		return 0;
	}
	say(line, len, "host not among the %zu to avoid", r->ndifferent_host);
	return 1;
}

static int
filter_arch(const struct ctx *c, const struct sched_host *h, char *line,
    size_t len)
{
	if (c->arch == NULL) {
		say(line, len, "image any, host %s",
		    h->arch != NULL ? h->arch : "unknown");
		return 1;
	}
	if (h->arch == NULL) {
		say(line, len, "image needs %s, host unknown", c->arch);
		return 0;
	}
	say(line, len, "image needs %s, host %s", c->arch, h->arch);
	return strcasecmp(c->arch, canonical_arch(h->arch)) == 0;
}

static int
is_qemu_kvm(const char *t)
{
	return strcasecmp(t, "qemu") == 0 || strcasecmp(t, "kvm") == 0;
}

static int
filter_hypervisor_type(const struct ctx *c, const struct sched_host *h,
    char *line, size_t len)
{
	const char	*want = c->req->image_hypervisor_type;
	const char	*have = h->hypervisor_type;

	if (want == NULL) {
		say(line, len, "image any, host %s",
		    have != NULL ? have : "unknown");
		return 1;
	}
	if (have == NULL) {
		say(line, len, "image needs %s, host unknown", want);
		return 0;
	}
	say(line, len, "image needs %s, host %s", want, have);
	return strcasecmp(want, have) == 0 ||
	    (is_qemu_kvm(want) && is_qemu_kvm(have));
}

static int
filter_ram(const struct ctx *c, const struct sched_host *h, char *line,
    size_t len)
{
	long long	 avail = free_ram_mib(h);
	char		 r[32];

	say(line, len, "need %lld MiB, free %lld MiB (ratio %s, reserved %lld)",
	    c->req->ram_mib, avail, line ? fmt_ratio(h->ram_ratio, r) : "",
	    h->reserved_ram_mib);
	return avail >= c->req->ram_mib;
}

static int
filter_vcpus(const struct ctx *c, const struct sched_host *h, char *line,
    size_t len)
{
	long long	 avail = free_vcpus(h);
	char		 r[32];

	say(line, len, "need %lld, free %lld (ratio %s)", c->req->vcpus,
	    avail, line ? fmt_ratio(h->cpu_ratio, r) : "");
	return avail >= c->req->vcpus;
}

static int
filter_disk(const struct ctx *c, const struct sched_host *h, char *line,
    size_t len)
{
	long long	 avail = free_disk_gb(h);
	char		 r[32];

	say(line, len, "need %lld GB, free %lld GB (ratio %s)",
	    c->req->disk_gb, avail,
	    line ? fmt_ratio(h->disk_ratio, r) : "");
	return avail >= c->req->disk_gb;
}

static const char *
plural(long long n)
{
	return n == 1 ? "" : "s";
}

static int
filter_group(const struct ctx *c, const struct sched_host *h, char *line,
    size_t len)
{
	const char	*pol = c->req->group_policy;
	int		 size = c->req->group_size, here = h->group_members;

	switch (c->policy) {
	case POLICY_NONE:
		say(line, len, "no policy");
		return 1;
	case POLICY_AFFINITY:
		if (size <= 0) {
			say(line, len, "affinity: first server of the group");
			return 1;
		}
		if (here > 0) {
			say(line, len, "affinity: %d of the group's %d "
			    "server%s here", here, size, plural(size));
			return 1;
		}
		say(line, len, "affinity: none of the group's %d server%s "
		    "here", size, plural(size));
		return 0;
	case POLICY_ANTI_AFFINITY:
		if (here <= 0) {
			say(line, len, "anti-affinity: no server of the "
			    "group here");
			return 1;
		}
		say(line, len, "anti-affinity: %d server%s of the group here",
		    here, plural(here));
		return 0;
	case POLICY_SOFT_AFFINITY:
	case POLICY_SOFT_ANTI_AFFINITY:
		say(line, len, "%s: %d server%s of the group here (weighed)",
		    pol, here, plural(here));
		return 1;
	case POLICY_UNKNOWN:
		break;
	}
	say(line, len, "unknown policy '%s'", str(pol));
	return 0;
}

static const struct filter {
	const char	*name;
	filter_fn	*fn;
} filters[] = {
	{ "enabled",		filter_enabled },
	{ "zone",		filter_zone },
	{ "host",		filter_force_host },
	{ "same_host",		filter_same_host },
	{ "different_host",	filter_different_host },
	{ "arch",		filter_arch },
	{ "hypervisor_type",	filter_hypervisor_type },
	{ "ram",		filter_ram },
	{ "vcpus",		filter_vcpus },
	{ "disk",		filter_disk },
	{ "group",		filter_group }
};
#define NFILTERS	(sizeof(filters) / sizeof(filters[0]))

/* The weighers, in the order the weight line shows them. */
enum {
	W_RAM,
	W_CPU,
	W_DISK,
	W_SERVERS,
	W_SOFT_AFFINITY,
	W_SOFT_ANTI_AFFINITY,
	NWEIGHERS
};
static const char *const weigher_names[NWEIGHERS] = {
	"ram", "cpu", "disk", "servers", "soft-affinity", "soft-anti-affinity"
};

static void
raw_values(const struct sched_host *h, double v[NWEIGHERS])
{
	v[W_RAM] = (double)free_ram_mib(h);
	v[W_CPU] = (double)free_vcpus(h);
	v[W_DISK] = (double)free_disk_gb(h);
	v[W_SERVERS] = (double)h->servers;
	v[W_SOFT_AFFINITY] = (double)h->group_members;
	v[W_SOFT_ANTI_AFFINITY] = -(double)h->group_members;
}

/* What the weighers share: multipliers, which apply, ranges. */
struct weighing {
	double	 mult[NWEIGHERS];
	int	 active[NWEIGHERS];
	double	 min[NWEIGHERS], max[NWEIGHERS];
	size_t	 npassed;
};

static double
normalized(const struct weighing *w, int k, double v)
{
	if (w->max[k] <= w->min[k])
		return 0.0;
	return (v - w->min[k]) / (w->max[k] - w->min[k]);
}

/* A host's weight; its terms, normalized, in terms when not NULL. */
static double
weigh(const struct weighing *w, const struct sched_host *h,
    double terms[NWEIGHERS])
{
	double	 v[NWEIGHERS], sum = 0.0, t;
	int	 k;

	raw_values(h, v);
	for (k = 0; k < NWEIGHERS; k++) {
		if (!w->active[k])
			continue;
		t = normalized(w, k, v[k]);
		if (terms != NULL)
			terms[k] = t;
		sum += t * w->mult[k];
	}
	return sum;
}

/* Whether host a beats host b: weight, then name, then id. */
static int
better(const struct sched_host *a, double wa, const struct sched_host *b,
    double wb)
{
	int	 d;

	if (wa != wb)
		return wa > wb;
	if ((d = strcmp(str(a->name), str(b->name))) != 0)
		return d < 0;
	return strcmp(str(a->id), str(b->id)) < 0;
}

/*
 * Run the filters over h: the index of the first that fails, or PASSED.
 * With explain, all of them run and each verdict is appended to it.
 */
static int
run_filters(const struct ctx *c, const struct sched_host *h,
    struct buf *explain)
{
	char	 line[LINE_MAX_SCHED];
	size_t	 i;
	int	 first = PASSED, pass;

	for (i = 0; i < NFILTERS; i++) {
		if (explain == NULL) {
			if (!filters[i].fn(c, h, NULL, 0))
				return (int)i;
			continue;
		}
		pass = filters[i].fn(c, h, line, sizeof(line));
		buf_puts(explain, pass ? "  PASS " : "  FAIL ");
		buf_puts(explain, filters[i].name);
		buf_add(explain, ": ", 2);
		buf_puts(explain, line);
		buf_putc(explain, '\n');
		if (!pass && first == PASSED)
			first = (int)i;
	}
	return first;
}

static enum policy
parse_policy(const char *p)
{
	if (p == NULL)
		return POLICY_NONE;
	if (strcmp(p, "affinity") == 0)
		return POLICY_AFFINITY;
	if (strcmp(p, "anti-affinity") == 0)
		return POLICY_ANTI_AFFINITY;
	if (strcmp(p, "soft-affinity") == 0)
		return POLICY_SOFT_AFFINITY;
	if (strcmp(p, "soft-anti-affinity") == 0)
		return POLICY_SOFT_ANTI_AFFINITY;
	return POLICY_UNKNOWN;
}

static void
explain_request(struct buf *b, const struct ctx *c)
{
	const struct sched_request	*r = c->req;

	bprintf(b, "request: vcpus %lld, ram %lld MiB, disk %lld GB, "
	    "zone %s, host %s, same_host %zu, different_host %zu, arch %s, "
	    "hypervisor_type %s, group ",
	    r->vcpus, r->ram_mib, r->disk_gb,
	    r->zone != NULL ? r->zone : "any",
	    r->force_host != NULL ? r->force_host : "any",
	    r->nsame_host, r->ndifferent_host,
	    c->arch != NULL ? c->arch : "any",
	    r->image_hypervisor_type != NULL ? r->image_hypervisor_type :
	    "any");
	if (r->group_policy == NULL)
		buf_puts(b, "none\n");
	else
		bprintf(b, "%s (%d server%s)\n", r->group_policy,
		    r->group_size, plural(r->group_size));
}

static void
explain_weight(struct buf *b, const struct weighing *w,
    const struct sched_host *h)
{
	double	 terms[NWEIGHERS], sum;
	char	 num[32];
	int	 k, first = 1;

	sum = weigh(w, h, terms);
	buf_puts(b, "  weight:");
	for (k = 0; k < NWEIGHERS; k++) {
		if (!w->active[k])
			continue;
		buf_puts(b, first ? " " : " + ");
		buf_puts(b, weigher_names[k]);
		buf_putc(b, ' ');
		buf_puts(b, fmt_fixed(terms[k], 2, 0, num));
		buf_add(b, " x ", 3);
		buf_puts(b, fmt_ratio(w->mult[k], num));
		first = 0;
	}
	buf_add(b, " = ", 3);
	buf_puts(b, fmt_fixed(sum, 2, 0, num));
	buf_putc(b, '\n');
}

static void
explain_ranges(struct buf *b, const struct weighing *w, size_t n)
{
	bprintf(b, "weighers: %zu of %zu host%s passed", w->npassed, n,
	    plural((long long)n));
	if (w->npassed > 0) {
		bprintf(b, "; ram free %.0f..%.0f MiB, vcpus free %.0f..%.0f, "
		    "disk free %.0f..%.0f GB, servers %.0f..%.0f",
		    w->min[W_RAM], w->max[W_RAM], w->min[W_CPU],
		    w->max[W_CPU], w->min[W_DISK], w->max[W_DISK],
		    w->min[W_SERVERS], w->max[W_SERVERS]);
		if (w->active[W_SOFT_AFFINITY] ||
		    w->active[W_SOFT_ANTI_AFFINITY])
			bprintf(b, ", group members %.0f..%.0f",
			    w->min[W_SOFT_AFFINITY], w->max[W_SOFT_AFFINITY]);
	}
	buf_putc(b, '\n');
}

void
sched_weights_default(struct sched_weights *w)
{
	w->ram = 1.0;
	w->cpu = 1.0;
	w->disk = 1.0;
	w->servers = 0.0;
	w->soft_affinity = 1.0;
	w->soft_anti_affinity = 1.0;
}

int
sched_select(const struct sched_host *hosts, size_t n,
    const struct sched_request *req, const struct sched_weights *weights,
    struct sched_result *res)
{
	struct sched_weights	 defaults;
	struct weighing		 w;
	struct ctx		 c;
	struct buf		 reasons, explain;
	unsigned char		*verdict = NULL;
	double			 v[NWEIGHERS], wt, best_w = 0.0;
	char			 line[LINE_MAX_SCHED], num[32];
	size_t			 i;
	int			 k, f, best = -1;

	res->chosen = -1;
	res->explain = res->reasons = NULL;
	buf_init(&reasons);
	buf_init(&explain);
	if (weights == NULL) {
		sched_weights_default(&defaults);
		weights = &defaults;
	}
	c.req = req;
	c.policy = parse_policy(req->group_policy);
	c.arch = req->image_arch != NULL ? canonical_arch(req->image_arch) :
	    NULL;

	memset(&w, 0, sizeof(w));
	w.mult[W_RAM] = weights->ram;
	w.mult[W_CPU] = weights->cpu;
	w.mult[W_DISK] = weights->disk;
	w.mult[W_SERVERS] = weights->servers;
	w.mult[W_SOFT_AFFINITY] = weights->soft_affinity;
	w.mult[W_SOFT_ANTI_AFFINITY] = weights->soft_anti_affinity;
	w.active[W_RAM] = w.active[W_CPU] = w.active[W_DISK] = 1;
	w.active[W_SERVERS] = 1;
	w.active[W_SOFT_AFFINITY] = c.policy == POLICY_SOFT_AFFINITY;
	w.active[W_SOFT_ANTI_AFFINITY] = c.policy == POLICY_SOFT_ANTI_AFFINITY;

	if (n == 0)
		buf_puts(&reasons, "no hosts\n");
	else
		verdict = xmalloc(n);

	/* Filter, noting each weigher's range over the hosts that pass. */
	for (i = 0; i < n; i++) {
		f = run_filters(&c, &hosts[i], NULL);
		verdict[i] = (unsigned char)f;
		if (f != PASSED) {
			filters[f].fn(&c, &hosts[i], line, sizeof(line));
			buf_puts(&reasons, str(hosts[i].name));
			buf_add(&reasons, ": ", 2);
			buf_puts(&reasons, filters[f].name);
			buf_add(&reasons, ": ", 2);
			buf_puts(&reasons, line);
			buf_putc(&reasons, '\n');
			continue;
		}
		raw_values(&hosts[i], v);
		for (k = 0; k < NWEIGHERS; k++) {
			if (w.npassed == 0 || v[k] < w.min[k])
				w.min[k] = v[k];
			if (w.npassed == 0 || v[k] > w.max[k])
				w.max[k] = v[k];
		}
		w.npassed++;
	}

	/* Weigh; the first best in index order keeps a full tie. */
	for (i = 0; i < n; i++) {
		if (verdict[i] != PASSED)
			continue;
		wt = weigh(&w, &hosts[i], NULL);
		if (best == -1 || better(&hosts[i], wt, &hosts[best], best_w)) {
			best = (int)i;
			best_w = wt;
		}
	}

	if (req->explain) {
		explain_request(&explain, &c);
		if (n == 0)
			buf_puts(&explain, "no hosts\n");
		for (i = 0; i < n; i++) {
			buf_puts(&explain, "host ");
			buf_puts(&explain, str(hosts[i].name));
			buf_puts(&explain, " (id ");
			buf_puts(&explain, str(hosts[i].id));
			buf_puts(&explain, ", zone ");
			buf_puts(&explain, str(hosts[i].zone));
			if (verdict[i] == PASSED)
				buf_puts(&explain, "): PASS\n");
			else {
				buf_puts(&explain, "): FAIL ");
				buf_puts(&explain, filters[verdict[i]].name);
				buf_putc(&explain, '\n');
			}
			run_filters(&c, &hosts[i], &explain);
			if (verdict[i] == PASSED)
				explain_weight(&explain, &w, &hosts[i]);
		}
		explain_ranges(&explain, &w, n);
		if (best == -1)
			buf_puts(&explain, "chosen: none\n");
		else
			bprintf(&explain, "chosen: %s (id %s, weight %s)\n",
			    str(hosts[best].name), str(hosts[best].id),
			    fmt_fixed(best_w, 2, 0, num));
		res->explain = buf_release(&explain);
	}
	free(verdict);
	res->reasons = buf_release(&reasons);
	res->chosen = best;
	return best == -1 ? -1 : 0;
}

void
sched_result_free(struct sched_result *res)
{
	if (res == NULL)
		return;
	free(res->explain);
	free(res->reasons);
	res->explain = res->reasons = NULL;
	res->chosen = -1;
}
