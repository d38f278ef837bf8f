/*
 * cloud-net-delete: delete the networks named as operands or on stdin,
 * with their subnets; refused while a port is on one.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return delete_main(argc, argv, &res_net);
}
