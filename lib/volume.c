/*
 * volume.c: volumes, snapshots and volume types as records: showing,
 * listing, and the types, which are only records.  The work on hosts is
 * in volumevirt.c, so that these programs do not load libvirt.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "compute.h"
#include "resource.h"
#include "volume.h"

#define VOLUME_SELECT \
    "SELECT v.id, v.name, v.status, v.size_gb AS \"size:n\"," \
    " ifnull(t.name, '') AS type, h.name AS host, s.name AS server," \
    " v.device, v.bootable AS \"bootable:b\"," \
    " v.delete_on_termination AS \"delete_on_termination:b\"," \
    " v.source_image_id, v.source_volume_id, v.source_snapshot_id," \
    " v.pool, v.server_id, v.project_id, v.user_id, v.fault," \
    " v.created_at AS \"created_at:t\", v.updated_at AS \"updated_at:t\"," \
    " v.format FROM volumes v LEFT JOIN volume_types t ON t.id = v.type_id" \
    " LEFT JOIN hosts h ON h.id = v.host_id" \
    " LEFT JOIN servers s ON s.id = v.server_id"

static const char volume_show_sql[] = VOLUME_SELECT " WHERE v.id = ?1";

const struct resource res_volume = {
	.kind = "volume",
	.table = "volumes",
	.name_col = "name",
	.project_col = "project_id",
	.show_sql = volume_show_sql,
};

#define SNAPSHOT_SELECT \
    "SELECT n.id, n.name, n.status, n.size_gb AS \"size:n\"," \
    " v.name AS volume, n.volume_id, n.project_id, n.user_id, n.fault," \
    " n.created_at AS \"created_at:t\", n.updated_at AS \"updated_at:t\"" \
    " FROM snapshots n LEFT JOIN volumes v ON v.id = n.volume_id"

static const char snapshot_show_sql[] = SNAPSHOT_SELECT " WHERE n.id = ?1";

const struct resource res_snapshot = {
	.kind = "snapshot",
	.table = "snapshots",
	.name_col = "name",
	.project_col = "project_id",
	.show_sql = snapshot_show_sql,
};

#define TYPE_SELECT \
    "SELECT t.id, t.name, t.pool, t.description," \
    " (SELECT json_group_object(key, value) FROM volume_type_specs" \
    "  WHERE type_id = t.id) AS \"properties:j\"," \
    " (SELECT count(*) FROM volumes v WHERE v.type_id = t.id)" \
    "  AS \"volumes:n\", t.created_at AS \"created_at:t\"" \
    " FROM volume_types t"

static const char type_show_sql[] = TYPE_SELECT " WHERE t.id = ?1";

static int	 type_delete_check(struct nb *, const char *, const char *);

const struct resource res_volume_type = {
	.kind = "volume_type",
	.table = "volume_types",
	.name_col = "name",
	.show_sql = type_show_sql,
	.delete_check = type_delete_check,
};

void
volume_pool_name(char *buf, size_t len, const char *id)
{
	snprintf(buf, len, "nubes-vol-%s", id);
}

void
snapshot_pool_name(char *buf, size_t len, const char *id)
{
	snprintf(buf, len, "nubes-snap-%s", id);
}

/* A type in use keeps its volumes' pool known: refuse. */
static int
type_delete_check(struct nb *nb, const char *id, const char *name)
{
	long long	 n;

	n = db_int(nb, 0, "SELECT count(*) FROM volumes WHERE type_id = ?1",
	    "s", id);
	if (nb->errcode != 0)
		return -1;
	if (n > 0)
		return nb_seterr(nb, NB_ECONFLICT, "volume type '%s' has %lld "
		    "volume%s: delete them first", name, n, n == 1 ? "" : "s");
	return 0;
}

/* A libvirt storage pool name: what virsh accepts, kept simple. */
static int
pool_name_valid(struct nb *nb, const char *pool)
{
	size_t	 i;

	if (pool[0] == '\0' || strlen(pool) > 64)
		return nb_seterr(nb, NB_EUSAGE, "pool '%s': 1 to 64 "
		    "characters", pool);
	for (i = 0; pool[i] != '\0'; i++)
		if (!((pool[i] >= 'a' && pool[i] <= 'z') ||
		    (pool[i] >= 'A' && pool[i] <= 'Z') ||
		    (pool[i] >= '0' && pool[i] <= '9') ||
		    strchr("-_.", pool[i]) != NULL))
			return nb_seterr(nb, NB_EUSAGE, "pool '%s': letters, "
			    "digits, '-', '_' and '.' only", pool);
	return 0;
}

struct table *
volume_type_create(struct nb *nb, const char *name, const char *pool,
    const char *description, const struct spec_kv *props, size_t nprops)
{
	char	 id[NB_UUID_LEN + 1], msg[320];
	size_t	 i;

	if (name_valid(nb, "volume type", name) == -1 ||
	    pool_name_valid(nb, pool) == -1 ||
	    (description != NULL && text_valid(nb, "description",
	    description, 255) == -1))
		return NULL;
	for (i = 0; i < nprops; i++)
		if (text_valid(nb, "property key", props[i].key, 255) == -1 ||
		    text_valid(nb, "property value", props[i].value,
		    255) == -1)
			return NULL;
	uuid_generate(id);
	snprintf(msg, sizeof(msg), "a volume type named '%s' exists", name);
	if (db_begin(nb) == -1 ||
	    policy_check(nb, "volume_type:create", NULL, NULL) == -1 ||
	    db_exec(nb, msg, "INSERT INTO volume_types VALUES (?1, ?2, ?3,"
	    " ?4, ?5)", "ssssi", id, name, pool,
	    description != NULL ? description : "",
	    (long long)time(NULL)) == -1)
		goto fail;
	for (i = 0; i < nprops; i++)
		if (db_exec(nb, NULL, "INSERT OR REPLACE INTO volume_type_specs"
		    " VALUES (?1, ?2, ?3)", "sss", id, props[i].key,
		    props[i].value) == -1)
			goto fail;
	if (event_record(nb, "volume_type:create", "volume_type", id, name, 1,
	    pool) == -1 || db_commit(nb) == -1)
		goto fail;
	return db_table(nb, type_show_sql, "s", id);
fail:
	event_failed(nb, "volume_type:create", "volume_type", name);
	return NULL;
}

struct table *
volume_type_list(struct nb *nb)
{
	if (policy_check(nb, "volume_type:list", NULL, NULL) == -1)
		return NULL;
	return db_table(nb, TYPE_SELECT " ORDER BY t.name", NULL);
}

static struct table *
project_list(struct nb *nb, const char *action, const char *sql,
    int all_projects)
{
	if (list_allowed(nb, action, all_projects) == -1)
		return NULL;
	return db_table(nb, sql, "s", all_projects ? NULL :
	    nb->ctx.project_id);
}

struct table *
volume_list(struct nb *nb, int all_projects)
{
	return project_list(nb, "volume:list", VOLUME_SELECT
	    " WHERE ?1 IS NULL OR v.project_id = ?1"
	    " ORDER BY v.created_at DESC, v.rowid DESC", all_projects);
}

struct table *
snapshot_list(struct nb *nb, int all_projects)
{
	return project_list(nb, "snapshot:list", SNAPSHOT_SELECT
	    " WHERE ?1 IS NULL OR n.project_id = ?1"
	    " ORDER BY n.created_at DESC, n.rowid DESC", all_projects);
}
