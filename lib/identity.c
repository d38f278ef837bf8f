/*
 * identity.c: users, projects, roles and role assignments, and the
 * bootstrap that creates a cloud's first admin.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"
#include "identity.h"
#include "resource.h"

#define DESCRIPTION_MAX	1024
#define PASSWORD_MAX	4096

static int	 user_delete_check(struct nb *, const char *, const char *);
static int	 role_delete_check(struct nb *, const char *, const char *);

static const char user_show_sql[] =
    "SELECT u.id, u.name, u.email, u.description, u.enabled AS \"enabled:b\","
    " u.default_project_id, p.name AS default_project,"
    " u.password_hash IS NOT NULL AS \"password_set:b\","
    " u.created_at AS \"created_at:t\","
    " u.updated_at AS \"updated_at:t\""
    " FROM users u LEFT JOIN projects p ON p.id = u.default_project_id"
    " WHERE u.id = ?1";

const struct resource res_user = {
	.kind = "user",
	.table = "users",
	.name_col = "name",
	.owner_col = "id",
	.show_sql = user_show_sql,
	.delete_check = user_delete_check,
};

static const char project_show_sql[] =
    "SELECT id, name, description, enabled AS \"enabled:b\","
    " created_at AS \"created_at:t\","
    " updated_at AS \"updated_at:t\""
    " FROM projects WHERE id = ?1";

const struct resource res_project = {
	.kind = "project",
	.table = "projects",
	.name_col = "name",
	.project_col = "id",
	.show_sql = project_show_sql,
};

static const char role_show_sql[] =
    "SELECT id, name,"
    " CASE implies WHEN 7 THEN 'member,reader' WHEN 3 THEN 'reader'"
    " ELSE '' END AS implies,"
    " created_at AS \"created_at:t\""
    " FROM roles WHERE id = ?1";

const struct resource res_role = {
	.kind = "role",
	.table = "roles",
	.name_col = "name",
	.show_sql = role_show_sql,
	.delete_check = role_delete_check,
};

/* The caller's own row is theirs: "owner" in the policy. */
static int
user_delete_check(struct nb *nb, const char *id, const char *name)
{
	static const char sql[] =
	    "SELECT count(DISTINCT ra.user_id) FROM role_assignments ra"
	    " JOIN roles r ON r.id = ra.role_id JOIN users u ON u.id = ra.user_id"
	    " WHERE ra.project_id IS NULL AND r.implies & 4 AND u.enabled"
	    " AND ra.user_id <> ?1";
	static const char is_admin_sql[] =
	    "SELECT count(*) FROM role_assignments ra"
	    " JOIN roles r ON r.id = ra.role_id"
	    " WHERE ra.user_id = ?1 AND ra.project_id IS NULL AND r.implies & 4";

	long long	 admin, others;

	admin = db_int(nb, 0, is_admin_sql, "s", id);
	if (nb->errcode != 0)
		return -1;
	others = admin > 0 ? db_int(nb, 0, sql, "s", id) : 1;
	if (nb->errcode != 0)
		return -1;
	if (admin > 0 && others == 0)
		return nb_seterr(nb, NB_ECONFLICT, "user '%s' is the last "
		    "enabled cloud admin: grant another user the admin role "
		    "globally first", name);
	return 0;
}

static int
role_delete_check(struct nb *nb, const char *id, const char *name)
{
	if (db_int(nb, 0, "SELECT implies FROM roles WHERE id = ?1", "s",
	    id) != 0)
		return nb_seterr(nb, NB_ECONFLICT, "role '%s' is built in and "
		    "cannot be deleted", name);
	return 0;
}

/* Commit a change recorded as action on (kind, id, name); show the row. */
static struct table *
commit_and_show(struct nb *nb, const struct resource *r, const char *action,
    const char *id, const char *name)
{
	if (event_record(nb, action, r->kind, id, name, 1, NULL) == -1 ||
	    db_commit(nb) == -1) {
		event_failed(nb, action, r->kind, name);
		return NULL;
	}
	return db_table(nb, r->show_sql, "s", id);
}

