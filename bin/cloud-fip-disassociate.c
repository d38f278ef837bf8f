/*
 * cloud-fip-disassociate: unbind floating IPs; they stay the project's.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "FIP... | -", "floating IP",
	    fip_disassociate);
}
