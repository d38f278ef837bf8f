/*
 * cloud-image-member-add: share an image with another project, which then accepts it with cloud-image-member-set.
 */
#include "config.h"

#include "prog.h"
#include "image.h"

int
main(int argc, char *argv[])
{
	return pair_main(argc, argv, "IMAGE PROJECT", image_member_add);
}
