/*
 * cloud-image-member-set: as a project an image is shared with, accept
 * it (it then shows in cloud-image-list), reject it, or leave it pending.
 */
#include "config.h"

#include "prog.h"
#include "image.h"

static const char synopsis[] =
    "(--accept | --reject | --pending) [--project PROJECT] IMAGE";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "accept", no_argument, NULL, 'a' },
		{ "reject", no_argument, NULL, 'r' },
		{ "pending", no_argument, NULL, 'p' },
		{ "project", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*status = NULL, *project = NULL, *want;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
		case 'r':
		case 'p':
			want = ch == 'a' ? "accepted" : ch == 'r' ?
			    "rejected" : "pending";
			if (status != NULL && status != want)
				usage(synopsis, NB_EUSAGE);
			status = want;
			break;
		case 'P':
			project = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || status == NULL)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (image_member_set(nb, argv[optind], project, status) == -1)
		rval = prog_error(nb, argv[optind]);
	return prog_exit(nb, rval);
}
