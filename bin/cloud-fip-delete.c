/*
 * cloud-fip-delete: give floating IPs back to their network's pool.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "FIP... | -", "floating IP",
	    fip_delete);
}
