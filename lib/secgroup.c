/*
 * secgroup.c: security groups and their rules as records (Neutron's).
 * A group's rules admit traffic to (ingress) or from (egress) the ports
 * in it; the rest is dropped.  Each project has "default", made when
 * first needed: egress to anywhere, ingress from the group's own
 * members.  Applying rules to hosts is netvirt.c's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "identity.h"
#include "net.h"
#include "resource.h"

#define GROUP_SELECT \
    "SELECT g.id, g.name, g.description, (SELECT count(*) FROM" \
    " security_group_rules r WHERE r.group_id = g.id) AS \"rules:n\"," \
    " (SELECT count(*) FROM port_security_groups p WHERE p.group_id =" \
    " g.id) AS \"ports:n\", g.project_id, g.created_at AS \"created_at:t\"" \
    " FROM security_groups g"

static const char group_show_sql[] = GROUP_SELECT " WHERE g.id = ?1";

static int
group_delete_check(struct nb *nb, const char *id, const char *name)
{
	if (strcmp(name, "default") == 0)
		return nb_seterr(nb, NB_ECONFLICT, "the default security "
		    "group is not deleted");
	return refuse_in_use(nb, "SELECT group_concat(what, ', ') FROM (SELECT"
	    " 'port ' || ifnull(nullif(p.name, ''), p.id) AS what FROM"
	    " port_security_groups s JOIN ports p ON p.id = s.port_id WHERE"
	    " s.group_id = ?1 UNION ALL SELECT 'a rule of group ' || g.name"
	    " FROM security_group_rules r JOIN security_groups g ON g.id ="
	    " r.group_id WHERE r.remote_group_id = ?1 AND r.group_id <> ?1"
	    " LIMIT 10)", id, "security group", name, "is in use by ", NULL);
}

const struct resource res_secgroup = {
	.kind = "security_group",
	.table = "security_groups",
	.name_col = "name",
	.project_col = "project_id",
	.show_sql = group_show_sql,
	.delete_check = group_delete_check,
};

#define RULE_SELECT \
    "SELECT r.id, g.name AS security_group, r.direction," \
    " ifnull(r.protocol, 'any') AS protocol, CASE WHEN r.port_min IS NULL" \
    " THEN NULL WHEN r.port_min = r.port_max THEN r.port_min ELSE" \
    " r.port_min || '-' || r.port_max END AS ports, r.remote_ip_prefix," \
    " (SELECT name FROM security_groups WHERE id = r.remote_group_id)" \
    " AS remote_group, r.group_id, r.project_id" \
    " FROM security_group_rules r JOIN security_groups g ON g.id = r.group_id"

static const char rule_show_sql[] = RULE_SELECT " WHERE r.id = ?1";

const struct resource res_secgroup_rule = {
	.kind = "security_group_rule",
	.table = "security_group_rules",
	.project_col = "project_id",
	.show_sql = rule_show_sql,
};

/* Insert group name of project with its id; no checks. */
static int
group_insert(struct nb *nb, const char *project, const char *name,
    const char *description, char id[NB_UUID_LEN + 1])
{
	char	 msg[320];

	uuid_generate(id);
	snprintf(msg, sizeof(msg), "a security group named '%s' exists in "
	    "this project", name);
	return db_exec(nb, msg, "INSERT INTO security_groups VALUES (?1, ?2,"
	    " ?3, ?4, ?5)", "ssssi", id, name, project, description,
	    (long long)time(NULL));
}

static int
rule_insert(struct nb *nb, const char *group, const char *project,
    const char *direction, const char *protocol, long long lo, long long hi,
    const char *prefix, const char *remote, char id[NB_UUID_LEN + 1])
{
	uuid_generate(id);
	return db_exec(nb, NULL, "INSERT INTO security_group_rules VALUES (?1,"
	    " ?2, ?3, ?4, ?5, nullif(?6, -1), nullif(?7, -1), ?8, ?9, ?10)",
	    "sssssiissi", id, group, project, direction, protocol, lo, hi,
	    prefix, remote, (long long)time(NULL));
}

