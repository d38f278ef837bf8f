/*
 * virt-smoke: boot the tiny test guest through lib/virt.c by direct
 * kernel boot, wait for its console markers, and remove it again.  The
 * proof that libvirt, QEMU and the guest from tests/rig/build-guest work
 * together before any feature test relies on them.  Speaks TAP.
 *
 * Environment:
 *   NUBES_TEST_CACHE	the guest (vmlinuz, initrd.img, virt_type);
 *			default /var/cache/nubes-test
 *   NUBES_VIRT_TYPE	kvm or qemu; default from CACHE/virt_type, else qemu
 *   NUBES_TEST_URI	libvirt URI; default $CLOUD_DEFAULT_URI, else
 *			qemu:///system
 *   NUBES_BOOT_TIMEOUT	seconds to wait for NUBES-GUEST-READY (default 90)
 *   NUBES_ALLOW_SKIP=1	skip instead of failing when there is no guest
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nubes.h"
#include "virt.h"
#include "xml.h"

#define NTESTS		14
#define POLL_NSEC	200000000L	/* 0.2 s */

static int			 ntest;
static int			 nfailed;
static volatile sig_atomic_t	 interrupted;

static void
ok(int cond, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ok(int cond, const char *fmt, ...)
{
	va_list	 ap;

	printf("%sok %d - ", cond ? "" : "not ", ++ntest);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		nfailed++;
}

static void
diag(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
diag(const char *fmt, ...)
{
	va_list	 ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
pause_poll(void)
{
	struct timespec	 ts = { 0, POLL_NSEC };

	nanosleep(&ts, NULL);
}

/* The whole of a file, NUL-terminated, or NULL; the caller frees it. */
static char *
slurp(const char *path)
{
	FILE	*fp;
	char	*s = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap * 2 + 4096;
			s = xreallocarray(s, 1, cap);
		}
		n = fread(s + len, 1, cap - len - 1, fp);
		len += n;
		if (n == 0)
			break;
	}
	s[len] = '\0';
	fclose(fp);
	return s;
}

/* 1 when some line of text begins with marker. */
static int
has_line(const char *text, const char *marker)
{
	const char	*p;
	size_t		 n = strlen(marker);

	for (p = text; p != NULL; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, marker, n) == 0)
			return 1;
	}
	return 0;
}

/* A file's first line without the newline, or NULL; caller frees. */
static char *
first_line(const char *path)
{
	char	*s;

	if ((s = slurp(path)) == NULL)
		return NULL;
	s[strcspn(s, "\r\n")] = '\0';
	return s;
}

/*
 * Wait until the serial log shows marker, the guest stops, the deadline
 * passes or a signal arrives.  Returns 1 when the marker was seen.
 */
static int
wait_marker(struct virt *v, struct nb *nb, const char *uuid,
    const char *log, const char *marker, double deadline, double *seen_at)
{
	char	*text, state[32];
	int	 found, polls = 0;

	while (!interrupted) {
		text = slurp(log);
		found = text != NULL && has_line(text, marker);
		free(text);
		if (found) {
			*seen_at = now();
			return 1;
		}
		if (now() > deadline) {
			diag("no %s before the deadline", marker);
			return 0;
		}
		/* A guest that stopped will not print anything more. */
		if (++polls % 5 == 0) {
			if (virt_domain_state(v, uuid, state, sizeof(state)) ==
			    -1) {
				diag("%s", nb_errstr(nb));
				return 0;
			}
			if (strcmp(state, "running") != 0) {
				diag("guest is %s, not running", state);
				return 0;
			}
		}
		pause_poll();
	}
	diag("interrupted");
	return 0;
}

/* Show the last lines of a file as TAP diagnostics. */
static void
diag_tail(const char *path, int nlines)
{
	char	*text, *p, *nl;

	if ((text = slurp(path)) == NULL)
		return;
	p = text + strlen(text);
	while (p > text && nlines > 0)
		if (*--p == '\n' && p[1] != '\0')
			nlines--;
	if (*p == '\n')
		p++;
	for (; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		printf("#   %.*s\n", (int)(nl - p), p);
		if (*nl == '\0')
			break;
	}
	free(text);
}

static const char domain_fmt[] =
	"<domain type='%s'>\n"
	"  <name>%s</name>\n"
	"  <memory unit='MiB'>128</memory>\n"
	"  <vcpu>1</vcpu>\n"
	"  <os>\n"
	"    <type arch='x86_64'>hvm</type>\n"
	"    <kernel>%s</kernel>\n"
	"    <initrd>%s</initrd>\n"
	"    <cmdline>console=ttyS0 panic=-1</cmdline>\n"
	"  </os>\n"
	"  <features><acpi/></features>\n"
	"  <on_poweroff>destroy</on_poweroff>\n"
	"  <on_reboot>destroy</on_reboot>\n"
	"  <on_crash>destroy</on_crash>\n"
	"  <devices>\n"
	"%s"
	"    <serial type='file'>\n"
	"      <source path='%s' append='on'/>\n"
	"      <target port='0'/>\n"
	"    </serial>\n"
	"    <memballoon model='none'/>\n"
	"  </devices>\n"
	"</domain>\n";

