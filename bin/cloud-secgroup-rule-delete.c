/*
 * cloud-secgroup-rule-delete: delete the security group rules given by
 * id as operands or on stdin, and take them off the running guests.
 */
#include "config.h"

#include "prog.h"
#include "net.h"
#include "serverhost.h"

static int
delete_rule(struct nb *nb, const char *rule)
{
	char	 group[NB_UUID_LEN + 1];

	if (secgroup_rule_delete(nb, rule, group) == -1)
		return -1;
	return secgroup_apply(nb, group);
}

int
main(int argc, char *argv[])
{
	return operands_main(argc, argv, "RULE... | -", "rule", delete_rule);
}
