/*
 * cloud-project-list: list the projects the caller can see (all, for cloud admins).
 */
#include "config.h"

#include "prog.h"
#include "identity.h"

int
main(int argc, char *argv[])
{
	return list_main(argc, argv, project_list);
}
