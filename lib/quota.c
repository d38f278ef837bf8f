/*
 * quota.c: per-project limits.  Usage is always counted from the
 * resources themselves inside the writing transaction, never kept in a
 * counter that could drift.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nubes.h"
#include "auth.h"
#include "identity.h"
#include "resource.h"

/*
 * OpenStack's defaults.  usage_sql counts a project's use (?1), or for
 * key pairs, which Nova counts per user, the calling user's (?1); a
 * resource whose service is not built yet has none, and its use is 0.
 */
const struct quota_resource quota_resources[] = {
	{ "instances", 10, "SELECT count(*) FROM servers WHERE project_id = ?1",
	    "", 0 },
	{ "cores", 20, "SELECT ifnull(sum(vcpus), 0) FROM servers"
	    " WHERE project_id = ?1", "", 0 },
	{ "ram", 51200, "SELECT ifnull(sum(ram_mib), 0) FROM servers"
	    " WHERE project_id = ?1", "MiB", 0 },
	{ "key_pairs", 100, "SELECT count(*) FROM keypairs WHERE user_id = ?1",
	    "", 1 },
	{ "server_groups", 10, "SELECT count(*) FROM server_groups"
	    " WHERE project_id = ?1", "", 0 },
	{ "images", -1, "SELECT count(*) FROM images WHERE owner = ?1"
	    " AND status IN ('queued', 'saving', 'active', 'deactivated')",
	    "", 0 },
	{ "image_bytes", -1, "SELECT ifnull(sum(size), 0) FROM images"
	    " WHERE owner = ?1 AND status IN ('active', 'deactivated')",
	    "bytes", 0 },
	{ "networks", 100, "SELECT count(*) FROM networks"
	    " WHERE project_id = ?1", "", 0 },
	{ "subnets", 100, "SELECT count(*) FROM subnets"
	    " WHERE project_id = ?1", "", 0 },
	{ "ports", 500, "SELECT count(*) FROM ports WHERE project_id = ?1",
	    "", 0 },
	{ "routers", 10, "SELECT count(*) FROM routers WHERE project_id = ?1",
	    "", 0 },
	{ "floating_ips", 50, "SELECT count(*) FROM floating_ips"
	    " WHERE project_id = ?1", "", 0 },
	{ "security_groups", 10, "SELECT count(*) FROM security_groups"
	    " WHERE project_id = ?1", "", 0 },
	{ "security_group_rules", 100, "SELECT count(*) FROM"
	    " security_group_rules WHERE project_id = ?1", "", 0 },
	{ "volumes", 10, "SELECT count(*) FROM volumes WHERE project_id = ?1",
	    "", 0 },
	/* As Cinder: volumes and snapshots both count. */
	{ "gigabytes", 1000, "SELECT (SELECT ifnull(sum(size_gb), 0) FROM"
	    " volumes WHERE project_id = ?1) + (SELECT ifnull(sum(size_gb), 0)"
	    " FROM snapshots WHERE project_id = ?1)", "GB", 0 },
	{ "snapshots", 10, "SELECT count(*) FROM snapshots"
	    " WHERE project_id = ?1", "", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct quota_resource *
quota_find(const char *name)
{
	const struct quota_resource	*q;

	for (q = quota_resources; q->name != NULL; q++)
		if (strcmp(q->name, name) == 0)
			return q;
	return NULL;
}

static const char limit_sql[] =
    "SELECT hard_limit FROM quotas WHERE project_id = ?1 AND resource = ?2";

/* The project's own limit, else [quota] default_NAME, else OpenStack's. */
static int
quota_limit(struct nb *nb, const char *project_id,
    const struct quota_resource *q, long long *limit)
{
	char		 key[80];
	long long	 def;

	snprintf(key, sizeof(key), "default_%s", q->name);
	if (conf_num(nb, "quota", key, q->default_limit, -1, 1LL << 53,
	    &def) == -1)
		return -1;
	*limit = db_int(nb, def, limit_sql, "ss", project_id, q->name);
	return nb->errcode != 0 ? -1 : 0;
}

static long long
quota_usage(struct nb *nb, const char *project_id,
    const struct quota_resource *q)
{
	if (q->usage_sql == NULL)
		return 0;
	return db_int(nb, 0, q->usage_sql, "s", q->per_user ?
	    nb->ctx.user_id : project_id);
}

struct table *
quota_show(struct nb *nb, const char *project)
{
	static const char *const cols[] = {
		"resource", "limit:n", "in_use:n", "unit"
	};
	const struct quota_resource	*q;
	struct ref			 p;
	struct table			*t;
	char				 lim[32], use[32];
	const char			*row[4];
	long long			 limit;

	if (resource_authorize(nb, &res_project, "quota_show",
	    project != NULL ? project : nb->ctx.project_id, &p) == -1)
		return NULL;
	t = table_new(4, cols);
	for (q = quota_resources; q->name != NULL; q++) {
		if (quota_limit(nb, p.id, q, &limit) == -1) {
			table_free(t);
			t = NULL;
			break;
		}
		snprintf(lim, sizeof(lim), "%lld", limit);
		snprintf(use, sizeof(use), "%lld", quota_usage(nb, p.id, q));
		row[0] = q->name;
		row[1] = lim;
		row[2] = use;
		row[3] = q->unit;
		table_add_row(t, row);
	}
	ref_release(&p);
	return t;
}

int
quota_set(struct nb *nb, const char *project, const char *const *names,
    const long long *limits, size_t n)
{
	static const char sql[] =
	    "INSERT INTO quotas (project_id, resource, hard_limit)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (project_id, resource)"
	    " DO UPDATE SET hard_limit = excluded.hard_limit";
	struct ref	 p = { 0 };
	struct buf	 what;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (quota_find(names[i]) == NULL)
			return nb_seterr(nb, NB_EUSAGE, "unknown quota '%s'",
			    names[i]);
	buf_init(&what);
	for (i = 0; i < n; i++)
		buf_printf(&what, "%s%s=%lld", i ? " " : "", names[i],
		    limits[i]);
	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_project, "quota_set", project,
	    &p) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (db_exec(nb, NULL, sql, "ssi", p.id, names[i],
		    limits[i]) == -1)
			goto fail;
	if (event_record(nb, "quota:set", "project", p.id, p.name, 1,
	    what.s) == -1 || db_commit(nb) == -1)
		goto fail;
	ref_release(&p);
	buf_free(&what);
	return 0;
fail:
	event_failed(nb, "quota:set", "project", project);
	ref_release(&p);
	buf_free(&what);
	return -1;
}

int
quota_limit_of(struct nb *nb, const char *project_id, const char *resource,
    long long *limit, long long *used)
{
	const struct quota_resource	*q;

	if ((q = quota_find(resource)) == NULL)
		return nb_seterr(nb, NB_EFAIL, "unknown quota '%s'", resource);
	if (quota_limit(nb, project_id, q, limit) == -1)
		return -1;
	*used = quota_usage(nb, project_id, q);
	return 0;
}

int
quota_check(struct nb *nb, const char *project_id, const char *resource,
    long long delta)
{
	const struct quota_resource	*q;
	long long			 limit, used;

	if ((q = quota_find(resource)) == NULL)
		return nb_seterr(nb, NB_EFAIL, "unknown quota '%s'", resource);
	if (quota_limit(nb, project_id, q, &limit) == -1)
		return -1;
	if (limit < 0)
		return 0;
	used = quota_usage(nb, project_id, q);
	if (used + delta > limit)
		return nb_seterr(nb, NB_ECONFLICT, "quota exceeded for %s: "
		    "limit %lld%s%s, in use %lld, requested %lld", resource,
		    limit, *q->unit ? " " : "", q->unit, used, delta);
	return 0;
}
