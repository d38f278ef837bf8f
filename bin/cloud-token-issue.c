/*
 * cloud-token-issue: trade the caller's credentials for a token that
 * later commands take in CLOUD_TOKEN.
 */
#include "config.h"

#include "prog.h"
#include "auth.h"

static const char synopsis[] = "[-f format] [-c column]...";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		common_option(ch, optarg, synopsis);
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = token_issue(nb)) == NULL)
		rval = prog_error(nb, NULL);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
