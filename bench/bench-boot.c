/*
 * bench-boot: what cloud-boot adds to booting a guest.  Each run times
 * cloud-boot until libvirt says the domain runs, beside a baseline
 * measured in the same run, the two alternating: the libvirt work
 * cloud-boot does, done by this process through the C API (lib/virt.h)
 * with one connection already open.  That is a qcow2 overlay volume on
 * the same base image volume in the same pool, the config drive ISO
 * streamed into the pool as a volume (the ISO itself made once, before
 * the runs), a domain with the same XML (domain_xml(): same devices,
 * same virt type) defined and started, and its state polled until it
 * runs.  The difference is nubes's own cost: a process linked with
 * libvirt, authentication, the claim and record transactions with the
 * scheduler, making the config drive (genisoimage), and the state
 * polling.  Not a test: it prints numbers and asserts nothing.
 *
 *   bench/bench-boot BINDIR POLICY [RUNS]
 *
 * It needs a libvirt daemon on qemu:///system and the tiny test guest
 * in $NUBES_TEST_CACHE (default /var/cache/nubes-test), with its virt
 * type: tests/rig/libvirtd-up, tests/rig/build-guest and
 * tests/rig/detect-virt-type make them.  Without them it prints
 * "skipped" and exits 0.
 *
 * All of it happens in a scratch cloud whose storage pool is its own
 * (nubes-bench-PID, a directory in the scratch directory), so nothing of
 * a real cloud is touched.  One boot first, untimed, streams the image
 * into the pool, as in a cloud that has booted it before; one baseline
 * run likewise.  Every domain and volume made goes again at exit, also
 * after a failure or a SIGINT/SIGTERM (the run in progress finishes
 * first).  The guests run under TCG here and take a core while they
 * boot, so runs are few (RUNS, default 5) and each guest is destroyed
 * as soon as it runs; the lock the guest tests take turns with
 * (tests/lib.sh guests_exclusive) is held while guests run.
 */
#include "config.h"

#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "guest.h"
#include "virt.h"
#include "bench.h"

#define URI		"qemu:///system"
#define GIB		(1024ULL * 1024 * 1024)
#define MAX_RUNS	50

/* What cleanup() must undo; set as it is made. */
static struct nb	*nb;
static struct virt	*v;
static char		*dir;
static char		 pool[64];
static char		 base_id[NB_UUID_LEN + 1];	/* a baseline domain */
/* The volumes a baseline run with this id makes. */
static void
base_volume(char *buf, size_t len, const char *id, const char *what)
{
	snprintf(buf, len, "bench-%s-%s", id, what);
}

/* Remove the baseline domain and its volumes; errors are not reported. */
static void
base_undo(void)
{
	char	 name[96];

	if (base_id[0] == '\0')
		return;
	(void)virt_destroy_undefine(v, base_id);
	base_volume(name, sizeof(name), base_id, "disk");
	(void)virt_vol_delete(v, pool, name);
	base_volume(name, sizeof(name), base_id, "config");
	(void)virt_vol_delete(v, pool, name);
	nb_clearerr(nb);
	base_id[0] = '\0';
}

/*
 * At exit, whatever happened: the domains of every server of the
 * scratch cloud (cloud-boot made them) and of the baseline, then the
 * pool.  The volumes are files in the pool's directory, which goes with
 * the scratch directory.
 */
