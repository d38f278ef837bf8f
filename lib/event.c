/*
 * event.c: the event log: who did what to which resource, when, and
 * whether it worked.  A success is recorded inside the transaction that
 * made the change, so the two stand or fall together; a failure is
 * recorded in a transaction of its own after the rollback.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"

static const char event_sql[] =
    "INSERT INTO events (created_at, user_id, user_name, project_id,"
    " project_name, action, target_type, target_id, target_name, result,"
    " message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

static const char *
or_null(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

int
event_record(struct nb *nb, const char *action, const char *target_type,
    const char *target_id, const char *target_name, int ok,
    const char *message)
{
	const struct nb_ctx	*c = &nb->ctx;

	return db_exec(nb, NULL, event_sql, "issssssssss",
	    (long long)time(NULL), or_null(c->user_id), or_null(c->user_name),
	    or_null(c->project_id), or_null(c->project_name), action,
	    target_type, or_null(target_id), or_null(target_name),
	    ok ? "success" : "failure", or_null(message)) == -1 ? -1 : 0;
}

/*
 * Record that action failed with the error now in nb, keeping that
 * error.  Usage errors are not recorded: nothing was attempted.
 */
void
event_failed(struct nb *nb, const char *action, const char *target_type,
    const char *target)
{
	struct nb_error	 keep;

	if (nb->db == NULL)
		return;
	db_rollback(nb);
	if (nb->errcode == NB_EUSAGE)
		return;
	nb_error_save(nb, &keep);
	if (db_begin(nb) == 0) {
		if (event_record(nb, action, target_type, NULL, target, 0,
		    keep.msg) == 0)
			db_commit(nb);
		else
			db_rollback(nb);
	}
	nb_error_restore(nb, &keep);
}

static const char event_list_sql[] =
    "SELECT id AS \"id:n\","
    " created_at AS \"created_at:t\","
    " user_name, project_name, action, target_type, target_id, target_name,"
    " result, message, user_id, project_id FROM events"
    " WHERE (?1 IS NULL OR user_name = ?1 OR user_id = ?1)"
    " AND (?2 IS NULL OR project_name = ?2 OR project_id = ?2)"
    " AND (?3 IS NULL OR action = ?3"
    "  OR substr(action, 1, length(?3) + 1) = ?3 || ':')"
    " AND (?4 IS NULL OR target_id = ?4 OR target_name = ?4)"
    " AND (?5 IS NULL OR result = ?5)"
    " AND created_at >= ?6 AND created_at < ?7"
    " ORDER BY id DESC LIMIT ?8";

/* Cloud admins see every event; others only their project's. */
struct table *
event_list(struct nb *nb, const struct event_filter *f)
{
	const char	*project = f->project;

	if (policy_check(nb, "event:list", nb->ctx.project_id, NULL) == -1)
		return NULL;
	if (!is_cloud_admin(nb))
		project = nb->ctx.project_id;
	return db_table(nb, event_list_sql, "sssssiii", f->user, project,
	    f->action, f->target, f->result, (long long)f->since,
	    (long long)f->until, f->limit);
}