static int
user_spec_valid(struct nb *nb, const struct user_spec *u)
{
	if (u->name != NULL && name_valid(nb, "user", u->name) == -1)
		return -1;
	if (u->email != NULL && *u->email != '\0' &&
	    email_valid(nb, u->email) == -1)
		return -1;
	if (u->description != NULL && text_valid(nb, "description",
	    u->description, DESCRIPTION_MAX) == -1)
		return -1;
	if (u->password != NULL && strlen(u->password) > PASSWORD_MAX)
		return nb_seterr(nb, NB_EUSAGE, "password is too long: at most "
		    "%d bytes", PASSWORD_MAX);
	return 0;
}

static const char user_insert_sql[] =
    "INSERT INTO users (id, name, email, description, enabled, password_hash,"
    " default_project_id, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";

struct table *
user_create(struct nb *nb, const struct user_spec *u)
{
	struct ref	 proj = { 0 };
	char		 id[NB_UUID_LEN + 1], *hash = NULL, msg[320];
	struct table	*t = NULL;

	if (user_spec_valid(nb, u) == -1)
		return NULL;
	if (policy_check(nb, "user:create", NULL, NULL) == -1)
		goto fail;
	/* The slow hash runs before the write transaction, never in it. */
	if (u->password != NULL && (hash = password_hash(nb, u->password)) ==
	    NULL)
		goto fail;
	uuid_generate(id);
	snprintf(msg, sizeof(msg), "user name '%s' is taken", u->name);
	if (db_begin(nb) == -1)
		goto fail;
	if (u->project != NULL &&
	    resource_resolve(nb, &res_project, u->project, &proj) == -1)
		goto fail;
	if (db_exec(nb, msg, user_insert_sql, "ssssdssi", id, u->name,
	    u->email != NULL && *u->email ? u->email : NULL,
	    u->description ? u->description : "", u->enabled != 0, hash,
	    u->project ? proj.id : NULL, (long long)time(NULL)) == -1)
		goto fail;
	t = commit_and_show(nb, &res_user, "user:create", id, u->name);
	goto out;
fail:
	event_failed(nb, "user:create", "user", u->name);
out:
	ref_release(&proj);
	if (hash != NULL)
		explicit_bzero(hash, strlen(hash));
	free(hash);
	return t;
}

static const char user_update_sql[] =
    "UPDATE users SET name = ifnull(?2, name),"
    " email = CASE WHEN ?3 IS NULL THEN email WHEN ?3 = '' THEN NULL"
    "   ELSE ?3 END,"
    " description = ifnull(?4, description),"
    " enabled = CASE WHEN ?5 < 0 THEN enabled ELSE ?5 END,"
    " default_project_id = CASE WHEN ?6 IS NULL THEN default_project_id"
    "   ELSE ?6 END,"
    " password_hash = ifnull(?7, password_hash),"
    " tokens_valid_after = CASE WHEN ?7 IS NULL THEN tokens_valid_after"
    "   ELSE ?8 + 1 END,"
    " updated_at = ?8 WHERE id = ?1";

