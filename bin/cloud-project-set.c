/*
 * cloud-project-set: rename a project, change its description, or
 * enable or disable it (a disabled project's tokens stop working).
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

static const char synopsis[] =
    "[--name NAME] [--description TEXT] [--enable | --disable] PROJECT";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "name", required_argument, NULL, 'n' },
		{ "description", required_argument, NULL, 'd' },
		{ "enable", no_argument, NULL, 'E' },
		{ "disable", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct project_spec		 p = { NULL, NULL, -1 };
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0, any = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		any |= ch != 'f' && ch != 'c' && ch != 'q';
		switch (ch) {
		case 'n':
			p.name = optarg;
			break;
		case 'd':
			p.description = optarg;
			break;
		case 'E':
		case 'D':
			if (p.enabled != -1 && p.enabled != (ch == 'E'))
				usage(synopsis, NB_EUSAGE);
			p.enabled = ch == 'E';
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || !any)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_project);
	if ((t = project_set(nb, argv[optind], &p)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
