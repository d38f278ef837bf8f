/*
 * cloud-server-console: print a server's serial console log.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "prog.h"
#include "server.h"

static const char synopsis[] = "[--lines N] SERVER";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "lines", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct nb			*nb;
	char				*log;
	long				 lines = 0;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'n')
			lines = (long)opt_number("lines", optarg, 1, 1000000);
		else
			common_option(ch, optarg, synopsis);
	}
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((log = server_console(nb, argv[optind], lines)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		fputs(log, stdout);
	free(log);
	return prog_exit(nb, rval);
}
