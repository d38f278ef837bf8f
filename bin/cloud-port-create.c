/*
 * cloud-port-create: a port on a network, with a MAC and a fixed IP
 * from the network's subnet: the next free one, or the one asked for.
 */
#include "config.h"

#include <stdlib.h>

#include "prog.h"
#include "net.h"

static const char synopsis[] =
    "--net NETWORK [--subnet SUBNET] [--fixed-ip IP] [--mac MAC]\n"
    "       [--security-group GROUP]... [--no-port-security] [NAME]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "net", required_argument, NULL, 'n' },
		{ "subnet", required_argument, NULL, 's' },
		{ "fixed-ip", required_argument, NULL, 'i' },
		{ "mac", required_argument, NULL, 'm' },
		{ "no-port-security", no_argument, NULL, 'S' },
		{ "security-group", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 }
	};
	struct port_spec		 s = { 0 };
	const char			**groups;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	groups = xcalloc((size_t)argc, sizeof(*groups));
	s.groups = groups;
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'n':
			s.net = optarg;
			break;
		case 's':
			s.subnet = optarg;
			break;
		case 'i':
			s.fixed_ip = optarg;
			break;
		case 'm':
			s.mac = optarg;
			break;
		case 'S':
			s.no_port_security = 1;
			break;
		case 'G':
			groups[s.ngroups++] = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind > 1 || s.net == NULL)
		usage(synopsis, NB_EUSAGE);
	s.name = argc > optind ? argv[optind] : NULL;
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_port);
	if ((t = port_create(nb, &s)) == NULL)
		rval = prog_error(nb, s.name != NULL ? s.name : s.net);
	else
		print_object(t);
	table_free(t);
	free(groups);
	return prog_exit(nb, rval);
}
