/*
 * cloud-role-create: create a role.  Roles other than the built-in
 * admin, member and reader are recorded and listed but grant no rights.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

static const char synopsis[] = "[-f format] [-c column]... NAME";

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
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_role);
	if ((t = role_create(nb, argv[optind])) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
