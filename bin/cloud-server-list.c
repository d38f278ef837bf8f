/*
 * cloud-server-list: the servers of the caller's project, or of every
 * project for cloud admins.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

static const char synopsis[] =
    "[-f format] [-c column]... [--status STATUS] [--host HOST]\n"
    "       [--name NAME] [--all-projects | --project PROJECT]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "status", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "name", required_argument, NULL, 'n' },
		{ "all-projects", no_argument, NULL, 'A' },
		{ "project", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct server_filter		 f = { 0 };
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			f.status = optarg;
			break;
		case 'H':
			f.host = optarg;
			break;
		case 'n':
			f.name = optarg;
			break;
		case 'A':
			f.all_projects = 1;
			break;
		case 'p':
			f.project = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = server_list(nb, &f)) == NULL)
		rval = prog_error(nb, NULL);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
