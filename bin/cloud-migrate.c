/*
 * cloud-migrate: move a server to another host, cold (powered off, its
 * disks copied) or live through libvirt's peer-to-peer migration; or
 * abort one in flight.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "prog.h"
#include "server.h"

static const char synopsis[] =
    "[--host HOST] [--timeout S] [--explain] SERVER\n"
    "       cloud-migrate --live [--host HOST] [--block-migration]\n"
    "       [--auto-converge] [--timeout S] [--explain] SERVER\n"
    "       cloud-migrate --abort SERVER";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "live", no_argument, NULL, 'L' },
		{ "host", required_argument, NULL, 'H' },
		{ "block-migration", no_argument, NULL, 'B' },
		{ "auto-converge", no_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 't' },
		{ "explain", no_argument, NULL, 'x' },
		{ "abort", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	struct migrate_spec		 m = { 0 };
	struct table			*t = NULL;
	struct nb			*nb;
	char				*explain = NULL;
	int				 ch, want = 0, abort_it = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'L':
			m.live = 1;
			break;
		case 'H':
			m.host = optarg;
			break;
		case 'B':
			m.block = 1;
			break;
		case 'C':
			m.auto_converge = 1;
			break;
		case 't':
			m.timeout = opt_number("timeout", optarg, 1, 86400);
			break;
		case 'x':
			want = 1;
			break;
		case 'A':
			abort_it = 1;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	m.server = argv[optind];
	m.progress = isatty(STDERR_FILENO);
	nb = prog_open(NB_AUTH);
	catch_interrupts();
	if (abort_it) {
		if (server_migrate_abort(nb, m.server) == -1)
			rval = prog_error(nb, m.server);
		return prog_exit(nb, rval);
	}
	check_columns(nb, &res_server);
	if (server_migrate(nb, &m, want ? &explain : NULL) == -1)
		rval = prog_error(nb, m.server);
	else if ((t = resource_show(nb, &res_server, m.server)) != NULL)
		print_object(t);
	if (explain != NULL)
		fputs(explain, stderr);
	table_free(t);
	free(explain);
	return prog_exit(nb, rval);
}
