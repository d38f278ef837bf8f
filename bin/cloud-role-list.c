/*
 * cloud-role-list: list the roles.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

int
main(int argc, char *argv[])
{
	return list_main(argc, argv, role_list);
}
