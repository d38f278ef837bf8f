/*
 * cloud-net-list: the networks of the caller's project, the shared and
 * the external ones; of every project for cloud admins.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return flag_list_main(argc, argv, "all-projects", net_list);
}
