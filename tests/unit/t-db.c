/*
 * t-db: the database layer: WAL, migrations, transactions, constraint
 * errors mapped to CLI.md exit codes, tables from queries, quotas, and
 * the spawn helper.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "identity.h"
#include "tap.h"

int
main(void)
{
	char			 dir[] = "/tmp/t-db.XXXXXX", conf[300];
	char			*rm[] = { "rm", "-rf", dir, NULL };
	char			*err, *out, *mode;
	char *const		 echo[] = { "sh", "-c", "cat; echo oops >&2; exit 3",
				    NULL };
	char *const		 cat[] = { "cat", NULL };
	char *const		 nosuch[] = { "/nonexistent/prog", NULL };
	struct spawn_result	 res;
	struct table		*t;
	struct nb		*nb;
	int			 code;
	FILE			*fp;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(conf, sizeof(conf), "%s/nubes.conf", dir);
	fp = fopen(conf, "w");
	fprintf(fp, "[quota]\ndefault_networks = 2\n");
	fclose(fp);
	setenv("CLOUD_CONFIG", conf, 1);
	setenv("CLOUD_STATE_DIR", dir, 1);
	unsetenv("CLOUD_TOKEN");

	nb = nb_open("t-db", 0, &err, &code);
	ok(nb == NULL && code == NB_EFAIL && strstr(err, "cloud-bootstrap"),
	    "opening a missing cloud says to bootstrap: %s", err);
	free(err);
	nb = nb_open("t-db", NB_CREATE, &err, &code);
	ok(nb != NULL, "a new database is created");
	if (nb == NULL)
		return done_testing();
	ok(db_user_version(nb) == schema_version() && schema_version() >= 1,
	    "schema migrated to version %d", schema_version());
	mode = db_text(nb, "PRAGMA journal_mode", NULL);
	is_str(mode, "wal", "journal mode is WAL");
	free(mode);
	ok(db_int(nb, 0, "PRAGMA foreign_keys", NULL) == 1, "foreign keys on");
	ok(schema_migrate(nb) == 0 && db_user_version(nb) == schema_version(),
	    "migrating again is a no-op");

	ok(db_begin(nb) == 0 && db_exec(nb, NULL, "INSERT INTO projects (id,"
	    " name, created_at, updated_at) VALUES ('p1', 'one', 0, 0)",
	    NULL) == 1 && db_commit(nb) == 0, "insert in a transaction");
	ok(db_exec(nb, "project name 'one' is taken", "INSERT INTO projects"
	    " (id, name, created_at, updated_at) VALUES ('p2', ?1, 0, 0)",
	    "s", "one") == -1 && nb->errcode == NB_ECONFLICT &&
	    strcmp(nb->errbuf, "project name 'one' is taken") == 0,
	    "a UNIQUE violation is a conflict with the given message");
	ok(db_begin(nb) == 0 && db_exec(nb, NULL, "INSERT INTO projects (id,"
	    " name, created_at, updated_at) VALUES ('p3', 'three', 0, 0)",
	    NULL) == 1, "insert before a rollback");
	db_rollback(nb);
	ok(db_int(nb, -1, "SELECT count(*) FROM projects", NULL) == 1,
	    "rollback leaves nothing behind");
	ok(db_exec(nb, NULL, "INSERT INTO quotas VALUES ('nosuch', 'x', 1)",
	    NULL) == -1 && nb->errcode == NB_ECONFLICT,
	    "a foreign key violation is a conflict");
	ok(db_exec(nb, NULL, "SELEC 1", NULL) == -1 &&
	    nb->errcode == NB_EFAIL, "bad SQL is a failure");

	t = db_table(nb, "SELECT id, name, 1 AS \"on:b\", NULL AS x"
	    " FROM projects", NULL);
	ok(t != NULL && t->nrows == 1 && t->ncols == 4 &&
	    strcmp(t->cols[2], "on") == 0 && t->types[2] == COL_BOOL &&
	    t->cells[3] == NULL, "a query becomes a typed table");
	table_free(t);

	ok(quota_check(nb, "p1", "networks", 2) == 0,
	    "quota: within the configured default");
	ok(quota_check(nb, "p1", "networks", 3) == -1 &&
	    nb->errcode == NB_ECONFLICT && strstr(nb->errbuf, "limit 2"),
	    "quota: over the default is a conflict: %s", nb->errbuf);
	db_exec(nb, NULL, "INSERT INTO quotas VALUES ('p1', 'networks', -1)",
	    NULL);
	ok(quota_check(nb, "p1", "networks", 1000) == 0,
	    "quota: -1 is unlimited");
	ok(quota_check(nb, "p1", "nosuch", 1) == -1, "unknown quota refused");

	ok(spawn_run(nb, echo, "in\n", &res) == 0 && res.status == 3 &&
	    strcmp(res.out, "in\n") == 0 && strcmp(res.err, "oops\n") == 0,
	    "spawn feeds stdin and captures stdout, stderr, status");
	spawn_result_free(&res);
	ok(spawn_ok(nb, echo, "", NULL) == -1 &&
	    strstr(nb->errbuf, "status 3: oops") != NULL,
	    "spawn_ok reports the exit status and stderr");
	ok(spawn_ok(nb, cat, "hello", &out) == 0 && strcmp(out, "hello") == 0,
	    "spawn_ok returns stdout");
	free(out);
	ok(spawn_ok(nb, nosuch, NULL, NULL) == -1 &&
	    strstr(nb->errbuf, "cannot run") != NULL,
	    "a missing program is an error");

	nb_close(nb);
	nb = nb_open("t-db", 0, &err, &code);
	ok(nb != NULL, "reopen");
	ok(spawn_ok(nb, rm, NULL, NULL) == 0, "scratch directory removed");
	nb_close(nb);
	return done_testing();
}
