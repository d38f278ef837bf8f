/*
 * conf.c: nubes.conf through iniparser; the only file that includes it.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_INIPARSER_INIPARSER_H
#include <iniparser/iniparser.h>
#else
#include <iniparser.h>
#endif

#include "nubes.h"

struct nb_conf {
	dictionary	*dict;		/* NULL when there is no file */
	char		*path;
};

static char	 parse_error[256];

/* iniparser reports syntax errors through this instead of stderr. */
static int
conf_errback(const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (parse_error[0] != '\0')
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(parse_error, sizeof(parse_error), fmt, ap);
	va_end(ap);
	parse_error[strcspn(parse_error, "\n")] = '\0';
	return n;
}

/* A missing file is an empty config; an unreadable one is an error. */
struct nb_conf *
conf_load(const char *path, char **errp)
{
	struct nb_conf	*c;

	c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	if (access(path, F_OK) == -1 && errno == ENOENT)
		return c;
	parse_error[0] = '\0';
	iniparser_set_error_callback(conf_errback);
	c->dict = iniparser_load(path);
	if (c->dict == NULL || parse_error[0] != '\0') {
		xasprintf(errp, "cannot parse config '%s': %s", path,
		    parse_error[0] != '\0' ? parse_error : "unreadable");
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct nb_conf *c)
{
	if (c == NULL)
		return;
	if (c->dict != NULL)
		iniparser_freedict(c->dict);
	free(c->path);
	free(c);
}

const char *
conf_get(const struct nb_conf *c, const char *section, const char *key,
    const char *def)
{
	char		 k[256];
	const char	*v;

	if (c == NULL || c->dict == NULL)
		return def;
	snprintf(k, sizeof(k), "%s:%s", section, key);
	v = iniparser_getstring(c->dict, k, NULL);
	return v != NULL ? v : def;
}

int
conf_num(struct nb *nb, const char *section, const char *key, long long def,
    long long min, long long max, long long *out)
{
	const char	*v, *errstr;

	if ((v = conf_get(nb->conf, section, key, NULL)) == NULL) {
		*out = def;
		return 0;
	}
	*out = strtonum(v, min, max, &errstr);
	if (errstr != NULL)
		return nb_seterr(nb, NB_EFAIL, "config '%s': [%s] %s '%s' is "
		    "%s (%lld to %lld)", conf_path(nb->conf), section, key, v,
		    errstr, min, max);
	return 0;
}

const char *
conf_path(const struct nb_conf *c)
{
	return c->path;
}
