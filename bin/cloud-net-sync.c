/*
 * cloud-net-sync: make this machine's kernel and the hosts match the
 * database again: routers, DHCP servers, bridges and traffic filters,
 * after a reboot or a failed apply.
 */
#include "config.h"

#include "prog.h"
#include "net.h"
#include "serverhost.h"

static const char synopsis[] = "[--prune]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "prune", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	struct table			*t;
	struct nb			*nb;
	int				 ch, prune = 0, failed = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'P':
			prune = 1;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc != optind)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = net_sync(nb, prune, &failed)) == NULL)
		rval = prog_error(nb, NULL);
	else {
		print_list(t);
		if (failed)
			rval = NB_EFAIL;
	}
	table_free(t);
	return prog_exit(nb, rval);
}
