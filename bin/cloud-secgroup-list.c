/*
 * cloud-secgroup-list: the security groups of the caller's project (its
 * default group made if missing), or of every project for cloud admins.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return flag_list_main(argc, argv, "all-projects", secgroup_list);
}
