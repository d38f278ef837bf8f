/*
 * cloud-endpoint-list: list endpoints, optionally of one service,
 * interface or region.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

static const char synopsis[] =
    "[-f format] [-c column]... [--service SERVICE] [--interface IFACE]\n"
    "       [--region REGION]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "service", required_argument, NULL, 's' },
		{ "interface", required_argument, NULL, 'i' },
		{ "region", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*service = NULL, *interface = NULL;
	const char			*region = NULL;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			service = optarg;
			break;
		case 'i':
			interface = optarg;
			break;
		case 'r':
			region = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = endpoint_list(nb, service, interface, region)) == NULL)
		rval = prog_error(nb, NULL);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
