/*
 * prog.c: the program side shared by every cloud-* program.
 */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <time.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"
#include "identity.h"

void
usage(const char *synopsis, int code)
{
	FILE	*fp = code == 0 ? stdout : stderr;

	fprintf(fp, "usage: %s %s\n", getprogname(), synopsis);
	fprintf(fp, "       (also: -f table|tsv|json|value, -c COLUMN, -q, "
	    "-h, --version; see %s(1))\n", getprogname());
	exit(code);
}

void
common_option(int ch, const char *arg, const char *synopsis)
{
	switch (ch) {
	case 'h':
		usage(synopsis, 0);
	case OPT_VERSION:
		printf("%s (nubes) %s\n", getprogname(), PACKAGE_VERSION);
		exit(0);
	case 'f':
		if (out_option(ch, arg) == -1) {
			warnx("format '%s': use table, tsv, json or value",
			    arg);
			exit(NB_EUSAGE);
		}
		return;
	case 'c':
	case 'q':
		if (out_option(ch, arg) == -1) {
			warnx("too many or empty -c columns");
			exit(NB_EUSAGE);
		}
		return;
	default:
		usage(synopsis, NB_EUSAGE);
	}
}

long long
opt_number(const char *opt, const char *arg, long long min, long long max)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(arg, min, max, &errstr);
	if (errstr != NULL) {
		warnx("--%s '%s' is %s (%lld to %lld)", opt, arg, errstr, min,
		    max);
		exit(NB_EUSAGE);
	}
	return n;
}

struct nb *
prog_open(int flags)
{
	struct nb	*nb;
	char		*msg;
	int		 code;

	if ((nb = nb_open(getprogname(), flags, &msg, &code)) == NULL) {
		warnx("%s", msg);
		free(msg);
		exit(code);
	}
	return nb;
}

int
prog_error(struct nb *nb, const char *operand)
{
	if (operand != NULL)
		warnx("%s: %s", operand, nb_errstr(nb));
	else
		warnx("%s", nb_errstr(nb));
	return nb_exitcode(nb);
}

static void
print_table(const struct table *t, int object)
{
	char	*err;

	if (out_quiet)
		return;
	if ((object ? out_object(stdout, t, &err) :
	    out_list(stdout, t, &err)) == -1) {
		warnx("%s", err);
		free(err);
		exit(NB_EUSAGE);
	}
}

void
print_object(const struct table *t)
{
	print_table(t, 1);
}

void
print_list(const struct table *t)
{
	print_table(t, 0);
}

static void
on_interrupt(int sig)
{
	(void)sig;
	nb_interrupted = 1;
}

void
catch_interrupts(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;	/* no SA_RESTART: reads see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static double	 progress_start, progress_last;
static int	 progress_shown, progress_tty = -1;

static double
now_seconds(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
progress_stderr(void *arg, uint64_t done, uint64_t total)
{
	double	 t, rate;

	if (progress_tty == -1)
		progress_tty = isatty(STDERR_FILENO);
	if (!progress_tty)
		return;
	t = now_seconds();
	if (progress_start == 0)
		progress_start = t;
	if (t - progress_last < 0.25 && done != total)
		return;
	progress_last = t;
	rate = t > progress_start ? done / (t - progress_start) : 0;
	fprintf(stderr, "\r%s: %.1f MiB", (const char *)arg,
	    done / 1048576.0);
	if (total > 0)
		fprintf(stderr, " of %.1f MiB", total / 1048576.0);
	fprintf(stderr, ", %.1f MiB/s   ", rate / 1048576.0);
	progress_shown = 1;
}

void
progress_end(void)
{
	if (progress_shown)
		fputc('\n', stderr);
	progress_shown = 0;
}

void
check_columns(struct nb *nb, const struct resource *r)
{
	struct table	*t;
	char		*err;

	if ((t = db_table(nb, r->show_sql, "s", "")) == NULL)
		exit(prog_error(nb, NULL));
	if (out_check_columns(t, &err) == -1) {
		warnx("%s", err);
		exit(NB_EUSAGE);
	}
	table_free(t);
}

int
prog_exit(struct nb *nb, int rval)
{
	nb_close(nb);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("write error on stdout");
		return rval ? rval : NB_EFAIL;
	}
	return rval;
}

char *
prog_read_password(struct nb *nb)
{
	char	*pw;

	if ((pw = read_secret_stdin(nb, "password", 4096)) == NULL)
		exit(prog_error(nb, NULL));
	return pw;
}

int
operands_main(int argc, char *argv[], const char *synopsis, const char *what,
    int (*act)(struct nb *, const char *))
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct operands			 ops;
	struct nb			*nb;
	const char			*name;
	int				 ch, rval = 0, any = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		common_option(ch, optarg, synopsis);
	argc -= optind;
	argv += optind;
	if (argc == 0 && isatty(STDIN_FILENO))
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	operands_init(&ops, argc, argv);
	while ((name = operands_next(&ops)) != NULL) {
		any = 1;
		if (act(nb, name) == -1)
			rval = prog_error(nb, name);
	}
	/* An empty list on stdin is nothing to do, as xargs -r. */
	if (!any && !ops.from_stdin) {
		warnx("no %s given", what);
		rval = NB_EUSAGE;
	}
	operands_free(&ops);
	return prog_exit(nb, rval);
}