struct table *
user_set(struct nb *nb, const char *user, const struct user_spec *u)
{
	struct ref	 ref = { 0 }, proj = { 0 };
	char		*hash = NULL, msg[320];
	struct table	*t = NULL;

	if (user_spec_valid(nb, u) == -1)
		return NULL;
	if (u->password != NULL && (hash = password_hash(nb, u->password)) ==
	    NULL)
		goto fail;
	snprintf(msg, sizeof(msg), "user name '%s' is taken",
	    u->name ? u->name : "");
	if (db_begin(nb) == -1)
		goto fail;
	if (resource_authorize(nb, &res_user, "set", user, &ref) == -1)
		goto fail;
	if (u->project != NULL &&
	    resource_resolve(nb, &res_project, u->project, &proj) == -1)
		goto fail;
	if (u->enabled == 0 && user_delete_check(nb, ref.id, ref.name) == -1)
		goto fail;
	if (db_exec(nb, msg, user_update_sql, "ssssdssi", ref.id, u->name,
	    u->email, u->description, u->enabled,
	    u->project ? proj.id : NULL, hash, (long long)time(NULL)) == -1)
		goto fail;
	t = commit_and_show(nb, &res_user, "user:set", ref.id,
	    u->name ? u->name : ref.name);
	goto out;
fail:
	event_failed(nb, "user:set", "user", user);
out:
	ref_release(&ref);
	ref_release(&proj);
	if (hash != NULL)
		explicit_bzero(hash, strlen(hash));
	free(hash);
	return t;
}

static const char user_list_sql[] =
    "SELECT u.id, u.name, u.enabled AS \"enabled:b\", u.email,"
    " u.default_project_id, u.description FROM users u"
    " WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM role_assignments ra"
    "  WHERE ra.user_id = u.id AND ra.project_id = ?1)"
    " ORDER BY u.name";

struct table *
user_list(struct nb *nb, const char *project)
{
	struct ref	 proj = { 0 };
	struct table	*t;

	if (policy_check(nb, "user:list", NULL, NULL) == -1)
		return NULL;
	if (project != NULL &&
	    resource_resolve(nb, &res_project, project, &proj) == -1)
		return NULL;
	t = db_table(nb, user_list_sql, "s", project ? proj.id : NULL);
	ref_release(&proj);
	return t;
}

static int
project_spec_valid(struct nb *nb, const struct project_spec *p)
{
	if (p->name != NULL && name_valid(nb, "project", p->name) == -1)
		return -1;
	if (p->description != NULL && text_valid(nb, "description",
	    p->description, DESCRIPTION_MAX) == -1)
		return -1;
	return 0;
}

struct table *
project_create(struct nb *nb, const struct project_spec *p)
{
	static const char sql[] =
	    "INSERT INTO projects (id, name, description, enabled, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
	char	 id[NB_UUID_LEN + 1], msg[320];

	if (project_spec_valid(nb, p) == -1)
		return NULL;
	if (policy_check(nb, "project:create", NULL, NULL) == -1)
		goto fail;
	uuid_generate(id);
	snprintf(msg, sizeof(msg), "project name '%s' is taken", p->name);
	if (db_begin(nb) == -1)
		goto fail;
	if (db_exec(nb, msg, sql, "sssdi", id, p->name,
	    p->description ? p->description : "", p->enabled != 0,
	    (long long)time(NULL)) == -1)
		goto fail;
	return commit_and_show(nb, &res_project, "project:create", id,
	    p->name);
fail:
	event_failed(nb, "project:create", "project", p->name);
	return NULL;
}

struct table *
project_set(struct nb *nb, const char *project, const struct project_spec *p)
{
	static const char sql[] =
	    "UPDATE projects SET name = ifnull(?2, name),"
	    " description = ifnull(?3, description),"
	    " enabled = CASE WHEN ?4 < 0 THEN enabled ELSE ?4 END,"
	    " updated_at = ?5 WHERE id = ?1";
	struct ref	 ref;
	struct table	*t = NULL;
	char		 msg[320];

	if (project_spec_valid(nb, p) == -1)
		return NULL;
	snprintf(msg, sizeof(msg), "project name '%s' is taken",
	    p->name ? p->name : "");
	if (db_begin(nb) == -1)
		goto fail;
	if (resource_authorize(nb, &res_project, "set", project, &ref) == -1)
		goto fail;
	if (db_exec(nb, msg, sql, "sssdi", ref.id, p->name, p->description,
	    p->enabled, (long long)time(NULL)) == -1) {
		ref_release(&ref);
		goto fail;
	}
	t = commit_and_show(nb, &res_project, "project:set", ref.id,
	    p->name ? p->name : ref.name);
	ref_release(&ref);
	return t;
fail:
	event_failed(nb, "project:set", "project", project);
	return NULL;
}

