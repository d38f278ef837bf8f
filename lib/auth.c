/*
 * auth.c: who is calling.  Passwords are checked with scrypt, tokens
 * are Fernet tokens (token.c); either way the caller's roles are read
 * from the role assignments as they are now, so a removed role or a
 * disabled user or project takes effect at once.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"

#define PASSWORD_MAX	4096
#define AUTH_FAILED	"authentication failed: invalid username or password"

/* Roles of user on project (or only global ones when project is NULL). */
static const char roles_sql[] =
    "SELECT r.implies, ra.project_id IS NULL FROM role_assignments ra"
    " JOIN roles r ON r.id = ra.role_id"
    " WHERE ra.user_id = ?1 AND (ra.project_id = ?2 OR ra.project_id IS NULL)";

static int
load_roles(struct nb *nb, struct nb_ctx *ctx)
{
	struct stmt	*s;
	int		 rc;

	ctx->roles = ctx->global_roles = 0;
	if ((s = db_prepare(nb, roles_sql, "ss", ctx->user_id,
	    ctx->project_id[0] ? ctx->project_id : NULL)) == NULL)
		return -1;
	while ((rc = db_step(s)) == 1) {
		ctx->roles |= (unsigned int)db_col_int(s, 0);
		if (db_col_int(s, 1))
			ctx->global_roles |= (unsigned int)db_col_int(s, 0);
	}
	db_finalize(s);
	return rc;
}

static const char project_sql[] =
    "SELECT id, name, enabled FROM projects WHERE id = ?1 OR name = ?1"
    " ORDER BY id = ?1 DESC LIMIT 1";

/* Scope ctx to a project the user holds a role on. */
static int
scope_project(struct nb *nb, struct nb_ctx *ctx, const char *project)
{
	struct stmt	*s;
	int		 enabled, rc;

	if ((s = db_prepare(nb, project_sql, "s", project)) == NULL)
		return -1;
	if ((rc = db_step(s)) != 1) {
		db_finalize(s);
		return rc == -1 ? -1 : nb_seterr(nb, NB_EAUTH, "authentication "
		    "failed: no project '%s' for this user", project);
	}
	strlcpy(ctx->project_id, db_col_text(s, 0), sizeof(ctx->project_id));
	strlcpy(ctx->project_name, db_col_text(s, 1),
	    sizeof(ctx->project_name));
	enabled = (int)db_col_int(s, 2);
	db_finalize(s);
	if (!enabled)
		return nb_seterr(nb, NB_EAUTH, "authentication failed: project "
		    "'%s' is disabled", ctx->project_name);
	if (load_roles(nb, ctx) == -1)
		return -1;
	if (ctx->roles == 0)
		return nb_seterr(nb, NB_EAUTH, "authentication failed: no "
		    "project '%s' for this user", project);
	return 0;
}

static const char user_sql[] =
    "SELECT id, name, enabled, password_hash, default_project_id,"
    " tokens_valid_after FROM users WHERE name = ?1";

int
auth_password(struct nb *nb, const char *user, const char *password,
    const char *project, struct nb_ctx *ctx)
{
	struct stmt	*s;
	char		*hash = NULL, *defproj = NULL;
	int		 enabled = 0, ok, rc, rv = -1;

	memset(ctx, 0, sizeof(*ctx));
	if ((s = db_prepare(nb, user_sql, "s", user)) == NULL)
		return -1;
	if ((rc = db_step(s)) == -1) {
		db_finalize(s);
		return -1;
	}
	if (rc == 1) {
		strlcpy(ctx->user_id, db_col_text(s, 0), sizeof(ctx->user_id));
		strlcpy(ctx->user_name, db_col_text(s, 1),
		    sizeof(ctx->user_name));
		enabled = (int)db_col_int(s, 2);
		if (!db_col_isnull(s, 3))
			hash = xstrdup(db_col_text(s, 3));
		if (!db_col_isnull(s, 4))
			defproj = xstrdup(db_col_text(s, 4));
		ctx->valid_after = (time_t)db_col_int(s, 5);
	}
	db_finalize(s);
	if (hash == NULL) {
		/* Same work and same answer whether or not the user exists. */
		password_dummy_verify(nb, password);
		nb_seterr(nb, NB_EAUTH, AUTH_FAILED);
		goto out;
	}
	if ((ok = password_verify(nb, password, hash)) != 1) {
		if (ok == 0)
			nb_seterr(nb, NB_EAUTH, AUTH_FAILED);
		goto out;
	}
	if (!enabled) {
		nb_seterr(nb, NB_EAUTH, "authentication failed: user '%s' is "
		    "disabled", ctx->user_name);
		goto out;
	}
	if (project == NULL || *project == '\0')
		project = defproj;
	if (project == NULL) {
		nb_seterr(nb, NB_EAUTH, "authentication failed: no project: "
		    "set CLOUD_PROJECT (user '%s' has no default project)",
		    ctx->user_name);
		goto out;
	}
	if (scope_project(nb, ctx, project) == -1)
		goto out;
	ctx->authenticated = 1;
	rv = 0;
out:
	free(hash);
	free(defproj);
	if (rv == -1)
		memset(ctx, 0, sizeof(*ctx));
	return rv;
}

