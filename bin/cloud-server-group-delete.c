/*
 * cloud-server-group-delete: delete the server groups named as operands
 * or on stdin; their servers stay, outside any group.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

int
main(int argc, char *argv[])
{
	return delete_main(argc, argv, &res_server_group);
}
