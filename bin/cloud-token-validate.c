/*
 * cloud-token-validate: check tokens given on stdin (one a line) or as
 * operands, or the caller's own, and show whom they stand for.
 */
#include "config.h"

#include "prog.h"
#include "auth.h"

static int
validate(struct nb *nb, const char *token)
{
	struct table	*t;

	if ((t = token_validate(nb, token)) == NULL)
		return -1;
	print_object(t);
	table_free(t);
	return 0;
}

int
main(int argc, char *argv[])
{
	return tokens_main(argc, argv,
	    "[-f format] [-c column]... [TOKEN... | -]", validate);
}
