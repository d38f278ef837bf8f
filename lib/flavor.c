/*
 * flavor.c: flavors, Nova's sizes for servers: vCPUs, RAM, disks, who
 * may use them, and extra specs that tune the guest.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "compute.h"
#include "identity.h"
#include "resource.h"

#define FLAVOR_SELECT \
    "SELECT f.id, f.name, f.vcpus AS \"vcpus:n\", f.ram_mib AS \"ram:n\"," \
    " f.disk_gb AS \"disk:n\", f.ephemeral_gb AS \"ephemeral:n\"," \
    " f.swap_mib AS \"swap:n\", f.is_public AS \"is_public:b\"," \
    " f.description," \
    " (SELECT json_group_object(key, value) FROM flavor_specs" \
    "  WHERE flavor_id = f.id) AS \"properties:j\"," \
    " (SELECT json_group_array(project_id) FROM flavor_access" \
    "  WHERE flavor_id = f.id) AS \"access_project_ids:j\"," \
    " f.created_at AS \"created_at:t\", f.updated_at AS \"updated_at:t\"" \
    " FROM flavors f"

static const char flavor_show_sql[] = FLAVOR_SELECT " WHERE f.id = ?1";

/* Public flavors, and private ones shared with project ?2. */
const struct resource res_flavor = {
	.kind = "flavor",
	.table = "flavors",
	.name_col = "name",
	.show_sql = flavor_show_sql,
	.scope_sql = "(is_public OR EXISTS (SELECT 1 FROM flavor_access a"
	    " WHERE a.flavor_id = flavors.id AND a.project_id = ?2))",
};

/* Extra specs nubes acts on; their values are checked. */
static const struct {
	const char	*key;
	long long	 min, max;	/* integer range */
	const char	*choices;	/* or one of these words */
} known_specs[] = {
	{ "quota:cpu_shares", 0, 262144, NULL },
	{ "quota:cpu_period", 1000, 1000000, NULL },
	{ "quota:cpu_quota", -1, 17592186044415LL, NULL },
	{ "quota:disk_read_bytes_sec", 0, 1LL << 50, NULL },
	{ "quota:disk_write_bytes_sec", 0, 1LL << 50, NULL },
	{ "quota:disk_total_bytes_sec", 0, 1LL << 50, NULL },
	{ "quota:disk_read_iops_sec", 0, 1LL << 40, NULL },
	{ "quota:disk_write_iops_sec", 0, 1LL << 40, NULL },
	{ "quota:disk_total_iops_sec", 0, 1LL << 40, NULL },
	{ "hw:cpu_sockets", 1, 1024, NULL },
	{ "hw:cpu_cores", 1, 1024, NULL },
	{ "hw:cpu_threads", 1, 1024, NULL },
	{ "hw:cpu_policy", 0, 0, " shared dedicated " },
	{ "hw:cpu_thread_policy", 0, 0, " prefer isolate require " },
};

