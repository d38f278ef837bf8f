/*
 * cloud-subnet-list: the subnets of the caller's project (and of shared and
 * external networks), of one network with --net; of every project for
 * cloud admins with --all-projects.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

static const char synopsis[] = "[--net NETWORK] [--all-projects]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "net", required_argument, NULL, 'n' },
		{ "all-projects", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*net = NULL;
	struct table			*t;
	struct nb			*nb;
	int				 ch, all = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'n')
			net = optarg;
		else if (ch == 'a')
			all = 1;
		else
			common_option(ch, optarg, synopsis);
	}
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = subnet_list(nb, net, all)) == NULL)
		rval = prog_error(nb, net);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
