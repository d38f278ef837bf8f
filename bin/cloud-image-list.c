/*
 * cloud-image-list: list the images the caller's project can see.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>

#include "imageopt.h"

static const char synopsis[] =
    "[-f format] [-c column]... [--status STATUS] [--visibility VIS]\n"
    "       [--property KEY=VALUE]... [--name NAME] [--all-projects]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "status", required_argument, NULL, 's' },
		{ "visibility", required_argument, NULL, 'v' },
		{ "property", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "all-projects", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	struct image_prop		 props[IMAGEOPT_MAXPROPS];
	struct image_filter		 f = { 0 };
	struct table			*t;
	struct nb			*nb, tmp = { 0 };
	int				 ch, rval = 0;

	f.props = props;
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			f.status = optarg;
			break;
		case 'v':
			f.visibility = optarg;
			break;
		case 'p':
			if (f.nprops == IMAGEOPT_MAXPROPS ||
			    image_prop_parse(&tmp, optarg,
			    &props[f.nprops++]) == -1) {
				warnx("%s", tmp.errcode ? nb_errstr(&tmp) :
				    "too many --property filters");
				return NB_EUSAGE;
			}
			break;
		case 'n':
			f.name = optarg;
			break;
		case 'A':
			f.all_projects = 1;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = image_list(nb, &f)) == NULL)
		rval = prog_error(nb, NULL);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
