/*
 * cloud-volume-type-delete: delete volume types no volume uses.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

int
main(int argc, char *argv[])
{
	return delete_main(argc, argv, &res_volume_type);
}
