/*
 * cloud-subnet-delete: delete the subnets named as operands or on
 * stdin; refused while a port has an address in one.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return delete_main(argc, argv, &res_subnet);
}