static const char token_check_sql[] =
    "SELECT u.name, u.enabled, u.tokens_valid_after, p.name, p.enabled,"
    " EXISTS (SELECT 1 FROM revoked_tokens WHERE token_id = ?3)"
    " FROM users u, projects p WHERE u.id = ?1 AND p.id = ?2";

int
auth_token(struct nb *nb, const char *text, struct nb_ctx *ctx)
{
	struct token	 t;
	struct stmt	*s;
	int		 rc, rv = -1;

	memset(ctx, 0, sizeof(*ctx));
	if (token_decode(nb, text, &t) == -1)
		return -1;
	if ((s = db_prepare(nb, token_check_sql, "sss", t.user_id,
	    t.project_id, t.id)) == NULL)
		return -1;
	if ((rc = db_step(s)) != 1) {
		if (rc == 0)
			nb_seterr(nb, NB_EAUTH, "the token is not valid: its "
			    "user or project no longer exists");
		goto out;
	}
	if (db_col_int(s, 5)) {
		nb_seterr(nb, NB_EAUTH, "the token has been revoked");
		goto out;
	}
	if (!db_col_int(s, 1) || !db_col_int(s, 4)) {
		nb_seterr(nb, NB_EAUTH, "the token is not valid: %s '%s' is "
		    "disabled", db_col_int(s, 1) ? "project" : "user",
		    db_col_text(s, db_col_int(s, 1) ? 3 : 0));
		goto out;
	}
	ctx->valid_after = (time_t)db_col_int(s, 2);
	if (t.issued_at < ctx->valid_after) {
		nb_seterr(nb, NB_EAUTH, "the token has been revoked: the "
		    "user's password changed after it was issued");
		goto out;
	}
	strlcpy(ctx->user_id, t.user_id, sizeof(ctx->user_id));
	strlcpy(ctx->project_id, t.project_id, sizeof(ctx->project_id));
	strlcpy(ctx->user_name, db_col_text(s, 0), sizeof(ctx->user_name));
	strlcpy(ctx->project_name, db_col_text(s, 3),
	    sizeof(ctx->project_name));
	strlcpy(ctx->token_id, t.id, sizeof(ctx->token_id));
	ctx->expires_at = t.expires_at;
	if (load_roles(nb, ctx) == -1)
		goto out;
	if (ctx->roles == 0) {
		nb_seterr(nb, NB_EAUTH, "the token is not valid: the user no "
		    "longer holds a role on project '%s'", ctx->project_name);
		goto out;
	}
	ctx->authenticated = 1;
	rv = 0;
out:
	db_finalize(s);
	if (rv == -1)
		memset(ctx, 0, sizeof(*ctx));
	return rv;
}

