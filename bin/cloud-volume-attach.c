/*
 * cloud-volume-attach: attach a volume to a server, live when it runs
 * and in its definition, so that it stays across stop and start.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

static const char synopsis[] = "[--device vdX] VOLUME SERVER";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*device = NULL;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'd')
			device = optarg;
		else
			common_option(ch, optarg, synopsis);
	}
	if (argc - optind != 2)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (volume_attach(nb, argv[optind], argv[optind + 1], device) == -1)
		rval = prog_error(nb, argv[optind]);
	return prog_exit(nb, rval);
}
