/*
 * bench-identity: what identity costs, each number beside a baseline
 * measured in the same run.  Not a test: it asserts nothing and prints
 * numbers; targets are from the issue and shown for comparison.
 *
 *   bench/bench-identity BINDIR POLICY
 *
 * It makes a scratch cloud under /tmp with the programs in BINDIR and
 * the default policy file POLICY.
 */
#include "config.h"

#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"
#include "bench.h"

static int		 phase;		/* keeps user names distinct */

/* 32 writer processes, each creating per users; latencies in ms. */
static void
parallel_writers(int writers, int per, const char *sync)
{
	double	*lat, t0, total;
	int	 w, i, p[2], failures = 0;
	FILE	*fp;
	char	 line[128];

	if (pipe(p) == -1)
		err(1, "pipe");
	t0 = now();
	for (w = 0; w < writers; w++) {
		if (fork() != 0)
			continue;
		close(p[0]);
		fp = fdopen(p[1], "w");
		for (i = 0; i < per; i++) {
			char	 name[64], *cmd = prog("cloud-user-create");
			char	*argv[] = { cmd, "-q", name, NULL };
			double	 s;
			int	 rc;

			snprintf(name, sizeof(name), "bench-%d-%d-%d", phase,
			    w, i);
			s = now();
			rc = run(argv, NULL);
			fprintf(fp, "%d %.6f\n", rc, (now() - s) * 1000);
			free(cmd);
		}
		fclose(fp);
		_exit(0);
	}
	close(p[1]);
	lat = xcalloc(writers * per, sizeof(*lat));
	fp = fdopen(p[0], "r");
	for (i = 0; i < writers * per && fgets(line, sizeof(line), fp); i++) {
		int	 rc;

		sscanf(line, "%d %lf", &rc, &lat[i]);
		failures += rc != 0;
	}
	fclose(fp);
	while (wait(NULL) > 0)
		;
	total = now() - t0;
	qsort(lat, i, sizeof(*lat), cmp_double);
	printf("user-create, %d parallel writers x %d, synchronous=%s: "
	    "%.0f writes/s (target >= 300), p50 %.1f ms, p99 %.1f ms, "
	    "%d failed\n", writers, per, sync, i / total, lat[i / 2],
	    lat[i * 99 / 100], failures);
	phase++;
	free(lat);
}

int
main(int argc, char *argv[])
{
	char		*dir, conf[512];
	struct nb	*nb;
	struct nb_ctx	 ctx;
	struct token	 tk;
	char		*token, *errs, *hash;
	double		 t0, t_decode, t_full, t_true, t_proc, t_hash, t_issue;
	int		 code, i, n = 2000;
	FILE		*fp;

	if (argc != 3)
		errx(2, "usage: bench-identity BINDIR POLICY");
	bench_bindir = argv[1];
	dir = scratch_cloud(argv[2]);
	snprintf(conf, sizeof(conf), "%s", getenv("CLOUD_CONFIG"));
	if ((nb = nb_open("bench", NB_AUTH, &errs, &code)) == NULL)
		errx(1, "%s", errs);
	if ((token = auth_issue(nb, &nb->ctx)) == NULL)
		errx(1, "%s", nb_errstr(nb));

	/* Library: crypto alone, then the whole check with the database. */
	t0 = now();
	for (i = 0; i < n; i++)
		if (token_decode(nb, token, &tk) == -1)
			errx(1, "%s", nb_errstr(nb));
	t_decode = (now() - t0) / n;
	t0 = now();
	for (i = 0; i < n; i++)
		if (auth_token(nb, token, &ctx) == -1)
			errx(1, "%s", nb_errstr(nb));
	t_full = (now() - t0) / n;
	printf("token validate in the library: %.1f us (target <= 50); "
	    "of which decrypt+MAC %.1f us\n", t_full * 1e6, t_decode * 1e6);

	/* Whole process: cloud-token-validate beside spawning true. */
	{
		char	*cmd = prog("cloud-token-validate");
		char	*vargv[] = { cmd, "-q", NULL };
		char	*targv[] = { "true", NULL };
		char	*line;

		/* The caller's own token, given on stdin to be validated. */
		setenv("CLOUD_TOKEN", token, 1);
		xasprintf(&line, "%s\n", token);
		t_true = time_runs(targv, NULL, 200);
		t_proc = time_runs(vargv, line, 200);
		free(line);
		printf("cloud-token-validate process: %.2f ms, true: %.2f ms, "
		    "difference %.2f ms (target <= 2)\n", t_proc * 1e3,
		    t_true * 1e3, (t_proc - t_true) * 1e3);
		free(cmd);
	}

	/*
	 * Token issue with a password: the scrypt hash alone, in the
	 * library; the whole process; and the same process given a token
	 * instead of the password, which is everything but the hash.
	 */
	if ((hash = password_hash(nb, "secret")) == NULL)
		errx(1, "%s", nb_errstr(nb));
	t0 = now();
	for (i = 0; i < 10; i++)
		password_verify(nb, "secret", hash);
	t_hash = (now() - t0) / 10;
	{
		char	*cmd = prog("cloud-token-issue");
		char	*iargv[] = { cmd, "-q", NULL };
		double	 t_rest;

		unsetenv("CLOUD_TOKEN");
		t_issue = time_runs(iargv, NULL, 10);
		setenv("CLOUD_TOKEN", token, 1);
		t_rest = time_runs(iargv, NULL, 100);
		printf("cloud-token-issue with a password: %.1f ms; scrypt "
		    "alone %.1f ms; everything else (issue from a token) "
		    "%.2f ms (target <= 5)\n", t_issue * 1e3, t_hash * 1e3,
		    t_rest * 1e3);
		free(cmd);
	}
	setenv("CLOUD_TOKEN", token, 1);
	unsetenv("CLOUD_PASSWORD");

	/*
	 * Writers: one alone as the baseline, then 32 at once; then again
	 * with synchronous=normal, where a commit does not wait for the
	 * disk, to show what the fsync of each commit costs.
	 */
	parallel_writers(1, 100, "full");
	parallel_writers(32, 25, "full");
	if ((fp = fopen(conf, "a")) == NULL)
		err(1, "%s", conf);
	fprintf(fp, "[database]\nsynchronous = normal\n");
	fclose(fp);
	parallel_writers(1, 100, "normal");
	parallel_writers(32, 25, "normal");

	free(hash);
	free(token);
	nb_close(nb);
	scratch_remove(dir);
	return 0;
}
