/*
 * cloud-image-member-remove: stop sharing an image with a project.
 */
#include "config.h"

#include "prog.h"
#include "image.h"

int
main(int argc, char *argv[])
{
	return pair_main(argc, argv, "IMAGE PROJECT", image_member_remove);
}
