/*
 * cloud-user-create: create a user, optionally with a password read
 * from stdin and a default project.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "identity.h"

static const char synopsis[] =
    "[--email ADDR] [--description TEXT] [--project PROJECT]\n"
    "       [--password-stdin] [--disable] NAME";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "email", required_argument, NULL, 'e' },
		{ "description", required_argument, NULL, 'd' },
		{ "project", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ "disable", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct user_spec		 u = { NULL, NULL, NULL, NULL, NULL, 1 };
	struct table			*t;
	struct nb			*nb;
	char				*pw = NULL;
	int				 ch, pw_stdin = 0, rval = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'e':
			u.email = optarg;
			break;
		case 'd':
			u.description = optarg;
			break;
		case 'p':
			u.project = optarg;
			break;
		case 'P':
			pw_stdin = 1;
			break;
		case 'D':
			u.enabled = 0;
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1)
		usage(synopsis, NB_EUSAGE);
	u.name = argv[optind];
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_user);
	if (pw_stdin)
		u.password = pw = prog_read_password(nb);
	if ((t = user_create(nb, &u)) == NULL)
		rval = prog_error(nb, u.name);
	else
		print_object(t);
	table_free(t);
	if (pw != NULL)
		explicit_bzero(pw, strlen(pw));
	free(pw);
	return prog_exit(nb, rval);
}
