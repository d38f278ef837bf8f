/*
 * cloud-server-resize: give a server another flavor on its host; it is
 * then RESIZED until cloud-server-resize-confirm or -revert.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "prog.h"
#include "server.h"

static const char synopsis[] = "--flavor FLAVOR [--explain] SERVER";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "flavor", required_argument, NULL, 'F' },
		{ "explain", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*flavor = NULL;
	char				*explain = NULL;
	struct nb			*nb;
	int				 ch, want = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'F')
			flavor = optarg;
		else if (ch == 'x')
			want = 1;
		else
			common_option(ch, optarg, synopsis);
	}
	if (argc - optind != 1 || flavor == NULL)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (server_resize(nb, argv[optind], flavor,
	    want ? &explain : NULL) == -1)
		rval = prog_error(nb, argv[optind]);
	if (explain != NULL)
		fputs(explain, stderr);
	free(explain);
	return prog_exit(nb, rval);
}
