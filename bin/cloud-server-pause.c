/*
 * cloud-server-pause: pause servers: their vCPUs stop, their memory stays.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

static int
act(struct nb *nb, const char *server)
{
	return server_action(nb, server, "pause");
}

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "SERVER... | -", "server", act);
}
