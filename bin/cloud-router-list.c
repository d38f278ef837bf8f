/*
 * cloud-router-list: the project's routers (--all-projects: every
 * project's, for cloud admins).
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return flag_list_main(argc, argv, "all-projects", router_list);
}
