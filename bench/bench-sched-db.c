/*
 * bench-sched-db: the whole scheduling of cloud-boot over 1,000, 10,000
 * and 100,000 hosts, end to end: the process, authentication, the
 * hosts and what their servers claim loaded from the database, every
 * filter, and the server recorded in error.  Not a test: it prints
 * numbers and asserts nothing.
 *
 *   bench/bench-sched-db BINDIR POLICY
 *
 * A SIMULATION, named as such: the hosts are synthetic rows inserted
 * into a scratch cloud's database with SQL (varied capacity, ratios and
 * zones, one in a hundred disabled), with 0 to 3 servers of another
 * project on each claiming resources.  Their URIs (test:///sim-N) are
 * never contacted: the flavor asks for more RAM than any host has, so
 * every host fails the filters, cloud-boot records the server in error
 * and exits 6 without opening libvirt, and the time measured is the
 * scheduling.  The baseline, in the same run, is the same cloud-boot
 * with no hosts at all, which exits 6 at once: the difference is what
 * the hosts cost.  The server in error is deleted after each run, so
 * runs are alike.  To tell the database from the rest, it also times
 * cloud-boot's query of the hosts alone in the sqlite3 shell (output
 * discarded); bench-sched times the scheduler alone, in memory.
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
#include "bench.h"

#define RUNS		5
#define FLAVOR_RAM_MIB	"2097152"	/* 2 TiB: more than any host */

/*
 * n synthetic hosts, after emptying the tables.  Capacity varies with
 * the row number: 16 to 128 vCPUs, 64 to 512 GiB of RAM, 500 to 4000 GB
 * of disk, CPU ratio 4 or 16, RAM ratio 1 or 1.5 (so at most 768 GiB
 * free), three zones, every hundredth host disabled.  Host i runs i % 4
 * servers of 4 vCPUs, 8 GiB and 80 GB in project "sim".
 */
static const char hosts_sql[] =
    "BEGIN;"
    "DELETE FROM server_events; DELETE FROM servers; DELETE FROM hosts;"
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
    "COMMIT;"
    "PRAGMA wal_checkpoint(TRUNCATE);";

/* cloud-boot's query of the hosts, as lib/boot.c has it. */
static const char load_sql[] =
    "SELECT h.id, h.name, h.zone, h.enabled, h.disabled_reason,"
    " h.cpu_ratio, h.ram_ratio, h.disk_ratio, h.reserved_ram_mib,"
    " h.vcpus, h.ram_mib, h.disk_gb, h.arch, h.hypervisor_type,"
    " h.vcpus_used, h.ram_used_mib, h.disk_used_gb, h.servers, h.uri,"
    " h.pool FROM hosts h ORDER BY h.name";

/* After each run: the server it recorded in error goes. */
static const char clean_sql[] =
    "BEGIN;"
    "DELETE FROM server_events WHERE server_id IN"
    " (SELECT id FROM servers WHERE vm_state = 'error');"
    "DELETE FROM servers WHERE vm_state = 'error';"
    "COMMIT;"
    "PRAGMA wal_checkpoint(TRUNCATE);";

static char	*dir, *errfile;

/* At exit, after a failure too: the scratch cloud goes. */
static void
cleanup(void)
{
	if (dir != NULL)
		scratch_remove(dir);
	dir = NULL;
}

static void
set_hosts(int n)
{
	char	*script;

	xasprintf(&script, hosts_sql, n, n, n, n);
	sql(dir, script);
	free(script);
}

/*
 * Milliseconds of one cloud-boot that must find no host (exit 6); the
 * size of what it wrote on stderr in *err_bytes.
 */
static double
boot_nohost(char *const argv[], long long *err_bytes)
{
	struct stat	 st;
	double		 t0 = now();
	int		 rc;

	rc = run_redirect(argv, "/dev/null", NULL, errfile, NULL);
	t0 = (now() - t0) * 1e3;
	if (rc != NB_ENOHOST) {
		char	*line = read_first_line(errfile);

		errx(1, "cloud-boot exited %d, not %d: %s", rc, NB_ENOHOST,
		    line);
	}
	if (stat(errfile, &st) == -1)
		err(1, "%s", errfile);
	*err_bytes = st.st_size;
	sql(dir, clean_sql);
	return t0;
}

/* The median of RUNS runs, after one untimed to warm the caches. */
static double
median_boot(char *const argv[], long long *err_bytes)
{
	double	 t[RUNS];
	int	 i;

	boot_nohost(argv, err_bytes);
	for (i = 0; i < RUNS; i++)
		t[i] = boot_nohost(argv, err_bytes);
	return median(t, RUNS);
}

