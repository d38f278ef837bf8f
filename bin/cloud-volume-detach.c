/*
 * cloud-volume-detach: detach a volume from its server, live when the
 * server runs.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

static const char synopsis[] = "VOLUME [SERVER]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		common_option(ch, optarg, synopsis);
	if (argc - optind != 1 && argc - optind != 2)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (volume_detach(nb, argv[optind], argc - optind == 2 ?
	    argv[optind + 1] : NULL) == -1)
		rval = prog_error(nb, argv[optind]);
	return prog_exit(nb, rval);
}
