/*
 * cloud-token-rotate: rotate the token keys: the staged key becomes
 * the primary that signs new tokens, a new staged key is made, and the
 * oldest beyond [identity] max_active_keys are removed.
 */
#include "config.h"

#include <stdio.h>

#include "prog.h"
#include "auth.h"

static const char synopsis[] = "[-f format] [-q]";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct nb			*nb;
	int				 ch, n, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1)
		common_option(ch, optarg, synopsis);
	if (optind != argc)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	if (token_rotate(nb, &n) == -1)
		rval = prog_error(nb, NULL);
	else {
		static const char *const cols[] = { "active_keys:n" };
		struct table	*t = table_new(1, cols);
		char		 num[16];
		const char	*row[1] = { num };

		snprintf(num, sizeof(num), "%d", n);
		table_add_row(t, row);
		print_object(t);
		table_free(t);
	}
	return prog_exit(nb, rval);
}
