/*
 * cloud-host-disable: stop the scheduler placing new servers on hosts,
 * with a reason admins see; servers there keep running.  --down: the
 * host is dead, for cloud-host-evacuate to rebuild its servers elsewhere.
 */
#include "config.h"

#include <err.h>
#include <unistd.h>

#include "prog.h"
#include "host.h"

static const char synopsis[] = "[--down] --reason TEXT HOST... | -";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "reason", required_argument, NULL, 'r' },
		{ "down", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct operands			 ops;
	const char			*reason = NULL, *name;
	struct nb			*nb;
	int				 ch, rval = 0, any = 0, down = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'r')
			reason = optarg;
		else if (ch == 'D')
			down = 1;
		else
			common_option(ch, optarg, synopsis);
	}
	argc -= optind;
	argv += optind;
	if (reason == NULL || *reason == '\0' ||
	    (argc == 0 && isatty(STDIN_FILENO)))
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	operands_init(&ops, argc, argv);
	while ((name = operands_next(&ops)) != NULL) {
		any = 1;
		if (host_enable(nb, name, 0, reason, down) == -1)
			rval = prog_error(nb, name);
	}
	/* An empty list on stdin is nothing to do, as xargs -r. */
	if (!any && !ops.from_stdin) {
		warnx("no host given");
		rval = NB_EUSAGE;
	}
	operands_free(&ops);
	return prog_exit(nb, rval);
}
