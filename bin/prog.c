/*
 * prog.c: the program side shared by every cloud-* program.
 */
#include "config.h"

#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"

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

static int
each_operand(int argc, char *argv[], const struct resource *r, int show,
    const char *synopsis)
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct operands			 ops;
	struct table			*t;
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
		if (show) {
			if ((t = resource_show(nb, r, name)) == NULL)
				rval = prog_error(nb, name);
			else
				print_object(t);
			table_free(t);
		} else if (resource_delete(nb, r, name) == -1)
			rval = prog_error(nb, name);
	}
	operands_free(&ops);
	if (!any) {
		warnx("no %s given", r->kind);
		rval = NB_EUSAGE;
	}
	return prog_exit(nb, rval);
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
	return each_operand(argc, argv, r, 1, synopsis);
}

int
delete_main(int argc, char *argv[], const struct resource *r)
{
	char	 synopsis[128];

	operand_synopsis(synopsis, sizeof(synopsis), "", r->kind);
	return each_operand(argc, argv, r, 0, synopsis);
}

int
list_main(int argc, char *argv[], struct table *(*list)(struct nb *))
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char		 synopsis[] =
	    "[-f format] [-c column]...";
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		common_option(ch, optarg, synopsis);
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = list(nb)) == NULL)
		rval = prog_error(nb, NULL);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
