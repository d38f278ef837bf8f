/*
 * cloud-server-group-list: the server groups of the caller's project, or of every project for cloud admins.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

int
main(int argc, char *argv[])
{
	return flag_list_main(argc, argv, "all-projects", server_group_list);
}
