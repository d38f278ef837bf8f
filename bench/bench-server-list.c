/*
 * bench-server-list: cloud-server-list over 10,000 servers, beside the
 * bare query in the sqlite3 shell on the same database, measured in the
 * same run.  Not a test: it prints numbers and asserts nothing.
 *
 *   bench/bench-server-list BINDIR POLICY
 *
 * A SIMULATION of a large cloud's database, named as such: the 10,000
 * server rows (and the host and image they name) are inserted directly
 * with SQL; no guest exists and no host is contacted, which
 * cloud-server-list never does anyway (it reads the database only).
 * The servers belong to the admin's project, so the plain list and
 * --all-projects both print all of them.  The baseline selects the same
 * columns with the same joins and order, printed as tab-separated text
 * with a header: what the listing costs without nubes's process start,
 * authentication, policy and output formatting.
 */
#include "config.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nubes.h"
#include "bench.h"

#define SERVERS	10000
#define RUNS	5

/*
 * The simulated rows: one host, one image, SERVERS servers of the admin
 * project, created a second apart, most active, some stopped, a few in
 * error with a fault, a few with a key pair.
 */
static const char rows_sql[] =
    "BEGIN;"
    "INSERT INTO hosts (id, name, uri, cpu_ratio, ram_ratio, disk_ratio,"
    " reserved_ram_mib, vcpus, ram_mib, disk_gb, pool, arch,"
    " hypervisor_type, created_at, updated_at) VALUES"
    " ('00000000-0000-4000-8000-5100000000a0', 'sim-host', 'test:///sim-0',"
    " 4.0, 1.0, 1.0, 512, 4096, 16777216, 1000000, 'nubes', 'x86_64',"
    " 'QEMU', 1700000000, 1700000000);"
    "INSERT INTO images (id, name, owner, status, disk_format,"
    " container_format, size, virtual_size, visibility, created_at,"
    " updated_at) SELECT '00000000-0000-4000-8000-5100000000b0', 'sim-image',"
    " id, 'active', 'qcow2', 'bare', 1000, 2000, 'public', 1700000000,"
    " 1700000000 FROM projects WHERE name = 'admin';"
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n"
    " WHERE i < %d - 1)"
    " INSERT INTO servers (id, name, project_id, user_id, flavor_id,"
    " flavor_name, vcpus, ram_mib, disk_gb, image_id, host_id, zone,"
    " key_name, vm_state, power_state, fault, created_at, updated_at)"
    " SELECT printf('%%08x-0000-4000-8000-%%012x', i, i),"
    " printf('sim-%%05d', i), p.id, u.id, NULL, 'm1.small', 1, 2048, 20,"
    " '00000000-0000-4000-8000-5100000000b0',"
    " '00000000-0000-4000-8000-5100000000a0', 'nova',"
    " CASE WHEN i %% 7 = 0 THEN 'sim-key' END,"
    " CASE WHEN i %% 50 = 0 THEN 'error' WHEN i %% 10 = 0 THEN 'stopped'"
    "  ELSE 'active' END,"
    " CASE WHEN i %% 50 = 0 OR i %% 10 = 0 THEN 'shutdown'"
    "  ELSE 'running' END,"
    " CASE WHEN i %% 50 = 0 THEN 'simulated fault: the domain did not"
    " run within 60 s' END,"
    " 1700000000 + i, 1700000000 + i"
    " FROM n, projects p, users u WHERE p.name = 'admin'"
    " AND u.name = 'admin';"
    "COMMIT;";

/* The columns cloud-server-list prints, as lib/server.c selects them. */
static const char bare_sql[] =
    "SELECT s.id, s.name, upper(s.vm_state) AS status, s.vm_state,"
    " s.task_state, s.power_state, h.name AS host, s.zone,"
    " s.flavor_name AS flavor, s.vcpus, s.ram_mib AS ram, s.disk_gb AS disk,"
    " s.image_id, i.name AS image, s.key_name, s.project_id, s.user_id,"
    " s.fault, s.created_at, s.updated_at, s.locked"
    " FROM servers s LEFT JOIN hosts h ON h.id = s.host_id"
    " LEFT JOIN images i ON i.id = s.image_id"
    " ORDER BY s.created_at DESC, s.rowid DESC";

static char	*dir;

/* At exit, after a failure too: the scratch cloud goes. */
static void
cleanup(void)
{
	if (dir != NULL)
		scratch_remove(dir);
	dir = NULL;
}

/* Lines in the file at path. */
static long
count_lines(const char *path)
{
	FILE	*fp;
	long	 n = 0;
	int	 c;

	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	while ((c = getc(fp)) != EOF)
		n += c == '\n';
	fclose(fp);
	return n;
}

/*
 * Milliseconds of one run of argv, its output in out, which must be a
 * header and SERVERS lines: a list that came out short would be timed
 * for nothing.
 */
static double
timed(char *const argv[], const char *out)
{
	double	 t0 = now();
	long	 n;
	int	 rc;

	if ((rc = run_files(argv, "/dev/null", out, NULL)) != 0)
		errx(1, "%s exited %d", argv[0], rc);
	t0 = (now() - t0) * 1e3;
	if ((n = count_lines(out)) != SERVERS + 1)
		errx(1, "%s printed %ld lines, not %d", argv[0], n,
		    SERVERS + 1);
	return t0;
}

int
main(int argc, char *argv[])
{
	char	*list, *db, *out, *script;
	double	 t_list[RUNS], t_all[RUNS], t_sql[RUNS];
	int	 i;

	if (argc != 3)
		errx(2, "usage: bench-server-list BINDIR POLICY");
	bench_bindir = argv[1];
	dir = scratch_cloud(argv[2]);
	atexit(cleanup);
	scratch_token(dir);
	xasprintf(&script, rows_sql, SERVERS);
	sql(dir, script);
	free(script);

	list = prog("cloud-server-list");
	xasprintf(&db, "%s/nubes.db", dir);
	xasprintf(&out, "%s/out", dir);
	{
		char	*l[] = { list, "-f", "tsv", NULL };
		char	*a[] = { list, "-f", "tsv", "--all-projects", NULL };
		char	*q[] = { "sqlite3", "-tabs", "-header", db,
			    (char *)bare_sql, NULL };

		/* Once each untimed, so all start with the file cached. */
		timed(l, out);
		timed(q, out);
		/* Interleaved, so a change in load touches all three. */
		for (i = 0; i < RUNS; i++) {
			t_list[i] = timed(l, out);
			t_all[i] = timed(a, out);
			t_sql[i] = timed(q, out);
		}
	}
	printf("bench-server-list: SIMULATION of the database of a cloud with "
	    "%d servers\n(rows inserted with SQL; no guests), median of %d "
	    "runs\n", SERVERS, RUNS);
	printf("cloud-server-list -f tsv: %.1f ms (target <= 100); with "
	    "--all-projects: %.1f ms;\nbaseline, the same columns, joins and "
	    "order in the sqlite3 shell: %.1f ms\n", median(t_list, RUNS),
	    median(t_all, RUNS), median(t_sql, RUNS));

	free(out);
	free(db);
	free(list);
	return 0;	/* cleanup() runs at exit */
}
