/*
 * cloud-role-add: grant a user a role on a project, or globally.
 */
#include "config.h"

#include "prog.h"

int
main(int argc, char *argv[])
{
	return role_assign_main(argc, argv, 1);
}
