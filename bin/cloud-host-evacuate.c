/*
 * cloud-host-evacuate: move every server off a disabled host, live or
 * cold, or rebuild them elsewhere when the host is down; --dry-run
 * prints the plan.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

static const char synopsis[] = "[--live] [--dry-run] HOST";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "live", no_argument, NULL, 'L' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct table			*t;
	struct nb			*nb;
	int				 ch, live = 0, dry_run = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'L':
			live = 1;
			break;
		case 'n':
			dry_run = 1;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	catch_interrupts();
	t = host_evacuate(nb, argv[optind], live, dry_run);
	if (t != NULL)
		print_list(t);
	if (nb->errcode != 0)
		rval = prog_error(nb, argv[optind]);
	table_free(t);
	return prog_exit(nb, rval);
}
