/*
 * bench-volume: what cloud-volume-create and cloud-volume-attach add to
 * libvirt's own calls, and how fast a volume is made from an image.
 * Not a test: it prints numbers and asserts nothing.
 *
 *   bench/bench-volume BINDIR POLICY [RUNS]
 *
 * First, RUNS times (default 7), an empty 1 GB volume is made and
 * attached to a running guest: cloud-volume-create --size 1, then
 * cloud-volume-attach, each program run to completion and timed on its
 * own; detaching and deleting it again are not timed.  Beside it, in
 * the same run and alternating with it, the baseline: this process,
 * with one libvirt connection already open and the pool and domain
 * already looked up, calls virStorageVolCreateXML for an empty 1 GiB
 * qcow2 volume in the same pool and virDomainAttachDeviceFlags (live
 * and config) with the same <disk> element (volume_disk_xml(), virtio,
 * at vdd, where nubes puts it) on the same domain; detach (waiting
 * until the guest lets go) and delete again untimed.  The baseline
 * calls libvirt directly, not through lib/virt.c, so that nothing of
 * nubes is in it; the difference is nubes's own cost: two processes
 * linked with libvirt that each connect, authentication, the claim and
 * record transactions, and the pool and domain look-ups.  The guest
 * boots first and must be up (NUBES-GUEST-READY on its console) so
 * that it, not a half-booted kernel, answers the hot-plug.
 *
 * Second, a volume made from a 1 GiB raw image (pseudo-random 64 MiB
 * blocks, one every 128 MiB, zeros between: data and free space, as a
 * file system image has): cloud-volume-create --image the first time,
 * which streams the image into the host's pool before copying it, then
 * again with the image already in the pool (the steady state), beside
 * qemu-img convert -O qcow2 of the same file into the same file system.
 * The page cache holds the files: this measures the copy, not the disk.
 *
 * It needs a libvirt daemon on qemu:///system and the tiny test guest
 * in $NUBES_TEST_CACHE (default /var/cache/nubes-test), with its virt
 * type: tests/rig/libvirtd-up, tests/rig/build-guest and
 * tests/rig/detect-virt-type make them.  Without them it prints
 * "skipped" and exits 0.
 *
 * All of it happens in a scratch cloud with storage pools of its own
 * (nubes-bench-PID for servers, nubes-bench-vol-PID for volumes,
 * directories in the scratch directory).  Every domain, volume and pool
 * goes again at exit, also after a failure or a SIGINT/SIGTERM (the
 * step in progress finishes first).  The lock the guest tests take
 * turns with (tests/lib.sh guests_exclusive) is held while the guest
 * runs.
 */
#include "config.h"

#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "nubes.h"
#include "guest.h"
#include "virt.h"
#include "bench.h"

#define URI		"qemu:///system"
#define READY		"NUBES-GUEST-READY"
#define READY_WAIT	600	/* seconds for the guest to boot under TCG */
#define DETACH_WAIT	60	/* seconds for the guest to let go of a disk */
#define GIB		(1024ULL * 1024 * 1024)
#define MIB		(1024ULL * 1024)
#define DEVICE		"vdd"	/* the first a volume gets */
#define MAX_RUNS	50
#define IMAGE_RUNS	3	/* steady-state creates and converts */

/* What cleanup() must undo; set as it is made. */
static struct nb	*nb;
static struct virt	*v;
static char		*dir;
static char		 pool[64], vpool[64];
static virConnectPtr	 conn;
static virDomainPtr	 dom;
static virStoragePoolPtr rawpool;
/* libvirt must not print by itself; its messages go into ours. */
static void
silent(void *opaque, virErrorPtr error)
{
	(void)opaque;
	(void)error;
}

/*
 * At exit, whatever happened: the domains of every server of the
 * scratch cloud, then the baseline's handles, then both pools.  The
 * volumes are files in the pools' directories, which go with the
 * scratch directory; a baseline volume left attached goes with the
 * domain.
 */