/* Cloud admins see every project; others the ones they hold roles on. */
struct table *
project_list(struct nb *nb)
{
	static const char sql[] =
	    "SELECT p.id, p.name, p.enabled AS \"enabled:b\", p.description"
	    " FROM projects p WHERE ?1 OR EXISTS (SELECT 1 FROM"
	    " role_assignments ra WHERE ra.project_id = p.id"
	    " AND ra.user_id = ?2) ORDER BY p.name";

	if (policy_check(nb, "project:list", NULL, NULL) == -1)
		return NULL;
	return db_table(nb, sql, "ds", is_cloud_admin(nb), nb->ctx.user_id);
}

struct table *
role_create(struct nb *nb, const char *name)
{
	static const char sql[] =
	    "INSERT INTO roles (id, name, implies, created_at)"
	    " VALUES (?1, ?2, 0, ?3)";
	char	 id[NB_UUID_LEN + 1], msg[320];

	if (name_valid(nb, "role", name) == -1)
		return NULL;
	if (policy_check(nb, "role:create", NULL, NULL) == -1)
		goto fail;
	uuid_generate(id);
	snprintf(msg, sizeof(msg), "role name '%s' is taken", name);
	if (db_begin(nb) == -1 ||
	    db_exec(nb, msg, sql, "ssi", id, name, (long long)time(NULL)) == -1)
		goto fail;
	return commit_and_show(nb, &res_role, "role:create", id, name);
fail:
	event_failed(nb, "role:create", "role", name);
	return NULL;
}

struct table *
role_list(struct nb *nb)
{
	static const char sql[] =
	    "SELECT id, name, CASE implies WHEN 7 THEN 'member,reader'"
	    " WHEN 3 THEN 'reader' ELSE '' END AS implies FROM roles r"
	    " ORDER BY r.implies DESC, r.name";

	if (policy_check(nb, "role:list", NULL, NULL) == -1)
		return NULL;
	return db_table(nb, sql, NULL);
}

