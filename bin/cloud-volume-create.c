/*
 * cloud-volume-create: a volume in a host's storage pool: empty, or a
 * copy of an image, a snapshot or another volume.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

static const char synopsis[] =
    "[--size GB] [--image IMAGE | --snapshot SNAPSHOT |\n"
    "       --source-volume VOLUME] [--type TYPE] [--host HOST] NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "size", required_argument, NULL, 's' },
		{ "image", required_argument, NULL, 'I' },
		{ "snapshot", required_argument, NULL, 'S' },
		{ "source-volume", required_argument, NULL, 'V' },
		{ "type", required_argument, NULL, 't' },
		{ "host", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	struct volume_spec		 s = { 0 };
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	s.size_gb = -1;
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			s.size_gb = opt_number("size", optarg, 1, 65536);
			break;
		case 'I':
			s.image = optarg;
			break;
		case 'S':
			s.snapshot = optarg;
			break;
		case 'V':
			s.source_volume = optarg;
			break;
		case 't':
			s.type = optarg;
			break;
		case 'H':
			s.host = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	s.name = argv[optind];
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_volume);
	if ((t = volume_create(nb, &s)) == NULL)
		rval = prog_error(nb, s.name);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
