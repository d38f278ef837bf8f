/*
 * cloud-flavor-list: the flavors the caller's project may use, or every one.
 */
#include "config.h"

#include "prog.h"
#include "compute.h"

int
main(int argc, char *argv[])
{
	return flag_list_main(argc, argv, "all", flavor_list);
}
