/*
 * cloud-keypair-delete: delete the keypairs named as operands or on stdin.
 */
#include "config.h"

#include "prog.h"
#include "compute.h"

int
main(int argc, char *argv[])
{
	return delete_main(argc, argv, &res_keypair);
}