static void
cleanup(void)
{
	struct table	*t;
	size_t		 i;

	if (v != NULL) {
		t = db_table(nb, "SELECT id FROM servers", NULL);
		if (t != NULL) {
			for (i = 0; i < t->nrows; i++)
				(void)virt_destroy_undefine(v, t->cells[i]);
			table_free(t);
		}
		base_undo();
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

/* One cloud-boot, timed in ms; the server deleted afterwards, untimed. */
static double
boot_once(const char *name)
{
	char	*boot = prog("cloud-boot"), *del = prog("cloud-server-delete");
	char	*out, *id;
	char	*ba[] = { boot, "-f", "value", "-c", "id", "--flavor",
		    "m1.tiny", "--image", "tiny", (char *)name, NULL };
	char	*da[] = { del, NULL, NULL };
	double	 t0;

	xasprintf(&out, "%s/boot.out", dir);
	t0 = now();
	must_run(ba, "/dev/null", out);
	t0 = (now() - t0) * 1e3;
	id = read_first_line(out);
	da[1] = id;
	must_run(da, "/dev/null", NULL);
	free(id);
	free(out);
	free(boot);
	free(del);
	return t0;
}

/* What the baseline boots: as cloud-boot would, fixed for all runs. */
struct baseline {
	const char		*base_path;	/* the image's volume */
	const char		*iso_file;	/* config drive, made once */
	unsigned long long	 iso_size, capacity;
	struct guest_domain	 dom;
};

/* One baseline boot, timed in ms; undone afterwards, untimed. */
static double
baseline_once(struct baseline *b)
{
	char	 disk[96], config[96], domname[64], uuid[NB_UUID_LEN + 1];
	char	 state[16] = "", *root = NULL, *iso = NULL, *xml, *log;
	double	 t0, deadline;

	uuid_generate(base_id);
	base_volume(disk, sizeof(disk), base_id, "disk");
	base_volume(config, sizeof(config), base_id, "config");
	snprintf(domname, sizeof(domname), "bench-%s", base_id);
	xasprintf(&log, "%s/console", dir);
	(void)mkdir(log, 0750);
	free(log);
	xasprintf(&log, "%s/console/%s.log", dir, base_id);
	b->dom.uuid = base_id;
	b->dom.name = domname;
	b->dom.console_log = log;

	t0 = now();
	if (virt_vol_overlay(v, pool, disk, b->base_path, "raw", b->capacity,
	    &root) == -1 || virt_vol_upload(v, pool, config, "raw",
	    b->iso_file, b->iso_size, &iso) == -1)
		errx(1, "baseline: %s", nb_errstr(nb));
	b->dom.root_path = root;
	b->dom.config_iso_path = iso;
	xml = domain_xml(&b->dom);
	if (virt_define_start(v, xml, uuid) == -1)
		errx(1, "baseline: %s", nb_errstr(nb));
	for (deadline = now() + 60; now() < deadline; usleep(10000))
		if (virt_domain_state(v, base_id, state, sizeof(state)) == 0 &&
		    strcmp(state, "running") == 0)
			break;
	if (strcmp(state, "running") != 0)
		errx(1, "baseline: the domain did not run within 60 s "
		    "(state %s)", state);
	t0 = (now() - t0) * 1e3;

	base_undo();
	free(xml);
	free(root);
	free(iso);
	free(log);
	return t0;
}

int
main(int argc, char *argv[])
{
	struct baseline		 b;
	struct guest_meta	 meta;
	struct stat		 st;
	struct nb		 probe;
	const char		*errstr;
	char			*disk_img, *vt_file, *virt_type, *conf, *errs;
	char			*image_id, *project_id, *user_id, *base_path;
	char			*tmp, *iso_file, name[64];
	double			 t_boot[MAX_RUNS], t_base[MAX_RUNS], t_warm;
	double			 ob, obase;
	FILE			*fp;
	int			 runs = 5, code, i, lockfd;

	if (argc != 3 && argc != 4)
		errx(2, "usage: bench-boot BINDIR POLICY [RUNS]");
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
	vt_file = test_cache_path("virt_type");
	virt_type = access(vt_file, R_OK) == 0 ? read_first_line(vt_file) :
	    xstrdup("qemu");
	free(vt_file);

	/* The scratch cloud, its pool of its own, this machine its host. */
	dir = scratch_cloud(argv[2]);
	atexit(cleanup);
	bench_catch_signals();
	/* QEMU runs as another user and must reach the pool below. */
	if (chmod(dir, 0755) == -1)
		err(1, "%s", dir);
	snprintf(pool, sizeof(pool), "nubes-bench-%ld", (long)getpid());
	conf = getenv("CLOUD_CONFIG");
	if ((fp = fopen(conf, "a")) == NULL)
		err(1, "%s", conf);
	fprintf(fp, "[compute]\nvirt_type = %s\nstorage_pool = %s\n"
	    "storage_pool_path = %s/pool\n", virt_type, pool, dir);
	fclose(fp);
	if ((nb = nb_open("bench-boot", 0, &errs, &code)) == NULL)
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

	/* Guests from here on: take turns with the guest tests. */
	lockfd = guests_lock();
	t_warm = boot_once("bench-warm");
	check_interrupted();

	/* The baseline's parts, made once, as cloud-boot would make them. */
	image_id = db_text(nb, "SELECT id FROM images WHERE name = 'tiny'",
	    NULL);
	project_id = db_text(nb, "SELECT id FROM projects WHERE name ="
	    " 'admin'", NULL);
	user_id = db_text(nb, "SELECT id FROM users WHERE name = 'admin'",
	    NULL);
	if (image_id == NULL || project_id == NULL || user_id == NULL)
		errx(1, "the scratch cloud lacks its image or admin");
	snprintf(name, sizeof(name), "nubes-image-%s", image_id);
	if (virt_vol_path(v, pool, name, &base_path) == -1)
		errx(1, "%s", nb_errstr(nb));
	xasprintf(&tmp, "%s/configdrive", dir);
	xasprintf(&iso_file, "%s/configdrive.iso", dir);
	if (mkdir(tmp, 0750) == -1)
		err(1, "%s", tmp);
	memset(&meta, 0, sizeof(meta));
	meta.uuid = "00000000-0000-4000-8000-000000000000";
	meta.name = meta.hostname = "bench";
	meta.project_id = project_id;
	meta.availability_zone = "nova";
	if (configdrive_build(nb, &meta, tmp, iso_file) == -1 ||
	    stat(iso_file, &st) == -1)
		errx(1, "config drive: %s", nb_errstr(nb));
	memset(&b, 0, sizeof(b));
	b.base_path = base_path;
	b.iso_file = iso_file;
	b.iso_size = (unsigned long long)st.st_size;
	b.capacity = GIB;	/* m1.tiny's 1 GB; the image is smaller */
	b.dom.display_name = "bench";
	b.dom.project_id = project_id;
	b.dom.user_id = user_id;
	b.dom.flavor_name = "m1.tiny";
	b.dom.virt_type = virt_type;
	b.dom.vcpus = 1;
	b.dom.ram_mib = 128;
	b.dom.root_format = "qcow2";
	(void)baseline_once(&b);
	check_interrupted();

	/* Alternating, so a change in load touches both alike. */
	for (i = 0; i < runs; i++) {
		snprintf(name, sizeof(name), "bench-%d", i);
		if (i % 2 == 0) {
			t_boot[i] = boot_once(name);
			check_interrupted();
			t_base[i] = baseline_once(&b);
		} else {
			t_base[i] = baseline_once(&b);
			check_interrupted();
			t_boot[i] = boot_once(name);
		}
		check_interrupted();
	}
	close(lockfd);

	/* median() sorts: [0] is the least, [runs - 1] the most. */
	ob = median(t_boot, runs);
	obase = median(t_base, runs);
	printf("bench-boot: real guests (virt type %s, %s), median of %d "
	    "runs, alternating\n", virt_type, URI, runs);
	printf("first boot, the image streamed into the pool: %.0f ms\n",
	    t_warm);
	printf("cloud-boot until the domain runs: %.0f ms (min %.0f, max "
	    "%.0f)\n", ob, t_boot[0], t_boot[runs - 1]);
	printf("baseline, the same libvirt work through the C API (overlay, "
	    "config volume,\n  define, start, running): %.0f ms (min %.0f, "
	    "max %.0f)\n", obase, t_base[0], t_base[runs - 1]);
	printf("overhead of cloud-boot: %.0f ms (target <= 60)\n", ob - obase);

	free(disk_img);
	free(virt_type);
	free(image_id);
	free(project_id);
	free(user_id);
	free(base_path);
	free(tmp);
	free(iso_file);
	return 0;	/* cleanup() runs at exit */
}
