/*
 * cloud-host-remove: forget the compute hosts named as operands or on
 * stdin.  Their libvirt and storage pool are left as they are.
 */
#include "config.h"

#include "prog.h"
#include "host.h"

int
main(int argc, char *argv[])
{
	return delete_main(argc, argv, &res_host);
}