static void
cleanup(void)
{
	struct table	*t;
	size_t		 i;

	if (dom != NULL)
		virDomainFree(dom);
	if (rawpool != NULL)
		virStoragePoolFree(rawpool);
	if (conn != NULL)
		virConnectClose(conn);
	dom = NULL;
	rawpool = NULL;
	conn = NULL;
	if (v != NULL) {
		t = db_table(nb, "SELECT id FROM servers", NULL);
		if (t != NULL) {
			for (i = 0; i < t->nrows; i++)
				(void)virt_destroy_undefine(v, t->cells[i]);
			table_free(t);
		}
		nb_clearerr(nb);
		if (virt_pool_remove(v, vpool) == -1)
			warnx("removing pool '%s': %s", vpool, nb_errstr(nb));
		if (virt_pool_remove(v, pool) == -1)
			warnx("removing pool '%s': %s", pool, nb_errstr(nb));
		virt_close(v);
		v = NULL;
	}
	nb_close(nb);
	nb = NULL;
	if (dir != NULL) {
		scratch_remove(dir);
		dir = NULL;
	}
}

/* Run a program of the scratch cloud that must succeed, timed in ms. */
static double
timed(char *const argv[], const char *in)
{
	double	 t0 = now();

	must_run(argv, in, NULL);
	return (now() - t0) * 1e3;
}

static void
virt_die(const char *what)
{
	const char	*msg = virGetLastErrorMessage();

	errx(1, "baseline: %s: %s", what, msg != NULL ? msg : "?");
}

/* The name of baseline volume i, in buf. */
static void
raw_volume(char *buf, size_t len, int i)
{
	snprintf(buf, len, "bench-raw-%d", i);
}

/* Whether the running domain has a disk at DEVICE: 1 or 0. */
static int
raw_has_disk(void)
{
	char	*xml;
	int	 has;

	if ((xml = virDomainGetXMLDesc(dom, 0)) == NULL)
		virt_die("domain XML");
	has = strstr(xml, "<target dev='" DEVICE "'") != NULL;
	free(xml);
	return has;
}

/* Times in ms of one run, nubes or baseline. */
struct sample {
	double	 create, attach;
};

/*
 * One baseline run: an empty 1 GiB qcow2 volume made and attached,
 * each call timed; detached (until the guest lets go) and deleted
 * again, untimed.
 */
static struct sample
raw_once(int i)
{
	struct guest_disk	 d;
	struct sample		 s;
	virStorageVolPtr	 vol;
	char			 name[64], vxml[512], *path, *dxml;
	unsigned int		 flags = VIR_DOMAIN_AFFECT_LIVE |
				    VIR_DOMAIN_AFFECT_CONFIG;
	double			 t0, deadline;

	raw_volume(name, sizeof(name), i);
	/* As lib/virt.c asks for an empty volume. */
	snprintf(vxml, sizeof(vxml), "<volume><name>%s</name><capacity "
	    "unit='B'>%llu</capacity><target><format type='qcow2'/>"
	    "<permissions><mode>0644</mode></permissions></target>"
	    "</volume>", name, GIB);
	t0 = now();
	if ((vol = virStorageVolCreateXML(rawpool, vxml, 0)) == NULL)
		virt_die("virStorageVolCreateXML");
	s.create = (now() - t0) * 1e3;

	if ((path = virStorageVolGetPath(vol)) == NULL)
		virt_die("virStorageVolGetPath");
	d.path = path;
	d.format = "qcow2";
	d.target = DEVICE;
	d.serial = name;
	dxml = volume_disk_xml(&d);
	t0 = now();
	if (virDomainAttachDeviceFlags(dom, dxml, flags) == -1)
		virt_die("virDomainAttachDeviceFlags");
	s.attach = (now() - t0) * 1e3;

	if (virDomainDetachDeviceFlags(dom, dxml, flags) == -1)
		virt_die("virDomainDetachDeviceFlags");
	for (deadline = now() + DETACH_WAIT; raw_has_disk(); usleep(100000))
		if (now() >= deadline)
			errx(1, "baseline: the guest did not let go of %s "
			    "within %d s", DEVICE, DETACH_WAIT);
	if (virStorageVolDelete(vol, 0) == -1)
		virt_die("virStorageVolDelete");
	virStorageVolFree(vol);
	free(dxml);
	free(path);
	return s;
}

/*
 * One nubes run: cloud-volume-create --size 1 and cloud-volume-attach,
 * each timed; cloud-volume-detach and cloud-volume-delete, untimed.
 */
