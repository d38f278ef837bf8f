/*
 * servergroup.c: server groups (Nova's), which the scheduler keeps
 * together or apart: affinity and anti-affinity are filters (hard),
 * soft-affinity and soft-anti-affinity weighers.  A server joins its
 * group at cloud-boot --group and leaves it when deleted.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "identity.h"
#include "resource.h"
#include "server.h"

#define GROUP_SELECT \
    "SELECT g.id, g.name, g.policy," \
    " (SELECT count(*) FROM server_group_members m" \
    "  WHERE m.group_id = g.id) AS \"members:n\"," \
    " (SELECT group_concat(name, ' ') FROM (SELECT s.name"\
    "  FROM server_group_members m JOIN servers s ON s.id = m.server_id" \
    "  WHERE m.group_id = g.id ORDER BY s.name, s.id)) AS member_names," \
    " g.project_id, g.user_id, g.created_at AS \"created_at:t\"" \
    " FROM server_groups g"

static const char group_show_sql[] = GROUP_SELECT " WHERE g.id = ?1";

const struct resource res_server_group = {
	.kind = "server_group",
	.table = "server_groups",
	.name_col = "name",
	.project_col = "project_id",
	.show_sql = group_show_sql,
};

static const char *const policies[] = {
	"affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity",
	NULL
};

struct table *
server_group_create(struct nb *nb, const char *name, const char *policy)
{
	char	 id[NB_UUID_LEN + 1], msg[320];
	size_t	 i;

	if (name_valid(nb, "server group", name) == -1)
		return NULL;
	for (i = 0; policies[i] != NULL; i++)
		if (strcmp(policy, policies[i]) == 0)
			break;
	if (policies[i] == NULL) {
		nb_seterr(nb, NB_EUSAGE, "policy '%s': use affinity, "
		    "anti-affinity, soft-affinity or soft-anti-affinity",
		    policy);
		return NULL;
	}
	uuid_generate(id);
	snprintf(msg, sizeof(msg), "a server group named '%s' exists in this "
	    "project", name);
	if (db_begin(nb) == -1 ||
	    policy_check(nb, "server_group:create", nb->ctx.project_id,
	    NULL) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "server_groups", 1) == -1 ||
	    db_exec(nb, msg, "INSERT INTO server_groups VALUES (?1, ?2, ?3, ?4,"
	    " ?5, ?6)", "sssssi", id, name, nb->ctx.project_id,
	    nb->ctx.user_id, policy, (long long)time(NULL)) == -1 ||
	    event_record(nb, "server_group:create", "server_group", id, name, 1,
	    policy) == -1 || db_commit(nb) == -1) {
		event_failed(nb, "server_group:create", "server_group", name);
		return NULL;
	}
	return db_table(nb, group_show_sql, "s", id);
}

struct table *
server_group_list(struct nb *nb, int all_projects)
{
	if (list_allowed(nb, "server_group:list", all_projects) == -1)
		return NULL;
	return db_table(nb, GROUP_SELECT " WHERE ?1 IS NULL OR"
	    " g.project_id = ?1 ORDER BY g.name", "s",
	    all_projects ? NULL : nb->ctx.project_id);
}
