/*
 * cloud-user-set: change a user's name, email, description, default
 * project, password (from stdin) or whether it is enabled.  A new
 * password revokes the user's tokens; disabling stops them working.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "identity.h"

static const char synopsis[] =
    "[--name NAME] [--email ADDR] [--description TEXT] [--project PROJECT]\n"
    "       [--password-stdin] [--enable | --disable] USER";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "name", required_argument, NULL, 'n' },
		{ "email", required_argument, NULL, 'e' },
		{ "description", required_argument, NULL, 'd' },
		{ "project", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ "enable", no_argument, NULL, 'E' },
		{ "disable", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	struct user_spec		 u = { NULL, NULL, NULL, NULL, NULL, -1 };
	struct table			*t;
	struct nb			*nb;
	char				*pw = NULL;
	int				 ch, pw_stdin = 0, rval = 0, any = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		any |= ch != 'f' && ch != 'c' && ch != 'q';
		switch (ch) {
		case 'n':
			u.name = optarg;
			break;
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
		case 'E':
		case 'D':
			if (u.enabled != -1 && u.enabled != (ch == 'E'))
				usage(synopsis, NB_EUSAGE);
			u.enabled = ch == 'E';
			break;
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || !any)
		usage(synopsis, NB_EUSAGE);
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_user);
	if (pw_stdin)
		u.password = pw = prog_read_password(nb);
	if ((t = user_set(nb, argv[optind], &u)) == NULL)
		rval = prog_error(nb, argv[optind]);
	else
		print_object(t);
	table_free(t);
	if (pw != NULL)
		explicit_bzero(pw, strlen(pw));
	free(pw);
	return prog_exit(nb, rval);
}
