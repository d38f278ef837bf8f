/*
 * cloud-image-delete: delete the images named as operands or on stdin.
 */
#include "config.h"

#include "prog.h"
#include "image.h"

int
main(int argc, char *argv[])
{
	return delete_main(argc, argv, &res_image);
}
