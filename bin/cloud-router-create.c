/*
 * cloud-router-create: a router: its own network namespace on this
 * machine, joining subnets (cloud-router-add-subnet) and, with
 * --external-net, reaching an external network with SNAT.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

static const char synopsis[] =
    "[--external-net NETWORK] [--no-snat] NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "external-net", required_argument, NULL, 'E' },
		{ "no-snat", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct table			*t;
	struct nb			*nb;
	const char			*ext = NULL;
	int				 ch, no_snat = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'E':
			ext = optarg;
			break;
		case 'S':
			no_snat = 1;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_router);
	if ((t = router_create(nb, argv[optind], ext, no_snat)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
