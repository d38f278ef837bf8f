/*
 * bench.h: what the benchmarks share: timing, running programs, and a
 * scratch cloud to run them in.  Benchmarks print numbers; they assert
 * nothing.
 */
#ifndef NUBES_BENCH_H
#define NUBES_BENCH_H

#include <sys/resource.h>

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

#endif
