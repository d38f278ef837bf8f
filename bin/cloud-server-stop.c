/*
 * cloud-server-stop: stop servers: ACPI power off, then the power cord if the guest has not stopped within a minute.
 */
#include "config.h"

#include "prog.h"
#include "server.h"

static int
act(struct nb *nb, const char *server)
{
	return server_action(nb, server, "stop");
}

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "SERVER... | -", "server", act);
}
