/*
 * cloud-event-list: show the event log, newest first: who did what to
 * which resource, when, and with what result.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prog.h"
#include "auth.h"

static const char synopsis[] =
    "[-f format] [-c column]... [--user USER] [--project PROJECT]\n"
    "       [--action ACTION] [--target ID|NAME] [--result success|failure]\n"
    "       [--since TIME] [--until TIME] [--limit N]";

static time_t
parse_time(const char *opt, const char *arg)
{
	time_t	 t;

	if (time_parse(arg, &t) == -1) {
		warnx("--%s '%s': use YYYY-MM-DD[THH:MM:SS[Z]] (UTC) or "
		    "seconds since the epoch", opt, arg);
		exit(NB_EUSAGE);
	}
	return t;
}

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "user", required_argument, NULL, 'u' },
		{ "project", required_argument, NULL, 'p' },
		{ "action", required_argument, NULL, 'a' },
		{ "target", required_argument, NULL, 't' },
		{ "result", required_argument, NULL, 'r' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'U' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct event_filter		 f = {
		NULL, NULL, NULL, NULL, NULL, 0, (time_t)1 << 40, 1000
	};
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'u':
			f.user = optarg;
			break;
		case 'p':
			f.project = optarg;
			break;
		case 'a':
			f.action = optarg;
			break;
		case 't':
			f.target = optarg;
			break;
		case 'r':
			if (strcmp(optarg, "success") != 0 &&
			    strcmp(optarg, "failure") != 0) {
				warnx("--result '%s': use success or failure",
				    optarg);
				exit(NB_EUSAGE);
			}
			f.result = optarg;
			break;
		case 's':
			f.since = parse_time("since", optarg);
			break;
		case 'U':
			f.until = parse_time("until", optarg);
			break;
		case 'l':
			f.limit = opt_number("limit", optarg, 1, 1000000);
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if ((t = event_list(nb, &f)) == NULL)
		rval = prog_error(nb, NULL);
	else
		print_list(t);
	table_free(t);
	return prog_exit(nb, rval);
}
