/*
 * cloud-flavor-create: define a size of server: vCPUs, RAM, root,
 * ephemeral and swap disks, who may use it, and extra specs.
 */
#include "config.h"

#include <err.h>

#include "flavoropt.h"

static const char synopsis[] =
    "--vcpus N --ram MiB --disk GB [--ephemeral GB] [--swap MiB]\n"
    "       [--public | --private] [--project PROJECT]...\n"
    "       [--property KEY=VALUE]... [--description TEXT] NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		FLAVOR_LONGOPTS,
		{ "vcpus", required_argument, NULL, 'v' },
		{ "ram", required_argument, NULL, 'r' },
		{ "disk", required_argument, NULL, 'd' },
		{ "ephemeral", required_argument, NULL, 'e' },
		{ "swap", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct flavoropt		 o;
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	flavoropt_init(&o);
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		if (flavoropt_option(&o, ch, optarg))
			continue;
		switch (ch) {
		case 'v':
			o.spec.vcpus = opt_number("vcpus", optarg, 1, 4096);
			break;
		case 'r':
			o.spec.ram_mib = opt_number("ram", optarg, 1, 1 << 26);
			break;
		case 'd':
			o.spec.disk_gb = opt_number("disk", optarg, 0, 1 << 20);
			break;
		case 'e':
			o.spec.ephemeral_gb = opt_number("ephemeral", optarg, 0,
			    1 << 20);
			break;
		case 's':
			o.spec.swap_mib = opt_number("swap", optarg, 0, 1 << 26);
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || o.spec.vcpus == -1 ||
	    o.spec.ram_mib == -1 || o.spec.disk_gb == -1)
		usage(synopsis, NB_EUSAGE);
	o.spec.name = argv[optind];
	/* Never private by mistake: --project needs --private said. */
	if (o.spec.naccess_add > 0 && o.spec.is_public != 0) {
		warnx("--project gives access to a private flavor: add "
		    "--private");
		return NB_EUSAGE;
	}
	if (o.spec.is_public == -1)
		o.spec.is_public = 1;
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_flavor);
	if ((t = flavor_create(nb, &o.spec)) == NULL)
		rval = prog_error(nb, o.spec.name);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
