/*
 * cloud-server-show: show the servers named as operands or on stdin.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

int
main(int argc, char *argv[])
{
	return show_main(argc, argv, &res_server);
}
