/*
 * cloud-token-issue: trade the caller's credentials for a token that
 * later commands take in CLOUD_TOKEN.
 */
#include "config.h"

#include "prog.h"
#include "auth.h"

static struct table *
issue(struct nb *nb, const char *operand)
{
	(void)operand;
	return token_issue(nb);
}

int
main(int argc, char *argv[])
{
	static const struct simple_program	 sp = {
		"[-f format] [-c column]...", OPERAND_NONE, 0, NULL, issue
	};

	return simple_main(argc, argv, &sp);
}
