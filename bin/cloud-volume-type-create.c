/*
 * cloud-volume-type-create: a volume type: the libvirt storage pool its
 * volumes live in on each host, and properties.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "volume.h"

#define PROPS_MAX	64

static const char synopsis[] =
    "--pool POOL [--description TEXT] [--property K=V]... NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "pool", required_argument, NULL, 'p' },
		{ "description", required_argument, NULL, 'd' },
		{ "property", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	struct spec_kv			 props[PROPS_MAX];
	const char			*pool = NULL, *desc = NULL;
	struct table			*t;
	struct nb			*nb;
	size_t				 n = 0;
	char				*eq;
	int				 ch, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'p':
			pool = optarg;
			break;
		case 'd':
			desc = optarg;
			break;
		case 'P':
			if ((eq = strchr(optarg, '=')) == NULL ||
			    eq == optarg || n == PROPS_MAX) {
				warnx("--property '%s': use KEY=VALUE, at most "
				    "%d", optarg, PROPS_MAX);
				exit(NB_EUSAGE);
			}
			*eq = '\0';
			props[n].key = optarg;
			props[n++].value = eq + 1;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || pool == NULL)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_volume_type);
	if ((t = volume_type_create(nb, argv[optind], pool, desc, props,
	    n)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
