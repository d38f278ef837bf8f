/*
 * bench-migrate-target: how long cloud-migrate takes to choose where a
 * server goes among 1,000 and 10,000 hosts, end to end: the process,
 * authentication, the server and its group read in the claim
 * transaction, the hosts and what their servers claim loaded from the
 * database, and every filter.  Not a test: it prints numbers and
 * asserts nothing.
 *
 *   bench/bench-migrate-target BINDIR POLICY
 *
 * A SIMULATION, named as such: the hosts are synthetic rows inserted
 * into a scratch cloud's database with SQL, as bench-sched-db inserts
 * them (varied capacity, ratios and zones, one in a hundred disabled,
 * 0 to 3 servers of another project on each claiming resources), plus
 * the source host, and one server row, active on the source, with 2 TiB
 * of RAM: more than any other host has free.  Their URIs
 * (test:///sim-N) are never contacted: every host but the source fails
 * the filters, so cloud-migrate --live SERVER exits 6 inside its claim
 * transaction, before it opens libvirt, and the time measured is the
 * choice.  (A host that passed would be claimed and contacted: that is
 * bench-migrate's part.)  The baseline is the same cloud-migrate in a
 * second scratch cloud with only the source host and the server, which
 * finds no other host and exits 6 at once: the difference is what the
 * hosts cost.  The two alternate, run by run, so a change in load
 * touches both alike.  Nothing is claimed or recorded but an event of
 * the refusal, so runs are alike.
 * Nova's anchor, printed beside: its scheduler takes 0.5-1.2 s to
 * choose among 200-1,000 nodes.
 */
#include "config.h"

#include <sys/stat.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nubes.h"
#include "bench.h"

#define RUNS		7
#define SERVER		"mover"
#define SOURCE_ID	"ffffffff-0000-4000-8000-000000000000"

/*
 * n synthetic hosts and the source, after emptying the tables; the
 * synthetic ones as bench-sched-db makes them: 16 to 128 vCPUs, 64 to
 * 512 GiB of RAM (RAM ratio 1 or 1.5, so at most 768 GiB free), 500 to
 * 4000 GB of disk, CPU ratio 4 or 16, three zones, every hundredth host
 * disabled, host i running i % 4 servers of 4 vCPUs, 8 GiB and 80 GB in
 * project "sim".  The source has 4 TiB of RAM and the server to move,
 * of the admin project, 1 vCPU, 2 TiB of RAM and 1 GB of disk.
 */
static const char hosts_sql[] =
    "BEGIN;"
    "DELETE FROM server_events; DELETE FROM servers; DELETE FROM hosts;"
    "INSERT INTO hosts (id, name, uri, zone, enabled, cpu_ratio, ram_ratio,"
    " disk_ratio, reserved_ram_mib, vcpus, ram_mib, disk_gb, pool, arch,"
    " hypervisor_type, hypervisor_hostname, libvirt_version, created_at,"
    " updated_at) VALUES ('" SOURCE_ID "', 'source', 'test:///sim-source',"
    " 'az1', 1, 4.0, 1.0, 1.0, 512, 128, 4194304, 4000, 'nubes', 'x86_64',"
    " 'QEMU', 'source', '9.0.0', 1700000000, 1700000000);"
    "WITH RECURSIVE n(i) AS (SELECT 0 WHERE %d > 0 UNION ALL"
    " SELECT i + 1 FROM n WHERE i < %d - 1)"
    " INSERT INTO hosts (id, name, uri, zone, enabled, disabled_reason,"
    " cpu_ratio, ram_ratio, disk_ratio, reserved_ram_mib, vcpus, ram_mib,"
    " disk_gb, pool, arch, hypervisor_type, hypervisor_hostname,"
    " libvirt_version, created_at, updated_at)"
    " SELECT printf('%%08x-0000-4000-8000-%%012x', i, i),"
    " printf('sim%%06d', i), printf('test:///sim-%%d', i),"
    " 'az' || (1 + i %% 3), i %% 100 <> 0,"
    " CASE WHEN i %% 100 = 0 THEN 'maintenance' END,"
    " CASE WHEN i %% 2 = 0 THEN 4.0 ELSE 16.0 END,"
    " CASE WHEN i %% 4 = 0 THEN 1.5 ELSE 1.0 END, 1.0, 512,"
    " 16 * (1 + i %% 8), 65536 << (i %% 4), 500 << ((i / 7) %% 4),"
    " 'nubes', 'x86_64', 'QEMU', printf('sim%%06d', i), '9.0.0',"
    " 1700000000, 1700000000 FROM n;"
    "WITH RECURSIVE n(i) AS (SELECT 0 WHERE %d > 0 UNION ALL"
    " SELECT i + 1 FROM n WHERE i < %d - 1),"
    " k(j) AS (VALUES (0), (1), (2))"
    " INSERT INTO servers (id, name, project_id, user_id, flavor_name,"
    " vcpus, ram_mib, disk_gb, host_id, zone, vm_state, power_state,"
    " created_at, updated_at)"
    " SELECT printf('%%08x-%%04x-4000-8000-5e0000000000', i, j),"
    " printf('sim-%%d-%%d', i, j), p.id, u.id, 'sim.medium', 4, 8192, 80,"
    " printf('%%08x-0000-4000-8000-%%012x', i, i), 'az' || (1 + i %% 3),"
    " 'active', 'running', 1700000000, 1700000000"
    " FROM n, k, projects p, users u WHERE j < i %% 4 AND p.name = 'sim'"
    " AND u.name = 'admin';"
    "INSERT INTO servers (id, name, project_id, user_id, flavor_name, vcpus,"
    " ram_mib, disk_gb, root_gb, host_id, zone, vm_state, power_state,"
    " created_at, updated_at)"
    " SELECT 'eeeeeeee-0000-4000-8000-000000000000', '" SERVER "', p.id,"
    " u.id, 'sim.huge', 1, 2097152, 1, 1, '" SOURCE_ID "', 'az1',"
    " 'active', 'running', 1700000000, 1700000000 FROM projects p, users u"
    " WHERE p.name = 'admin' AND u.name = 'admin';"
    "COMMIT;"
    "PRAGMA wal_checkpoint(TRUNCATE);";