static const struct resource	*operand_resource;

static int
show_one(struct nb *nb, const char *name)
{
	struct table	*t;

	if ((t = resource_show(nb, operand_resource, name)) == NULL)
		return -1;
	print_object(t);
	table_free(t);
	return 0;
}

static int
delete_one(struct nb *nb, const char *name)
{
	return resource_delete(nb, operand_resource, name);
}

/* "[-f format] [-c column]... USER... | -" for kind "user". */
static void
operand_synopsis(char *buf, size_t len, const char *prefix,
    const char *kind)
{
	char	*p;

	snprintf(buf, len, "%s%s... | -", prefix, kind);
	for (p = buf + strlen(prefix); *p != '.'; p++)
		*p = *p == '_' ? '-' : toupper((unsigned char)*p);
}

int
show_main(int argc, char *argv[], const struct resource *r)
{
	char	 synopsis[128];

	operand_synopsis(synopsis, sizeof(synopsis),
	    "[-f format] [-c column]... ", r->kind);
	operand_resource = r;
	return operands_main(argc, argv, synopsis, r->kind, show_one);
}

int
delete_main(int argc, char *argv[], const struct resource *r)
{
	char	 synopsis[128];

	operand_synopsis(synopsis, sizeof(synopsis), "", r->kind);
	operand_resource = r;
	return operands_main(argc, argv, synopsis, r->kind, delete_one);
}

int
simple_main(int argc, char *argv[], const struct simple_program *sp)
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct table			*t;
	struct nb			*nb;
	const char			*arg;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		common_option(ch, optarg, sp->synopsis);
	argc -= optind;
	argv += optind;
	if (argc > 1 || (argc == 1 && sp->operand == OPERAND_NONE) ||
	    (argc == 0 && sp->operand == OPERAND_REQUIRED))
		usage(sp->synopsis, NB_EUSAGE);
	arg = argc == 1 ? argv[0] : NULL;
	nb = prog_open(NB_AUTH);
	if (sp->check != NULL)
		check_columns(nb, sp->check);
	if ((t = sp->run(nb, arg)) == NULL)
		rval = prog_error(nb, arg);
	else if (sp->list)
		print_list(t);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}

static struct table	*(*list_fn)(struct nb *);

static struct table *
run_list(struct nb *nb, const char *arg)
{
	(void)arg;
	return list_fn(nb);
}

int
list_main(int argc, char *argv[], struct table *(*list)(struct nb *))
{
	static const struct simple_program	 sp = {
		"[-f format] [-c column]...", OPERAND_NONE, 1, NULL, run_list
	};

	list_fn = list;
	return simple_main(argc, argv, &sp);
}

/*
 * flag_list_main() and filter_list_main(): a list widened by --flag and,
 * for the second, narrowed by --opt VALUE.
 */
