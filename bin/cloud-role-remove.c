/*
 * cloud-role-remove: take a role on a project, or a global one, from a user.
 */
#include "config.h"

#include "prog.h"

int
main(int argc, char *argv[])
{
	return role_assign_main(argc, argv, 0);
}
