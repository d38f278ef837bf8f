/*
 * cloud-migration-list: the migrations of servers, newest first, with
 * where from and to, how long, the downtime and the bytes moved.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

static const char synopsis[] = "[-f format] [-c column]... [--server SERVER]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "server", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*server = NULL;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 's')
			server = optarg;
		else
			common_option(ch, optarg, synopsis);
	}
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = migration_list(nb, server)) == NULL)
		rval = prog_error(nb, server);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
