/*
 * cloud-host-add: register a compute host by its libvirt URI; its CPUs,
 * memory and storage are read from libvirt.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>

#include "prog.h"
#include "host.h"

static const char synopsis[] =
    "--uri URI [--zone ZONE] [--cpu-ratio R] [--ram-ratio R]\n"
    "       [--disk-ratio R] [--reserved-ram MiB] [--pool POOL] NAME";

static double
ratio(const char *opt, const char *arg)
{
	char	*end;
	double	 r;

	r = strtod(arg, &end);
	if (*arg == '\0' || *end != '\0' || !(r > 0 && r <= 1000)) {
		warnx("--%s '%s': a number above 0, at most 1000", opt, arg);
		exit(NB_EUSAGE);
	}
	return r;
}

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "uri", required_argument, NULL, 'u' },
		{ "zone", required_argument, NULL, 'z' },
		{ "cpu-ratio", required_argument, NULL, 'C' },
		{ "ram-ratio", required_argument, NULL, 'R' },
		{ "disk-ratio", required_argument, NULL, 'D' },
		{ "reserved-ram", required_argument, NULL, 'r' },
		{ "pool", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct host_spec		 s = { 0 };
	struct table			*t;
	struct nb			*nb;
	int				 ch, rval = 0;

	s.reserved_ram_mib = -1;
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'u':
			s.uri = optarg;
			break;
		case 'z':
			s.zone = optarg;
			break;
		case 'C':
			s.cpu_ratio = ratio("cpu-ratio", optarg);
			break;
		case 'R':
			s.ram_ratio = ratio("ram-ratio", optarg);
			break;
		case 'D':
			s.disk_ratio = ratio("disk-ratio", optarg);
			break;
		case 'r':
			s.reserved_ram_mib = opt_number("reserved-ram", optarg,
			    0, 1LL << 32);
			break;
		case 'p':
			s.pool = optarg;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || s.uri == NULL)
		usage(synopsis, NB_EUSAGE);
	s.name = argv[optind];
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_host);
	if ((t = host_add(nb, &s)) == NULL)
		rval = prog_error(nb, s.name);
	else
		print_object(t);
	table_free(t);
	return prog_exit(nb, rval);
}
