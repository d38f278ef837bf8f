/*
 * bench-image: the image store's speed, each number beside a baseline
 * measured in the same run.  Not a test: it prints numbers.
 *
 *   bench/bench-image BINDIR POLICY [SIZE_MIB]
 *
 * cloud-image-add of a SIZE_MIB file (default 1024) beside sha512sum and
 * cp of the same file, with cloud-image-add's peak RSS; then
 * cloud-image-list over 10,000 images beside the bare SQL query.  The
 * 10,000 rows are inserted directly into the database: a simulation of
 * a large registry, named as such.
 */
#include "config.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "bench.h"

/* Seconds of one run of argv reading in, writing out; its RSS in KiB. */
static double
timed(char *const argv[], const char *in, const char *out, long *rss_kib)
{
	struct rusage	 ru;
	double		 t0 = now();
	int		 rc;

	if ((rc = run_files(argv, in, out, &ru)) != 0)
		errx(1, "%s exited %d", argv[0], rc);
	if (rss_kib != NULL)
		*rss_kib = ru.ru_maxrss;
	return now() - t0;
}

/* Read the file once so every contender starts with it cached. */
static void
warm_cache(const char *path)
{
	char	*argv[] = { "cat", NULL };

	if (run_files(argv, path, NULL, NULL) != 0)
		errx(1, "reading %s failed", path);
}

int
main(int argc, char *argv[])
{
	char		*dir, file[512], copy[512], *add, *list, *sql;
	const char	*errstr;
	long		 size_mib = 1024, rss, i;
	double		 t_sha, t_cp, t_add, mib, t_list[5], t_sql[5];
	FILE		*fp;

	if (argc != 3 && argc != 4)
		errx(2, "usage: bench-image BINDIR POLICY [SIZE_MIB]");
	bench_bindir = argv[1];
	if (argc == 4 && ((size_mib = strtonum(argv[3], 1, 1 << 20,
	    &errstr)), errstr != NULL))
		errx(2, "SIZE_MIB %s", errstr);
	dir = scratch_cloud(argv[2]);
	scratch_token(dir);
	add = prog("cloud-image-add");
	list = prog("cloud-image-list");

	snprintf(file, sizeof(file), "%s/disk.raw", dir);
	snprintf(copy, sizeof(copy), "%s/copy.raw", dir);
	{
		char	*count, *of;
		char	*dd[] = { "dd", "if=/dev/urandom", NULL, "bs=1M",
			    NULL, "status=none", NULL };

		xasprintf(&of, "of=%s", file);
		xasprintf(&count, "count=%ld", size_mib);
		dd[2] = of;
		dd[4] = count;
		if (run(dd, NULL) != 0)
			errx(1, "dd failed");
		free(of);
		free(count);
	}
	mib = (double)size_mib;
	warm_cache(file);
	{
		char	*sha[] = { "sha512sum", NULL };
		char	*cp[] = { "cp", file, copy, NULL };
		char	*a[] = { add, "-q", "bench", "--disk-format", "raw",
			    NULL };

		t_sha = timed(sha, file, NULL, NULL);
		t_cp = timed(cp, file, NULL, NULL);
		unlink(copy);
		t_add = timed(a, file, NULL, &rss);
	}
	printf("cloud-image-add of %ld MiB: %.0f MiB/s; sha512sum %.0f MiB/s "
	    "(add is %.0f%% of it, target >= 90%%); cp %.0f MiB/s\n", size_mib,
	    mib / t_add, mib / t_sha, 100 * t_sha / t_add, mib / t_cp);
	printf("cloud-image-add peak RSS: %.1f MiB (target < 16)\n",
	    rss / 1024.0);

	/* A simulated registry: 10,000 rows with two properties each. */
	xasprintf(&sql, "%s/rows.sql", dir);
	if ((fp = fopen(sql, "w")) == NULL)
		err(1, "%s", sql);
	fprintf(fp, "BEGIN;\n");
	for (i = 0; i < 10000; i++) {
		fprintf(fp, "INSERT INTO images (id, name, owner, status,"
		    " disk_format, container_format, size, virtual_size,"
		    " os_hash_algo, os_hash_value, visibility, created_at,"
		    " updated_at) SELECT printf('00000000-0000-4000-8000-%%012d',"
		    " %ld), 'sim-%ld', id, 'active', 'qcow2', 'bare', 1000, 2000,"
		    " 'sha512', hex(randomblob(64)), 'shared', %ld, %ld FROM"
		    " projects WHERE name = 'admin';\n", i, i, 1700000000 + i,
		    1700000000 + i);
		fprintf(fp, "INSERT INTO image_properties VALUES (printf("
		    "'00000000-0000-4000-8000-%%012d', %ld), 'os_distro',"
		    " 'debian'), (printf('00000000-0000-4000-8000-%%012d', %ld),"
		    " 'hw_disk_bus', 'virtio');\n", i, i);
	}
	fprintf(fp, "COMMIT;\n");
	fclose(fp);
	{
		char	*db, *sq[] = { "sqlite3", NULL, NULL };
		char	*q[] = { "sqlite3", NULL, "SELECT * FROM images i, "
			    "image_properties p WHERE p.image_id = i.id", NULL };
		char	*l[] = { list, "-f", "json", NULL };

		xasprintf(&db, "%s/nubes.db", dir);
		sq[1] = q[1] = db;
		if (run_files(sq, sql, NULL, NULL) != 0)
			errx(1, "inserting the simulated rows failed");
		for (i = 0; i < 5; i++) {
			t_list[i] = timed(l, "/dev/null", NULL, NULL);
			t_sql[i] = timed(q, "/dev/null", NULL, NULL);
		}
		qsort(t_list, 5, sizeof(double), cmp_double);
		qsort(t_sql, 5, sizeof(double), cmp_double);
		printf("cloud-image-list -f json of 10,001 images (simulated "
		    "rows): %.0f ms median (target <= 100); the bare query in "
		    "sqlite3: %.0f ms\n", t_list[2] * 1e3, t_sql[2] * 1e3);
		free(db);
	}
	free(sql);
	free(add);
	free(list);
	scratch_remove(dir);
	return 0;
}
