/*
 * cloud-router-add-subnet: join a subnet to a router, which takes the
 * subnet's gateway address.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return pair_main(argc, argv, "ROUTER SUBNET", router_add_subnet);
}
