/*
 * cloud-token-validate: check tokens given on stdin (one a line) or as
 * operands, or the caller's own, and show whom they stand for.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>
#include <err.h>

#include "prog.h"
#include "auth.h"

static const char synopsis[] = "[-f format] [-c column]... [TOKEN... | -]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct operands			 ops;
	struct table			*t;
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
		if ((token = getenv("CLOUD_TOKEN")) == NULL || *token == '\0') {
			warnx("no token to validate: give one on stdin or set "
			    "CLOUD_TOKEN");
			return prog_exit(nb, NB_EUSAGE);
		}
		argc = 1;
		argv = (char **)&token;
	}
	operands_init(&ops, argc, argv);
	while ((token = operands_next(&ops)) != NULL) {
		any = 1;
		if ((t = token_validate(nb, token)) == NULL)
			rval = prog_error(nb, NULL);
		else
			print_object(t);
		table_free(t);
	}
	operands_free(&ops);
	if (!any) {
		warnx("no token given");
		rval = NB_EUSAGE;
	}
	return prog_exit(nb, rval);
}
