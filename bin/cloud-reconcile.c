/*
 * cloud-reconcile: the conductor nubes has instead of a daemon.  Finds
 * work whose process is gone and state that disagrees with what is
 * really there, repairs what it safely can and prints what it did.
 * Safe to run from cron every minute.
 */
#include "config.h"

#include "prog.h"
#include "auth.h"
#include "image.h"
#include "server.h"
#include "volume.h"

static const char synopsis[] =
    "[-f format] [-c column]... [--dry-run] [--fix]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "dry-run", no_argument, NULL, 'n' },
		{ "fix", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const	 cols[] = {
		"resource", "id", "name", "was", "now", "action"
	};
	struct table			*t;
	struct nb			*nb;
	int				 ch, dry_run = 0, fix = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (ch == 'n')
			dry_run = 1;
		else if (ch == 'x')
			fix = 1;
		else
			common_option(ch, optarg, synopsis);
	}
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	t = table_new(6, cols);
	/* One unreachable host does not keep the rest from being settled. */
	if (policy_check(nb, "cloud:reconcile", NULL, NULL) == -1)
		rval = prog_error(nb, NULL);
	else {
		if (image_reconcile(nb, dry_run, t) == -1)
			rval = prog_error(nb, NULL);
		if (migration_reconcile(nb, dry_run, t) == -1)
			rval = prog_error(nb, NULL);
		if (server_reconcile(nb, dry_run, fix, t) == -1)
			rval = prog_error(nb, NULL);
		if (volume_reconcile(nb, dry_run, fix, t) == -1)
			rval = prog_error(nb, NULL);
	}
	print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