char *
auth_issue(struct nb *nb, struct nb_ctx *ctx)
{
	struct token	 t;
	unsigned char	 raw[16];
	long long	 ttl;

	if (conf_num(nb, "identity", "token_expiration", 3600, 60, 7 * 86400,
	    &ttl) == -1)
		return NULL;
	memset(&t, 0, sizeof(t));
	random_bytes(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), t.id);
	strlcpy(t.user_id, ctx->user_id, sizeof(t.user_id));
	strlcpy(t.project_id, ctx->project_id, sizeof(t.project_id));
	t.roles = ctx->roles;
	/*
	 * A password change revokes the tokens issued before the next
	 * second (tokens_valid_after): one of the new password, made in the
	 * same second, counts from that second.
	 */
	t.issued_at = time(NULL);
	if (t.issued_at < ctx->valid_after)
		t.issued_at = ctx->valid_after;
	t.expires_at = t.issued_at + ttl;
	/* A token traded for a new one lends it its expiry, as Keystone. */
	if (ctx->token_id[0] != '\0' && ctx->expires_at < t.expires_at)
		t.expires_at = ctx->expires_at;
	strlcpy(ctx->token_id, t.id, sizeof(ctx->token_id));
	ctx->expires_at = t.expires_at;
	return token_encode(nb, &t);
}

static const char revoke_sql[] =
    "INSERT OR IGNORE INTO revoked_tokens (token_id, expires_at, revoked_at)"
    " VALUES (?1, ?2, ?3)";
/* Revocations of expired tokens are no longer needed. */
static const char revoke_prune_sql[] =
    "DELETE FROM revoked_tokens WHERE expires_at < ?1";

int
auth_revoke(struct nb *nb, const struct nb_ctx *ctx)
{
	time_t	 now = time(NULL);

	if (db_exec(nb, NULL, revoke_sql, "sii", ctx->token_id,
	    (long long)ctx->expires_at, (long long)now) == -1 ||
	    db_exec(nb, NULL, revoke_prune_sql, "i", (long long)now) == -1)
		return -1;
	return 0;
}

/* ~/.config/nubes/clouds.ini, refused unless only its owner can read it. */
static int
load_profile(struct nb *nb, const char *name, char **user, char **password,
    char **project)
{
	struct nb_conf	*c;
	struct passwd	*pw;
	struct stat	 st;
	const char	*home, *v;
	char		*path, *cerr = NULL;
	int		 rv = -1;

	if ((home = getenv("HOME")) == NULL || *home == '\0')
		home = (pw = getpwuid(getuid())) != NULL ? pw->pw_dir : "/";
	xasprintf(&path, "%s/.config/nubes/clouds.ini", home);
	if (stat(path, &st) == -1) {
		nb_seterr(nb, NB_EAUTH, "CLOUD_PROFILE '%s': '%s': %s", name,
		    path, strerror(errno));
		free(path);
		return -1;
	}
	if ((st.st_mode & 077) != 0 || st.st_uid != getuid()) {
		nb_seterr(nb, NB_EAUTH, "'%s' must be owned by you and mode "
		    "0600 (it holds passwords): it is %04o", path,
		    (unsigned int)st.st_mode & 07777);
		free(path);
		return -1;
	}
	if ((c = conf_load(path, &cerr)) == NULL) {
		nb_seterr(nb, NB_EAUTH, "%s", cerr);
		free(cerr);
		free(path);
		return -1;
	}
	if ((v = conf_get(c, name, "username", NULL)) == NULL) {
		nb_seterr(nb, NB_EAUTH, "no profile '%s' with a username in "
		    "'%s'", name, path);
		goto out;
	}
	*user = xstrdup(v);
	*password = xstrdup(conf_get(c, name, "password", ""));
	v = conf_get(c, name, "project", NULL);
	*project = v != NULL ? xstrdup(v) : NULL;
	rv = 0;
out:
	conf_free(c);
	free(path);
	return rv;
}

