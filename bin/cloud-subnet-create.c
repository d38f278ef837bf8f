/*
 * cloud-subnet-create: an IPv4 subnet on a network: its CIDR, gateway,
 * allocation pools, DNS servers, host routes, DHCP on or off.
 */
#include "config.h"

#include <stdlib.h>

#include "prog.h"
#include "net.h"

static const char synopsis[] =
    "--net NETWORK --cidr CIDR [--gateway IP|none] [--pool START-END]...\n"
    "       [--dns IP]... [--route CIDR=IP]... [--no-dhcp] NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "net", required_argument, NULL, 'n' },
		{ "cidr", required_argument, NULL, 'C' },
		{ "gateway", required_argument, NULL, 'g' },
		{ "pool", required_argument, NULL, 'P' },
		{ "dns", required_argument, NULL, 'D' },
		{ "route", required_argument, NULL, 'R' },
		{ "no-dhcp", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct subnet_spec		 s = { 0 };
	const char			**pools, **dns, **routes;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	pools = xcalloc((size_t)argc, sizeof(*pools));
	dns = xcalloc((size_t)argc, sizeof(*dns));
	routes = xcalloc((size_t)argc, sizeof(*routes));
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'n':
			s.net = optarg;
			break;
		case 'C':
			s.cidr = optarg;
			break;
		case 'g':
			s.gateway = optarg;
			break;
		case 'P':
			pools[s.npools++] = optarg;
			break;
		case 'D':
			dns[s.ndns++] = optarg;
			break;
		case 'R':
			routes[s.nroutes++] = optarg;
			break;
		case 'N':
			s.no_dhcp = 1;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || s.net == NULL || s.cidr == NULL)
		usage(synopsis, NB_EUSAGE);
	s.name = argv[optind];
	s.pools = pools;
	s.dns = dns;
	s.routes = routes;
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_subnet);
	if ((t = subnet_create(nb, &s)) == NULL)
		rval = prog_error(nb, s.name);
	else
		print_object(t);
	table_free(t);
	free(pools);
	free(dns);
	free(routes);
	return prog_exit(nb, rval);
}
