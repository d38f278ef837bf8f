/*
 * cloud-port-delete: delete the ports named as operands or on stdin;
 * their addresses go back to their pools.  A server's port goes with
 * the server.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "PORT... | -", "port", port_delete);
}