static struct sample
nubes_once(const char *name, const char *server)
{
	struct sample	 s;
	char		*create = prog("cloud-volume-create");
	char		*attach = prog("cloud-volume-attach");
	char		*detach = prog("cloud-volume-detach");
	char		*delete = prog("cloud-volume-delete");
	char		*ca[] = { create, "-q", "--size", "1", (char *)name,
			    NULL };
	char		*aa[] = { attach, (char *)name, (char *)server, NULL };
	char		*xa[] = { detach, (char *)name, (char *)server, NULL };
	char		*da[] = { delete, (char *)name, NULL };

	s.create = timed(ca, "/dev/null");
	s.attach = timed(aa, "/dev/null");
	must_run(xa, "/dev/null", NULL);
	must_run(da, "/dev/null", NULL);
	free(create);
	free(attach);
	free(detach);
	free(delete);
	return s;
}

/*
 * Parts of nubes's cost, for reading the overhead: a program linked
 * with libvirt started and exited (cloud-volume-attach --help), and a
 * connection to libvirtd opened and closed; in ms.
 */
static double
start_once(void)
{
	char	*attach = prog("cloud-volume-attach");
	char	*ha[] = { attach, "--help", NULL };
	double	 t;

	t = timed(ha, "/dev/null");
	free(attach);
	return t;
}

static double
connect_once(void)
{
	virConnectPtr	 c;
	double		 t0 = now();

	if ((c = virConnectOpen(URI)) == NULL)
		virt_die("virConnectOpen");
	virConnectClose(c);
	return (now() - t0) * 1e3;
}

/* A few pseudo-random bits; the data needs no quality, only variety. */
static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The 1 GiB raw image: 64 MiB of pseudo-random bytes at the start of
 * every 128 MiB, zeros written out between, so the file is as long on
 * disk as it says and a copy reads all of it.
 */
static void
make_image(const char *path)
{
	uint64_t	*buf, x = 0x9e3779b97f4a7c15ULL;
	size_t		 i, n = 4 * MIB / sizeof(*buf);
	unsigned long long off;
	int		 fd;

	buf = xcalloc(n, sizeof(*buf));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		err(1, "%s", path);
	for (off = 0; off < GIB; off += 4 * MIB) {
		if (off % (128 * MIB) < 64 * MIB)
			for (i = 0; i < n; i++)
				buf[i] = xorshift(&x);
		else
			memset(buf, 0, n * sizeof(*buf));
		if (write(fd, buf, n * sizeof(*buf)) !=
		    (ssize_t)(n * sizeof(*buf)))
			err(1, "%s", path);
	}
	if (close(fd) == -1)
		err(1, "%s", path);
	free(buf);
}

/* MiB/s of copying the 1 GiB image in ms milliseconds. */
static double
mibps(double ms)
{
	return (double)(GIB / MIB) / (ms / 1e3);
}

