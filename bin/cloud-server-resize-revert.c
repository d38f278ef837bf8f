/*
 * cloud-server-resize-revert: take resized servers back to their old
 * flavor and root disk.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

static int
act(struct nb *nb, const char *server)
{
	return server_resize_finish(nb, server, 0);
}

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "SERVER... | -", "server", act);
}
