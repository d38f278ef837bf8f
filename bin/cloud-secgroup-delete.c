/*
 * cloud-secgroup-delete: delete the security groups named as operands
 * or on stdin, with their rules; refused while a port is in one or a
 * rule of another group names it, and for the default group.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return delete_main(argc, argv, &res_secgroup);
}
