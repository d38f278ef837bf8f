/*
 * cloud-server-rebuild: give servers a new root disk from their image,
 * or from another.
 */
#include "config.h"

#include <unistd.h>

#include "prog.h"
#include "server.h"

static const char synopsis[] = "[--image IMAGE] SERVER... | -";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "image", required_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 }
	};
	struct operands			 ops;
	const char			*image = NULL, *server;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'I')
			image = optarg;
		else
			common_option(ch, optarg, synopsis);
	}
	if (optind == argc && isatty(STDIN_FILENO))
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	operands_init(&ops, argc - optind, argv + optind);
	while ((server = operands_next(&ops)) != NULL && !nb_interrupted)
		if (server_rebuild(nb, server, image) == -1)
			rval = prog_error(nb, server);
	operands_free(&ops);
	return prog_exit(nb, rval);
}
