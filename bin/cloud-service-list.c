/*
 * cloud-service-list: list the services in the catalog.
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

int
main(int argc, char *argv[])
{
	return list_main(argc, argv, service_list);
}
