/*
 * cloud-fip-list: the project's floating IPs and what each is bound to.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return flag_list_main(argc, argv, "all-projects", fip_list);
}
