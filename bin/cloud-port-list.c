/*
 * cloud-port-list: the ports of the caller's project, of one network
 * with --net; of every project for cloud admins with --all-projects.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return filter_list_main(argc, argv, "all-projects", "net", "NETWORK",
	    port_list);
}
