/*
 * cloud-quota-show: show a project's limits and what it uses of each.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

int
main(int argc, char *argv[])
{
	static const struct simple_program	 sp = {
		"[-f format] [-c column]... [PROJECT]", OPERAND_OPTIONAL, 1,
		NULL, quota_show
	};

	return simple_main(argc, argv, &sp);
}