int
role_assign(struct nb *nb, const char *role, const char *user,
    const char *project, int grant)
{
	static const char add_sql[] =
	    "INSERT INTO role_assignments (role_id, user_id, project_id,"
	    " created_at) VALUES (?1, ?2, ?3, ?4)";
	static const char remove_sql[] =
	    "DELETE FROM role_assignments WHERE role_id = ?1 AND user_id = ?2"
	    " AND project_id IS ?3";
	const char	*action = grant ? "role:add" : "role:remove";
	struct ref	 r = { 0 }, u = { 0 }, p = { 0 };
	char		 msg[600], target[600];
	int		 n;

	snprintf(target, sizeof(target), "%s %s %s", role, user,
	    project ? project : "(global)");
	if (policy_check(nb, action, NULL, NULL) == -1)
		goto fail;
	if (db_begin(nb) == -1)
		goto fail;
	if (resource_resolve(nb, &res_role, role, &r) == -1 ||
	    resource_resolve(nb, &res_user, user, &u) == -1 ||
	    (project != NULL &&
	    resource_resolve(nb, &res_project, project, &p) == -1))
		goto fail;
	snprintf(msg, sizeof(msg), "user '%s' already has role '%s' %s%s%s",
	    u.name, r.name, project ? "on project '" : "globally",
	    project ? p.name : "", project ? "'" : "");
	if (grant)
		n = db_exec(nb, msg, add_sql, "sssi", r.id, u.id,
		    project ? p.id : NULL, (long long)time(NULL));
	else {
		/* Never remove the last cloud admin's admin role. */
		if (project == NULL && db_int(nb, 0, "SELECT implies & 4 FROM"
		    " roles WHERE id = ?1", "s", r.id) != 0 &&
		    user_delete_check(nb, u.id, u.name) == -1)
			goto fail;
		n = db_exec(nb, NULL, remove_sql, "sss", r.id, u.id,
		    project ? p.id : NULL);
		if (n == 0) {
			nb_seterr(nb, NB_ENOTFOUND, "user '%s' has no role '%s' "
			    "%s%s%s", u.name, r.name,
			    project ? "on project '" : "globally",
			    project ? p.name : "", project ? "'" : "");
			goto fail;
		}
	}
	if (n == -1 || event_record(nb, action, "user", u.id, target, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	ref_release(&r);
	ref_release(&u);
	ref_release(&p);
	return 0;
fail:
	event_failed(nb, action, "user", target);
	ref_release(&r);
	ref_release(&u);
	ref_release(&p);
	return -1;
}

struct table *
role_assignment_list(struct nb *nb, const char *user, const char *project,
    int global_only)
{
	static const char sql[] =
	    "SELECT r.name AS role, u.name AS user, p.name AS project,"
	    " ra.project_id IS NULL AS \"global:b\", r.id AS role_id,"
	    " u.id AS user_id, ra.project_id"
	    " FROM role_assignments ra JOIN roles r ON r.id = ra.role_id"
	    " JOIN users u ON u.id = ra.user_id"
	    " LEFT JOIN projects p ON p.id = ra.project_id"
	    " WHERE (?1 IS NULL OR ra.user_id = ?1)"
	    " AND (?2 IS NULL OR ra.project_id = ?2)"
	    " AND (NOT ?3 OR ra.project_id IS NULL)"
	    " ORDER BY u.name, p.name, r.name";
	struct ref	 u = { 0 }, p = { 0 };
	struct table	*t = NULL;

	if (policy_check(nb, "role_assignment:list", NULL, NULL) == -1)
		return NULL;
	if ((user != NULL &&
	    resource_resolve(nb, &res_user, user, &u) == -1) ||
	    (project != NULL &&
	    resource_resolve(nb, &res_project, project, &p) == -1))
		goto out;
	t = db_table(nb, sql, "ssd", user ? u.id : NULL,
	    project ? p.id : NULL, global_only);
out:
	ref_release(&u);
	ref_release(&p);
	return t;
}

/* Built-in roles with the bits they grant: admin > member > reader. */
static const struct {
	const char	*name;
	unsigned int	 implies;
} builtin_roles[] = {
	{ "admin", ROLE_ADMIN | ROLE_MEMBER | ROLE_READER },
	{ "member", ROLE_MEMBER | ROLE_READER },
	{ "reader", ROLE_READER },
};

/* Find the id of the row called name: 1 found, 0 not, -1 error. */
static int
lookup_id(struct nb *nb, const char *table, const char *name,
    char id[NB_UUID_LEN + 1])
{
	char	*sql, *have;

	xasprintf(&sql, "SELECT id FROM %s WHERE name = ?1", table);
	have = db_text(nb, sql, "s", name);
	free(sql);
	if (have == NULL)
		return nb->errcode != 0 ? -1 : 0;
	strlcpy(id, have, NB_UUID_LEN + 1);
	free(have);
	return 1;
}

/* The id of the row called name, inserted (?1 id, ?2 name, ?3 extra). */
static int
ensure_row(struct nb *nb, const char *table, const char *name,
    const char *insert_sql, char id[NB_UUID_LEN + 1], long long extra)
{
	int	 found;

	if ((found = lookup_id(nb, table, name, id)) != 0)
		return found == 1 ? 0 : -1;
	uuid_generate(id);
	return db_exec(nb, NULL, insert_sql, "ssii", id, name, extra,
	    (long long)time(NULL)) == -1 ? -1 : 0;
}

static int
ensure_assignment(struct nb *nb, const char *role_id, const char *user_id,
    const char *project_id)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO role_assignments (role_id, user_id,"
	    " project_id, created_at) VALUES (?1, ?2, ?3, ?4)";

	return db_exec(nb, NULL, sql, "sssi", role_id, user_id, project_id,
	    (long long)time(NULL)) == -1 ? -1 : 0;
}

/*
 * cloud-bootstrap needs no credentials, so once a cloud has an admin it
 * only runs for the Unix owner of the state directory (or root) acting
 * directly, never through sudo, where its callers are untrusted
 * (DESIGN.md 5); and it never makes an existing user an admin.
 */
static int
bootstrap_allowed(struct nb *nb, const char *admin_user)
{
	static const char admins_sql[] =
	    "SELECT count(*) FROM role_assignments ra"
	    " JOIN roles r ON r.id = ra.role_id"
	    " WHERE ra.project_id IS NULL AND r.implies & 4";
	static const char is_admin_sql[] =
	    "SELECT count(*) FROM role_assignments ra"
	    " JOIN roles r ON r.id = ra.role_id JOIN users u ON u.id = ra.user_id"
	    " WHERE ra.project_id IS NULL AND r.implies & 4 AND u.name = ?1";
	const char	*sudo = getenv("SUDO_USER");
	struct stat	 st;
	long long	 admins, exists;

	nb_clearerr(nb);
	admins = db_int(nb, 0, admins_sql, NULL);
	exists = db_int(nb, 0, "SELECT count(*) FROM users WHERE name = ?1",
	    "s", admin_user);
	if (nb->errcode != 0)
		return -1;
	if (admins == 0)
		return 0;	/* a new cloud */
	if ((sudo != NULL && *sudo != '\0') ||
	    stat(nb->state_dir, &st) == -1 ||
	    (getuid() != 0 && getuid() != st.st_uid))
		return nb_seterr(nb, NB_EAUTH, "this cloud is bootstrapped: "
		    "only root or the owner of '%s', not through sudo, may "
		    "run cloud-bootstrap again", nb->state_dir);
	if (exists && db_int(nb, 0, is_admin_sql, "s", admin_user) == 0)
		return nb_seterr(nb, NB_EAUTH, "user '%s' exists and is not a "
		    "cloud admin: cloud-bootstrap will not make it one (use "
		    "cloud-role-add admin --global)", admin_user);
	return 0;
}

struct table *
bootstrap(struct nb *nb, const struct bootstrap_spec *b)
{
	static const char role_sql[] =
	    "INSERT INTO roles (id, name, implies, created_at)"
	    " VALUES (?1, ?2, ?3, ?4)";
	static const char project_sql[] =
	    "INSERT INTO projects (id, name, description, created_at,"
	    " updated_at) VALUES (?1, ?2, 'Bootstrap project for initializing"
	    " the cloud.', ?4, ?4)";
	static const char user_sql[] =
	    "INSERT INTO users (id, name, password_hash, default_project_id,"
	    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
	static const char reset_sql[] =
	    "UPDATE users SET password_hash = ?2, tokens_valid_after = ?3 + 1,"
	    " enabled = 1, updated_at = ?3 WHERE id = ?1";
	static const char result_sql[] =
	    "SELECT u.id AS admin_user_id, u.name AS admin_user,"
	    " p.id AS admin_project_id, p.name AS admin_project,"
	    " ?3 AS \"created:b\", ?4 AS state_dir, ?5 AS \"schema_version:n\""
	    " FROM users u, projects p WHERE u.id = ?1 AND p.id = ?2";
	char		 role_ids[3][NB_UUID_LEN + 1], pid[NB_UUID_LEN + 1];
	char		 uid[NB_UUID_LEN + 1], *stored = NULL, *hash = NULL;
	char		 svc_id[NB_UUID_LEN + 1], ep_id[NB_UUID_LEN + 1];
	char		*url = NULL;
	int		 i, found, user_created, ok;
	struct table	*t = NULL;

	if (name_valid(nb, "user", b->admin_user) == -1 ||
	    name_valid(nb, "project", b->admin_project) == -1 ||
	    name_valid(nb, "region", b->region) == -1)
		return NULL;
	if (strlen(b->password) > PASSWORD_MAX) {
		nb_seterr(nb, NB_EUSAGE, "password is too long");
		return NULL;
	}
	if (bootstrap_allowed(nb, b->admin_user) == -1)
		return NULL;
	if (keys_setup(nb) == -1)
		return NULL;
	/* Check or hash the password first: slow, and outside any write. */
	stored = db_text(nb, "SELECT password_hash FROM users WHERE name = ?1",
	    "s", b->admin_user);
	if (stored != NULL && !b->reset_password) {
		ok = password_verify(nb, b->password, stored);
		if (ok != 1) {
			if (ok == 0)
				nb_seterr(nb, NB_ECONFLICT, "user '%s' exists "
				    "with another password: use "
				    "--reset-password to change it",
				    b->admin_user);
			goto out;
		}
	} else if ((hash = password_hash(nb, b->password)) == NULL)
		goto out;

	if (db_begin(nb) == -1)
		goto out;
	for (i = 0; i < 3; i++)
		if (ensure_row(nb, "roles", builtin_roles[i].name, role_sql,
		    role_ids[i], builtin_roles[i].implies) == -1)
			goto fail;
	if (ensure_row(nb, "projects", b->admin_project, project_sql, pid,
	    0) == -1)
		goto fail;
	if ((found = lookup_id(nb, "users", b->admin_user, uid)) == -1)
		goto fail;
	if ((user_created = !found)) {
		uuid_generate(uid);
		if (db_exec(nb, NULL, user_sql, "ssssi", uid, b->admin_user,
		    hash, pid, (long long)time(NULL)) == -1)
			goto fail;
	} else if (hash != NULL && db_exec(nb, NULL, reset_sql, "ssi", uid,
	    hash, (long long)time(NULL)) == -1)
		goto fail;
	if (ensure_assignment(nb, role_ids[0], uid, pid) == -1 ||
	    ensure_assignment(nb, role_ids[0], uid, NULL) == -1)
		goto fail;
	xasprintf(&url, "file://%s", nb->state_dir);
	uuid_generate(svc_id);
	uuid_generate(ep_id);
	if (db_exec(nb, NULL, "INSERT OR IGNORE INTO services (id, name, type,"
	    " description, created_at) VALUES (?1, 'nubes', 'identity',"
	    " 'nubes identity: the state directory and its database', ?2)",
	    "si", svc_id, (long long)time(NULL)) == -1)
		goto fail;
	if (db_exec(nb, NULL, "INSERT OR IGNORE INTO endpoints (id, service_id,"
	    " interface, url, region, created_at) SELECT ?1, id, 'public', ?2,"
	    " ?3, ?4 FROM services WHERE name = 'nubes'", "sssi", ep_id,
	    url, b->region, (long long)time(NULL)) == -1)
		goto fail;
	strlcpy(nb->ctx.user_id, uid, sizeof(nb->ctx.user_id));
	strlcpy(nb->ctx.user_name, b->admin_user, sizeof(nb->ctx.user_name));
	strlcpy(nb->ctx.project_id, pid, sizeof(nb->ctx.project_id));
	strlcpy(nb->ctx.project_name, b->admin_project,
	    sizeof(nb->ctx.project_name));
	if (event_record(nb, "cloud:bootstrap", "user", uid, b->admin_user, 1,
	    user_created ? "created" : hash ? "password reset" :
	    "already bootstrapped") == -1 || db_commit(nb) == -1)
		goto fail;
	t = db_table(nb, result_sql, "ssdsd", uid, pid, user_created,
	    nb->state_dir, schema_version());
	goto out;
fail:
	db_rollback(nb);
out:
	free(url);
	free(stored);
	if (hash != NULL)
		explicit_bzero(hash, strlen(hash));
	free(hash);
	return t;
}
