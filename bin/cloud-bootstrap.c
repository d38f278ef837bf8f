/*
 * cloud-bootstrap: create a cloud, or make sure one is complete: the
 * state directory, database, token keys, the roles admin, member and
 * reader, and the first admin.  The one program that needs no
 * credentials; run it as the service account or root.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "identity.h"

static const char synopsis[] =
    "[--admin-user NAME] [--admin-project NAME] [--region NAME]\n"
    "       [--reset-password] --password-stdin";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "admin-user", required_argument, NULL, 'u' },
		{ "admin-project", required_argument, NULL, 'p' },
		{ "region", required_argument, NULL, 'r' },
		{ "reset-password", no_argument, NULL, 'R' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	struct bootstrap_spec		 b = {
		"admin", "admin", NULL, "RegionOne", 0
	};
	struct table			*t;
	struct nb			*nb;
	char				*pw;
	int				 ch, pw_stdin = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'u':
			b.admin_user = optarg;
			break;
		case 'p':
			b.admin_project = optarg;
			break;
		case 'r':
			b.region = optarg;
			break;
		case 'R':
			b.reset_password = 1;
			break;
		case 'P':
			pw_stdin = 1;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (optind != argc || !pw_stdin)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_CREATE);
	b.password = pw = prog_read_password(nb);
	if ((t = bootstrap(nb, &b)) == NULL)
		rval = prog_error(nb, NULL);
	else
		print_object(t);
	table_free(t);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	return prog_exit(nb, rval);
}
