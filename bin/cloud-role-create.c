/*
 * cloud-role-create: create a role.  Roles other than the built-in
 * admin, member and reader are recorded and listed but grant no rights.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

int
main(int argc, char *argv[])
{
	static const struct simple_program	 sp = {
		"[-f format] [-c column]... NAME", OPERAND_REQUIRED, 0,
		&res_role, role_create
	};

	return simple_main(argc, argv, &sp);
}
