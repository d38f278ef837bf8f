/*
 * cloud-net-create: a network: an isolated bridge (local), or one on a
 * physical network (flat, vlan), or a VXLAN segment; --external and
 * --shared for cloud admins.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

static const char synopsis[] =
    "[--type local|flat|vlan|vxlan] [--physical-net P] [--segment ID]\n"
    "       [--external] [--shared] [--mtu N] NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "type", required_argument, NULL, 'T' },
		{ "physical-net", required_argument, NULL, 'P' },
		{ "segment", required_argument, NULL, 'S' },
		{ "external", no_argument, NULL, 'E' },
		{ "shared", no_argument, NULL, 'H' },
		{ "mtu", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 }
	};
	struct net_spec			 s = { 0 };
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	s.segment = -1;
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'T':
			s.type = optarg;
			break;
		case 'P':
			s.physnet = optarg;
			break;
		case 'S':
			s.segment = opt_number("segment", optarg, 0,
			    1LL << 32);
			break;
		case 'E':
			s.external = 1;
			break;
		case 'H':
			s.shared = 1;
			break;
		case 'M':
			s.mtu = opt_number("mtu", optarg, 1, 65535);
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	s.name = argv[optind];
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_net);
	if ((t = net_create(nb, &s)) == NULL)
		rval = prog_error(nb, s.name);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
