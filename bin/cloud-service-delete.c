/*
 * cloud-service-delete: delete the services named as operands or on stdin.
 */
#include "config.h"

#include "prog.h"

int
main(int argc, char *argv[])
{
	return delete_main(argc, argv, &res_service);
}