int
flavor_spec_parse(struct nb *nb, char *text, struct spec_kv *kv)
{
	const char	*errstr;
	char		*eq = strchr(text, '='), word[64];
	long long	 n;
	size_t		 i;

	if (eq == NULL || eq == text)
		return nb_seterr(nb, NB_EUSAGE, "property '%s': use KEY=VALUE",
		    text);
	*eq = '\0';
	kv->key = text;
	kv->value = eq + 1;
	if (text_valid(nb, "property key", kv->key, 255) == -1 ||
	    text_valid(nb, "property value", kv->value, 255) == -1)
		return -1;
	for (i = 0; i < sizeof(known_specs) / sizeof(known_specs[0]); i++) {
		if (strcmp(known_specs[i].key, kv->key) != 0)
			continue;
		if (known_specs[i].choices != NULL) {
			snprintf(word, sizeof(word), " %s ", kv->value);
			if (strstr(known_specs[i].choices, word) == NULL ||
			    strlen(kv->value) + 2 >= sizeof(word))
				return nb_seterr(nb, NB_EUSAGE, "property %s "
				    "'%s': use one of%s", kv->key, kv->value,
				    known_specs[i].choices);
			return 0;
		}
		n = strtonum(kv->value, known_specs[i].min,
		    known_specs[i].max, &errstr);
		/* libvirt takes a CPU quota of -1 (none) or 1000 and up. */
		if (errstr == NULL && strcmp(kv->key, "quota:cpu_quota") == 0 &&
		    n >= 0 && n < 1000)
			errstr = "too small";
		if (errstr != NULL)
			return nb_seterr(nb, NB_EUSAGE, "property %s '%s' is %s "
			    "(%lld to %lld)", kv->key, kv->value, errstr,
			    known_specs[i].min, known_specs[i].max);
		return 0;
	}
	if (strncmp(kv->key, "quota:", 6) == 0 ||
	    strncmp(kv->key, "hw:cpu_", 7) == 0)
		return nb_seterr(nb, NB_EUSAGE, "property '%s' is not one "
		    "nubes knows in its namespace: check its spelling",
		    kv->key);
	return 0;
}

/* Sockets x cores x threads must be the vCPUs, as Nova insists. */
static int
topology_valid(struct nb *nb, const char *id)
{
	static const char sql[] =
	    "SELECT f.vcpus,"
	    " (SELECT value FROM flavor_specs WHERE flavor_id = f.id"
	    "  AND key = 'hw:cpu_sockets'),"
	    " (SELECT value FROM flavor_specs WHERE flavor_id = f.id"
	    "  AND key = 'hw:cpu_cores'),"
	    " (SELECT value FROM flavor_specs WHERE flavor_id = f.id"
	    "  AND key = 'hw:cpu_threads') FROM flavors f WHERE f.id = ?1";
	struct stmt	*st;
	long long	 vcpus, product = 1;
	int		 i, given = 0, rc;

	if ((st = db_prepare(nb, sql, "s", id)) == NULL)
		return -1;
	if ((rc = db_step(st)) != 1) {
		db_finalize(st);
		return rc == -1 ? -1 : 0;
	}
	vcpus = db_col_int(st, 0);
	for (i = 1; i <= 3; i++)
		if (!db_col_isnull(st, i)) {
			product *= db_col_int(st, i);
			given++;
		}
	db_finalize(st);
	/* All three: exactly the vCPUs; some: they must divide them. */
	if ((given == 3 && product != vcpus) ||
	    (given > 0 && vcpus % product != 0))
		return nb_seterr(nb, NB_EUSAGE, "hw:cpu_sockets x hw:cpu_cores "
		    "x hw:cpu_threads is %lld, which does not %s the flavor's "
		    "%lld vCPUs", product, given == 3 ? "make" : "divide",
		    vcpus);
	return 0;
}

static int
specs_apply(struct nb *nb, const char *id, const struct flavor_spec *f)
{
	struct ref	 p;
	size_t		 i;
	int		 n;

	for (i = 0; i < f->nprops; i++) {
		if (f->props[i].value != NULL)
			n = db_exec(nb, NULL, "INSERT INTO flavor_specs VALUES"
			    " (?1, ?2, ?3) ON CONFLICT (flavor_id, key) DO UPDATE"
			    " SET value = excluded.value", "sss", id,
			    f->props[i].key, f->props[i].value);
		else
			n = db_exec(nb, NULL, "DELETE FROM flavor_specs WHERE"
			    " flavor_id = ?1 AND key = ?2", "ss", id,
			    f->props[i].key);
		if (n == -1)
			return -1;
	}
	for (i = 0; i < f->naccess_add + f->naccess_remove; i++) {
		int	 add = i < f->naccess_add;

		if (resource_resolve(nb, &res_project, add ?
		    f->access_add[i] : f->access_remove[i - f->naccess_add],
		    &p) == -1)
			return -1;
		n = db_exec(nb, NULL, add ? "INSERT OR IGNORE INTO flavor_access"
		    " VALUES (?1, ?2)" : "DELETE FROM flavor_access WHERE"
		    " flavor_id = ?1 AND project_id = ?2", "ss", id, p.id);
		ref_release(&p);
		if (n == -1)
			return -1;
	}
	return topology_valid(nb, id);
}

