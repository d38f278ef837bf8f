/*
 * cloud-keypair-list: the calling user's key pairs, or another user's
 * for cloud admins.
 */
#include "config.h"

#include "prog.h"
#include "compute.h"

static const char synopsis[] = "[-f format] [-c column]... [--user USER]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*user = NULL;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'u')
			user = optarg;
		else
			common_option(ch, optarg, synopsis);
	}
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = keypair_list(nb, user)) == NULL)
		rval = prog_error(nb, NULL);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
