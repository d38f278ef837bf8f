/*
 * catalog.c: services and their endpoints, Keystone's service catalog.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "identity.h"
#include "resource.h"

static const char service_show_sql[] =
    "SELECT id, name, type, description, enabled AS \"enabled:b\","
    " created_at AS \"created_at:t\" FROM services WHERE id = ?1";

const struct resource res_service = {
	.kind = "service",
	.table = "services",
	.name_col = "name",
	.show_sql = service_show_sql,
};

static const char endpoint_show_sql[] =
    "SELECT e.id, s.name AS service_name, s.type AS service_type,"
    " e.interface, e.region, e.url, e.enabled AS \"enabled:b\","
    " e.service_id, e.created_at AS \"created_at:t\""
    " FROM endpoints e JOIN services s ON s.id = e.service_id"
    " WHERE e.id = ?1";

const struct resource res_endpoint = {
	.kind = "endpoint",
	.table = "endpoints",
	.show_sql = endpoint_show_sql,
};


/* A service type: lower case letters, digits and dashes, as Keystone's. */
static int
type_valid(struct nb *nb, const char *type)
{
	const char	*p;

	if (*type == '\0' || strlen(type) > 64)
		return nb_seterr(nb, NB_EUSAGE, "service type must be 1 to 64 "
		    "characters");
	for (p = type; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_'))
			return nb_seterr(nb, NB_EUSAGE, "service type '%s': use "
			    "lower case letters, digits, '-' and '_'", type);
	return 0;
}

struct table *
service_create(struct nb *nb, const char *name, const char *type,
    const char *description)
{
	static const char sql[] =
	    "INSERT INTO services (id, name, type, description, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)";
	char	 id[NB_UUID_LEN + 1], msg[320];

	if (name_valid(nb, "service", name) == -1 ||
	    type_valid(nb, type) == -1 || (description != NULL &&
	    text_valid(nb, "description", description, 1024) == -1))
		return NULL;
	if (policy_check(nb, "service:create", NULL, NULL) == -1)
		goto fail;
	uuid_generate(id);
	snprintf(msg, sizeof(msg), "service name '%s' is taken", name);
	if (db_begin(nb) == -1 || db_exec(nb, msg, sql, "ssssi", id, name,
	    type, description ? description : "", (long long)time(NULL)) == -1)
		goto fail;
	if (event_record(nb, "service:create", "service", id, name, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	return db_table(nb, service_show_sql, "s", id);
fail:
	event_failed(nb, "service:create", "service", name);
	return NULL;
}

struct table *
service_list(struct nb *nb)
{
	if (policy_check(nb, "service:list", NULL, NULL) == -1)
		return NULL;
	return db_table(nb, "SELECT id, name, type, enabled AS \"enabled:b\","
	    " description FROM services ORDER BY name", NULL);
}

/* An endpoint URL: a scheme, "://", and printable text. */
static int
url_valid(struct nb *nb, const char *url)
{
	const char	*p = strstr(url, "://");

	if (text_valid(nb, "url", url, 1024) == -1)
		return -1;
	if (p == NULL || p == url || p[3] == '\0' || strchr(url, ' ') != NULL)
		return nb_seterr(nb, NB_EUSAGE, "'%s' is not a URL "
		    "(scheme://...)", url);
	return 0;
}

struct table *
endpoint_create(struct nb *nb, const char *service, const char *interface,
    const char *url, const char *region)
{
	static const char sql[] =
	    "INSERT INTO endpoints (id, service_id, interface, url, region,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	struct ref	 s = { 0 };
	char		 id[NB_UUID_LEN + 1], msg[600];
	struct table	*t = NULL;

	if (strcmp(interface, "public") != 0 &&
	    strcmp(interface, "internal") != 0 &&
	    strcmp(interface, "admin") != 0) {
		nb_seterr(nb, NB_EUSAGE, "interface '%s': use public, "
		    "internal or admin", interface);
		return NULL;
	}
	if (url_valid(nb, url) == -1 || name_valid(nb, "region", region) == -1)
		return NULL;
	if (policy_check(nb, "endpoint:create", NULL, NULL) == -1)
		goto fail;
	uuid_generate(id);
	if (db_begin(nb) == -1 ||
	    resource_resolve(nb, &res_service, service, &s) == -1)
		goto fail;
	snprintf(msg, sizeof(msg), "service '%s' already has a %s endpoint in "
	    "region '%s'", s.name, interface, region);
	if (db_exec(nb, msg, sql, "sssssi", id, s.id, interface, url, region,
	    (long long)time(NULL)) == -1 ||
	    event_record(nb, "endpoint:create", "endpoint", id, s.name, 1,
	    url) == -1 || db_commit(nb) == -1)
		goto fail;
	t = db_table(nb, endpoint_show_sql, "s", id);
	ref_release(&s);
	return t;
fail:
	ref_release(&s);
	event_failed(nb, "endpoint:create", "endpoint", service);
	return NULL;
}

struct table *
endpoint_list(struct nb *nb, const char *service, const char *interface,
    const char *region)
{
	static const char sql[] =
	    "SELECT e.id, e.region, s.name AS service_name,"
	    " s.type AS service_type, e.enabled AS \"enabled:b\","
	    " e.interface, e.url FROM endpoints e"
	    " JOIN services s ON s.id = e.service_id"
	    " WHERE (?1 IS NULL OR s.id = ?1) AND (?2 IS NULL OR e.interface = ?2)"
	    " AND (?3 IS NULL OR e.region = ?3)"
	    " ORDER BY s.name, e.region, e.interface";
	struct ref	 s = { 0 };
	struct table	*t;

	if (policy_check(nb, "endpoint:list", NULL, NULL) == -1)
		return NULL;
	if (service != NULL &&
	    resource_resolve(nb, &res_service, service, &s) == -1)
		return NULL;
	t = db_table(nb, sql, "sss", service ? s.id : NULL, interface, region);
	ref_release(&s);
	return t;
}

struct table *
catalog(struct nb *nb)
{
	static const char sql[] =
	    "SELECT s.name, s.type, e.interface, e.region, e.url, e.id"
	    " FROM services s JOIN endpoints e ON e.service_id = s.id"
	    " WHERE s.enabled AND e.enabled"
	    " ORDER BY s.type, s.name, e.region, e.interface";

	if (policy_check(nb, "catalog:list", NULL, NULL) == -1)
		return NULL;
	return db_table(nb, sql, NULL);
}
