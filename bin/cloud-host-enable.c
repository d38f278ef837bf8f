/*
 * cloud-host-enable: let the scheduler place servers on hosts again.
 */
#include "config.h"

#include "prog.h"
#include "host.h"

static int
enable(struct nb *nb, const char *host)
{
	return host_enable(nb, host, 1, NULL, 0);
}

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "HOST... | -", "host", enable);
}
