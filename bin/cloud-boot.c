/*
 * cloud-boot: start a server: a real QEMU guest on a host the scheduler
 * chooses, and can say why.
 */
#include "config.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"
#include "server.h"

#define PROPS_MAX	128

static const char synopsis[] =
    "--flavor FLAVOR --image IMAGE | --volume VOLUME\n"
    "       [--boot-volume-size GB [--delete-on-termination]]\n"
    "       [--key-name KEY] [--user-data-stdin]\n"
    "       [--net NETWORK [--security-group GROUP]... | --port PORT]\n"
    "       [--zone ZONE] [--host HOST] [--group GROUP] [--property K=V]...\n"
    "       [--hint same_host=SERVER|different_host=SERVER]... [--count N]\n"
    "       [--explain] [--no-wait] NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "flavor", required_argument, NULL, 'F' },
		{ "image", required_argument, NULL, 'I' },
		{ "key-name", required_argument, NULL, 'k' },
		{ "user-data-stdin", no_argument, NULL, 'u' },
		{ "zone", required_argument, NULL, 'z' },
		{ "host", required_argument, NULL, 'H' },
		{ "explain", no_argument, NULL, 'x' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "group", required_argument, NULL, 'g' },
		{ "property", required_argument, NULL, 'P' },
		{ "count", required_argument, NULL, 'N' },
		{ "hint", required_argument, NULL, 'T' },
		{ "volume", required_argument, NULL, 'V' },
		{ "boot-volume-size", required_argument, NULL, 'B' },
		{ "delete-on-termination", no_argument, NULL, 'D' },
		{ "net", required_argument, NULL, 'W' },
		{ "port", required_argument, NULL, 'O' },
		{ "security-group", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct spec_kv			 props[PROPS_MAX + 1];
	const char			*same[PROPS_MAX], *apart[PROPS_MAX];
	const char			*groups[PROPS_MAX];
	struct boot_spec		 b = { 0 };
	char				*eq;
	struct table			*t;
	struct nb			*nb;
	char				*explain = NULL, *ud = NULL;
	char				*reasons = NULL;
	int				 ch, rval = 0, stdin_ud = 0;

	b.wait = 1;
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'F':
			b.flavor = optarg;
			break;
		case 'I':
			b.image = optarg;
			break;
		case 'k':
			b.key_name = optarg;
			break;
		case 'u':
			stdin_ud = 1;
			break;
		case 'z':
			b.zone = optarg;
			break;
		case 'H':
			b.host = optarg;
			break;
		case 'x':
			b.explain = 1;
			break;
		case 'n':
			b.wait = 0;
			break;
		case 'g':
			b.group = optarg;
			break;
		case 'P':
			/* More than the library takes: it says how many. */
			if ((eq = strchr(optarg, '=')) == NULL) {
				warnx("--property '%s': use KEY=VALUE", optarg);
				exit(NB_EUSAGE);
			}
			*eq = '\0';
			if (b.nprops <= PROPS_MAX) {
				props[b.nprops].key = optarg;
				props[b.nprops].value = eq + 1;
			}
			b.nprops++;
			break;
		case 'V':
			b.volume = optarg;
			break;
		case 'B':
			b.boot_volume_size = opt_number("boot-volume-size",
			    optarg, 1, 65536);
			break;
		case 'D':
			b.delete_on_termination = 1;
			break;
		case 'T':
			if (strncmp(optarg, "same_host=", 10) == 0 &&
			    b.nsame_host < PROPS_MAX)
				same[b.nsame_host++] = optarg + 10;
			else if (strncmp(optarg, "different_host=", 15) == 0 &&
			    b.ndifferent_host < PROPS_MAX)
				apart[b.ndifferent_host++] = optarg + 15;
			else {
				warnx("--hint '%s': use same_host=SERVER or "
				    "different_host=SERVER, at most %d each",
				    optarg, PROPS_MAX);
				exit(NB_EUSAGE);
			}
			break;
		case 'N':
			b.count = (int)opt_number("count", optarg, 1, 1000);
			break;
		case 'W':
			b.net = optarg;
			break;
		case 'O':
			b.port = optarg;
			break;
		case 'S':
			if (b.ngroups < PROPS_MAX)
				groups[b.ngroups++] = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || b.flavor == NULL ||
	    (b.image == NULL && b.volume == NULL) ||
	    (b.net != NULL && b.port != NULL) ||
	    (b.ngroups > 0 && b.net == NULL))
		usage(synopsis, NB_EUSAGE);
	b.groups = groups;
	if (b.port != NULL && b.count > 1) {
		warnx("--port gives one port to one server: not with --count");
		return NB_EUSAGE;
	}
	b.props = props;
	b.same_host = same;
	b.different_host = apart;
	b.name = argv[optind];
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_server);
	if (stdin_ud) {
		if ((ud = read_secret_stdin(nb, "user data", 65536)) == NULL)
			return prog_exit(nb, prog_error(nb, b.name));
		b.user_data = ud;
	}
	t = server_boot(nb, &b, &explain, &reasons);
	if (explain != NULL)
		fputs(explain, stderr);
	/* With --count, some may have failed: all are printed, then why. */
	if (t != NULL && b.count > 1)
		print_list(t);
	else if (t != NULL)
		print_object(t);
	if (t == NULL && reasons != NULL) {
		/* Every host's reason, however many: CLI.md's exit 6. */
		fprintf(stderr, "%s: %s: no valid host was found%s:\n%s",
		    getprogname(), b.name, b.count > 1 ? " for every server" :
		    "", reasons);
		rval = NB_ENOHOST;
	} else if (t == NULL || nb->errcode != 0)
		rval = prog_error(nb, b.name);
	table_free(t);
	free(explain);
	free(reasons);
	free(ud);
	return prog_exit(nb, rval);
}
