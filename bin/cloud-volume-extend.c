/*
 * cloud-volume-extend: make a volume larger; an attached one grows
 * while its guest runs, and the guest sees the new size.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

static const char synopsis[] = "--size GB VOLUME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "size", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	long long			 size = -1;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 's')
			size = opt_number("size", optarg, 1, 65536);
		else
			common_option(ch, optarg, synopsis);
	}
	if (argc - optind != 1 || size == -1)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (volume_extend(nb, argv[optind], size) == -1)
		rval = prog_error(nb, argv[optind]);
	return prog_exit(nb, rval);
}