/* cloud-migrate's query of the hosts: lib/boot.c's, for every host. */
static const char load_sql[] =
    "SELECT h.id, h.name, h.zone, h.enabled, h.disabled_reason,"
    " h.cpu_ratio, h.ram_ratio, h.disk_ratio, h.reserved_ram_mib,"
    " h.vcpus, h.ram_mib, h.disk_gb, h.arch, h.hypervisor_type,"
    " h.vcpus_used, h.ram_used_mib, h.disk_used_gb, h.servers, h.uri,"
    " h.pool FROM hosts h ORDER BY h.name";

/* A scratch cloud and how its programs find it. */
struct cloud {
	char	*dir, *config, *token;
};

static struct cloud	 clouds[2];	/* the baseline's, the hosts' */
static char		*errfile;

/* At exit, after a failure too: the scratch clouds go. */
static void
cleanup(void)
{
	size_t	 i;

	for (i = 0; i < 2; i++) {
		if (clouds[i].dir != NULL)
			scratch_remove(clouds[i].dir);
		clouds[i].dir = NULL;
		free(clouds[i].config);
		free(clouds[i].token);
	}
}

/* A new scratch cloud with the project "sim", its admin's token issued. */
static void
cloud_make(struct cloud *c, const char *policy)
{
	char	*prj = prog("cloud-project-create");
	char	*pa[] = { prj, "-q", "sim", NULL };

	c->dir = scratch_cloud(policy);
	scratch_token(c->dir);
	c->config = xstrdup(getenv("CLOUD_CONFIG"));
	c->token = xstrdup(getenv("CLOUD_TOKEN"));
	if (run(pa, NULL) != 0)
		errx(1, "setting up the scratch cloud failed");
	free(prj);
}

/* The programs run from here on work in c. */
static void
cloud_use(const struct cloud *c)
{
	setenv("CLOUD_CONFIG", c->config, 1);
	setenv("CLOUD_STATE_DIR", c->dir, 1);
	setenv("CLOUD_TOKEN", c->token, 1);
}

static void
set_hosts(const struct cloud *c, int n)
{
	char	*script;

	xasprintf(&script, hosts_sql, n, n, n, n);
	sql(c->dir, script);
	free(script);
}

/*
 * Milliseconds of one cloud-migrate in c that must find no host (exit
 * 6); the size of what it wrote on stderr in *err_bytes.
 */
static double
migrate_nohost(const struct cloud *c, char *const argv[],
    long long *err_bytes)
{
	struct stat	 st;
	double		 t0;
	int		 rc;

	cloud_use(c);
	t0 = now();
	rc = run_redirect(argv, "/dev/null", NULL, errfile, NULL);
	t0 = (now() - t0) * 1e3;
	if (rc != NB_ENOHOST) {
		char	*line = read_first_line(errfile);

		errx(1, "cloud-migrate exited %d, not %d: %s", rc, NB_ENOHOST,
		    line);
	}
	if (stat(errfile, &st) == -1)
		err(1, "%s", errfile);
	*err_bytes = st.st_size;
	return t0;
}