int
auth_login(struct nb *nb)
{
	const char	*token, *profile, *env;
	char		*user = NULL, *password = NULL, *project = NULL;
	int		 rv;

	if ((token = getenv("CLOUD_TOKEN")) != NULL && *token != '\0')
		return auth_token(nb, token, &nb->ctx);
	if ((profile = getenv("CLOUD_PROFILE")) != NULL && *profile != '\0') {
		if (load_profile(nb, profile, &user, &password, &project) == -1)
			return -1;
	} else if ((env = getenv("CLOUD_USERNAME")) != NULL && *env != '\0') {
		user = xstrdup(env);
		env = getenv("CLOUD_PASSWORD");
		password = xstrdup(env != NULL ? env : "");
		env = getenv("CLOUD_PROJECT");
		project = env != NULL ? xstrdup(env) : NULL;
	} else
		return nb_seterr(nb, NB_EAUTH, "no credentials: set CLOUD_TOKEN, "
		    "CLOUD_PROFILE, or CLOUD_USERNAME, CLOUD_PASSWORD and "
		    "CLOUD_PROJECT");
	if (strlen(password) > PASSWORD_MAX)
		rv = nb_seterr(nb, NB_EAUTH, AUTH_FAILED);
	else
		rv = auth_password(nb, user, password, project, &nb->ctx);
	explicit_bzero(password, strlen(password));
	free(user);
	free(password);
	free(project);
	return rv;
}

int
is_cloud_admin(const struct nb *nb)
{
	return (nb->ctx.global_roles & ROLE_ADMIN) != 0;
}

/*
 * What a token says about its holder, as a one-row table; the token
 * itself is the "id" column only when just issued (token is not NULL),
 * never when validated, so validation output holds no secret.
 */
static struct table *
token_table(const struct nb_ctx *c, const char *token)
{
	static const char *const cols[] = {
		"expires", "id", "project_id", "user_id", "user_name",
		"project_name", "roles", "audit_id"
	};
	static const char *const vcols[] = {
		"expires", "project_id", "user_id", "user_name",
		"project_name", "roles", "audit_id"
	};
	char		 exp[32], roles[64];
	const char	*row[8], **r = row;
	struct table	*t;

	time_rfc3339(c->expires_at, exp);
	*r++ = exp;
	if (token != NULL)
		*r++ = token;
	*r++ = c->project_id;
	*r++ = c->user_id;
	*r++ = c->user_name;
	*r++ = c->project_name;
	*r++ = role_names(c->roles, roles, sizeof(roles));
	*r++ = c->token_id;
	t = token != NULL ? table_new(8, cols) : table_new(7, vcols);
	table_add_row(t, row);
	return t;
}

struct table *
token_issue(struct nb *nb)
{
	struct table	*t;
	char		*token;

	if (policy_check(nb, "token:issue", NULL, nb->ctx.user_id) == -1)
		return NULL;
	if ((token = auth_issue(nb, &nb->ctx)) == NULL)
		return NULL;
	t = token_table(&nb->ctx, token);
	explicit_bzero(token, strlen(token));
	free(token);
	return t;
}

struct table *
token_validate(struct nb *nb, const char *text)
{
	struct nb_ctx	 c;

	if (auth_token(nb, text, &c) == -1)
		return NULL;
	if (policy_check(nb, "token:validate", NULL, c.user_id) == -1)
		return NULL;
	return token_table(&c, NULL);
}

int
token_revoke(struct nb *nb, const char *text)
{
	struct token	 t;
	struct nb_ctx	 c;

	if (token_decode(nb, text, &t) == -1)
		goto fail;
	if (policy_check(nb, "token:revoke", NULL, t.user_id) == -1)
		goto fail;
	memset(&c, 0, sizeof(c));
	strlcpy(c.token_id, t.id, sizeof(c.token_id));
	c.expires_at = t.expires_at;
	if (db_begin(nb) == -1 || auth_revoke(nb, &c) == -1 ||
	    event_record(nb, "token:revoke", "token", t.id, NULL, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	return 0;
fail:
	event_failed(nb, "token:revoke", "token", NULL);
	return -1;
}

int
token_rotate(struct nb *nb, int *nkeys)
{
	if (policy_check(nb, "token:rotate", NULL, NULL) == -1 ||
	    keys_rotate(nb, nkeys) == -1) {
		event_failed(nb, "token:rotate", "keys", NULL);
		return -1;
	}
	if (db_begin(nb) == -1)
		return -1;
	if (event_record(nb, "token:rotate", "keys", NULL, NULL, 1,
	    NULL) == -1 || db_commit(nb) == -1) {
		db_rollback(nb);
		return -1;
	}
	return 0;
}
