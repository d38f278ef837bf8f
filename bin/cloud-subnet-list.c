/*
 * cloud-subnet-list: the subnets of the caller's project (and of shared and
 * external networks), of one network with --net; of every project for
 * cloud admins with --all-projects.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return filter_list_main(argc, argv, "all-projects", "net", "NETWORK",
	    subnet_list);
}
