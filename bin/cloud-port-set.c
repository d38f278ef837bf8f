/*
 * cloud-port-set: rename a port, replace its security groups, or turn
 * its port security on or off while it is free; the traffic filters on
 * the hosts follow at once.
 */
#include "config.h"

#include <stdlib.h>

#include "prog.h"
#include "net.h"
#include "serverhost.h"

static const char synopsis[] =
    "[--name NAME] [--security-group GROUP]... [--no-security-group]\n"
    "       [--port-security | --no-port-security] PORT";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "name", required_argument, NULL, 'N' },
		{ "security-group", required_argument, NULL, 'G' },
		{ "no-security-group", no_argument, NULL, 'C' },
		{ "port-security", no_argument, NULL, 'S' },
		{ "no-port-security", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 }
	};
	struct port_set_spec		 s = { 0 };
	const char			**groups;
	struct nb			*nb;
	int				 ch, rval = 0;

	groups = xcalloc((size_t)argc, sizeof(*groups));
	s.groups = groups;
	s.port_security = -1;
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'N':
			s.name = optarg;
			break;
		case 'G':
			groups[s.ngroups++] = optarg;
			break;
		case 'C':
			s.clear_groups = 1;
			break;
		case 'S':
			s.port_security = 1;
			break;
		case 'O':
			s.port_security = 0;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || (s.clear_groups && s.ngroups > 0) ||
	    (s.name == NULL && s.ngroups == 0 && !s.clear_groups &&
	    s.port_security == -1))
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (port_set(nb, argv[optind], &s) == -1)
		rval = prog_error(nb, argv[optind]);
	free(groups);
	return prog_exit(nb, rval);
}
