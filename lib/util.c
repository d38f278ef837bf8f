/*
 * util.c: allocation, growable strings, UUIDs, times, input validation
 * and operands: the small things every program needs.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"

static void __attribute__((noreturn))
oom(void)
{
	/* The one place the library exits: there is nothing to recover. */
	fputs("nubes: out of memory\n", stderr);
	_exit(1);
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n ? n : 1)) == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if ((p = reallocarray(old, n ? n : 1, size ? size : 1)) == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		oom();
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		oom();
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n == -1)
		oom();
	return n;
}

void
buf_init(struct buf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
}

static void
buf_grow(struct buf *b, size_t more)
{
	size_t	 need = b->len + more + 1;

	if (need <= b->cap)
		return;
	b->cap = b->cap ? b->cap : 64;
	while (b->cap < need)
		b->cap *= 2;
	b->s = xreallocarray(b->s, b->cap, 1);
}

void
buf_add(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_putc(struct buf *b, int c)
{
	char	 ch = c;

	buf_add(b, &ch, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		oom();
	buf_add(b, s, n);
	free(s);
}

char *
buf_release(struct buf *b)
{
	char	*s = b->s ? b->s : xstrdup("");

	buf_init(b);
	return s;
}

void
buf_free(struct buf *b)
{
	free(b->s);
	buf_init(b);
}

void
uuid_generate(char out[NB_UUID_LEN + 1])
{
	unsigned char	 u[16];

	random_bytes(u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;	/* version 4 */
	u[8] = (u[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	snprintf(out, NB_UUID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
	    u[10], u[11], u[12], u[13], u[14], u[15]);
}

int
uuid_valid(const char *s)
{
	size_t	 i;

	if (strlen(s) != NB_UUID_LEN)
		return 0;
	for (i = 0; i < NB_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* Digits by hand: strftime's locale machinery was a tenth of a list. */
void
time_rfc3339(time_t t, char buf[32])
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
		return;
	}
	snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int
time_parse(const char *s, time_t *out)
{
	struct tm	 tm;
	const char	*end;
	long long	 n;
	const char	*errstr;

	n = strtonum(s, 0, LLONG_MAX, &errstr);
	if (errstr == NULL) {
		*out = n;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL &&
	    (end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return -1;
	if (*end != '\0' && strcmp(end, "Z") != 0)
		return -1;
	*out = timegm(&tm);
	return 0;
}

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s))
			return 1;
	return 0;
}

int
name_valid(struct nb *nb, const char *what, const char *name)
{
	size_t	 len = strlen(name);

	if (len == 0)
		return nb_seterr(nb, NB_EUSAGE, "%s name is empty", what);
	if (len > NB_NAME_MAX)
		return nb_seterr(nb, NB_EUSAGE,
		    "%s name is too long: %zu bytes, at most %d", what, len,
		    NB_NAME_MAX);
	if (has_control(name))
		return nb_seterr(nb, NB_EUSAGE,
		    "%s name contains control characters", what);
	if (strcmp(name, "-") == 0)
		return nb_seterr(nb, NB_EUSAGE,
		    "%s name '-' is reserved for stdin", what);
	return 0;
}

int
text_valid(struct nb *nb, const char *what, const char *s, size_t max)
{
	if (strlen(s) > max)
		return nb_seterr(nb, NB_EUSAGE, "%s is too long: at most %zu "
		    "bytes", what, max);
	if (has_control(s))
		return nb_seterr(nb, NB_EUSAGE, "%s contains control "
		    "characters", what);
	return 0;
}

/* A practical address check: local@domain.tld, printable, no spaces. */
int
email_valid(struct nb *nb, const char *email)
{
	const char	*at, *dot, *p;

	if (text_valid(nb, "email", email, 254) == -1)
		return -1;
	at = strchr(email, '@');
	if (at == NULL || at == email || strchr(at + 1, '@') != NULL)
		goto bad;
	dot = strrchr(at, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0')
		goto bad;
	for (p = email; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || *p == '<' || *p == '>' ||
		    *p == '"' || *p == ',' || *p == ';')
			goto bad;
	return 0;
bad:
	return nb_seterr(nb, NB_EUSAGE, "invalid email address '%s'", email);
}

int
num_parse(struct nb *nb, const char *what, const char *s, long long min,
    long long max, long long *out)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, min, max, &errstr);
	if (errstr != NULL)
		return nb_seterr(nb, NB_EUSAGE, "%s '%s' is %s (%lld to %lld)",
		    what, s, errstr, min, max);
	*out = n;
	return 0;
}

char *
read_secret_stdin(struct nb *nb, const char *what, size_t max)
{
	struct buf	 b;
	char		 chunk[512];
	size_t		 n;

	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		buf_add(&b, chunk, n);
		if (b.len > max) {
			explicit_bzero(b.s, b.len);
			buf_free(&b);
			nb_seterr(nb, NB_EUSAGE, "%s on stdin is too long: at "
			    "most %zu bytes", what, max);
			return NULL;
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	if (ferror(stdin)) {
		buf_free(&b);
		nb_seterr(nb, NB_EFAIL, "reading %s from stdin: %s", what,
		    strerror(errno));
		return NULL;
	}
	while (b.len > 0 && (b.s[b.len - 1] == '\n' || b.s[b.len - 1] == '\r'))
		b.s[--b.len] = '\0';
	if (b.len == 0) {
		buf_free(&b);
		nb_seterr(nb, NB_EUSAGE, "no %s on stdin", what);
		return NULL;
	}
	return buf_release(&b);
}

/*
 * Operands come from argv; with "-" as the only operand, or with none
 * and stdin not a terminal, they come from stdin one a line.
 */
void
operands_init(struct operands *ops, int argc, char **argv)
{
	memset(ops, 0, sizeof(*ops));
	ops->argc = argc;
	ops->argv = argv;
	if ((argc == 1 && strcmp(argv[0], "-") == 0) ||
	    (argc == 0 && !isatty(STDIN_FILENO)))
		ops->from_stdin = 1;
}

const char *
operands_next(struct operands *ops)
{
	ssize_t	 n;

	if (!ops->from_stdin)
		return ops->i < ops->argc ? ops->argv[ops->i++] : NULL;
	while ((n = getline(&ops->line, &ops->linecap, stdin)) != -1) {
		while (n > 0 && (ops->line[n - 1] == '\n' ||
		    ops->line[n - 1] == '\r'))
			ops->line[--n] = '\0';
		if (n > 0)
			return ops->line;
	}
	return NULL;
}

void
operands_free(struct operands *ops)
{
	free(ops->line);
	ops->line = NULL;
}

/* The start time of pid in clock ticks since boot (field 22), or 0. */
static unsigned long long
proc_start_time(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 start = 0;
	FILE			*fp;
	int			 field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (p = strrchr(buf, ')')) != NULL) {
		/* Fields after the command name; state is field 3. */
		for (field = 3, p += 2; *p != '\0' && field < 22; p++)
			if (*p == ' ')
				field++;
		start = strtoull(p, NULL, 10);
	}
	fclose(fp);
	return start;
}

static void
boot_id(char buf[40])
{
	FILE	*fp;

	buf[0] = '\0';
	if ((fp = fopen("/proc/sys/kernel/random/boot_id", "r")) != NULL) {
		if (fgets(buf, 40, fp) == NULL)
			buf[0] = '\0';
		fclose(fp);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

void
proc_claim(char buf[NB_CLAIM_LEN])
{
	char	 boot[40];

	boot_id(boot);
	snprintf(buf, NB_CLAIM_LEN, "%s %d %llu", boot, (int)getpid(),
	    proc_start_time(getpid()));
}

int
claim_alive(const char *claim)
{
	char			 boot[40], now[40];
	int			 pid;
	unsigned long long	 start;

	if (claim == NULL ||
	    sscanf(claim, "%39s %d %llu", boot, &pid, &start) != 3)
		return 0;
	boot_id(now);
	if (strcmp(boot, now) != 0)
		return 0;	/* the machine rebooted since */
	return proc_start_time(pid) == start && start != 0;
}

void
crash_point(const char *where)
{
	const char	*at = getenv("NUBES_CRASH_AT");

	if (at != NULL && strcmp(at, where) == 0)
		(void)raise(SIGKILL);
}

#define ARENA_CHUNK	(256 * 1024)

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 used, size;
	char			 data[];
};

struct arena {
	struct arena_chunk	*head;
};

struct arena *
arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
}

char *
arena_strdup(struct arena *a, const char *s)
{
	struct arena_chunk	*c = a->head;
	size_t			 len;
	char			*p;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	if (c == NULL || c->size - c->used < len) {
		size_t	 size = len > ARENA_CHUNK ? len : ARENA_CHUNK;

		c = xmalloc(sizeof(*c) + size);
		c->next = a->head;
		c->used = 0;
		c->size = size;
		a->head = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	c->used += len;
	return p;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk	*c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}
