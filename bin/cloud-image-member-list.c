/*
 * cloud-image-member-list: the projects an image is shared with and
 * their answers; a member project sees only its own.
 */
#include "config.h"

#include "prog.h"
#include "image.h"

int
main(int argc, char *argv[])
{
	static const struct simple_program	 sp = {
		"[-f format] [-c column]... IMAGE", OPERAND_REQUIRED, 1, NULL,
		image_member_list
	};

	return simple_main(argc, argv, &sp);
}
