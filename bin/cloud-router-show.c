/*
 * cloud-router-show: a router, its subnets, gateway and namespace.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return show_main(argc, argv, &res_router);
}