/* Domain XML for the guest; every value escaped.  Caller frees. */
static char *
domain_xml(const char *type, const char *name, const char *kernel,
    const char *initrd, const char *extra, const char *log)
{
	char	*t, *n, *k, *i, *l, *xml;

	t = xml_escape(type);
	n = xml_escape(name);
	k = xml_escape(kernel);
	i = xml_escape(initrd);
	l = xml_escape(log);
	xasprintf(&xml, domain_fmt, t, n, k, i, extra, l);
	free(t);
	free(n);
	free(k);
	free(i);
	free(l);
	return xml;
}

static void
test_xml_escape(void)
{
	char	*s;

	s = xml_escape("a<b>&'c'\"d\"");
	ok(s != NULL && strcmp(s, "a&lt;b&gt;&amp;&apos;c&apos;&quot;d&quot;")
	    == 0, "xml_escape turns markup and quotes into entities");
	free(s);
	s = xml_escape("x\001y\tz\n\xc3\xa9");
	ok(s != NULL && strcmp(s, "x\xef\xbf\xbdy\tz\n\xc3\xa9") == 0,
	    "xml_escape replaces control characters, keeps tab, newline, UTF-8");
	free(s);
}

int
main(void)
{
	struct nb	 nb;
	struct virt	*v = NULL;
	struct sigaction sa;
	const char	*cache, *type, *uri, *env;
	char		*kernel = NULL, *initrd = NULL, *typefile = NULL;
	char		*filetype = NULL, *dir = NULL, *log = NULL, *xml = NULL;
	char		 name[64], uuid[NB_UUID_LEN + 1], uuid2[37];
	char		 state[32], tmpl[] = "/tmp/nubes-virt-smoke.XXXXXX";
	double		 t0, deadline, boot_at = 0, ready_at = 0;
	long long	 timeout = 90;
	int		 defined = 0, fd, r;

	memset(&nb, 0, sizeof(nb));
	nb.progname = "virt-smoke";

	cache = getenv("NUBES_TEST_CACHE");
	if (cache == NULL || *cache == '\0')
		cache = "/var/cache/nubes-test";
	xasprintf(&kernel, "%s/vmlinuz", cache);
	xasprintf(&initrd, "%s/initrd.img", cache);
	if (access(kernel, R_OK) == -1 || access(initrd, R_OK) == -1) {
		env = getenv("NUBES_ALLOW_SKIP");
		if (env != NULL && strcmp(env, "1") == 0) {
			printf("1..0 # SKIP no test guest in %s "
			    "(run tests/rig/build-guest)\n", cache);
			return 0;
		}
		printf("1..1\nnot ok 1 - test guest in %s "
		    "(run tests/rig/build-guest, or set NUBES_ALLOW_SKIP=1)\n",
		    cache);
		return 1;
	}

	type = getenv("NUBES_VIRT_TYPE");
	if (type == NULL || *type == '\0') {
		xasprintf(&typefile, "%s/virt_type", cache);
		filetype = first_line(typefile);
		type = filetype;
	}
	if (type == NULL || (strcmp(type, "kvm") != 0 &&
	    strcmp(type, "qemu") != 0)) {
		printf("1..1\nnot ok 1 - virt type '%s' is kvm or qemu "
		    "(run tests/rig/detect-virt-type)\n",
		    type != NULL ? type : "");
		return 1;
	}
	if ((uri = getenv("NUBES_TEST_URI")) == NULL || *uri == '\0')
		if ((uri = getenv("CLOUD_DEFAULT_URI")) == NULL || *uri == '\0')
			uri = "qemu:///system";
	if ((env = getenv("NUBES_BOOT_TIMEOUT")) != NULL &&
	    num_parse(&nb, "NUBES_BOOT_TIMEOUT", env, 1, 3600, &timeout) == -1) {
		printf("1..1\nnot ok 1 - %s\n", nb_errstr(&nb));
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	printf("1..%d\n", NTESTS);
	diag("guest %s, type %s, uri %s", cache, type, uri);
	test_xml_escape();

	v = virt_open(&nb, uri);
	ok(v != NULL, "virt_open connects to %s", uri);
	if (v == NULL) {
		diag("%s", nb_errstr(&nb));
		goto done;
	}

	/*
	 * libvirtd (root) opens the log for QEMU; a world-readable file of
	 * ours in a 0755 directory stays readable whoever we run as.
	 */
	if ((dir = mkdtemp(tmpl)) == NULL || chmod(dir, 0755) == -1) {
		diag("mkdtemp: %s", strerror(errno));
		goto done;
	}
	xasprintf(&log, "%s/serial.log", dir);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -1) {
		diag("%s: %s", log, strerror(errno));
		goto done;
	}
	fchmod(fd, 0644);
	close(fd);

	snprintf(name, sizeof(name), "nubes-test-smoke-%ld-%08x",
	    (long)getpid(), arc4random());
	xml = domain_xml(type, name, kernel, initrd, "", log);
	t0 = now();
	r = virt_define_start(v, xml, uuid);
	ok(r == 0, "virt_define_start defines and starts %s", name);
	if (r == -1) {
		diag("%s", nb_errstr(&nb));
		goto done;
	}
	defined = 1;
	diag("define+start %.2f s, uuid %s", now() - t0, uuid);

	r = virt_domain_state(v, uuid, state, sizeof(state));
	ok(r == 0 && strcmp(state, "running") == 0,
	    "virt_domain_state says running");
	if (r == -1)
		diag("%s", nb_errstr(&nb));

	deadline = t0 + timeout;
	r = wait_marker(v, &nb, uuid, log, "NUBES-GUEST-BOOT", deadline,
	    &boot_at);
	ok(r, "serial log shows NUBES-GUEST-BOOT");
	if (r)
		r = wait_marker(v, &nb, uuid, log, "NUBES-GUEST-READY",
		    deadline, &ready_at);
	ok(r, "serial log shows NUBES-GUEST-READY");
	if (r)
		diag("start to BOOT %.1f s, to READY %.1f s", boot_at - t0,
		    ready_at - t0);
	else if (!interrupted)
		diag_tail(log, 25);
	if (interrupted)
		goto done;

	t0 = now();
	r = virt_destroy_undefine(v, uuid);
	ok(r == 0, "virt_destroy_undefine removes the guest");
	if (r == -1)
		diag("%s", nb_errstr(&nb));
	else {
		defined = 0;
		diag("destroy+undefine %.2f s", now() - t0);
	}

	nb_clearerr(&nb);
	r = virt_domain_state(v, uuid, state, sizeof(state));
	ok(r == -1 && nb_exitcode(&nb) == NB_ENOTFOUND,
	    "virt_domain_state of the removed guest fails with not found");
	diag("%s", nb_errstr(&nb));

	nb_clearerr(&nb);
	ok(virt_destroy_undefine(v, uuid) == 0,
	    "virt_destroy_undefine of a removed guest is not an error");

	nb_clearerr(&nb);
	r = virt_domain_state(v, "not-a-uuid", state, sizeof(state));
	ok(r == -1 && nb_exitcode(&nb) == NB_EUSAGE &&
	    strcmp(nb_errstr(&nb), "'not-a-uuid' is not a UUID") == 0,
	    "virt_domain_state of a malformed UUID fails with usage");

	/* A guest that is defined but cannot start leaves nothing behind. */
	free(xml);
	snprintf(name, sizeof(name), "nubes-test-smoke-%ld-%08x",
	    (long)getpid(), arc4random());
	xml = domain_xml(type, name, kernel, initrd,
	    "    <disk type='file' device='disk'>\n"
	    "      <source file='/nonexistent/nubes-smoke.img'/>\n"
	    "      <target dev='vda' bus='virtio'/>\n"
	    "    </disk>\n", log);
	nb_clearerr(&nb);
	memset(uuid2, 0, sizeof(uuid2));
	r = virt_define_start(v, xml, uuid2);
	ok(r == -1 && nb_exitcode(&nb) == NB_EFAIL &&
	    strstr(nb_errstr(&nb), "cannot start domain") != NULL,
	    "virt_define_start of a guest that cannot start fails");
	diag("%s", nb_errstr(&nb));
	if (r == 0)
		virt_destroy_undefine(v, uuid2);
	nb_clearerr(&nb);
	ok(uuid2[0] != '\0' && virt_domain_state(v, uuid2, state,
	    sizeof(state)) == -1 && nb_exitcode(&nb) == NB_ENOTFOUND,
	    "... and leaves no domain defined");

	nb_clearerr(&nb);
	virt_close(v);
	v = NULL;
	ok(virt_open(&nb, "bogus:///nowhere") == NULL &&
	    strncmp(nb_errstr(&nb), "cannot connect to 'bogus:///nowhere': ",
	    38) == 0, "virt_open of a bad URI fails with libvirt's reason");
	diag("%s", nb_errstr(&nb));

done:
	if (defined && v != NULL && virt_destroy_undefine(v, uuid) == -1)
		diag("cleanup: %s", nb_errstr(&nb));
	virt_close(v);
	if (log != NULL)
		unlink(log);
	if (dir != NULL)
		rmdir(dir);
	while (ntest < NTESTS)
		ok(0, "not run");
	free(xml);
	free(log);
	free(kernel);
	free(initrd);
	free(typefile);
	free(filetype);
	return nfailed != 0 || interrupted;
}
