/*
 * evacuate.c: every server off a host, one move at a time, each its own
 * claim -> act -> record (migrate.c).  A disabled host's servers are
 * migrated, live where asked and the server runs, cold otherwise; a
 * host marked down is not contacted: its servers are rebuilt elsewhere.
 * The plan (--dry-run) asks the scheduler the same questions, counting
 * each planned move on its destination for the next.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nubes.h"
#include "auth.h"
#include "host.h"
#include "resource.h"
#include "server.h"
#include "serverhost.h"

static const char *const evacuate_cols[] = {
	"server", "state", "action", "destination", "result"
};

static const char servers_sql[] =
    "SELECT s.id, s.name, s.vm_state FROM servers s"
    " WHERE s.host_id = ?1 ORDER BY s.name, s.id";

/* What happens to a server in state vm on a host that is (not) down. */
static const char *
action_for(const char *vm, int down, int live)
{
	if (down)
		return "rebuild";
	return live && strcmp(vm, "active") == 0 ? "live-migrate" : "migrate";
}

/* An error message on one line, for one table cell: "; " between lines. */
static void
one_line(char *buf, size_t len, const char *msg)
{
	size_t	 n = 0;

	for (; *msg != '\0' && n + 3 < len; msg++) {
		if (*msg != '\n')
			buf[n++] = *msg;
		else if (msg[1] != '\0' && n > 0 && buf[n - 1] == ':')
			buf[n++] = ' ';
		else if (msg[1] != '\0') {
			buf[n++] = ';';
			buf[n++] = ' ';
		}
	}
	buf[n] = '\0';
}

struct table *
host_evacuate(struct nb *nb, const char *host, int live, int dry_run)
{
	struct ref	 ref = { 0 };
	struct host_set	 hs = { 0 };
	struct table	*rows = NULL, *t = NULL;
	const char	*row[5];
	char		*dest, why[512];
	size_t		 i, failed = 0;
	long long	 enabled, down;

	if (policy_check(nb, "host:evacuate", NULL, NULL) == -1 ||
	    resource_resolve(nb, &res_host, host, &ref) == -1)
		goto out;
	enabled = db_int(nb, -1, "SELECT enabled FROM hosts WHERE id = ?1",
	    "s", ref.id);
	down = db_int(nb, 0, "SELECT down FROM hosts WHERE id = ?1", "s",
	    ref.id);
	if (nb->errcode != 0)
		goto out;
	if (enabled != 0) {
		nb_seterr(nb, NB_ECONFLICT, "host '%s' is enabled: disable it "
		    "first (cloud-host-disable --reason), so that nothing new "
		    "lands there", ref.name);
		goto out;
	}
	if ((rows = db_table(nb, servers_sql, "s", ref.id)) == NULL ||
	    (dry_run && host_set_load(nb, NULL, &hs) == -1))
		goto out;
	t = table_new(5, evacuate_cols);
	for (i = 0; i < rows->nrows && !nb_interrupted; i++) {
		char	**r = &rows->cells[i * rows->ncols];
		int	  ok;

		row[0] = r[1];
		row[1] = r[2];
		row[2] = action_for(r[2], (int)down, live);
		dest = NULL;
		if (dry_run)
			ok = migrate_plan(nb, &hs, r[0], live &&
			    strcmp(r[2], "active") == 0, &dest) == 0;
		else if (down)
			ok = server_evacuate(nb, r[0], NULL) == 0;
		else {
			struct migrate_spec	 ms;

			memset(&ms, 0, sizeof(ms));
			ms.server = r[0];
			ms.live = live && strcmp(r[2], "active") == 0;
			ms.block = ms.live ? -1 : 0;
			ok = server_migrate(nb, &ms, NULL) == 0;
		}
		if (ok && !dry_run)
			dest = db_text(nb, "SELECT h.name FROM servers s JOIN"
			    " hosts h ON h.id = s.host_id WHERE s.id = ?1", "s",
			    r[0]);
		if (ok) {
			row[3] = dest;
			row[4] = dry_run ? "planned" : "moved";
		} else {
			/* The reason is the row's: the others still move. */
			one_line(why, sizeof(why), nb_errstr(nb));
			row[3] = NULL;
			row[4] = why;
			failed++;
		}
		nb_clearerr(nb);
		table_add_row(t, row);
		free(dest);
	}
	if (nb_interrupted)
		nb_seterr(nb, NB_EFAIL, "interrupted: %zu of %zu servers were "
		    "not looked at", rows->nrows - i, rows->nrows);
	else if (failed > 0)
		nb_seterr(nb, NB_EFAIL, "%zu of %zu servers %s on host '%s'",
		    failed, rows->nrows, dry_run ? "would stay" : "stayed",
		    ref.name);
out:
	if (dry_run)
		host_set_free(&hs);
	table_free(rows);
	ref_release(&ref);
	return t;
}
