/*
 * cloud-flavor-set: change who may use a flavor, its description and
 * its extra specs.  Its size never changes: servers keep what they got.
 */
#include "config.h"

#include "flavoropt.h"

static const char synopsis[] =
    "[--public | --private] [--project PROJECT]...\n"
    "       [--remove-project PROJECT]... [--property KEY=VALUE]...\n"
    "       [--remove-property KEY]... [--description TEXT] FLAVOR";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		FLAVOR_LONGOPTS,
		{ "remove-property", required_argument, NULL, 'R' },
		{ "remove-project", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	struct flavoropt		 o;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0, any = 0;

	flavoropt_init(&o);
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		any |= ch != 'f' && ch != 'c' && ch != 'q';
		if (flavoropt_option(&o, ch, optarg))
			continue;
		switch (ch) {
		case 'R':
			flavoropt_remove_property(&o, optarg);
			break;
		case 'P':
			flavoropt_remove_project(&o, optarg);
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || !any)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_flavor);
	if ((t = flavor_set(nb, argv[optind], &o.spec)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
