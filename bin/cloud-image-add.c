/*
 * cloud-image-add: register an image and store its bytes, read from
 * stdin, after checking its format is what it is declared to be and
 * safe to give to QEMU.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>
#include <unistd.h>

#include "imageopt.h"

static const char synopsis[] =
    "--disk-format FORMAT [--container-format FORMAT]\n"
    "       [--public | --private | --shared | --community] [--min-disk GB]\n"
    "       [--min-ram MiB] [--property KEY=VALUE]... [--kernel IMAGE]\n"
    "       [--ramdisk IMAGE] [--protected] NAME < FILE";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		IMAGE_LONGOPTS,
		{ "disk-format", required_argument, NULL, 'd' },
		{ "container-format", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	struct imageopt			 o;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	imageopt_init(&o);
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (imageopt_option(&o, ch, optarg))
			continue;
		switch (ch) {
		case 'd':
			o.spec.disk_format = optarg;
			break;
		case 'C':
			o.spec.container_format = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || o.spec.disk_format == NULL)
		usage(synopsis, NB_EUSAGE);
	if (isatty(STDIN_FILENO)) {
		warnx("the image's bytes come on stdin: %s ... NAME < FILE",
		    getprogname());
		return NB_EUSAGE;
	}
	o.spec.name = argv[optind];
	catch_interrupts();
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_image);
	t = image_add(nb, &o.spec, STDIN_FILENO, progress_stderr,
	    (void *)getprogname());
	progress_end();
	if (t == NULL)
		rval = prog_error(nb, o.spec.name);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
