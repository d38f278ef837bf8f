/*
 * cloud-snapshot-create: a snapshot of an available volume: a full copy
 * in its pool, from which new volumes can be made.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

static const char synopsis[] = "--volume VOLUME NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "volume", required_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*volume = NULL;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'V')
			volume = optarg;
		else
			common_option(ch, optarg, synopsis);
	}
	if (argc - optind != 1 || volume == NULL)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_snapshot);
	if ((t = snapshot_create(nb, argv[optind], volume)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
