/*
 * nubes.h: the library every cloud-* program links.
 *
 * The library never prints and never exits (but for x*alloc on OOM).
 * Functions that can fail return -1 or NULL and leave a complete message
 * and a CLI.md exit code in the struct nb they were given; the program
 * prints nb_errstr() and exits with nb_exitcode().
 */
#ifndef NUBES_H
#define NUBES_H

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Exit codes, CLI.md. */
enum nb_exit {
	NB_OK = 0,
	NB_EFAIL = 1,		/* libvirt, I/O, an external program */
	NB_EUSAGE = 2,		/* malformed argument or value */
	NB_ENOTFOUND = 3,
	NB_EAUTH = 4,		/* authentication failed, or policy denies */
	NB_ECONFLICT = 5,	/* name taken, wrong state, in use, quota */
	NB_ENOHOST = 6		/* no valid host */
};

#define NB_NAME_MAX	255
#define NB_UUID_LEN	36

struct nb_conf;
struct db;
struct stmt;

/* Who is calling: filled by authentication in nb_open(). */
struct nb_ctx {
	char		 user_id[NB_UUID_LEN + 1];
	char		 user_name[NB_NAME_MAX + 1];
	char		 project_id[NB_UUID_LEN + 1];
	char		 project_name[NB_NAME_MAX + 1];
	char		 token_id[33];		/* empty unless a token was used */
	unsigned int	 roles;			/* ROLE_* on project or global */
	unsigned int	 global_roles;		/* ROLE_* held globally */
	time_t		 expires_at;		/* of the token, if any */
	/* Tokens issued before this second are revoked (a new password). */
	time_t		 valid_after;
	int		 authenticated;
};

/* Built-in roles as bits; admin implies member implies reader. */
#define ROLE_READER	0x1
#define ROLE_MEMBER	0x2
#define ROLE_ADMIN	0x4

struct nb {
	struct nb_conf	*conf;
	struct nb_conf	*policy_defaults;	/* loaded on first use */
	struct nb_conf	*policy_site;
	struct db	*db;
	char		*state_dir;
	const char	*progname;
	struct nb_ctx	 ctx;
	int		 errcode;
	char		 errbuf[4096];
};

/* nb_open() flags. */
#define NB_AUTH		0x1	/* authenticate the caller (all but bootstrap) */
#define NB_CREATE	0x2	/* create the state dir and database */
#define NB_NODB		0x4	/* config only */

/*
 * Open config, state directory and database, and authenticate the caller
 * when NB_AUTH is given.  Returns NULL with *errp set to a message and
 * *codep to an exit code on failure; the caller frees *errp.
 */
struct nb	*nb_open(const char *progname, int flags, char **errp, int *codep);
void		 nb_close(struct nb *);

