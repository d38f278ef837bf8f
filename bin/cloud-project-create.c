/*
 * cloud-project-create: create a project, the unit that owns resources
 * and quotas.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

static const char synopsis[] = "[--description TEXT] [--disable] NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "description", required_argument, NULL, 'd' },
		{ "disable", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct project_spec		 p = { NULL, NULL, 1 };
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			p.description = optarg;
			break;
		case 'D':
			p.enabled = 0;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	p.name = argv[optind];
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_project);
	if ((t = project_create(nb, &p)) == NULL)
		rval = prog_error(nb, p.name);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
