/*
 * cloud-host-show: show the compute hosts named as operands or on stdin.
 */
#include "config.h"

#include "prog.h"
#include "host.h"

int
main(int argc, char *argv[])
{
	return show_main(argc, argv, &res_host);
}
