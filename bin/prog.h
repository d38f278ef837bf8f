/*
 * prog.h: what every cloud-* program does the same way: options shared
 * by all, opening the cloud, printing results and errors, exiting.
 * This is the program side: unlike lib/, it prints and exits.
 */
#ifndef NUBES_PROG_H
#define NUBES_PROG_H

#include <getopt.h>
#include <stdint.h>

#include "nubes.h"
#include "resource.h"

#define OPT_VERSION	0x100
#define COMMON_SHORTOPTS	"f:c:hq"
#define COMMON_LONGOPTS \
	{ "format", required_argument, NULL, 'f' }, \
	{ "column", required_argument, NULL, 'c' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "version", no_argument, NULL, OPT_VERSION }

/* Print "usage: PROG SYNOPSIS" and exit: 0 on stdout, 2 on stderr. */
void __attribute__((noreturn))	usage(const char *synopsis, int code);
/*
 * Handle an option every program takes (-f -c -q -h --version); unknown
 * ones print the usage and exit 2.
 */
void		 common_option(int ch, const char *arg, const char *synopsis);
/* The number arg of option --opt in [min, max], or exit 2 saying why. */
long long	 opt_number(const char *opt, const char *arg, long long min,
		    long long max);
/* Open the cloud or exit with the message and code of CLI.md. */
struct nb	*prog_open(int flags);
/* Print nb's error as "PROG: message" and return its exit code. */
int		 prog_error(struct nb *, const char *operand);
/* Print t as one object or a list, unless -q; a bad -c exits 2. */
void		 print_object(const struct table *);
void		 print_list(const struct table *);
/*
 * Exit 2 unless every -c column is one r's show prints: checked before
 * a command changes anything, not after.
 */
void		 check_columns(struct nb *, const struct resource *r);
/* Flush stdout, report write errors, close nb, return the exit code. */
int		 prog_exit(struct nb *, int rval);
/* The password on stdin, or exit with the error. */
char		*prog_read_password(struct nb *);

/*
 * Stop long work cleanly on SIGINT, SIGTERM and SIGHUP (nb_interrupted),
 * and turn SIGPIPE into EPIPE write errors.
 */
void		 catch_interrupts(void);
/*
 * A progress line on stderr, only when it is a terminal: bytes so far
 * and the rate, redrawn at most four times a second; arg is the
 * program's name.  progress_end() finishes the line.
 */
void		 progress_stderr(void *arg, uint64_t done, uint64_t total);
void		 progress_end(void);

/* Whole programs for resources that are only shown, listed or deleted. */
int		 show_main(int argc, char *argv[], const struct resource *);
int		 delete_main(int argc, char *argv[], const struct resource *);
/*
 * A whole program that takes only the common options and at most one
 * operand, runs one library call and prints its table.
 */
struct simple_program {
	const char	*synopsis;
	enum { OPERAND_NONE, OPERAND_OPTIONAL, OPERAND_REQUIRED } operand;
	int		 list;		/* print a list, not one object */
	const struct resource *check;	/* -c is checked against its show */
	struct table	*(*run)(struct nb *, const char *operand);
};
int		 simple_main(int argc, char *argv[],
		    const struct simple_program *);
/*
 * A whole program that runs act on each operand (or stdin line), with
 * only the common options; what names the operands in messages.
 */
int		 operands_main(int argc, char *argv[], const char *synopsis,
		    const char *what, int (*act)(struct nb *, const char *));
/*
 * A list program with one option, --flag, that widens the list: list
 * gets 1 when it is given (cloud-volume-list --all-projects).
 */
int		 flag_list_main(int argc, char *argv[], const char *flag,
		    struct table *(*list)(struct nb *, int));
/* The same, with --opt METAVAR narrowing it: list(nb, value, flag). */
int		 filter_list_main(int argc, char *argv[], const char *flag,
		    const char *opt, const char *metavar,
		    struct table *(*list)(struct nb *, const char *, int));
/* A simple program that prints what list returns; it takes no operands. */
int		 list_main(int argc, char *argv[],
		    struct table *(*list)(struct nb *));
/*
 * A whole program that acts on tokens: operands, or stdin one a line,
 * or with neither (stdin a terminal) the caller's own CLOUD_TOKEN.
 */
int		 tokens_main(int argc, char *argv[], const char *synopsis,
		    int (*act)(struct nb *, const char *token));
/* A whole program that joins two operands: act(nb, first, second). */
int		 pair_main(int argc, char *argv[], const char *synopsis,
		    int (*act)(struct nb *, const char *, const char *));
/* cloud-role-add (grant 1) and cloud-role-remove (grant 0). */
int		 role_assign_main(int argc, char *argv[], int grant);

#endif
