/*
 * cloud-snapshot-list: the snapshots of the caller's project, or of every
 * project for cloud admins.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

static const char synopsis[] = "[-f format] [-c column]... [--all-projects]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "all-projects", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	struct table			*t;
	struct nb			*nb;
	int				 ch, all = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'A')
			all = 1;
		else
			common_option(ch, optarg, synopsis);
	}
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = snapshot_list(nb, all)) == NULL)
		rval = prog_error(nb, NULL);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
