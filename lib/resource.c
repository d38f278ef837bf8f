/*
 * resource.c: resolving names, authorizing, showing and deleting any
 * resource from its description (resource.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nubes.h"
#include "auth.h"
#include "resource.h"

void
ref_release(struct ref *r)
{
	free(r->name);
	free(r->project_id);
	free(r->owner_id);
	memset(r, 0, sizeof(*r));
}

/*
 * Candidates for text: an exact id first, then names.  Project-owned
 * rows of other projects are left out unless the caller is a cloud
 * admin.  The table and column names come from the descriptions, never
 * from input; the input is bound.
 */
static char *
resolve_sql(const struct resource *r)
{
	char	*sql;

	xasprintf(&sql, "SELECT id, %s, %s, %s FROM %s"
	    " WHERE (id = ?1%s%s%s) AND (?2 IS NULL OR %s%s%s)%s"
	    " ORDER BY id = ?1 DESC, id LIMIT 11",
	    r->name_col ? r->name_col : "id",
	    r->project_col ? r->project_col : "NULL",
	    r->owner_col ? r->owner_col : "NULL", r->table,
	    r->name_col ? " OR " : "", r->name_col ? r->name_col : "",
	    r->name_col ? " = ?1" : "",
	    r->scope_sql ? r->scope_sql : r->project_col ? r->project_col :
	    "?2", r->scope_sql ? "" : " = ", r->scope_sql ? "" : "?2",
	    r->user_scoped ? " AND user_id = ?3" : "");
	return sql;
}

int
resource_resolve(struct nb *nb, const struct resource *r, const char *text,
    struct ref *out)
{
	struct stmt	*s;
	struct buf	 cand;
	char		*sql;
	int		 n = 0, rc, exact = 0;

	memset(out, 0, sizeof(*out));
	if (r->name_col == NULL && !uuid_valid(text))
		return nb_seterr(nb, NB_EUSAGE, "'%s' is not a valid %s id "
		    "(a UUID)", text, r->kind);
	sql = resolve_sql(r);
	s = db_prepare(nb, sql, r->user_scoped ? "sss" : "ss", text,
	    (r->project_col == NULL && r->scope_sql == NULL) ||
	    is_cloud_admin(nb) ? NULL : nb->ctx.project_id, nb->ctx.user_id);
	free(sql);
	if (s == NULL)
		return -1;
	buf_init(&cand);
	while ((rc = db_step(s)) == 1) {
		if (n == 0) {
			strlcpy(out->id, db_col_text(s, 0), sizeof(out->id));
			out->name = xstrdup(db_col_text(s, 1));
			if (!db_col_isnull(s, 2))
				out->project_id = xstrdup(db_col_text(s, 2));
			if (!db_col_isnull(s, 3))
				out->owner_id = xstrdup(db_col_text(s, 3));
			exact = strcmp(out->id, text) == 0;
		}
		if (n < 10)
			buf_printf(&cand, " %s", db_col_text(s, 0));
		n++;
		if (exact)
			break;
	}
	db_finalize(s);
	if (rc == -1)
		goto fail;
	if (n == 0) {
		nb_seterr(nb, NB_ENOTFOUND, "%s '%s' not found", r->kind, text);
		goto fail;
	}
	if (n > 1 && !exact) {
		nb_seterr(nb, NB_ECONFLICT, "%s name '%s' is ambiguous: use an "
		    "id (candidates:%s%s)", r->kind, text, cand.s,
		    n > 10 ? " ..." : "");
		goto fail;
	}
	buf_free(&cand);
	return 0;
fail:
	buf_free(&cand);
	ref_release(out);
	return -1;
}

int
resource_authorize(struct nb *nb, const struct resource *r, const char *verb,
    const char *text, struct ref *ref)
{
	char	 action[64];

	if (resource_resolve(nb, r, text, ref) == -1)
		return -1;
	snprintf(action, sizeof(action), "%s:%s", r->kind, verb);
	if (policy_check(nb, action, r->project_col ? ref->project_id :
	    NULL, ref->owner_id) == -1) {
		/* Out of the caller's scope: as if it did not exist. */
		if (nb->errcode == NB_EAUTH && ref->project_id != NULL &&
		    r->scope_sql == NULL && !is_cloud_admin(nb) &&
		    strcmp(ref->project_id, nb->ctx.project_id) != 0)
			nb_seterr(nb, NB_ENOTFOUND, "%s '%s' not found",
			    r->kind, text);
		ref_release(ref);
		return -1;
	}
	return 0;
}

struct table *
resource_show(struct nb *nb, const struct resource *r, const char *text)
{
	struct table	*t;
	struct ref	 ref;

	if (resource_authorize(nb, r, "show", text, &ref) == -1)
		return NULL;
	t = db_table(nb, r->show_sql, "s", ref.id);
	if (t != NULL && t->nrows == 0) {
		nb_seterr(nb, NB_ENOTFOUND, "%s '%s' not found", r->kind, text);
		table_free(t);
		t = NULL;
	}
	ref_release(&ref);
	return t;
}

int
resource_delete(struct nb *nb, const struct resource *r, const char *text)
{
	struct ref	 ref;
	char		*sql, action[64];
	int		 n;

	snprintf(action, sizeof(action), "%s:delete", r->kind);
	if (db_begin(nb) == -1)
		return -1;
	if (resource_authorize(nb, r, "delete", text, &ref) == -1)
		goto fail;
	if (r->delete_check != NULL &&
	    r->delete_check(nb, ref.id, ref.name) == -1)
		goto failchecked;
	xasprintf(&sql, "DELETE FROM %s WHERE id = ?1", r->table);
	n = db_exec(nb, NULL, sql, "s", ref.id);
	free(sql);
	if (n == -1)
		goto failchecked;
	if (event_record(nb, action, r->kind, ref.id, ref.name, 1, NULL) == -1 ||
	    db_commit(nb) == -1)
		goto failchecked;
	if (r->after_delete != NULL)
		r->after_delete(nb, ref.id);
	ref_release(&ref);
	return 0;
failchecked:
	if (r->delete_failed != NULL)
		r->delete_failed(nb);
	ref_release(&ref);
fail:
	event_failed(nb, action, r->kind, text);
	return -1;
}
