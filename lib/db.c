/*
 * db.c: the state database; the only file that includes sqlite3.h.
 *
 * Every write runs inside db_begin() (BEGIN IMMEDIATE) and db_commit():
 * short, never across a libvirt call, a copy or a sleep (DESIGN.md 4).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/time.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "nubes.h"

/*
 * Prepared statements kept for reuse, keyed by their text: parsing and
 * planning SQL cost two thirds of a token check before there was one.
 */
#define STMT_CACHE	32

struct cached_stmt {
	char		*sql;
	sqlite3_stmt	*st;
	int		 busy;		/* handed out, not yet finalized */
};

struct db {
	sqlite3			*h;
	int			 in_txn;
	int			 lockfd;	/* nubes.db.lock: writers queue */
	long long		 busy_ms;
	struct cached_stmt	 cache[STMT_CACHE];
	int			 ncache;
};

struct stmt {
	sqlite3_stmt		*st;
	struct nb		*nb;
	const char		*conflict_msg;
	struct cached_stmt	*cached;	/* NULL: finalize when done */
};

/* Translate a SQLite failure into an nb error with a CLI.md exit code. */
static int
db_error(struct nb *nb, int rc, const char *conflict_msg)
{
	sqlite3		*h = nb->db != NULL ? nb->db->h : NULL;
	const char	*msg = h != NULL ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
	int		 ext = h != NULL ? sqlite3_extended_errcode(h) : rc;

	switch (ext) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return nb_seterr(nb, NB_ECONFLICT, "%s",
		    conflict_msg != NULL ? conflict_msg : msg);
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return nb_seterr(nb, NB_ECONFLICT, "%s",
		    conflict_msg != NULL ? conflict_msg :
		    "still referenced by other resources");
	case SQLITE_CONSTRAINT_CHECK:
		return nb_seterr(nb, NB_ECONFLICT, "%s",
		    conflict_msg != NULL ? conflict_msg : msg);
	default:
		return nb_seterr(nb, NB_EFAIL, "database: %s", msg);
	}
}

