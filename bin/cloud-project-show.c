/*
 * cloud-project-show: show the projects named as operands or on stdin.
 */
#include "config.h"

#include "prog.h"

int
main(int argc, char *argv[])
{
	return show_main(argc, argv, &res_project);
}
