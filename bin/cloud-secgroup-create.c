/*
 * cloud-secgroup-create: a security group of the caller's project,
 * with no rules: ports in it admit nothing and send nothing until rules
 * are added (cloud-secgroup-rule-add).
 */
#include "config.h"

#include "prog.h"
#include "net.h"

static const char synopsis[] = "[--description TEXT] NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "description", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*description = NULL;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'd')
			description = optarg;
		else
			common_option(ch, optarg, synopsis);
	}
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_secgroup);
	if ((t = secgroup_create(nb, argv[optind], description)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
