/*
 * cloud-server-resize-confirm: keep the new flavor of resized servers;
 * the copy of the old root disk goes.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

static int
act(struct nb *nb, const char *server)
{
	return server_resize_finish(nb, server, 1);
}

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "SERVER... | -", "server", act);
}