int
db_open(struct nb *nb, const char *path, int create)
{
	struct db	*db;
	long long	 busy_ms;
	int		 rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	const char	*sync;
	char		*sql;

	if (create)
		flags |= SQLITE_OPEN_CREATE;
	db = xcalloc(1, sizeof(*db));
	db->lockfd = -1;
	nb->db = db;
	if ((rc = sqlite3_open_v2(path, &db->h, flags, NULL)) != SQLITE_OK)
		return nb_seterr(nb, NB_EFAIL, "cannot open database '%s': %s",
		    path, db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(db->h, 1);
	/*
	 * Most programs are the last connection when they close, and SQLite
	 * would then checkpoint and delete the WAL each time, only for the
	 * next program to make it again.  Leave that to the writers' own
	 * automatic checkpoints.
	 */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	if (conf_num(nb, "database", "busy_timeout_ms", 30000, 100, 3600000,
	    &busy_ms) == -1)
		return -1;
	db->busy_ms = busy_ms;
	sqlite3_busy_timeout(db->h, (int)busy_ms);
	sync = conf_get(nb->conf, "database", "synchronous", "full");
	if (strcmp(sync, "full") != 0 && strcmp(sync, "normal") != 0)
		return nb_seterr(nb, NB_EFAIL, "config '%s': [database] "
		    "synchronous must be 'full' or 'normal', not '%s'",
		    conf_path(nb->conf), sync);
	xasprintf(&sql, "PRAGMA foreign_keys = ON; PRAGMA synchronous = %s;",
	    sync);
	rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return db_error(nb, rc, NULL);
	xasprintf(&sql, "%s.lock", path);
	db->lockfd = open(sql, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	free(sql);
	if (db->lockfd == -1)
		return nb_seterr(nb, NB_EFAIL, "cannot open the database lock "
		    "'%s.lock': %s", path, strerror(errno));
	if (create) {
		/* The WAL and shared-memory files inherit this mode. */
		(void)chmod(path, 0640);
		/* Persistent once set; only the creating program pays. */
		rc = sqlite3_exec(db->h, "PRAGMA journal_mode = WAL", NULL,
		    NULL, NULL);
		if (rc != SQLITE_OK)
			return db_error(nb, rc, NULL);
	}
	return 0;
}

void
db_close(struct db *db)
{
	int	 i;

	if (db == NULL)
		return;
	for (i = 0; i < db->ncache; i++) {
		sqlite3_finalize(db->cache[i].st);
		free(db->cache[i].sql);
	}
	sqlite3_close_v2(db->h);
	if (db->lockfd != -1)
		close(db->lockfd);
	free(db);
}

static void
alarm_noop(int sig)
{
	(void)sig;
}

/*
 * Wait for the writers' lock at most busy_ms: a blocking flock() that
 * a one-shot timer interrupts (EINTR), the caller's timer and SIGALRM
 * handler put back afterwards.
 */
static int
queue_lock(struct db *db)
{
	struct sigaction	 sa, oldsa;
	struct itimerval	 it, oldit;
	int			 rc, saved;

	if (flock(db->lockfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = alarm_noop;	/* no SA_RESTART: flock gets EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &oldsa);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = db->busy_ms / 1000;
	it.it_value.tv_usec = db->busy_ms % 1000 * 1000;
	setitimer(ITIMER_REAL, &it, &oldit);
	rc = flock(db->lockfd, LOCK_EX);
	saved = errno;
	setitimer(ITIMER_REAL, &oldit, NULL);
	sigaction(SIGALRM, &oldsa, NULL);
	errno = saved;
	return rc;
}

/*
 * Writers first queue on a file lock, which the kernel hands over in
 * turn and releases if the holder dies, then take SQLite's write lock.
 * SQLite alone makes waiting writers poll with growing sleeps: under 32
 * parallel writers some waited over a second.
 */
int
db_begin(struct nb *nb)
{
	struct db	*db = nb->db;
	int		 rc;

	if (db->in_txn)
		return nb_seterr(nb, NB_EFAIL, "database: a transaction is "
		    "already open (a bug in nubes)");
	if (queue_lock(db) == -1)
		return nb_seterr(nb, NB_EFAIL, "database: %s",
		    nb_interrupted ? "interrupted while waiting to write" :
		    errno == EINTR ? "another writer held it past [database] "
		    "busy_timeout_ms" : strerror(errno));
	rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		flock(db->lockfd, LOCK_UN);
		return db_error(nb, rc, NULL);
	}
	db->in_txn = 1;
	return 0;
}

int
db_commit(struct nb *nb)
{
	int	 rc;

	rc = sqlite3_exec(nb->db->h, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		db_error(nb, rc, NULL);
		db_rollback(nb);
		return -1;
	}
	nb->db->in_txn = 0;
	flock(nb->db->lockfd, LOCK_UN);
	return 0;
}

void
db_rollback(struct nb *nb)
{
	if (nb->db == NULL || !nb->db->in_txn)
		return;
	sqlite3_exec(nb->db->h, "ROLLBACK", NULL, NULL, NULL);
	nb->db->in_txn = 0;
	flock(nb->db->lockfd, LOCK_UN);
}

/*
 * A prepared statement for sql into s, reused when the cache has one;
 * returns SQLITE_OK or SQLite's error.
 */
static int
stmt_from_cache(struct db *db, const char *sql, struct stmt *s)
{
	struct cached_stmt	*c;
	int			 i, rc;

	for (i = 0; i < db->ncache; i++) {
		c = &db->cache[i];
		if (!c->busy && strcmp(c->sql, sql) == 0) {
			sqlite3_clear_bindings(c->st);
			c->busy = 1;
			s->st = c->st;
			s->cached = c;
			return SQLITE_OK;
		}
	}
	rc = sqlite3_prepare_v3(db->h, sql, -1, db->ncache < STMT_CACHE ?
	    SQLITE_PREPARE_PERSISTENT : 0, &s->st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	if (db->ncache < STMT_CACHE) {
		c = &db->cache[db->ncache++];
		c->sql = xstrdup(sql);
		c->st = s->st;
		c->busy = 1;
		s->cached = c;
	}
	return SQLITE_OK;
}

struct stmt *
db_vprepare(struct nb *nb, const char *sql, const char *types, va_list ap)
{
	struct stmt	*s;
	const char	*str;
	int		 i, rc;

	s = xcalloc(1, sizeof(*s));
	s->nb = nb;
	if ((rc = stmt_from_cache(nb->db, sql, s)) != SQLITE_OK) {
		db_error(nb, rc, NULL);
		free(s);
		return NULL;
	}
	for (i = 0; types != NULL && types[i] != '\0'; i++) {
		switch (types[i]) {
		case 's':
			str = va_arg(ap, const char *);
			rc = str == NULL ? sqlite3_bind_null(s->st, i + 1) :
			    sqlite3_bind_text(s->st, i + 1, str, -1,
			    SQLITE_TRANSIENT);
			break;
		case 'i':
			rc = sqlite3_bind_int64(s->st, i + 1,
			    va_arg(ap, long long));
			break;
		case 'd':
			rc = sqlite3_bind_int(s->st, i + 1, va_arg(ap, int));
			break;
		default:
			rc = SQLITE_MISUSE;
			break;
		}
		if (rc != SQLITE_OK) {
			db_error(nb, rc, NULL);
			db_finalize(s);
			return NULL;
		}
	}
	return s;
}

struct stmt *
db_prepare(struct nb *nb, const char *sql, const char *types, ...)
{
	struct stmt	*s;
	va_list		 ap;

	va_start(ap, types);
	s = db_vprepare(nb, sql, types, ap);
	va_end(ap);
	return s;
}

int
db_step(struct stmt *s)
{
	int	 rc;

	rc = sqlite3_step(s->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_error(s->nb, rc, s->conflict_msg);
}

const char *
db_col_text(struct stmt *s, int i)
{
	const unsigned char	*t = sqlite3_column_text(s->st, i);

	return t != NULL ? (const char *)t : "";
}

int
db_col_isnull(struct stmt *s, int i)
{
	return sqlite3_column_type(s->st, i) == SQLITE_NULL;
}

long long
db_col_int(struct stmt *s, int i)
{
	return sqlite3_column_int64(s->st, i);
}

double
db_col_double(struct stmt *s, int i)
{
	return sqlite3_column_double(s->st, i);
}

/* Done with s: a cached statement is reset (ending its read), not freed. */
void
db_finalize(struct stmt *s)
{
	if (s == NULL)
		return;
	if (s->cached != NULL) {
		sqlite3_reset(s->st);
		s->cached->busy = 0;
	} else
		sqlite3_finalize(s->st);
	free(s);
}

int
db_exec(struct nb *nb, const char *conflict_msg, const char *sql,
    const char *types, ...)
{
	struct stmt	*s;
	va_list		 ap;
	int		 rc;

	va_start(ap, types);
	s = db_vprepare(nb, sql, types, ap);
	va_end(ap);
	if (s == NULL)
		return -1;
	s->conflict_msg = conflict_msg;
	while ((rc = db_step(s)) == 1)
		;
	db_finalize(s);
	return rc == -1 ? -1 : sqlite3_changes(nb->db->h);
}

long long
db_int(struct nb *nb, long long def, const char *sql, const char *types, ...)
{
	struct stmt	*s;
	va_list		 ap;
	long long	 v = def;

	nb_clearerr(nb);	/* so callers can tell an error from def */
	va_start(ap, types);
	s = db_vprepare(nb, sql, types, ap);
	va_end(ap);
	if (s == NULL)
		return def;
	if (db_step(s) == 1 && !db_col_isnull(s, 0))
		v = db_col_int(s, 0);
	db_finalize(s);
	return v;
}

char *
db_text(struct nb *nb, const char *sql, const char *types, ...)
{
	struct stmt	*s;
	va_list		 ap;
	char		*v = NULL;

	nb_clearerr(nb);	/* so callers can tell an error from no row */
	va_start(ap, types);
	s = db_vprepare(nb, sql, types, ap);
	va_end(ap);
	if (s == NULL)
		return NULL;
	if (db_step(s) == 1 && !db_col_isnull(s, 0))
		v = xstrdup(db_col_text(s, 0));
	db_finalize(s);
	return v;
}

int
db_user_version(struct nb *nb)
{
	return (int)db_int(nb, -1, "PRAGMA user_version", NULL);
}

int
db_exec_script(struct nb *nb, const char *sql)
{
	int	 rc;

	if ((rc = sqlite3_exec(nb->db->h, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return db_error(nb, rc, NULL);
	return 0;
}

int
db_bind_text(struct stmt *s, int idx, const char *text)
{
	int	 rc;

	rc = text == NULL ? sqlite3_bind_null(s->st, idx) :
	    sqlite3_bind_text(s->st, idx, text, -1, SQLITE_TRANSIENT);
	return rc == SQLITE_OK ? 0 : db_error(s->nb, rc, NULL);
}

struct table *
db_table_stmt(struct stmt *s)
{
	struct table	 *t;
	const char	**names, **cells;
	int		  i, n, rc;

	n = sqlite3_column_count(s->st);
	names = xcalloc(n, sizeof(*names));
	cells = xcalloc(n, sizeof(*cells));
	for (i = 0; i < n; i++)
		names[i] = sqlite3_column_name(s->st, i);
	t = table_new(n, names);
	while ((rc = db_step(s)) == 1) {
		for (i = 0; i < n; i++)
			cells[i] = db_col_isnull(s, i) ? NULL :
			    db_col_text(s, i);
		table_add_row(t, cells);
	}
	free(names);
	free(cells);
	db_finalize(s);
	if (rc == -1) {
		table_free(t);
		return NULL;
	}
	return t;
}

struct table *
db_vtable(struct nb *nb, const char *sql, const char *types, va_list ap)
{
	struct stmt	*s;

	if ((s = db_vprepare(nb, sql, types, ap)) == NULL)
		return NULL;
	return db_table_stmt(s);
}

struct table *
db_table(struct nb *nb, const char *sql, const char *types, ...)
{
	struct table	*t;
	va_list		 ap;

	va_start(ap, types);
	t = db_vtable(nb, sql, types, ap);
	va_end(ap);
	return t;
}