/*
 * The medians of RUNS runs of argv in the hosts' cloud and of the
 * baseline's argv in the baseline's, alternating, after one untimed of
 * each to warm the caches.
 */
static void
median_migrate(char *const argv[], char *const base_argv[], double *t,
    double *t_base, long long *err_bytes)
{
	double		 tt[RUNS], tb[RUNS];
	long long	 base_bytes;
	int		 i;

	(void)migrate_nohost(&clouds[0], base_argv, &base_bytes);
	(void)migrate_nohost(&clouds[1], argv, err_bytes);
	for (i = 0; i < RUNS; i++) {
		if (i % 2 == 0) {
			tb[i] = migrate_nohost(&clouds[0], base_argv,
			    &base_bytes);
			tt[i] = migrate_nohost(&clouds[1], argv, err_bytes);
		} else {
			tt[i] = migrate_nohost(&clouds[1], argv, err_bytes);
			tb[i] = migrate_nohost(&clouds[0], base_argv,
			    &base_bytes);
		}
	}
	*t = median(tt, RUNS);
	*t_base = median(tb, RUNS);
}

/* The median of RUNS runs of the hosts query alone in c, in ms. */
static double
median_query(const struct cloud *c)
{
	char	*db, *argv[] = { "sqlite3", "-bail", NULL, (char *)load_sql,
		    NULL };
	double	 t[RUNS], t0;
	int	 i;

	xasprintf(&db, "%s/nubes.db", c->dir);
	argv[2] = db;
	for (i = 0; i < RUNS; i++) {
		t0 = now();
		if (run(argv, NULL) != 0)
			errx(1, "sqlite3 failed on the hosts query");
		t[i] = (now() - t0) * 1e3;
	}
	free(db);
	return median(t, RUNS);
}

int
main(int argc, char *argv[])
{
	static const int	 sizes[] = { 1000, 10000 };
	char			*mig;
	double			 t, t_base;
	long long		 err_bytes;
	size_t			 k;

	if (argc != 3)
		errx(2, "usage: bench-migrate-target BINDIR POLICY");
	bench_bindir = argv[1];
	atexit(cleanup);
	cloud_make(&clouds[0], argv[2]);
	cloud_make(&clouds[1], argv[2]);
	xasprintf(&errfile, "%s/stderr", clouds[1].dir);
	set_hosts(&clouds[0], 0);

	mig = prog("cloud-migrate");
	{
		char	*ma[] = { mig, "--live", SERVER, NULL };
		char	*ea[] = { mig, "--live", "--explain", SERVER, NULL };

		printf("bench-migrate-target: SIMULATION: synthetic hosts (and "
		    "0-3 servers each)\ninserted into the database, and one "
		    "server, active on a source host, that\nno other host "
		    "can take.  cloud-migrate --live end to end (exit 6 in "
		    "its\nclaim transaction, libvirt never opened), median of "
		    "%d runs.  baseline: the\nsame cloud-migrate in a cloud "
		    "with only the source host, alternating with\nit.  "
		    "choose: the difference.  hosts query: the query it "
		    "loads the hosts\nwith, alone in the sqlite3 shell.  "
		    "stderr: the message of exit 6.\nNova's anchor: "
		    "500-1200 ms to choose among 200-1,000 nodes.\n\n", RUNS);
		printf("%7s %7s %16s %11s %9s %12s %10s\n", "hosts", "servers",
		    "cloud-migrate ms", "baseline ms", "choose ms",
		    "hosts query", "stderr KiB");
		fflush(stdout);
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			set_hosts(&clouds[1], sizes[k]);
			median_migrate(ma, ma, &t, &t_base, &err_bytes);
			printf("%7d %7d %16.1f %11.1f %9.1f %12.1f %10.1f\n",
			    sizes[k] + 1, sizes[k] / 4 * 6 + 1, t, t_base,
			    t - t_base, median_query(&clouds[1]),
			    err_bytes / 1024.0);
			fflush(stdout);
			if (sizes[k] == 1000) {
				median_migrate(ea, ma, &t, &t_base,
				    &err_bytes);
				printf("%7d %7d %16.1f %11.1f %9.1f %12s "
				    "%10.1f  (--explain)\n", sizes[k] + 1,
				    sizes[k] / 4 * 6 + 1, t, t_base,
				    t - t_base, "-", err_bytes / 1024.0);
				fflush(stdout);
			}
		}
	}
	free(mig);
	free(errfile);
	return 0;	/* cleanup() runs at exit */
}
