/*
 * cloud-server-group-show: show a server group and its members.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

int
main(int argc, char *argv[])
{
	return show_main(argc, argv, &res_server_group);
}
