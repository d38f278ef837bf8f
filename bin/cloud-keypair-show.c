/*
 * cloud-keypair-show: show the keypairs named as operands or on stdin.
 */
#include "config.h"

#include "prog.h"
#include "compute.h"

int
main(int argc, char *argv[])
{
	return show_main(argc, argv, &res_keypair);
}
