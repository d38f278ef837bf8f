/*
 * cloud-secgroup-show: show a security group.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return show_main(argc, argv, &res_secgroup);
}
