/*
 * cloud-role-remove: take a role on a project, or a global one, from a user.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

static const char synopsis[] =
    "ROLE --user USER (--project PROJECT | --global)";

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
	if (role_assign(nb, argv[optind], user, project, 0) == -1)
		rval = prog_error(nb, argv[optind]);
	return prog_exit(nb, rval);
}
