/*
 * cloud-server-suspend: suspend servers: their memory is saved to disk and they stop.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

static int
act(struct nb *nb, const char *server)
{
	return server_action(nb, server, "suspend");
}

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "SERVER... | -", "server", act);
}
