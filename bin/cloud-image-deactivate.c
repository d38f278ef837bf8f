/*
 * cloud-image-deactivate: deactivate images: their data can no longer be downloaded or booted by anyone but cloud admins.
 */
#include "config.h"

#include "prog.h"
#include "image.h"

static int
act(struct nb *nb, const char *image)
{
	return image_activate(nb, image, 0);
}

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "IMAGE... | -", "image", act);
}
