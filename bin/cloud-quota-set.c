/*
 * cloud-quota-set: set a project's limits, one option per resource
 * (-1 for unlimited).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <err.h>

#include "prog.h"
#include "identity.h"

#define NQUOTA	32

static const char synopsis[] =
    "--RESOURCE LIMIT... PROJECT (resources: instances, cores, ram, "
    "key-pairs,\n"
    "       server-groups, images, image-bytes, networks, subnets, ports,\n"
    "       routers, floating-ips, security-groups, security-group-rules,\n"
    "       volumes, gigabytes, snapshots)";

int
main(int argc, char *argv[])
{
	struct option	 longopts[NQUOTA + 6] = {
		COMMON_LONGOPTS
	};
	char		*names[NQUOTA], *opt;
	const char	*set[NQUOTA];
	long long	 limits[NQUOTA];
	struct nb	*nb;
	size_t		 n = 0, nq = 0, i;
	int		 ch, rval = 0;

	/* One long option per quota resource, spelled with dashes. */
	for (i = 0; quota_resources[i].name != NULL && i < NQUOTA; i++) {
		names[i] = xstrdup(quota_resources[i].name);
		for (opt = names[i]; *opt != '\0'; opt++)
			if (*opt == '_')
				*opt = '-';
		longopts[5 + i].name = names[i];
		longopts[5 + i].has_arg = required_argument;
		longopts[5 + i].val = 0x200 + (int)i;
		nq++;
	}
	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		const char	*errstr;

		if (ch < 0x200 || ch >= 0x200 + (int)nq) {
			common_option(ch, optarg, synopsis);
			continue;
		}
		limits[n] = strtonum(optarg, -1, 1LL << 53, &errstr);
		if (errstr != NULL) {
			warnx("--%s '%s' is %s (-1 for unlimited)",
			    names[ch - 0x200], optarg, errstr);
			exit(NB_EUSAGE);
		}
		set[n++] = quota_resources[ch - 0x200].name;
	}
	if (argc - optind != 1 || n == 0)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (quota_set(nb, argv[optind], set, limits, n) == -1)
		rval = prog_error(nb, argv[optind]);
	for (i = 0; i < nq; i++)
		free(names[i]);
	return prog_exit(nb, rval);
}
