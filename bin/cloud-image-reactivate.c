/*
 * cloud-image-reactivate: make deactivated images active again.
 */
#include "config.h"

#include "prog.h"
#include "image.h"

static int
act(struct nb *nb, const char *image)
{
	return image_activate(nb, image, 1);
}

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "IMAGE... | -", "image", act);
}
