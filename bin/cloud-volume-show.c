/*
 * cloud-volume-show: show volumes by name or id.
 */
#include "config.h"

#include "prog.h"
#include "volume.h"

int
main(int argc, char *argv[])
{
	return show_main(argc, argv, &res_volume);
}
