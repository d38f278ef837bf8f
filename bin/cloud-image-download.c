/*
 * cloud-image-download: write an image's bytes to stdout, checking
 * their SHA-512 as they go.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>
#include <unistd.h>

#include "prog.h"
#include "image.h"

static const char synopsis[] = "IMAGE > FILE";

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
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	if (isatty(STDOUT_FILENO)) {
		warnx("stdout is a terminal: %s IMAGE > FILE", getprogname());
		return NB_EUSAGE;
	}
	catch_interrupts();
	nb = prog_open(NB_AUTH);
	if (image_download(nb, argv[optind], STDOUT_FILENO, progress_stderr,
	    (void *)getprogname()) == -1)
		rval = prog_error(nb, argv[optind]);
	progress_end();
	return prog_exit(nb, rval);
}
