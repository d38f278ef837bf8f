/*
 * server.c: servers as records: showing, listing, their events and
 * their console.  Work on hosts is in boot.c, so that these programs do
 * not load libvirt.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"
#include "resource.h"
#include "server.h"

#define SERVER_SELECT \
    "SELECT s.id, s.name, upper(s.vm_state) AS status, s.vm_state," \
    " s.task_state, s.power_state, h.name AS host, s.zone," \
    " s.flavor_name AS flavor, s.vcpus AS \"vcpus:n\"," \
    " s.ram_mib AS \"ram:n\", s.disk_gb AS \"disk:n\"," \
    " s.image_id, i.name AS image, s.key_name, s.project_id," \
    " s.user_id, s.fault, s.created_at AS \"created_at:t\"," \
    " s.updated_at AS \"updated_at:t\", s.locked AS \"locked:b\"," \
    " s.root_gb AS \"root_gb:n\", s.ephemeral_gb AS \"ephemeral_gb:n\"," \
    " s.swap_mib AS \"swap_mib:n\", s.old_flavor_name AS old_flavor," \
    " (SELECT g.name FROM server_group_members m JOIN server_groups g" \
    "  ON g.id = m.group_id WHERE m.server_id = s.id) AS \"group\"," \
    " (SELECT json_group_object(key, value) FROM server_properties" \
    "  WHERE server_id = s.id) AS \"properties:j\"," \
    " (SELECT group_concat(a, '; ') FROM (SELECT n.name || '=' ||" \
    "  ifnull((SELECT group_concat(ip, ', ') FROM (SELECT 0 AS k," \
    "   i.address AS o, i.ip FROM port_ips i WHERE i.port_id = p.id" \
    "   UNION ALL SELECT 1, 0, f.address FROM floating_ips f WHERE" \
    "   f.fixed_port_id = p.id ORDER BY k, o)), '') AS a FROM ports p" \
    "  JOIN networks n" \
    "  ON n.id = p.network_id WHERE p.device_id = s.id" \
    "  AND p.device_owner LIKE 'compute:%' ORDER BY p.created_at," \
    "  p.rowid)) AS addresses" \
    " FROM servers s LEFT JOIN hosts h ON h.id = s.host_id" \
    " LEFT JOIN images i ON i.id = s.image_id"

static const char server_show_sql[] = SERVER_SELECT " WHERE s.id = ?1";

const struct resource res_server = {
	.kind = "server",
	.table = "servers",
	.name_col = "name",
	.project_col = "project_id",
	.show_sql = server_show_sql,
};

struct table *
server_list(struct nb *nb, const struct server_filter *f)
{
	static const char sql[] = SERVER_SELECT
	    " WHERE (?1 IS NULL OR s.project_id = ?1)"
	    " AND (?2 IS NULL OR s.vm_state = lower(?2))"
	    " AND (?3 IS NULL OR h.name = ?3 OR h.id = ?3)"
	    " AND (?4 IS NULL OR s.name = ?4)"
	    " ORDER BY s.created_at DESC, s.rowid DESC";

	static const char *const states[] = {
		"building", "active", "stopped", "paused", "suspended",
		"resized", "error", NULL
	};
	size_t	 i;

	for (i = 0; f->status != NULL && states[i] != NULL; i++)
		if (strcasecmp(f->status, states[i]) == 0)
			break;
	if (f->status != NULL && states[i] == NULL) {
		nb_seterr(nb, NB_EUSAGE, "status '%s': use building, active, "
		    "stopped, paused, suspended, resized or error", f->status);
		return NULL;
	}
	if (policy_check(nb, "server:list", nb->ctx.project_id, NULL) == -1)
		return NULL;
	if ((f->all_projects || f->host != NULL || f->project != NULL) &&
	    !is_cloud_admin(nb)) {
		nb_seterr(nb, NB_EAUTH, "forbidden: --all-projects, --project "
		    "and --host are for cloud admins");
		return NULL;
	}
	if (f->project != NULL) {
		struct ref	 p;
		struct table	*t;

		if (resource_resolve(nb, &res_project, f->project, &p) == -1)
			return NULL;
		t = db_table(nb, sql, "ssss", p.id, f->status, f->host,
		    f->name);
		ref_release(&p);
		return t;
	}
	return db_table(nb, sql, "ssss", f->all_projects ? NULL :
	    nb->ctx.project_id, f->status, f->host, f->name);
}

struct table *
server_events(struct nb *nb, const char *server)
{
	static const char sql[] =
	    "SELECT action, result, start_time AS \"start_time:t\","
	    " finish_time AS \"finish_time:t\", user_id, message, server_id"
	    " FROM server_events WHERE server_id = ?1 ORDER BY id";
	struct ref	 ref;
	struct table	*t;

	if (resource_authorize(nb, &res_server, "events", server, &ref) == -1)
		return NULL;
	t = db_table(nb, sql, "s", ref.id);
	ref_release(&ref);
	return t;
}

char *
server_console_path(struct nb *nb, const char *id)
{
	char	*path;

	xasprintf(&path, "%s/console/%s.log", nb->state_dir, id);
	return path;
}

int
server_lock(struct nb *nb, const char *server, int lock)
{
	const char	*action = lock ? "server:lock" : "server:unlock";
	struct ref	 ref = { 0 };

	if (db_begin(nb) == -1 || resource_authorize(nb, &res_server,
	    lock ? "lock" : "unlock", server, &ref) == -1)
		goto fail;
	if (db_exec(nb, NULL, "UPDATE servers SET locked = ?2, updated_at = ?3"
	    " WHERE id = ?1", "sdi", ref.id, lock, (long long)time(NULL)) == -1 ||
	    event_record(nb, action, "server", ref.id, ref.name, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	ref_release(&ref);
	return 0;
fail:
	event_failed(nb, action, "server", server);
	ref_release(&ref);
	return -1;
}

int
server_check_unlocked(struct nb *nb, const char *id, const char *server)
{
	long long	 locked;

	locked = db_int(nb, 0, "SELECT locked FROM servers WHERE id = ?1", "s",
	    id);
	if (nb->errcode != 0)
		return -1;
	if (locked && !is_cloud_admin(nb))
		return nb_seterr(nb, NB_ECONFLICT, "server '%s' is locked: "
		    "cloud-server-unlock it first", server);
	return 0;
}

struct table *
migration_list(struct nb *nb, const char *server)
{
	static const char sql[] =
	    "SELECT m.id, m.server_name AS server, m.kind, m.status,"
	    " sh.name AS source, dh.name AS dest,"
	    " m.started_at AS \"started_at:t\","
	    " m.finished_at AS \"finished_at:t\","
	    " m.finished_at - m.started_at AS \"duration_s:n\","
	    " m.downtime_ms AS \"downtime_ms:n\", m.bytes AS \"bytes:n\","
	    " m.fault, m.server_id, m.user_id"
	    " FROM migrations m LEFT JOIN hosts sh ON sh.id = m.source_host_id"
	    " LEFT JOIN hosts dh ON dh.id = m.dest_host_id"
	    " WHERE ?1 IS NULL OR m.server_id = ?1"
	    " ORDER BY m.started_at DESC, m.rowid DESC";
	struct ref	 ref = { 0 };
	struct table	*t;

	if (policy_check(nb, "migration:list", NULL, NULL) == -1)
		return NULL;
	if (server != NULL && resource_resolve(nb, &res_server, server,
	    &ref) == -1) {
		/* A deleted server's migrations: by its id. */
		if (!uuid_valid(server))
			return NULL;
		nb_clearerr(nb);
		return db_table(nb, sql, "s", server);
	}
	t = db_table(nb, sql, "s", server != NULL ? ref.id : NULL);
	ref_release(&ref);
	return t;
}
