/*
 * identity.h: users, projects, roles and role assignments (Keystone's
 * job), the service catalog and quotas.
 */
#ifndef NUBES_IDENTITY_H
#define NUBES_IDENTITY_H

#include "nubes.h"

/* Fields of a user or project to create or change; NULL: unchanged. */
struct user_spec {
	const char	*name;
	const char	*email;		/* "" clears it */
	const char	*description;
	const char	*project;	/* default project, name or id */
	const char	*password;
	int		 enabled;	/* -1 unchanged, 0 or 1 */
};

struct project_spec {
	const char	*name;
	const char	*description;
	int		 enabled;	/* -1 unchanged, 0 or 1 */
};

/* Create; the new row (as shown) is returned, or NULL. */
struct table	*user_create(struct nb *, const struct user_spec *);
struct table	*user_set(struct nb *, const char *user,
		    const struct user_spec *);
/* Users, all or those with a role on project (name or id). */
struct table	*user_list(struct nb *, const char *project);
struct table	*project_create(struct nb *, const struct project_spec *);
struct table	*project_set(struct nb *, const char *project,
		    const struct project_spec *);
struct table	*project_list(struct nb *);
struct table	*role_create(struct nb *, const char *name);
struct table	*role_list(struct nb *);
/* Grant or revoke role on project (name or id), or globally if NULL. */
int		 role_assign(struct nb *, const char *role, const char *user,
		    const char *project, int grant);
struct table	*role_assignment_list(struct nb *, const char *user,
		    const char *project, int global_only);

/*
 * Create the cloud (cloud-bootstrap): roles, the admin project and user
 * with the admin role on the project and globally, the identity service.
 * Idempotent; an existing admin's password changes only if reset.
 * *created says whether the admin user was made by this call.
 */
struct bootstrap_spec {
	const char	*admin_user;
	const char	*admin_project;
	const char	*password;
	const char	*region;
	int		 reset_password;
};
struct table	*bootstrap(struct nb *, const struct bootstrap_spec *);

struct table	*service_create(struct nb *, const char *name,
		    const char *type, const char *description);
struct table	*service_list(struct nb *);
struct table	*endpoint_create(struct nb *, const char *service,
		    const char *interface, const char *url,
		    const char *region);
struct table	*endpoint_list(struct nb *, const char *service,
		    const char *interface, const char *region);
/* The catalog as seen by the caller: one row per endpoint. */
struct table	*catalog(struct nb *);

/* quota.c */
struct quota_resource {
	const char	*name;		/* "instances" */
	long long	 default_limit;	/* -1: unlimited */
	const char	*usage_sql;	/* ?1 project id; NULL: not yet used */
	const char	*unit;		/* for the man page: "", "MiB", "GB" */
	int		 per_user;	/* counted per user (key pairs) */
};
extern const struct quota_resource	quota_resources[];
/* Limits, usage and defaults of project (NULL: the caller's). */
struct table	*quota_show(struct nb *, const char *project);
/* Set a limit (-1 unlimited) for project; NULL resource: none. */
int		 quota_set(struct nb *, const char *project,
		    const char *const *names, const long long *limits,
		    size_t n);
/*
 * Inside a write transaction: refuse with NB_ECONFLICT when adding delta
 * to the project's usage of resource would pass its limit.
 */
int		 quota_check(struct nb *, const char *project_id,
		    const char *resource, long long delta);
/* A project's limit (-1 unlimited) and use of resource, counted now. */
int		 quota_limit_of(struct nb *, const char *project_id,
		    const char *resource, long long *limit, long long *used);

#endif