static int
flavor_spec_valid(struct nb *nb, const struct flavor_spec *f)
{
	if (f->name != NULL && name_valid(nb, "flavor", f->name) == -1)
		return -1;
	if (f->description != NULL &&
	    text_valid(nb, "description", f->description, 1024) == -1)
		return -1;
	return 0;
}

struct table *
flavor_create(struct nb *nb, const struct flavor_spec *f)
{
	static const char sql[] =
	    "INSERT INTO flavors (id, name, vcpus, ram_mib, disk_gb,"
	    " ephemeral_gb, swap_mib, is_public, description, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)";
	char	 id[NB_UUID_LEN + 1], msg[320];

	if (flavor_spec_valid(nb, f) == -1)
		return NULL;
	if (policy_check(nb, "flavor:create", NULL, NULL) == -1)
		goto fail;
	uuid_generate(id);
	snprintf(msg, sizeof(msg), "flavor name '%s' is taken", f->name);
	if (db_begin(nb) == -1 ||
	    db_exec(nb, msg, sql, "ssiiiiidsi", id, f->name, f->vcpus,
	    f->ram_mib, f->disk_gb, f->ephemeral_gb < 0 ? 0 : f->ephemeral_gb,
	    f->swap_mib < 0 ? 0 : f->swap_mib, f->is_public != 0,
	    f->description ? f->description : "", (long long)time(NULL)) == -1 ||
	    specs_apply(nb, id, f) == -1 ||
	    event_record(nb, "flavor:create", "flavor", id, f->name, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	return db_table(nb, flavor_show_sql, "s", id);
fail:
	event_failed(nb, "flavor:create", "flavor", f->name);
	return NULL;
}

struct table *
flavor_set(struct nb *nb, const char *flavor, const struct flavor_spec *f)
{
	static const char sql[] =
	    "UPDATE flavors SET is_public = CASE WHEN ?2 < 0 THEN is_public"
	    " ELSE ?2 END, description = ifnull(?3, description),"
	    " updated_at = ?4 WHERE id = ?1";
	struct ref	 ref = { 0 };
	struct table	*t = NULL;

	if (flavor_spec_valid(nb, f) == -1)
		return NULL;
	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_flavor, "set", flavor, &ref) == -1)
		goto fail;
	if (db_exec(nb, NULL, sql, "sdsi", ref.id, f->is_public,
	    f->description, (long long)time(NULL)) == -1 ||
	    specs_apply(nb, ref.id, f) == -1 ||
	    event_record(nb, "flavor:set", "flavor", ref.id, ref.name, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	t = db_table(nb, flavor_show_sql, "s", ref.id);
	ref_release(&ref);
	return t;
fail:
	event_failed(nb, "flavor:set", "flavor", flavor);
	ref_release(&ref);
	return NULL;
}

struct table *
flavor_list(struct nb *nb, int all)
{
	static const char sql[] = FLAVOR_SELECT
	    " WHERE ?1 OR f.is_public OR EXISTS (SELECT 1 FROM flavor_access a"
	    "  WHERE a.flavor_id = f.id AND a.project_id = ?2)"
	    " ORDER BY f.vcpus, f.ram_mib, f.disk_gb, f.name";

	if (policy_check(nb, "flavor:list", nb->ctx.project_id, NULL) == -1)
		return NULL;
	if (all && !is_cloud_admin(nb)) {
		nb_seterr(nb, NB_EAUTH, "forbidden: --all is for cloud admins");
		return NULL;
	}
	return db_table(nb, sql, "ds", all, nb->ctx.project_id);
}
