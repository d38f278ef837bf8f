/*
 * cloud-server-group-create: a server group, whose policy the scheduler
 * applies to the servers booted into it with cloud-boot --group.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

static const char synopsis[] =
    "--policy affinity|anti-affinity|soft-affinity|soft-anti-affinity NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "policy", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*policy = NULL;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'p')
			policy = optarg;
		else
			common_option(ch, optarg, synopsis);
	}
	if (argc - optind != 1 || policy == NULL)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_server_group);
	if ((t = server_group_create(nb, argv[optind], policy)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
