/*
 * cloud-router-set: a router's external gateway, and whether its
 * subnets are SNATed to it.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

static const char synopsis[] =
    "[--external-net NETWORK | --no-external-net] [--snat | --no-snat]\n"
    "       ROUTER";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "external-net", required_argument, NULL, 'E' },
		{ "no-external-net", no_argument, NULL, 'N' },
		{ "snat", no_argument, NULL, 'S' },
		{ "no-snat", no_argument, NULL, 'O' },
		{ NULL, 0, NULL, 0 }
	};
	struct nb			*nb;
	const char			*ext = NULL;
	int				 ch, clear = 0, snat = -1, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'E':
			ext = optarg;
			break;
		case 'N':
			clear = 1;
			break;
		case 'S':
			snat = 1;
			break;
		case 'O':
			snat = 0;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || (ext != NULL && clear) ||
	    (ext == NULL && !clear && snat == -1))
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (router_set(nb, argv[optind], ext, clear, snat) == -1)
		rval = prog_error(nb, argv[optind]);
	return prog_exit(nb, rval);
}
