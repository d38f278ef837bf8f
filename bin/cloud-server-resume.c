/*
 * cloud-server-resume: resume suspended servers from their saved memory.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

static int
act(struct nb *nb, const char *server)
{
	return server_action(nb, server, "resume");
}

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "SERVER... | -", "server", act);
}
