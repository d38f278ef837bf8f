/*
 * cloud-fip-create: a floating IP from an external network's subnet.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

static const char synopsis[] = "[--address IP] NETWORK";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "address", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	struct table			*t;
	struct nb			*nb;
	const char			*address = NULL;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A':
			address = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_fip);
	if ((t = fip_create(nb, argv[optind], address)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
