/*
 * bench-migrate: what cloud-migrate adds to libvirt's own live
 * migration.  Not a test: it prints numbers and asserts nothing.
 *
 *   bench/bench-migrate BINDIR POLICY RIGDIR [ROUNDS]
 *
 * Two libvirt hosts on this machine, the test rig's (RIGDIR is
 * tests/rig: libvirtd-host2-up with a directory of its own under the
 * scratch directory and ports 16700 and 16701; tests/7001-migrate.t
 * picks its pair from 16520 to 16919, but takes the guest lock first,
 * as this does), registered as hostA and hostB with their qemu+tcp
 * URIs, each with its pool under /var/lib/libvirt/images: storage not
 * shared, as in tests/7001-migrate.t.  One tiny guest (1 vCPU,
 * 128 MiB, a 1 GB qcow2 disk on the raw test image, its config drive)
 * boots on hostA and is up (NUBES-GUEST-READY on its console) before
 * any move.
 *
 * Then ROUNDS times (default 3) the same guest goes to hostB and back
 * twice, live with its disks copied, alternating which pair comes
 * first: once with cloud-migrate --live --block-migration (the
 * scheduler picks the other host), run to completion; once the
 * baseline, this process with connections to both hosts already open
 * doing the libvirt work cloud-migrate does (lib/migrate.c): the disk
 * overlay made on the destination over the image already there, the
 * config drive streamed across (both through lib/virt.h, as bench-boot
 * does), then virDomainMigrateToURI3 called directly with cloud-migrate's
 * flags (live, peer to peer, persistent on the destination, undefined
 * on the source, incremental disk copy), migration URI tcp://127.0.0.1,
 * listen address 127.0.0.1 and the domain's migratable XML as the
 * destination XML, then the source's copies of the disks deleted.  The
 * difference is nubes's own cost: a process linked with libvirt,
 * authentication, the claim transaction with the scheduler, three
 * connections, the domain XML from the database, the watcher thread
 * (it looks every 250 ms and is woken when the move ends), and the
 * record transaction.  Each move is checked (the domain runs
 * on the destination) before the next.  One untimed pair of each goes
 * first: it puts the image on hostB, as on a host that has run it.
 *
 * It needs what tests/7001-migrate.t needs: root, a libvirt install
 * (tests/rig/libvirtd-up), the tiny test guest in $NUBES_TEST_CACHE
 * (default /var/cache/nubes-test; tests/rig/build-guest) and its virt
 * type.  Without them it prints "skipped" and exits 0.  The guest lock
 * of the tests is held from before the hosts start; at exit, also
 * after a failure or a SIGINT/SIGTERM (the step in progress finishes
 * first), both hosts go with libvirtd-host2-down -p, their guests and
 * directories with them.
 */
#include "config.h"

#include <sys/stat.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "nubes.h"
#include "virt.h"
#include "bench.h"

#define PORT_A		16700
#define PORT_B		16701
#define ADDRESS		"127.0.0.1"
#define READY		"NUBES-GUEST-READY"
#define READY_WAIT	600	/* seconds for the guest to boot under TCG */
#define MAX_ROUNDS	20
#define SERVER		"bench-guest"

/* A rig host: what it is called in the cloud, how it is reached. */
struct host {
	const char	*name;
	int		 port;
	char		 uri[64];
	char		*dir;		/* its NUBES_HOST2_DIR */
	int		 up;		/* libvirtd-host2-up ran */
	struct virt	*v;		/* the baseline's, through lib/virt.h */
	virConnectPtr	 conn;		/* the baseline's, libvirt itself */
};

/* What cleanup() must undo; set as it is made. */
static struct nb	*nb;
static struct host	 hosts[2] = { { "hostA", PORT_A, "", NULL, 0, NULL,
			    NULL }, { "hostB", PORT_B, "", NULL, 0, NULL,
			    NULL } };
static const char	*rigdir;
static char		*dir;
static char		 pool[64];

/* libvirt must not print by itself; its messages go into ours. */
static void
silent(void *opaque, virErrorPtr error)
{
	(void)opaque;
	(void)error;
}

static void
virt_die(const char *what)
{
	const char	*msg = virGetLastErrorMessage();

	errx(1, "baseline: %s: %s", what, msg != NULL ? msg : "?");
}

