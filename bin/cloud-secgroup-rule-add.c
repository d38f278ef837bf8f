/*
 * cloud-secgroup-rule-add: a rule admitting traffic to (ingress) or
 * from (egress) the ports of a security group, applied at once to the
 * running guests on every host where the group has ports.
 */
#include "config.h"

#include "prog.h"
#include "net.h"
#include "serverhost.h"

static const char synopsis[] =
    "--direction ingress|egress --protocol tcp|udp|icmp|any\n"
    "       [--port N[-M]] [--remote-ip CIDR | --remote-group GROUP] GROUP";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "direction", required_argument, NULL, 'D' },
		{ "protocol", required_argument, NULL, 'P' },
		{ "port", required_argument, NULL, 'p' },
		{ "remote-ip", required_argument, NULL, 'I' },
		{ "remote-group", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 }
	};
	struct rule_spec		 s = { 0 };
	struct table			*t = NULL;
	struct nb			*nb;
	char				 id[NB_UUID_LEN + 1];
	char				 group[NB_UUID_LEN + 1];
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'D':
			s.direction = optarg;
			break;
		case 'P':
			s.protocol = optarg;
			break;
		case 'p':
			s.ports = optarg;
			break;
		case 'I':
			s.remote_ip = optarg;
			break;
		case 'G':
			s.remote_group = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || s.direction == NULL || s.protocol == NULL)
		usage(synopsis, NB_EUSAGE);
	s.group = argv[optind];
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_secgroup_rule);
	if (secgroup_rule_add(nb, &s, id, group) == -1)
		return prog_exit(nb, prog_error(nb, s.group));
	/* Recorded; now on the hosts, where a failure is reported. */
	if (secgroup_apply(nb, group) == -1)
		rval = prog_error(nb, s.group);
	if ((t = secgroup_rule_show(nb, id)) != NULL)
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
