/*
 * cloud-keypair-create: make an SSH key pair for the calling user and
 * print its private key, once; or record a public key read from stdin.
 */
#include "config.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"
#include "compute.h"

static const char synopsis[] =
    "[--type ed25519 | rsa] [--bits N] NAME > KEY\n"
    "       cloud-keypair-create --public-key-stdin NAME < KEY.pub";

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		COMMON_LONGOPTS,
		{ "type", required_argument, NULL, 't' },
		{ "bits", required_argument, NULL, 'b' },
		{ "public-key-stdin", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	enum keypair_kind		 kind = KEYPAIR_KIND_ED25519;
	const char			*pem;
	struct table			*t;
	struct nb			*nb;
	char				*pub = NULL;
	int				 ch, bits = 0, import = 0, rval = 0;
	int				 formatted = 0, type_given = 0;

	while ((ch = getopt_long(argc, argv, COMMON_SHORTOPTS, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't':
			type_given = 1;
			if (strcmp(optarg, "ed25519") == 0)
				kind = KEYPAIR_KIND_ED25519;
			else if (strcmp(optarg, "rsa") == 0)
				kind = KEYPAIR_KIND_RSA;
			else {
				warnx("--type '%s': use ed25519 or rsa",
				    optarg);
				return NB_EUSAGE;
			}
			break;
		case 'b':
			bits = (int)opt_number("bits", optarg, 2048, 8192);
			break;
		case 'p':
			import = 1;
			break;
		case 'f':
		case 'c':
			formatted = 1;
			/* FALLTHROUGH */
		default:
			common_option(ch, optarg, synopsis);
		}
	}
	if (argc - optind != 1 || (import && (bits != 0 || type_given)) ||
	    (bits != 0 && kind != KEYPAIR_KIND_RSA))
		usage(synopsis, NB_EUSAGE);
	if (import && isatty(STDIN_FILENO)) {
		warnx("the public key comes on stdin: %s --public-key-stdin "
		    "NAME < KEY.pub", getprogname());
		return NB_EUSAGE;
	}
	if (out_quiet && !import) {
		warnx("-q would throw away the only copy of the private key");
		return NB_EUSAGE;
	}
	nb = prog_open(NB_AUTH);
	check_columns(nb, &res_keypair);
	if (import) {
		pub = read_secret_stdin(nb, "public key", 16384);
		if (pub == NULL)
			return prog_exit(nb, prog_error(nb, argv[optind]));
		t = keypair_import_public(nb, argv[optind], pub);
		free(pub);
	} else
		t = keypair_create(nb, argv[optind], kind, bits);
	if (t == NULL)
		rval = prog_error(nb, argv[optind]);
	else if (!import && !formatted) {
		/* The private key alone, ready for a file of its own. */
		if ((pem = table_get(t, 0, "private_key")) != NULL)
			fputs(pem, stdout);
	} else
		print_object(t);
	if (t != NULL && t->nrows > 0 && t->cells[t->ncols - 1] != NULL &&
	    !import)
		explicit_bzero(t->cells[t->ncols - 1],
		    strlen(t->cells[t->ncols - 1]));
	table_free(t);
	return prog_exit(nb, rval);
}
