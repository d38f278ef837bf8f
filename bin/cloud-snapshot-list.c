/*
 * cloud-snapshot-list: the snapshots of the caller's project, or of every project for cloud admins.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

int
main(int argc, char *argv[])
{
	return flag_list_main(argc, argv, "all-projects", snapshot_list);
}