int
secgroup_default_tx(struct nb *nb, const char *project,
    char id[NB_UUID_LEN + 1])
{
	char	*have, rule[NB_UUID_LEN + 1];

	if ((have = db_text(nb, "SELECT id FROM security_groups WHERE"
	    " project_id = ?1 AND name = 'default'", "s", project)) != NULL) {
		strlcpy(id, have, NB_UUID_LEN + 1);
		free(have);
		return 0;
	}
	if (nb->errcode != 0)
		return -1;
	/* Neutron's: out to anywhere, in from the group's own ports. */
	return group_insert(nb, project, "default", "Default security group",
	    id) == -1 || rule_insert(nb, id, project, "egress", NULL, -1, -1,
	    NULL, NULL, rule) == -1 || rule_insert(nb, id, project, "ingress",
	    NULL, -1, -1, NULL, id, rule) == -1 ? -1 : 0;
}

struct table *
secgroup_create(struct nb *nb, const char *name, const char *description)
{
	char	 id[NB_UUID_LEN + 1], def[NB_UUID_LEN + 1];

	if (name_valid(nb, "security group", name) == -1 ||
	    (description != NULL && text_valid(nb, "description",
	    description, 255) == -1))
		return NULL;
	if (db_begin(nb) == -1 ||
	    policy_check(nb, "security_group:create", nb->ctx.project_id,
	    NULL) == -1 ||
	    secgroup_default_tx(nb, nb->ctx.project_id, def) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "security_groups", 1) == -1 ||
	    group_insert(nb, nb->ctx.project_id, name, description, id) == -1 ||
	    event_record(nb, "security_group:create", "security_group", id,
	    name, 1, NULL) == -1 || db_commit(nb) == -1) {
		event_failed(nb, "security_group:create", "security_group",
		    name);
		return NULL;
	}
	return db_table(nb, group_show_sql, "s", id);
}

struct table *
secgroup_list(struct nb *nb, int all_projects)
{
	char	 def[NB_UUID_LEN + 1];

	if (list_allowed(nb, "security_group:list", all_projects) == -1)
		return NULL;
	/* The project's default group shows as soon as it is looked for. */
	if (db_begin(nb) == -1 ||
	    secgroup_default_tx(nb, nb->ctx.project_id, def) == -1 ||
	    db_commit(nb) == -1) {
		db_rollback(nb);
		return NULL;
	}
	return db_table(nb, GROUP_SELECT " WHERE ?1 IS NULL OR g.project_id ="
	    " ?1 ORDER BY g.name", "s", all_projects ? NULL :
	    nb->ctx.project_id);
}

/* "N" or "N-M" into lo and hi, 1 to 65535. */
static int
ports_parse(struct nb *nb, const char *s, long long *lo, long long *hi)
{
	char	*end;

	*lo = strtoll(s, &end, 10);
	*hi = *lo;
	if (*end == '-')
		*hi = strtoll(end + 1, &end, 10);
	if (end == s || *end != '\0' || *lo < 1 || *hi > 65535 || *lo > *hi)
		return nb_seterr(nb, NB_EUSAGE, "port range '%s': use N or "
		    "N-M, from 1 to 65535", s);
	return 0;
}

int
secgroup_rule_add(struct nb *nb, const struct rule_spec *s,
    char id[NB_UUID_LEN + 1], char group_id[NB_UUID_LEN + 1])
{
	struct ref	 g = { 0 }, remote = { 0 };
	const char	*proto = s->protocol;
	char		 prefix[24], a[16], def[NB_UUID_LEN + 1];
	uint32_t	 first, last;
	long long	 lo = -1, hi = -1;
	int		 plen, rv = -1;

	if (strcmp(s->direction, "ingress") != 0 &&
	    strcmp(s->direction, "egress") != 0)
		return nb_seterr(nb, NB_EUSAGE, "direction '%s': use ingress "
		    "or egress", s->direction);
	if (strcmp(proto, "1") == 0)
		proto = "icmp";
	else if (strcmp(proto, "6") == 0)
		proto = "tcp";
	else if (strcmp(proto, "17") == 0)
		proto = "udp";
	if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 &&
	    strcmp(proto, "icmp") != 0 && strcmp(proto, "any") != 0)
		return nb_seterr(nb, NB_EUSAGE, "protocol '%s': use tcp, udp, "
		    "icmp or any (or 6, 17, 1)", s->protocol);
	if (s->ports != NULL && strcmp(proto, "tcp") != 0 &&
	    strcmp(proto, "udp") != 0)
		return nb_seterr(nb, NB_EUSAGE, "--port goes with tcp or udp");
	if (s->ports != NULL && ports_parse(nb, s->ports, &lo, &hi) == -1)
		return -1;
	if (s->remote_ip != NULL && s->remote_group != NULL)
		return nb_seterr(nb, NB_EUSAGE, "--remote-ip and --remote-group "
		    "are one or the other");
	if (s->remote_ip != NULL) {
		if (cidr_parse(nb, "remote IP prefix", s->remote_ip, &first,
		    &last, &plen) == -1)
			return -1;
		snprintf(prefix, sizeof(prefix), "%s/%d", ip4_text(first, a),
		    plen);
	}
	/* "default" is there to be named, as soon as anyone names it. */
	if (db_begin(nb) == -1 ||
	    secgroup_default_tx(nb, nb->ctx.project_id, def) == -1 ||
	    resource_authorize(nb, &res_secgroup, "add_rule", s->group,
	    &g) == -1 ||
	    (s->remote_group != NULL && resource_resolve(nb, &res_secgroup,
	    s->remote_group, &remote) == -1) ||
	    quota_check(nb, nb->ctx.project_id, "security_group_rules",
	    1) == -1 ||
	    rule_insert(nb, g.id, g.project_id, s->direction,
	    strcmp(proto, "any") == 0 ? NULL : proto, lo, hi,
	    s->remote_ip != NULL ? prefix : NULL,
	    s->remote_group != NULL ? remote.id : NULL, id) == -1 ||
	    event_record(nb, "security_group_rule:create",
	    "security_group_rule", id, g.name, 1, s->direction) == -1 ||
	    db_commit(nb) == -1) {
		event_failed(nb, "security_group_rule:create",
		    "security_group_rule", s->group);
		goto out;
	}
	strlcpy(group_id, g.id, NB_UUID_LEN + 1);
	rv = 0;
