/*
 * cloud-server-delete: delete the servers named as operands or on stdin.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "SERVER... | -", "server", server_delete);
}
