/*
 * cloud-endpoint-create: give a service an endpoint URL for an
 * interface (public, internal or admin) in a region.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

static const char synopsis[] =
    "--interface public|internal|admin --url URL [--region REGION] SERVICE";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "interface", required_argument, NULL, 'i' },
		{ "url", required_argument, NULL, 'u' },
		{ "region", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*interface = NULL, *url = NULL;
	const char			*region = "RegionOne";
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'i':
			interface = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'r':
			region = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || interface == NULL || url == NULL)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_endpoint);
	if ((t = endpoint_create(nb, argv[optind], interface, url,
	    region)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
