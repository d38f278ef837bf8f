/*
 * cloud-router-delete: delete routers with no subnets; their gateway
 * and namespace go with them.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "ROUTER... | -", "router",
	    router_delete);
}
