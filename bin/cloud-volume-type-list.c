/*
 * cloud-volume-type-list: the volume types.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

int
main(int argc, char *argv[])
{
	return list_main(argc, argv, volume_type_list);
}