/* Run tests/rig/libvirtd-host2-WHAT for h, output to a file; exit status. */
static int
rig(struct host *h, const char *what, const char *arg)
{
	char	*script, *env, *out;
	char	*argv[] = { "env", NULL, NULL, (char *)arg, NULL };
	int	 rc;

	xasprintf(&script, "%s/libvirtd-host2-%s", rigdir, what);
	xasprintf(&env, "NUBES_HOST2_DIR=%s", h->dir);
	xasprintf(&out, "%s/%s-%s.out", dir, h->name, what);
	argv[1] = env;
	argv[2] = script;
	rc = run_redirect(argv, "/dev/null", out, out, NULL);
	free(script);
	free(env);
	free(out);
	return rc;
}

/* The file's lines on stderr, indented: what a script said. */
static void
show_file(const char *path)
{
	char	 line[1024];
	FILE	*fp;

	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		fprintf(stderr, "  %s", line);
	fclose(fp);
}

/*
 * At exit, whatever happened: the baseline's connections, then both
 * hosts, with their guests, pools and directories; then the scratch
 * cloud.
 */
static void
cleanup(void)
{
	size_t	 i;

	for (i = 0; i < 2; i++) {
		if (hosts[i].conn != NULL)
			virConnectClose(hosts[i].conn);
		hosts[i].conn = NULL;
		virt_close(hosts[i].v);
		hosts[i].v = NULL;
	}
	nb_close(nb);
	nb = NULL;
	for (i = 0; i < 2; i++) {
		if (hosts[i].up && rig(&hosts[i], "down", "-p") != 0)
			warnx("%s/libvirtd-host2-down -p failed for %s (%s)",
			    rigdir, hosts[i].name, hosts[i].dir);
		hosts[i].up = 0;
		free(hosts[i].dir);
		hosts[i].dir = NULL;
	}
	if (dir != NULL) {
		scratch_remove(dir);
		dir = NULL;
	}
}

/* The volume server id owns in its host's pool: "nubes-ID-WHAT". */
static void
server_volume_name(char *buf, size_t len, const char *id, const char *what)
{
	snprintf(buf, len, "nubes-%s-%s", id, what);
}

/* Whether the domain runs on h; dies when it does not. */
static void
check_runs(struct host *h, const char *id, const char *who)
{
	char	 state[16];

	if (virt_domain_state(h->v, id, state, sizeof(state)) == -1 ||
	    strcmp(state, "running") != 0)
		errx(1, "after %s the guest does not run on %s", who, h->name);
}

/* One move of the guest: ms end to end, of libvirt's call, downtime. */
struct move {
	double			 total, call;
	unsigned long long	 downtime_ms;
};

/* One cloud-migrate to the other host, timed; checked afterwards. */
static struct move
nubes_move(const char *id, struct host *to)
{
	struct move	 m;
	char		*mig = prog("cloud-migrate");
	char		*ma[] = { mig, "-q", "--live", "--block-migration",
			    SERVER, NULL };
	double		 t0 = now();

	must_run(ma, "/dev/null", NULL);
	m.total = (now() - t0) * 1e3;
	m.call = 0;
	m.downtime_ms = (unsigned long long)db_int(nb, 0, "SELECT downtime_ms"
	    " FROM migrations ORDER BY started_at DESC, rowid DESC LIMIT 1",
	    NULL);
	check_runs(to, id, "cloud-migrate");
	free(mig);
	return m;
}

/*
 * The baseline's move from one host to the other, as lib/migrate.c
 * makes it: the disks ahead on the destination, libvirt's migration,
 * the source's disks removed.  The image is raw, so the base volume is.
 */
static struct move
raw_move(const char *id, const char *image_id, struct host *from,
    struct host *to)
{
	/* lib/boot.c server_volumes: what remove_disks() deletes. */
	static const char *const owned[] = { "disk", "config", "ephemeral",
	    "swap", "disk-resize", NULL };
	struct move		 m;
	virDomainPtr		 d;
	virTypedParameterPtr	 params = NULL;
	unsigned long long	 bytes;
	unsigned int		 flags = VIR_MIGRATE_LIVE |
				    VIR_MIGRATE_PEER2PEER |
				    VIR_MIGRATE_PERSIST_DEST |
				    VIR_MIGRATE_UNDEFINE_SOURCE |
				    VIR_MIGRATE_NON_SHARED_INC;
	char			 name[128], *base = NULL, *path = NULL, *xml;
	double			 t0, t1;
	size_t			 i;
	int			 np = 0, maxp = 0, itype;

