/*
 * cloud-secgroup-rule-list: the security group rules of the caller's
 * project, of one group with --group.
 */
#include "config.h"

#include "prog.h"
#include "net.h"

static struct table *
list(struct nb *nb, const char *group, int all)
{
	(void)all;
	return secgroup_rule_list(nb, group);
}

int
main(int argc, char *argv[])
{
	return filter_list_main(argc, argv, "all-projects", "group", "GROUP",
	    list);
}