/* The median of RUNS runs of the hosts query alone, in milliseconds. */
static double
median_query(void)
{
	char	*db, *argv[] = { "sqlite3", "-bail", NULL, (char *)load_sql,
		    NULL };
	double	 t[RUNS], t0;
	int	 i;

	xasprintf(&db, "%s/nubes.db", dir);
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
	static const int	 sizes[] = { 1000, 10000, 100000 };
	static const double	 targets[] = { 5, 20, 200 };
	char			*boot, *disk;
	double			 t_base, t, t_explain = 0;
	long long		 err_bytes, explain_bytes = 0;
	size_t			 k;
	int			 fd;

	if (argc != 3)
		errx(2, "usage: bench-sched-db BINDIR POLICY");
	bench_bindir = argv[1];
	dir = scratch_cloud(argv[2]);
	atexit(cleanup);
	scratch_token(dir);
	xasprintf(&errfile, "%s/stderr", dir);

	/* An image that fits the flavor's disk, a flavor no host fits. */
	xasprintf(&disk, "%s/disk.raw", dir);
	if ((fd = open(disk, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    ftruncate(fd, 1024 * 1024) == -1 || close(fd) == -1)
		err(1, "%s", disk);
	{
		char	*img = prog("cloud-image-add");
		char	*flv = prog("cloud-flavor-create");
		char	*quo = prog("cloud-quota-set");
		char	*prj = prog("cloud-project-create");
		char	*ia[] = { img, "-q", "sim", "--disk-format", "raw",
			    NULL };
		char	*fa[] = { flv, "-q", "sim.huge", "--vcpus", "1",
			    "--ram", FLAVOR_RAM_MIB, "--disk", "1", NULL };
		/* The quota would refuse 2 TiB before the scheduler ran. */
		char	*qa[] = { quo, "--ram", "-1", "admin", NULL };
		char	*pa[] = { prj, "-q", "sim", NULL };

		if (run_files(ia, disk, NULL, NULL) != 0 ||
		    run(fa, NULL) != 0 || run(qa, NULL) != 0 ||
		    run(pa, NULL) != 0)
			errx(1, "setting up the scratch cloud failed");
		free(img);
		free(flv);
		free(quo);
		free(prj);
	}

	boot = prog("cloud-boot");
	{
		char	*ba[] = { boot, "--flavor", "sim.huge", "--image",
			    "sim", "sim-server", NULL };
		char	*ea[] = { boot, "--flavor", "sim.huge", "--image",
			    "sim", "--explain", "sim-server", NULL };

		printf("bench-sched-db: SIMULATION: synthetic hosts (and 0-3 "
		    "servers each) inserted\ninto the database.  cloud-boot "
		    "end to end with a flavor no host can take\n(exit 6, "
		    "libvirt never opened), median of %d runs.  schedule: "
		    "cloud-boot\nminus the baseline, the same cloud-boot with "
		    "no hosts.  hosts query: the\nquery cloud-boot loads the "
		    "hosts with, alone in the sqlite3 shell, ms.\nstderr: "
		    "the message of exit 6.\n\n", RUNS);
		printf("%7s %7s %13s %11s %9s %12s %10s\n", "hosts",
		    "servers", "cloud-boot ms", "schedule ms", "target ms",
		    "hosts query", "stderr KiB");
		fflush(stdout);
		set_hosts(0);
		t_base = median_boot(ba, &err_bytes);
		printf("%7d %7d %13.1f %11s %9s %12.1f %10.1f  (baseline)\n",
		    0, 0, t_base, "-", "-", median_query(),
		    err_bytes / 1024.0);
		fflush(stdout);
		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			set_hosts(sizes[k]);
			t = median_boot(ba, &err_bytes);
			printf("%7d %7d %13.1f %11.1f %9.0f %12.1f %10.1f\n",
			    sizes[k], sizes[k] / 4 * 6, t, t - t_base,
			    targets[k], median_query(), err_bytes / 1024.0);
			fflush(stdout);
			if (sizes[k] == 1000) {
				t_explain = median_boot(ea, &explain_bytes);
				printf("%7d %7d %13.1f %11.1f %9s %12s %10.1f  "
				    "(--explain)\n", sizes[k], sizes[k] / 4 * 6,
				    t_explain, t_explain - t_base, "-", "-",
				    explain_bytes / 1024.0);
				fflush(stdout);
			}
		}
	}
	free(boot);
	free(disk);
	free(errfile);
	return 0;	/* cleanup() runs at exit */
}