	t0 = now();
	snprintf(name, sizeof(name), "nubes-image-%s", image_id);
	if (virt_vol_path(to->v, pool, name, &base) == -1)
		errx(1, "baseline: %s", nb_errstr(nb));
	server_volume_name(name, sizeof(name), id, "disk");
	if (virt_vol_capacity(from->v, pool, name, &bytes) == -1 ||
	    virt_vol_overlay(to->v, pool, name, base, "raw", bytes,
	    &path) == -1)
		errx(1, "baseline: %s", nb_errstr(nb));
	server_volume_name(name, sizeof(name), id, "config");
	if (virt_vol_transfer(from->v, pool, name, to->v, pool, "raw") == -1)
		errx(1, "baseline: %s", nb_errstr(nb));
	if ((d = virDomainLookupByUUIDString(from->conn, id)) == NULL)
		virt_die("virDomainLookupByUUIDString");
	if ((xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_MIGRATABLE)) == NULL)
		virt_die("virDomainGetXMLDesc");
	if (virTypedParamsAddString(&params, &np, &maxp,
	    VIR_MIGRATE_PARAM_URI, "tcp://" ADDRESS) == -1 ||
	    virTypedParamsAddString(&params, &np, &maxp,
	    VIR_MIGRATE_PARAM_LISTEN_ADDRESS, ADDRESS) == -1 ||
	    virTypedParamsAddString(&params, &np, &maxp,
	    VIR_MIGRATE_PARAM_DEST_XML, xml) == -1)
		virt_die("migration parameters");
	t1 = now();
	if (virDomainMigrateToURI3(d, to->uri, params, (unsigned)np,
	    flags) == -1)
		virt_die("virDomainMigrateToURI3");
	m.call = (now() - t1) * 1e3;
	for (i = 0; owned[i] != NULL; i++) {
		server_volume_name(name, sizeof(name), id, owned[i]);
		(void)virt_vol_delete(from->v, pool, name);
	}
	nb_clearerr(nb);
	m.total = (now() - t0) * 1e3;

	virTypedParamsFree(params, np);
	virDomainFree(d);
	free(xml);
	free(base);
	free(path);

	/* libvirt's own account of the job, on the destination. */
	check_runs(to, id, "the baseline");
	m.downtime_ms = 0;
	params = NULL;
	np = 0;
	if ((d = virDomainLookupByUUIDString(to->conn, id)) == NULL)
		virt_die("virDomainLookupByUUIDString");
	if (virDomainGetJobStats(d, &itype, &params, &np,
	    VIR_DOMAIN_JOB_STATS_COMPLETED) == 0) {
		if (itype != VIR_DOMAIN_JOB_NONE)
			(void)virTypedParamsGetULLong(params, np,
			    VIR_DOMAIN_JOB_DOWNTIME, &m.downtime_ms);
		virTypedParamsFree(params, np);
	}
	virDomainFree(d);
	return m;
}

/* A pair of moves there and back: nubes's or the baseline's. */
static void
nubes_pair(const char *id, struct move *ab, struct move *ba)
{
	*ab = nubes_move(id, &hosts[1]);
	check_interrupted();
	*ba = nubes_move(id, &hosts[0]);
	check_interrupted();
}

static void
raw_pair(const char *id, const char *image_id, struct move *ab,
    struct move *ba)
{
	*ab = raw_move(id, image_id, &hosts[0], &hosts[1]);
	check_interrupted();
	*ba = raw_move(id, image_id, &hosts[1], &hosts[0]);
	check_interrupted();
}