static int
list_core(int argc, char *argv[], const char *flag, const char *opt,
    const char *metavar, struct table *(*list)(struct nb *, int),
    struct table *(*flist)(struct nb *, const char *, int))
{
	struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ flag, no_argument, NULL, 0x500 },
		{ opt, required_argument, NULL, 0x501 },
		{ NULL, 0, NULL, 0 }
	};
	struct table	*t;
	struct nb	*nb;
	const char	*value = NULL;
	char		*synopsis;
	int		 ch, on = 0, rval = 0;

	if (opt == NULL) {
		/* The options end after --flag. */
		memset(&longopts[sizeof(longopts) / sizeof(*longopts) - 2], 0,
		    sizeof(*longopts));
		xasprintf(&synopsis, "[-f format] [-c column]... [--%s]", flag);
	} else
		xasprintf(&synopsis, "[-f format] [-c column]... [--%s %s] "
		    "[--%s]", opt, metavar, flag);
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 0x500)
			on = 1;
		else if (ch == 0x501 && opt != NULL)
			value = optarg;
		else
			common_option(ch, optarg, synopsis);
	}
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	free(synopsis);
	nb = prog_open(NB_AUTH);
	if ((t = flist != NULL ? flist(nb, value, on) : list(nb, on)) == NULL)
		rval = prog_error(nb, value);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}

int
flag_list_main(int argc, char *argv[], const char *flag,
    struct table *(*list)(struct nb *, int))
{
	return list_core(argc, argv, flag, NULL, NULL, list, NULL);
}

int
filter_list_main(int argc, char *argv[], const char *flag, const char *opt,
    const char *metavar, struct table *(*list)(struct nb *, const char *,
    int))
{
	return list_core(argc, argv, flag, opt, metavar, NULL, list);
}

int
tokens_main(int argc, char *argv[], const char *synopsis,
    int (*act)(struct nb *, const char *token))
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char		*own[1];
	struct operands			 ops;
	struct nb			*nb;
	const char			*token;
	int				 ch, rval = 0, any = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		common_option(ch, optarg, synopsis);
	argc -= optind;
	argv += optind;
	nb = prog_open(NB_AUTH);
	if (argc == 0 && isatty(STDIN_FILENO)) {
		/* Authentication above made sure there is one. */
		if ((own[0] = getenv("CLOUD_TOKEN")) == NULL ||
		    *own[0] == '\0') {
			warnx("no token: give tokens on stdin, or set "
			    "CLOUD_TOKEN");
			return prog_exit(nb, NB_EUSAGE);
		}
		argc = 1;
		argv = (char **)own;
	}
	operands_init(&ops, argc, argv);
	while ((token = operands_next(&ops)) != NULL) {
		any = 1;
		if (act(nb, token) == -1)
			rval = prog_error(nb, NULL);
	}
	operands_free(&ops);
	if (!any) {
		warnx("no token given");
		rval = NB_EUSAGE;
	}
	return prog_exit(nb, rval);
}

int
pair_main(int argc, char *argv[], const char *synopsis,
    int (*act)(struct nb *, const char *, const char *))
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		common_option(ch, optarg, synopsis);
	if (argc - optind != 2)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (act(nb, argv[optind], argv[optind + 1]) == -1)
		rval = prog_error(nb, argv[optind]);
	return prog_exit(nb, rval);
}

int
role_assign_main(int argc, char *argv[], int grant)
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "user", required_argument, NULL, 'u' },
		{ "project", required_argument, NULL, 'p' },
		{ "global", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	static const char		 synopsis[] =
	    "ROLE --user USER (--project PROJECT | --global)";
	const char			*user = NULL, *project = NULL;
	struct nb			*nb;
	int				 ch, global = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'u':
			user = optarg;
			break;
		case 'p':
			project = optarg;
			break;
		case 'g':
			global = 1;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || user == NULL ||
	    (project == NULL) == (global == 0))
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (role_assign(nb, argv[optind], user, project, grant) == -1)
		rval = prog_error(nb, argv[optind]);
	return prog_exit(nb, rval);
}
