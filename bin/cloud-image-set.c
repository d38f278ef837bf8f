/*
 * cloud-image-set: change an image's name, visibility, limits,
 * protection, kernel and ramdisk, and its properties.
 */
#include "config.h"

#include "imageopt.h"

static const char synopsis[] =
    "[--name NAME] [--public | --private | --shared | --community]\n"
    "       [--min-disk GB] [--min-ram MiB] [--property KEY=VALUE]...\n"
    "       [--remove-property KEY]... [--protected | --unprotected]\n"
    "       [--kernel IMAGE] [--ramdisk IMAGE] IMAGE";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		IMAGE_LONGOPTS,
		{ "name", required_argument, NULL, 'n' },
		{ "remove-property", required_argument, NULL, 'R' },
		{ "unprotected", no_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 }
	};
	struct imageopt			 o;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0, any = 0;

	imageopt_init(&o);
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		any |= ch != 'f' && ch != 'c' && ch != 'q';
		if (imageopt_option(&o, ch, optarg))
			continue;
		switch (ch) {
		case 'n':
			o.spec.name = optarg;
			break;
		case 'R':
			imageopt_remove(&o, optarg);
			break;
		case 'U':
			if (o.spec.protected == 1)
				usage(synopsis, NB_EUSAGE);
			o.spec.protected = 0;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || !any)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_image);
	if ((t = image_set(nb, argv[optind], &o.spec)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
