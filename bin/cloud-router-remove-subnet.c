/*
 * cloud-router-remove-subnet: take a subnet off its router.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return pair_main(argc, argv, "ROUTER SUBNET", router_remove_subnet);
}
