/*
 * cloud-host-list: the compute hosts, with their capacity and what the
 * allocation ratios make of it.
 */
#include "config.h"

#include "prog.h"
#include "host.h"

int
main(int argc, char *argv[])
{
	return list_main(argc, argv, host_list);
}