int
main(int argc, char *argv[])
{
	struct sample		 n, r;
	struct nb		 probe;
	const char		*errstr;
	char			*disk_img, *vt_file, *virt_type, *conf, *errs;
	char			*server_id, *out, *console, *big, *qcow;
	char			 name[64];
	/* Milliseconds of each run: nubes's and the baseline's. */
	double			 n_create[MAX_RUNS], n_attach[MAX_RUNS];
	double			 n_both[MAX_RUNS], r_create[MAX_RUNS];
	double			 r_attach[MAX_RUNS], r_both[MAX_RUNS];
	double			 t_start[MAX_RUNS], t_connect[MAX_RUNS];
	double			 t_first, t_img[IMAGE_RUNS], t_conv[IMAGE_RUNS];
	double			 t_ready;
	FILE			*fp;
	int			 runs = 7, code, i, lockfd;

	if (argc != 3 && argc != 4)
		errx(2, "usage: bench-volume BINDIR POLICY [RUNS]");
	bench_bindir = argv[1];
	if (argc == 4 && ((runs = strtonum(argv[3], 1, MAX_RUNS, &errstr)),
	    errstr != NULL))
		errx(2, "RUNS %s", errstr);

	/* What it needs, or a skip. */
	disk_img = test_cache_path("disk.img");
	if (access(disk_img, R_OK) == -1)
		skip("no test guest at %s (tests/rig/build-guest)", disk_img);
	memset(&probe, 0, sizeof(probe));
	if ((v = virt_open(&probe, URI)) == NULL)
		skip("no libvirt daemon answers on %s (tests/rig/libvirtd-up): "
		    "%s", URI, nb_errstr(&probe));
	virt_close(v);
	v = NULL;
	{
		char	*qa[] = { "qemu-img", "--version", NULL };

		if (run(qa, NULL) != 0)
			skip("no qemu-img");
	}
	vt_file = test_cache_path("virt_type");
	virt_type = access(vt_file, R_OK) == 0 ? read_first_line(vt_file) :
	    xstrdup("qemu");
	free(vt_file);

	/* The scratch cloud, its pools of its own, this machine its host. */
	dir = scratch_cloud(argv[2]);
	atexit(cleanup);
	bench_catch_signals();
	/* QEMU runs as another user and must reach the pools below. */
	if (chmod(dir, 0755) == -1)
		err(1, "%s", dir);
	snprintf(pool, sizeof(pool), "nubes-bench-%ld", (long)getpid());
	snprintf(vpool, sizeof(vpool), "nubes-bench-vol-%ld", (long)getpid());
	conf = getenv("CLOUD_CONFIG");
	if ((fp = fopen(conf, "a")) == NULL)
		err(1, "%s", conf);
	fprintf(fp, "[compute]\nvirt_type = %s\nstorage_pool = %s\n"
	    "storage_pool_path = %s/pool\n[volume]\nstorage_pool = %s\n"
	    "storage_pool_path = %s/volumes\n", virt_type, pool, dir, vpool,
	    dir);
	if (fclose(fp) == EOF)
		err(1, "%s", conf);
	if ((nb = nb_open("bench-volume", 0, &errs, &code)) == NULL)
		errx(1, "%s", errs);
	if ((v = virt_open(nb, URI)) == NULL)
		errx(1, "%s", nb_errstr(nb));
	scratch_token(dir);
	{
		char	*ha = prog("cloud-host-add");
		char	*ia = prog("cloud-image-add");
		char	*fa = prog("cloud-flavor-create");
		char	*h[] = { ha, "-q", "local", "--uri", URI, NULL };
		char	*im[] = { ia, "-q", "tiny", "--disk-format", "raw",
			    NULL };
		char	*f[] = { fa, "-q", "m1.tiny", "--vcpus", "1", "--ram",
			    "128", "--disk", "1", NULL };

		must_run(h, "/dev/null", NULL);
		must_run(im, disk_img, NULL);
		must_run(f, "/dev/null", NULL);
		free(ha);
		free(ia);
		free(fa);
	}

	/* A guest from here on: take turns with the guest tests. */
	lockfd = guests_lock();
	{
		char	*boot = prog("cloud-boot");
		char	*ba[] = { boot, "-f", "value", "-c", "id", "--flavor",
			    "m1.tiny", "--image", "tiny", "bench-guest", NULL };

		xasprintf(&out, "%s/boot.out", dir);
		t_ready = now();
		must_run(ba, "/dev/null", out);
		server_id = read_first_line(out);
		free(out);
		free(boot);
	}
	xasprintf(&console, "%s/console/%s.log", dir, server_id);
	wait_for_text(console, READY, READY_WAIT);
	t_ready = now() - t_ready;

	/*
	 * One untimed nubes run first: it makes the volume pool and is
	 * the guest's first hot-plug.  Then the baseline's connection,
	 * pool and domain, looked up once, and its own untimed run.
	 */
	(void)nubes_once("warm", "bench-guest");
	check_interrupted();
	virSetErrorFunc(NULL, silent);
	if ((conn = virConnectOpen(URI)) == NULL)
		virt_die("virConnectOpen");
	if ((rawpool = virStoragePoolLookupByName(conn, vpool)) == NULL)
		virt_die("virStoragePoolLookupByName");
	if ((dom = virDomainLookupByUUIDString(conn, server_id)) == NULL)
		virt_die("virDomainLookupByUUIDString");
	(void)raw_once(MAX_RUNS);
	check_interrupted();

	/* Alternating, so a change in load touches both alike. */
	for (i = 0; i < runs; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		if (i % 2 == 0) {
			n = nubes_once(name, "bench-guest");
			check_interrupted();
			r = raw_once(i);
		} else {
			r = raw_once(i);
			check_interrupted();
			n = nubes_once(name, "bench-guest");
		}
		n_create[i] = n.create;
		n_attach[i] = n.attach;
		n_both[i] = n.create + n.attach;
		r_create[i] = r.create;
		r_attach[i] = r.attach;
		r_both[i] = r.create + r.attach;
		t_start[i] = start_once();
		t_connect[i] = connect_once();
		check_interrupted();
	}

	/* The guest goes, and with it the need for the lock. */
	virDomainFree(dom);
	dom = NULL;
	{
		char	*del = prog("cloud-server-delete");
		char	*da[] = { del, server_id, NULL };

		must_run(da, "/dev/null", NULL);
		free(del);
	}
	close(lockfd);

	printf("bench-volume: a real guest (virt type %s, %s, up in %.0f s), "
	    "median of %d runs,\n  alternating; each program run to "
	    "completion\n", virt_type, URI, t_ready, runs);
	{
		double	 mnc = median(n_create, runs);
		double	 mna = median(n_attach, runs);
		double	 mnt = median(n_both, runs);
		double	 mrc = median(r_create, runs);
		double	 mra = median(r_attach, runs);
		double	 mrt = median(r_both, runs);

		/* median() sorts: [0] is the least, [runs - 1] the most. */
		printf("%-34s %9s %9s %9s\n", "", "nubes", "raw", "overhead");
		printf("%-34s %9.1f %9.1f %9.1f ms\n",
		    "create, empty 1 GB qcow2", mnc, mrc, mnc - mrc);
		printf("%-34s %9.1f %9.1f %9.1f ms (target <= 30)\n",
		    "attach, live and config", mna, mra, mna - mra);
		printf("%-34s %9.1f %9.1f %9.1f ms\n",
		    "create and attach", mnt, mrt, mnt - mrt);
		printf("  create and attach, min-max: nubes %.1f-%.1f, raw "
		    "%.1f-%.1f ms\n", n_both[0], n_both[runs - 1], r_both[0],
		    r_both[runs - 1]);
		printf("  raw: virStorageVolCreateXML and "
		    "virDomainAttachDeviceFlags on one open connection\n");
		printf("  what each of the two programs pays before its work, "
		    "median: starting\n  and exiting (--help) %.1f ms, "
		    "virConnectOpen and virConnectClose %.1f ms\n",
		    median(t_start, runs), median(t_connect, runs));
	}
	fflush(stdout);
	check_interrupted();

	/* The image: made, added, and the page cache holding it. */
	xasprintf(&big, "%s/big.raw", dir);
	xasprintf(&qcow, "%s/convert.qcow2", dir);
	make_image(big);
	{
		char	*ia = prog("cloud-image-add");
		char	*im[] = { ia, "-q", "big", "--disk-format", "raw",
			    NULL };

		must_run(im, big, NULL);
		free(ia);
	}
	check_interrupted();
	{
		char	*create = prog("cloud-volume-create");
		char	*delete = prog("cloud-volume-delete");
		char	*ca[] = { create, "-q", "--image", "big", "--size",
			    "1", name, NULL };
		char	*da[] = { delete, name, NULL };
		char	*qa[] = { "qemu-img", "convert", "-f", "raw", "-O",
			    "qcow2", big, qcow, NULL };

		/* Each starts with no dirty pages of the one before. */
		snprintf(name, sizeof(name), "from-image-first");
		sync();
		t_first = timed(ca, "/dev/null");
		must_run(da, "/dev/null", NULL);
		for (i = 0; i < IMAGE_RUNS; i++) {
			check_interrupted();
			snprintf(name, sizeof(name), "from-image-%d", i);
			sync();
			t_img[i] = timed(ca, "/dev/null");
			must_run(da, "/dev/null", NULL);
			sync();
			t_conv[i] = timed(qa, "/dev/null");
			if (unlink(qcow) == -1)
				err(1, "%s", qcow);
		}
		free(create);
		free(delete);
	}
	{
		double	 mi = median(t_img, IMAGE_RUNS);
		double	 mc = median(t_conv, IMAGE_RUNS);

		printf("create from a 1 GiB raw image (64 MiB pseudo-random "
		    "every 128 MiB), MiB/s\n  of the image's 1024 MiB; median "
		    "of %d, alternating, files in the page cache\n",
		    IMAGE_RUNS);
		printf("%-59s %7.0f MiB/s (%.0f ms)\n", "cloud-volume-create "
		    "--image, first (streams it to the pool)", mibps(t_first),
		    t_first);
		printf("%-59s %7.0f MiB/s (%.0f ms)\n", "cloud-volume-create "
		    "--image, image already in the pool", mibps(mi), mi);
		printf("%-59s %7.0f MiB/s (%.0f ms)\n", "baseline: qemu-img "
		    "convert -O qcow2 of the file", mibps(mc), mc);
	}

	free(big);
	free(qcow);
	free(console);
	free(server_id);
	free(disk_img);
	free(virt_type);
	return 0;	/* cleanup() runs at exit */
}
