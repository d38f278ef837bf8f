/*
 * bench.h: what the benchmarks share: timing, running programs, and a
 * scratch cloud to run them in.  Benchmarks print numbers; they assert
 * nothing.
 */
#ifndef NUBES_BENCH_H
#define NUBES_BENCH_H

#include <sys/resource.h>

#include <signal.h>

extern const char	*bench_bindir;

double	 now(void);
/* Run argv, stdin from input (or empty), stdout discarded; exit status. */
int	 run(char *const argv[], const char *input);
/*
 * Run argv with stdin from the file in and stdout to the file out (NULL:
 * /dev/null); its resource use in *ru; exit status.
 */
int	 run_files(char *const argv[], const char *in, const char *out,
	    struct rusage *ru);
/*
 * As run_files(), with stderr to the file errout too (NULL: inherited).
 */
int	 run_redirect(char *const argv[], const char *in, const char *out,
	    const char *errout, struct rusage *ru);
/* BINDIR/name, to free. */
char	*prog(const char *name);
/* Mean seconds of n runs of argv, which must succeed. */
double	 time_runs(char *const argv[], const char *input, int n);
int	 cmp_double(const void *, const void *);
/* The median of the n values in t, which it sorts. */
double	 median(double *t, int n);
/*
 * Run the SQL script in the sqlite3 shell on the database of the scratch
 * cloud in dir; dies when it fails.  For simulated rows, which no program
 * of nubes would make.
 */
void	 sql(const char *dir, const char *script);
/* The file's first line without its newline, to free; "" when empty. */
char	*read_first_line(const char *path);
/*
 * A scratch cloud in a new /tmp directory, bootstrapped with admin/secret
 * and the default policy file policy; CLOUD_* point at it and the admin.
 * Returns the directory, to remove with scratch_remove().
 */
char	*scratch_cloud(const char *policy);
/*
 * Issue a token as the scratch cloud's admin and put it in CLOUD_TOKEN,
 * so that the programs measured do not spend a password hash each.
 */
void	 scratch_token(const char *dir);
void	 scratch_remove(char *dir);

/*
 * For the benchmarks that run real guests.
 *
 * bench_catch_signals() makes SIGINT, SIGTERM and SIGHUP set
 * bench_interrupted and let the step in progress finish;
 * check_interrupted() dies ("interrupted") once one came, so that
 * atexit() handlers undo what was made.
 */
extern volatile sig_atomic_t	 bench_interrupted;
void	 bench_catch_signals(void);
void	 check_interrupted(void);
/* Not a failure: print "PROG: skipped: why" and exit 0. */
void	 skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run argv, stdin from the file in, stdout to out; dies unless it exits 0. */
void	 must_run(char *const argv[], const char *in, const char *out);
/* $NUBES_TEST_CACHE/file (default /var/cache/nubes-test), to free. */
char	*test_cache_path(const char *file);
/* Whether the file holds needle; a missing file does not. */
int	 file_contains(const char *path, const char *needle);
/*
 * Wait until the file (a guest's console log) holds needle; dies past
 * seconds, or when interrupted.
 */
void	 wait_for_text(const char *path, const char *needle, int seconds);
/*
 * Take the lock the guest tests take turns with (tests/lib.sh
 * guests_exclusive), waiting while they run; returns its descriptor,
 * which holds the lock until closed.
 */
int	 guests_lock(void);

#endif
