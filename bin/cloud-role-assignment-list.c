/*
 * cloud-role-assignment-list: list who holds which role where.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

static const char synopsis[] =
    "[-f format] [-c column]... [--user USER] [--project PROJECT | --global]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "user", required_argument, NULL, 'u' },
		{ "project", required_argument, NULL, 'p' },
		{ "global", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*user = NULL, *project = NULL;
	struct table			*t;
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
	if (optind != argc || (project != NULL && global))
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = role_assignment_list(nb, user, project, global)) == NULL)
		rval = prog_error(nb, NULL);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
