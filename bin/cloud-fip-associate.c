/*
 * cloud-fip-associate: bind a floating IP to a port (or a server's
 * first port): 1:1 NAT in the router joining the port's subnet to the
 * floating IP's network.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

int
main(int argc, char *argv[])
{
	return pair_main(argc, argv, "FIP SERVER|PORT", fip_associate);
}
