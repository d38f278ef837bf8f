/*
 * cloud-token-revoke: revoke tokens given on stdin (one a line) or as
 * operands, or the caller's own (log out).  Revocation is checked on
 * every use of a token until it would have expired.
 */
#include "config.h"

#include "prog.h"
#include "auth.h"

int
main(int argc, char *argv[])
{
	return tokens_main(argc, argv, "[TOKEN... | -]", token_revoke);
}
