/*
 * nb.c: opening a cloud (config, state directory, database, caller) and
 * the error state every library call reports through.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG	SYSCONFDIR "/nubes/nubes.conf"
#define DEFAULT_STATE	"/var/lib/nubes"

volatile sig_atomic_t	 nb_interrupted;

int
nb_vseterr(struct nb *nb, int code, const char *fmt, va_list ap)
{
	nb->errcode = code;
	vsnprintf(nb->errbuf, sizeof(nb->errbuf), fmt, ap);
	return -1;
}

int
nb_seterr(struct nb *nb, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	nb_vseterr(nb, code, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
nb_errstr(const struct nb *nb)
{
	return nb->errbuf[0] != '\0' ? nb->errbuf : "unknown error";
}

void
nb_error_save(const struct nb *nb, struct nb_error *e)
{
	e->code = nb->errcode;
	strlcpy(e->msg, nb->errbuf, sizeof(e->msg));
}

void
nb_error_restore(struct nb *nb, const struct nb_error *e)
{
	nb->errcode = e->code;
	strlcpy(nb->errbuf, e->msg, sizeof(nb->errbuf));
}

int
nb_exitcode(const struct nb *nb)
{
	return nb->errcode != 0 ? nb->errcode : NB_EFAIL;
}

void
nb_clearerr(struct nb *nb)
{
	nb->errcode = 0;
	nb->errbuf[0] = '\0';
}

/* Create dir with mode unless it exists; an existing one is tightened. */
static int
make_state_dir(struct nb *nb, const char *dir)
{
	char	*parent, *slash;

	if (mkdir(dir, 0750) == -1 && errno == ENOENT) {
		parent = xstrdup(dir);
		if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
			*slash = '\0';
			if (mkdir(parent, 0755) == -1 && errno != EEXIST) {
				nb_seterr(nb, NB_EFAIL, "cannot create '%s': %s",
				    parent, strerror(errno));
				free(parent);
				return -1;
			}
		}
		free(parent);
		if (mkdir(dir, 0750) == -1 && errno != EEXIST)
			goto fail;
	} else if (errno != 0 && errno != EEXIST)
		goto fail;
	if (chmod(dir, 0750) == -1)
		goto fail;
	return 0;
fail:
	return nb_seterr(nb, NB_EFAIL, "cannot create state directory '%s': %s",
	    dir, strerror(errno));
}

struct nb *
nb_open(const char *progname, int flags, char **errp, int *codep)
{
	struct nb	*nb;
	const char	*cpath, *sdir;
	char		*dbpath = NULL, *cerr = NULL;

	crypto_init();
	nb = xcalloc(1, sizeof(*nb));
	nb->progname = progname;
	*errp = NULL;
	*codep = NB_EFAIL;

	if ((cpath = getenv("CLOUD_CONFIG")) != NULL && *cpath != '\0') {
		if (access(cpath, R_OK) == -1) {
			xasprintf(errp, "config '%s': %s", cpath,
			    strerror(errno));
			goto fail;
		}
	} else
		cpath = DEFAULT_CONFIG;
	if ((nb->conf = conf_load(cpath, &cerr)) == NULL) {
		*errp = cerr;
		goto fail;
	}
	if ((sdir = getenv("CLOUD_STATE_DIR")) == NULL || *sdir == '\0')
		sdir = conf_get(nb->conf, "nubes", "state_dir", DEFAULT_STATE);
	nb->state_dir = xstrdup(sdir);
	if (flags & NB_NODB)
		return nb;

	errno = 0;
	if ((flags & NB_CREATE) && make_state_dir(nb, nb->state_dir) == -1)
		goto failnb;
	xasprintf(&dbpath, "%s/nubes.db", nb->state_dir);
	if (!(flags & NB_CREATE) && access(dbpath, F_OK) == -1) {
		xasprintf(errp, "no cloud in '%s' (run cloud-bootstrap, or set "
		    "CLOUD_STATE_DIR)", nb->state_dir);
		goto fail;
	}
	if (db_open(nb, dbpath, flags & NB_CREATE) == -1 ||
	    schema_migrate(nb) == -1)
		goto failnb;
	free(dbpath);
	dbpath = NULL;
	if ((flags & NB_AUTH) && auth_login(nb) == -1)
		goto failnb;
	return nb;
failnb:
	*errp = xstrdup(nb_errstr(nb));
	*codep = nb_exitcode(nb);
fail:
	free(dbpath);
	nb_close(nb);
	return NULL;
}

void
nb_close(struct nb *nb)
{
	if (nb == NULL)
		return;
	db_close(nb->db);
	conf_free(nb->conf);
	conf_free(nb->policy_defaults);
	conf_free(nb->policy_site);
	free(nb->state_dir);
	explicit_bzero(&nb->ctx, sizeof(nb->ctx));
	free(nb);
}