out:
	ref_release(&g);
	ref_release(&remote);
	return rv;
}

struct table *
secgroup_rule_show(struct nb *nb, const char *id)
{
	return db_table(nb, rule_show_sql, "s", id);
}

int
secgroup_rule_delete(struct nb *nb, const char *rule,
    char group_id[NB_UUID_LEN + 1])
{
	struct ref	 r = { 0 };
	char		*g = NULL;
	int		 rv = -1;

	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_secgroup_rule, "delete", rule,
	    &r) == -1 ||
	    (g = db_text(nb, "SELECT group_id FROM security_group_rules"
	    " WHERE id = ?1", "s", r.id)) == NULL ||
	    db_exec(nb, NULL, "DELETE FROM security_group_rules WHERE id = ?1",
	    "s", r.id) == -1 ||
	    event_record(nb, "security_group_rule:delete",
	    "security_group_rule", r.id, r.name, 1, NULL) == -1 ||
	    db_commit(nb) == -1) {
		event_failed(nb, "security_group_rule:delete",
		    "security_group_rule", rule);
		goto out;
	}
	strlcpy(group_id, g, NB_UUID_LEN + 1);
	rv = 0;
out:
	free(g);
	ref_release(&r);
	return rv;
}

struct table *
secgroup_rule_list(struct nb *nb, const char *group)
{
	struct ref	 g = { 0 };
	struct table	*t;

	if (policy_check(nb, "security_group_rule:list", nb->ctx.project_id,
	    NULL) == -1 || (group != NULL && resource_authorize(nb,
	    &res_secgroup, "show", group, &g) == -1))
		return NULL;
	t = db_table(nb, RULE_SELECT " WHERE (?1 IS NULL OR r.group_id = ?1)"
	    " AND (?2 IS NULL OR r.project_id = ?2) ORDER BY g.name,"
	    " r.direction, r.created_at, r.id", "ss", group != NULL ? g.id :
	    NULL, is_cloud_admin(nb) ? NULL : nb->ctx.project_id);
	ref_release(&g);
	return t;
}

int
port_groups_set_tx(struct nb *nb, const char *port_id,
    const char *const *groups, size_t n)
{
	struct ref	 g;
	char		 def[NB_UUID_LEN + 1];
	size_t		 i;

	if (secgroup_default_tx(nb, nb->ctx.project_id, def) == -1)
		return -1;
	if (n == 0)
		return db_exec(nb, NULL, "INSERT INTO port_security_groups"
		    " VALUES (?1, ?2)", "ss", port_id, def);
	for (i = 0; i < n; i++) {
		if (resource_authorize(nb, &res_secgroup, "use", groups[i],
		    &g) == -1)
			return -1;
		if (db_exec(nb, NULL, "INSERT OR IGNORE INTO"
		    " port_security_groups VALUES (?1, ?2)", "ss", port_id,
		    g.id) == -1) {
			ref_release(&g);
			return -1;
		}
		ref_release(&g);
	}
	return 0;
}