/* Errors: set a message and an exit code; returns -1 for tail calls. */
int		 nb_seterr(struct nb *, int code, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
int		 nb_vseterr(struct nb *, int code, const char *fmt, va_list)
		    __attribute__((format(printf, 3, 0)));
const char	*nb_errstr(const struct nb *);
/*
 * Keep the error in nb across cleanup work that may set its own: save,
 * clean up, restore.
 */
struct nb_error {
	int	 code;
	char	 msg[4096];
};
void		 nb_error_save(const struct nb *, struct nb_error *);
void		 nb_error_restore(struct nb *, const struct nb_error *);
int		 nb_exitcode(const struct nb *);
void		 nb_clearerr(struct nb *);

/* Allocation that dies on OOM (the one exception to "never exits"). */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
int		 xasprintf(char **, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* A growable string. */
struct buf {
	char	*s;
	size_t	 len, cap;
};
void		 buf_init(struct buf *);
void		 buf_add(struct buf *, const char *, size_t);
void		 buf_puts(struct buf *, const char *);
void		 buf_putc(struct buf *, int);
void		 buf_printf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
char		*buf_release(struct buf *);	/* caller frees */
void		 buf_free(struct buf *);

/* conf.c: the only file that includes iniparser. */
struct nb_conf	*conf_load(const char *path, char **errp);
void		 conf_free(struct nb_conf *);
/* Borrowed string, or def when the key is absent. */
const char	*conf_get(const struct nb_conf *, const char *section,
		    const char *key, const char *def);
/*
 * A number from the config in [min, max], def when absent; a malformed
 * or out-of-range value is an NB_EFAIL error naming the key.
 */
int		 conf_num(struct nb *, const char *section, const char *key,
		    long long def, long long min, long long max,
		    long long *out);
const char	*conf_path(const struct nb_conf *);

/* db.c: the only file that includes sqlite3. */
int		 db_open(struct nb *, const char *path, int create);
void		 db_close(struct db *);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int		 db_begin(struct nb *);
int		 db_commit(struct nb *);
void		 db_rollback(struct nb *);
/*
 * Prepare sql and bind args described by types: 's' text (NULL binds
 * NULL), 'i' long long, 'd' int.  Returns NULL and sets the error.
 */
struct stmt	*db_prepare(struct nb *, const char *sql, const char *types, ...);
struct stmt	*db_vprepare(struct nb *, const char *sql, const char *types,
		    va_list);
/* Bind text (NULL: null) to parameter idx (from 1) after db_prepare. */
int		 db_bind_text(struct stmt *, int idx, const char *);
/* Run a prepared statement into a table, finalizing it; NULL on error. */
struct table	*db_table_stmt(struct stmt *);
/* 1 for a row, 0 when done, -1 on error (set in nb). */
int		 db_step(struct stmt *);
const char	*db_col_text(struct stmt *, int);	/* borrowed, "" for NULL */
int		 db_col_isnull(struct stmt *, int);
long long	 db_col_int(struct stmt *, int);
double		 db_col_double(struct stmt *, int);
void		 db_finalize(struct stmt *);
/*
 * Run a statement that returns no rows; returns the number of changed
 * rows or -1.  A UNIQUE violation gives NB_ECONFLICT with conflict_msg
 * (when not NULL) as the message.
 */
int		 db_exec(struct nb *, const char *conflict_msg, const char *sql,
		    const char *types, ...);
/*
 * Run a query that returns one integer, or def when there is no row or
 * on an error; the error is cleared first, so nb->errcode tells.
 */
long long	 db_int(struct nb *, long long def, const char *sql,
		    const char *types, ...);
/*
 * Run a query that returns one text, copied; NULL when there is no row
 * or on an error, which nb->errcode tells (it is cleared first).
 */
char		*db_text(struct nb *, const char *sql, const char *types, ...);
int		 db_user_version(struct nb *);
/* Run several statements (no parameters), for the schema. */
int		 db_exec_script(struct nb *, const char *sql);

/* schema.c: forward migrations indexed by PRAGMA user_version. */
int		 schema_migrate(struct nb *);
int		 schema_version(void);

/*
 * A table of records for output: column names and, per row, values.
 * Column names may carry a type suffix from SQL aliases: "name:b" for a
 * boolean, "name:j" for raw JSON, "name:n" for a number, "name:t" for
 * epoch seconds, stored as RFC 3339 text; the suffix is stripped.
 * Values are owned by the table.
 */
enum col_type { COL_STR, COL_NUM, COL_BOOL, COL_JSON, COL_TIME };
struct table {
	size_t		  ncols, nrows, cap;
	char		**cols;
	enum col_type	 *types;
	char		**cells;	/* nrows * ncols; NULL is null */
};
struct table	*table_new(size_t ncols, const char *const *cols);
void		 table_add_row(struct table *, const char *const *cells);
/* Append a column (name with its type suffix) holding value in every row. */
void		 table_add_column(struct table *, const char *col,
		    const char *value);
/* Borrowed cell of row by column name; NULL for null or no such column. */
const char	*table_get(const struct table *, size_t row, const char *col);
void		 table_free(struct table *);
/* Run a query and return its rows as a table; NULL on error. */
struct table	*db_table(struct nb *, const char *sql, const char *types, ...);
struct table	*db_vtable(struct nb *, const char *sql, const char *types,
		    va_list);

/* out.c: table / tsv / json / value output, CLI.md. */
enum out_format { OUT_DEFAULT, OUT_TABLE, OUT_TSV, OUT_JSON, OUT_VALUE };
/* Handle -f and -c; returns 0, or -1 for an option it does not know. */
int		 out_option(int ch, const char *arg);
int		 out_set_format(const char *);
/* Print a list (one record a row). */
int		 out_list(FILE *, const struct table *, char **errp);
/* Check the -c columns against t's, before a command changes anything. */
int		 out_check_columns(const struct table *, char **errp);
/* Print row 0 of t as a single object (field/value pairs). */
int		 out_object(FILE *, const struct table *, char **errp);
/* Print a list of objects for commands that act on several operands. */
void		 out_json_string(struct buf *, const char *);
extern int	 out_quiet;

/*
 * An allocation arena for many small strings freed together: no
 * per-string malloc, one arena_free().
 */
struct arena;
struct arena	*arena_new(void);
/* A copy of s in a (NULL for NULL); dies on OOM like xmalloc. */
char		*arena_strdup(struct arena *a, const char *s);
void		 arena_free(struct arena *a);

/* util.c */
/* A new random UUID (version 4) from OpenSSL's RNG into buf[37]. */
void		 uuid_generate(char buf[NB_UUID_LEN + 1]);
int		 uuid_valid(const char *);
/* RFC 3339 UTC time of t into buf[21]. */
void		 time_rfc3339(time_t, char buf[32]);
/* Parse an RFC 3339 UTC time or a number of seconds since the epoch. */
int		 time_parse(const char *, time_t *);
/* Validate a resource name: 1..255 bytes, no control characters. */
int		 name_valid(struct nb *, const char *what, const char *name);
int		 email_valid(struct nb *, const char *email);
/* A description: up to 255 bytes, no control characters but none. */
int		 text_valid(struct nb *, const char *what, const char *s,
		    size_t max);
/* strtonum() that sets an NB_EUSAGE error naming what. */
int		 num_parse(struct nb *, const char *what, const char *s,
		    long long min, long long max, long long *out);
/* Read all of stdin up to max bytes, trailing newline stripped. */
char		*read_secret_stdin(struct nb *, const char *what, size_t max);

/*
 * Claims (DESIGN.md 4): "boot_id pid start_time" of this process, kept
 * in a row while the process works on it; claim_alive() says whether
 * that process still runs, so a dead one's work can be settled.
 */
#define NB_CLAIM_LEN	96
void		 proc_claim(char buf[NB_CLAIM_LEN]);
int		 claim_alive(const char *claim);

/*
 * A crash point for tests of crash safety: when the environment variable
 * NUBES_CRASH_AT equals where ("boot:after-define"), the process kills
 * itself with SIGKILL there, as kill -9 from outside would, but at an
 * exact point.  Does nothing otherwise.
 */
void		 crash_point(const char *where);

/*
 * Set by the programs' signal handlers (SIGINT, SIGTERM, SIGHUP); long
 * library loops check it and stop, cleaning up after themselves.
 */
extern volatile sig_atomic_t	 nb_interrupted;

/* Operands from argv, or one a line from stdin (CLI.md). */
struct operands {
	char	**argv;
	int	  argc, i;
	int	  from_stdin;
	char	 *line;
	size_t	  linecap;
};
void		 operands_init(struct operands *, int argc, char **argv);
const char	*operands_next(struct operands *);
void		 operands_free(struct operands *);

/* spawn.c: run a program with posix_spawn, no shell. */
struct spawn_result {
	int	 status;	/* exit status, or 128 + signal */
	char	*out;		/* captured stdout, or NULL */
	char	*err;		/* captured stderr */
};
int		 spawn_run(struct nb *, char *const argv[], const char *input,
		    struct spawn_result *);
void		 spawn_result_free(struct spawn_result *);
/*
 * Run argv; a non-zero exit is an NB_EFAIL error carrying the program's
 * stderr.  *outp (when not NULL) gets its stdout, which the caller frees.
 */
int		 spawn_ok(struct nb *, char *const argv[], const char *input,
		    char **outp);

/* crypto.c: OpenSSL. */
void		 crypto_init(void);	/* nb_open() calls it */
int		 random_bytes(void *, size_t);
void		 hex_encode(const unsigned char *, size_t, char *out);
char		*b64url_encode(const unsigned char *, size_t);
unsigned char	*b64url_decode(const char *, size_t *lenp);
int		 consttime_eq(const void *, const void *, size_t);
/* Hash a password: "$scrypt$ln=..,r=..,p=..$salt$hash"; NULL on error. */
char		*password_hash(struct nb *, const char *password);
/* 1 when password matches stored, 0 when not, -1 on error. */
int		 password_verify(struct nb *, const char *password,
		    const char *stored);
/* Spend the same time as a verify, for users that do not exist. */
void		 password_dummy_verify(struct nb *, const char *password);

/* token.c: Fernet tokens and the key repository. */
struct token {
	char		 id[33];
	char		 user_id[NB_UUID_LEN + 1];
	char		 project_id[NB_UUID_LEN + 1];
	unsigned int	 roles;
	time_t		 issued_at;
	time_t		 expires_at;
};
int		 keys_setup(struct nb *);
int		 keys_rotate(struct nb *, int *nkeys);
char		*token_encode(struct nb *, const struct token *);
/* Decrypt and check expiry; revocation and user state are auth's job. */
int		 token_decode(struct nb *, const char *text, struct token *);
const char	*role_names(unsigned int roles, char *buf, size_t len);

/* event.c: the event log. */
int		 event_record(struct nb *, const char *action,
		    const char *target_type, const char *target_id,
		    const char *target_name, int result, const char *message);
void		 event_failed(struct nb *, const char *action,
		    const char *target_type, const char *target);
struct event_filter {
	const char	*user, *project, *action, *target, *result;
	time_t		 since, until;
	long long	 limit;
};
struct table	*event_list(struct nb *, const struct event_filter *);

#endif /* NUBES_H */
