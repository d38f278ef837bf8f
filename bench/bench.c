/*
 * bench.c: helpers of the benchmarks (bench.h).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nubes.h"
#include "bench.h"

extern char	**environ;

const char	*bench_bindir;

double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Spawn argv reading the descriptor in, stdout to the file out (NULL:
 * /dev/null), stderr to the file errout (NULL: inherited).
 */
static pid_t
spawn(char *const argv[], int in, const char *out, const char *errout)
{
	posix_spawn_file_actions_t	 fa;
	pid_t				 pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
	    O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (errout != NULL)
		posix_spawn_file_actions_addopen(&fa, 2, errout,
		    O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		err(1, "spawn %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

int
run(char *const argv[], const char *input)
{
	int	 p[2], status;
	pid_t	 pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		err(1, "pipe");
	pid = spawn(argv, p[0], NULL, NULL);
	close(p[0]);
	if (input != NULL && write(p[1], input, strlen(input)) == -1)
		err(1, "write");
	close(p[1]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int
run_files(char *const argv[], const char *in, const char *out,
    struct rusage *ru)
{
	return run_redirect(argv, in, out, NULL, ru);
}

int
run_redirect(char *const argv[], const char *in, const char *out,
    const char *errout, struct rusage *ru)
{
	int	 fd, status;
	pid_t	 pid;

	if ((fd = open(in, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", in);
	pid = spawn(argv, fd, out, errout);
	close(fd);
	if (wait4(pid, &status, 0, ru) == -1)
		err(1, "wait4");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

char *
prog(const char *name)
{
	char	*p;

	xasprintf(&p, "%s/%s", bench_bindir, name);
	return p;
}

double
time_runs(char *const argv[], const char *input, int n)
{
	double	 t0 = now();
	int	 i;

	for (i = 0; i < n; i++)
		if (run(argv, input) != 0)
			errx(1, "%s failed", argv[0]);
	return (now() - t0) / n;
}

int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
median(double *t, int n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

void
sql(const char *dir, const char *script)
{
	char	*db, *argv[] = { "sqlite3", "-bail", NULL, NULL };

	xasprintf(&db, "%s/nubes.db", dir);
	argv[2] = db;
	if (run(argv, script) != 0)
		errx(1, "sqlite3 %s failed on: %.200s", db, script);
	free(db);
}

char *
read_first_line(const char *path)
{
	char	 line[4096];
	FILE	*fp;

	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	if (fgets(line, sizeof(line), fp) == NULL)
		line[0] = '\0';
	fclose(fp);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

char *
scratch_cloud(const char *policy)
{
	char	*dir = xstrdup("/tmp/nubes-bench.XXXXXX"), conf[256];
	char	*cmd = prog("cloud-bootstrap");
	char	*argv[] = { cmd, "-q", "--password-stdin", NULL };
	FILE	*fp;

	if (mkdtemp(dir) == NULL)
		err(1, "mkdtemp");
	snprintf(conf, sizeof(conf), "%s/nubes.conf", dir);
	if ((fp = fopen(conf, "w")) == NULL)
		err(1, "%s", conf);
	fprintf(fp, "[policy]\ndefaults = %s\nfile = /nonexistent\n", policy);
	fclose(fp);
	setenv("CLOUD_CONFIG", conf, 1);
	setenv("CLOUD_STATE_DIR", dir, 1);
	unsetenv("CLOUD_TOKEN");
	if (run(argv, "secret\n") != 0)
		errx(1, "cloud-bootstrap failed");
	free(cmd);
	setenv("CLOUD_USERNAME", "admin", 1);
	setenv("CLOUD_PASSWORD", "secret", 1);
	setenv("CLOUD_PROJECT", "admin", 1);
	return dir;
}

void
scratch_token(const char *dir)
{
	char	*issue = prog("cloud-token-issue"), *out, *tok;
	char	*argv[] = { issue, "-f", "value", "-c", "id", NULL };

	xasprintf(&out, "%s/token", dir);
	if (run_files(argv, "/dev/null", out, NULL) != 0)
		errx(1, "cloud-token-issue failed");
	tok = read_first_line(out);
	setenv("CLOUD_TOKEN", tok, 1);
	unlink(out);
	free(tok);
	free(out);
	free(issue);
}

/* BENCH_KEEP=1 keeps the scratch cloud, to look at afterwards. */
void
scratch_remove(char *dir)
{
	char	*argv[] = { "rm", "-rf", dir, NULL };
	char	*keep = getenv("BENCH_KEEP");

	if (keep != NULL && strcmp(keep, "1") == 0)
		fprintf(stderr, "bench: kept %s\n", dir);
	else
		run(argv, NULL);
	free(dir);
}

volatile sig_atomic_t	 bench_interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	bench_interrupted = 1;
}

void
bench_catch_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;	/* let the step in progress finish */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void
check_interrupted(void)
{
	if (bench_interrupted)
		errx(1, "interrupted");
}

void
skip(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	printf("%s: skipped: ", getprogname());
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(0);
}

void
must_run(char *const argv[], const char *in, const char *out)
{
	int	 rc;

	if ((rc = run_files(argv, in, out, NULL)) != 0)
		errx(1, "%s exited %d", argv[0], rc);
}

char *
test_cache_path(const char *file)
{
	const char	*cache = getenv("NUBES_TEST_CACHE");
	char		*p;

	xasprintf(&p, "%s/%s", cache != NULL && *cache != '\0' ? cache :
	    "/var/cache/nubes-test", file);
	return p;
}

int
file_contains(const char *path, const char *needle)
{
	char	 buf[65536];
	size_t	 keep = 0, n, len = strlen(needle);
	int	 fd, found = 0;
	ssize_t	 r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	/* Keep the last len - 1 bytes, for a needle across two reads. */
	while (!found && (r = read(fd, buf + keep, sizeof(buf) - 1 -
	    keep)) > 0) {
		n = keep + (size_t)r;
		buf[n] = '\0';
		found = memmem(buf, n, needle, len) != NULL;
		keep = n < len - 1 ? n : len - 1;
		memmove(buf, buf + n - keep, keep);
	}
	close(fd);
	return found;
}

void
wait_for_text(const char *path, const char *needle, int seconds)
{
	double	 deadline = now() + seconds;

	while (!file_contains(path, needle)) {
		check_interrupted();
		if (now() >= deadline)
			errx(1, "%s: no %s within %d s", path, needle, seconds);
		usleep(500000);
	}
}

#define GUEST_LOCK	"/tmp/nubes-test-guests.lock"

int
guests_lock(void)
{
	int	 fd;

	if ((fd = open(GUEST_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		err(1, "%s", GUEST_LOCK);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		fprintf(stderr, "%s: waiting for %s (guest tests are "
		    "running)\n", getprogname(), GUEST_LOCK);
		/* Polled, so that a signal ends the wait. */
		while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			check_interrupted();
			sleep(1);
		}
	}
	check_interrupted();
	return fd;
}