int
main(int argc, char *argv[])
{
	struct move	 nab, nba, rab, rba, warm;
	const char	*errstr;
	char		*disk_img, *vt_file, *virt_type, *conf, *errs, *p;
	char		*server_id, *image_id, *out, *console, port[16];
	/* Milliseconds of each move, both directions, in round order. */
	double		 n_total[2 * MAX_ROUNDS], r_total[2 * MAX_ROUNDS];
	double		 n_ab[MAX_ROUNDS], n_ba[MAX_ROUNDS];
	double		 r_ab[MAX_ROUNDS], r_ba[MAX_ROUNDS];
	double		 r_call[2 * MAX_ROUNDS], n_down[2 * MAX_ROUNDS];
	double		 r_down[2 * MAX_ROUNDS], t_ready;
	FILE		*fp;
	size_t		 k;
	int		 rounds = 3, code, i;

	if (argc != 4 && argc != 5)
		errx(2, "usage: bench-migrate BINDIR POLICY RIGDIR [ROUNDS]");
	bench_bindir = argv[1];
	rigdir = argv[3];
	if (argc == 5 && ((rounds = strtonum(argv[4], 1, MAX_ROUNDS,
	    &errstr)), errstr != NULL))
		errx(2, "ROUNDS %s", errstr);

	/* What it needs, or a skip. */
	disk_img = test_cache_path("disk.img");
	if (access(disk_img, R_OK) == -1)
		skip("no test guest at %s (tests/rig/build-guest)", disk_img);
	if (geteuid() != 0)
		skip("the rig's libvirt hosts need root");
	xasprintf(&p, "%s/libvirtd-host2-up", rigdir);
	if (access(p, R_OK) == -1)
		skip("no %s", p);
	free(p);
	vt_file = test_cache_path("virt_type");
	virt_type = access(vt_file, R_OK) == 0 ? read_first_line(vt_file) :
	    xstrdup("qemu");
	free(vt_file);

	/* The scratch cloud and its two hosts. */
	dir = scratch_cloud(argv[2]);
	atexit(cleanup);
	bench_catch_signals();
	/* Guest consoles are logged in it. */
	if (chmod(dir, 0755) == -1)
		err(1, "%s", dir);
	/*
	 * Hosts and a guest from here on: take turns with the guest tests.
	 * The lock is held until exit, after cleanup() took the hosts down.
	 */
	(void)guests_lock();
	for (k = 0; k < 2; k++) {
		snprintf(hosts[k].uri, sizeof(hosts[k].uri),
		    "qemu+tcp://" ADDRESS ":%d/system", hosts[k].port);
		xasprintf(&hosts[k].dir, "%s/%s", dir, hosts[k].name);
		hosts[k].up = 1;	/* a half start is torn down too */
		snprintf(port, sizeof(port), "%d", hosts[k].port);
		if (rig(&hosts[k], "up", port) != 0) {
			xasprintf(&out, "%s/%s-up.out", dir, hosts[k].name);
			show_file(out);
			skip("cannot start the rig's libvirt host on port %d "
			    "(%s/libvirtd-host2-up, said above)", hosts[k].port,
			    rigdir);
		}
		check_interrupted();
	}
	/* Pools under /var/lib/libvirt are each host's own. */
	snprintf(pool, sizeof(pool), "nubes-bench-%ld", (long)getpid());
	conf = getenv("CLOUD_CONFIG");
	if ((fp = fopen(conf, "a")) == NULL)
		err(1, "%s", conf);
	fprintf(fp, "[compute]\nvirt_type = %s\nstorage_pool = %s\n"
	    "storage_pool_path = /var/lib/libvirt/images/%s\n", virt_type,
	    pool, pool);
	if (fclose(fp) == EOF)
		err(1, "%s", conf);
	if ((nb = nb_open("bench-migrate", 0, &errs, &code)) == NULL)
		errx(1, "%s", errs);
	scratch_token(dir);
	{
		char	*ha = prog("cloud-host-add");
		char	*ia = prog("cloud-image-add");
		char	*fa = prog("cloud-flavor-create");
		char	*im[] = { ia, "-q", "tiny", "--disk-format", "raw",
			    NULL };
		char	*f[] = { fa, "-q", "m1.tiny", "--vcpus", "1", "--ram",
			    "128", "--disk", "1", NULL };

		for (k = 0; k < 2; k++) {
			char	*h[] = { ha, "-q", (char *)hosts[k].name,
				    "--uri", hosts[k].uri, NULL };

			must_run(h, "/dev/null", NULL);
		}
		must_run(im, disk_img, NULL);
		must_run(f, "/dev/null", NULL);
		free(ha);
		free(ia);
		free(fa);
	}
	image_id = db_text(nb, "SELECT id FROM images WHERE name = 'tiny'",
	    NULL);
	if (image_id == NULL)
		errx(1, "the scratch cloud lacks its image");

	{
		char	*boot = prog("cloud-boot");
		char	*ba[] = { boot, "-f", "value", "-c", "id", "--flavor",
			    "m1.tiny", "--image", "tiny", "--host", "hostA",
			    SERVER, NULL };

		xasprintf(&out, "%s/boot.out", dir);
		t_ready = now();
		must_run(ba, "/dev/null", out);
		server_id = read_first_line(out);
		free(out);
		free(boot);
	}
	/* The log is in hostA's pool: read through cloud-server-console. */
	{
		char	*cons = prog("cloud-server-console");
		char	*ca[] = { cons, server_id, NULL };
		double	 deadline = now() + READY_WAIT;

		xasprintf(&console, "%s/console.out", dir);
		for (;;) {
			must_run(ca, "/dev/null", console);
			if (file_contains(console, READY))
				break;
			check_interrupted();
			if (now() >= deadline)
				errx(1, "%s: no %s within %d s", SERVER, READY,
				    READY_WAIT);
			usleep(500000);
		}
		free(cons);
	}
	t_ready = now() - t_ready;

	/* The baseline's connections, opened once. */
	virSetErrorFunc(NULL, silent);
	for (k = 0; k < 2; k++) {
		if ((hosts[k].v = virt_open(nb, hosts[k].uri)) == NULL)
			errx(1, "%s", nb_errstr(nb));
		if ((hosts[k].conn = virConnectOpen(hosts[k].uri)) == NULL)
			virt_die("virConnectOpen");
	}

	/* Untimed: the image goes to hostB with the first move. */
	nubes_pair(server_id, &warm, &nba);
	raw_pair(server_id, image_id, &rab, &rba);

	/* Alternating, so a change in load touches both alike. */
	for (i = 0; i < rounds; i++) {
		if (i % 2 == 0) {
			nubes_pair(server_id, &nab, &nba);
			raw_pair(server_id, image_id, &rab, &rba);
		} else {
			raw_pair(server_id, image_id, &rab, &rba);
			nubes_pair(server_id, &nab, &nba);
		}
		n_ab[i] = nab.total;
		n_ba[i] = nba.total;
		r_ab[i] = rab.total;
		r_ba[i] = rba.total;
		n_total[2 * i] = nab.total;
		n_total[2 * i + 1] = nba.total;
		r_total[2 * i] = rab.total;
		r_total[2 * i + 1] = rba.total;
		r_call[2 * i] = rab.call;
		r_call[2 * i + 1] = rba.call;
		n_down[2 * i] = (double)nab.downtime_ms;
		n_down[2 * i + 1] = (double)nba.downtime_ms;
		r_down[2 * i] = (double)rab.downtime_ms;
		r_down[2 * i + 1] = (double)rba.downtime_ms;
	}

	/* The guest goes; the hosts go at exit, then the lock. */
	{
		char	*del = prog("cloud-server-delete");
		char	*da[] = { del, server_id, NULL };

		must_run(da, "/dev/null", NULL);
		free(del);
	}

	printf("bench-migrate: a real guest (1 vCPU, 128 MiB, 1 GB qcow2 disk "
	    "on the raw test image;\n  virt type %s, up in %.0f s) between "
	    "two libvirt hosts on this machine\n  (tests/rig, "
	    "qemu+tcp://" ADDRESS ":%d and :%d, storage not shared),\n  "
	    "live with its disks copied; median of %d moves (%d rounds "
	    "there and back),\n  alternating; each program run to "
	    "completion\n", virt_type, t_ready, PORT_A, PORT_B, 2 * rounds,
	    rounds);
	{
		int	 n = 2 * rounds;
		double	 mn = median(n_total, n);
		double	 mr = median(r_total, n);

		/* median() sorts: [0] is the least, [n - 1] the most. */
		printf("%-30s %9s %9s %9s\n", "", "nubes", "raw", "overhead");
		printf("%-30s %9.0f %9.0f %9.0f ms (target <= 300)\n",
		    "live block migration", mn, mr, mn - mr);
		printf("%-30s %9.0f %9.0f %9.0f ms\n", "  hostA -> hostB",
		    median(n_ab, rounds), median(r_ab, rounds),
		    median(n_ab, rounds) - median(r_ab, rounds));
		printf("%-30s %9.0f %9.0f %9.0f ms\n", "  hostB -> hostA",
		    median(n_ba, rounds), median(r_ba, rounds),
		    median(n_ba, rounds) - median(r_ba, rounds));
		printf("  min-max: nubes %.0f-%.0f, raw %.0f-%.0f ms\n",
		    n_total[0], n_total[n - 1], r_total[0], r_total[n - 1]);
		printf("  raw: disks made ahead through lib/virt.h, "
		    "virDomainMigrateToURI3, source disks\n  deleted, on "
		    "connections opened once; the virDomainMigrateToURI3 "
		    "call alone\n  %.0f ms\n", median(r_call, n));
		printf("  guest downtime (libvirt's job statistics), median: "
		    "nubes %.0f ms, raw %.0f ms\n", median(n_down, n),
		    median(r_down, n));
		printf("  the first cloud-migrate to hostB, the image streamed "
		    "there: %.0f ms\n", warm.total);
	}

	free(console);
	free(server_id);
	free(image_id);
	free(disk_img);
	free(virt_type);
	return 0;	/* cleanup() runs at exit */
}
