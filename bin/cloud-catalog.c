/*
 * cloud-catalog: print the service catalog: every enabled endpoint of every enabled service.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

int
main(int argc, char *argv[])
{
	return list_main(argc, argv, catalog);
}
