/*
 * policy.c: the one function that decides whether the caller may act.
 *
 * Rules come from the default policy file (share/policy.conf, installed
 * in the package data directory) and an optional site file that
 * overrides single actions.  A rule is terms joined by "or":
 *   admin, member, reader  the caller holds the role (or one implying it)
 *                          globally, or on the target project when the
 *                          token is scoped to that project;
 *   cloud_admin            the admin role held globally, whatever the
 *                          target;
 *   owner                  the target belongs to the calling user;
 *   any                    every authenticated caller;
 *   none                   nobody.
 * An action with no rule in either file is allowed to cloud admins only.
 * Custom roles are recorded and listed, but rules grant rights only
 * through the built-in roles.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/nubes"
#endif
#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/*
 * The policy file at path, loaded once per process into *slot; a
 * missing optional file is an empty policy.  NULL with the error set.
 */
static struct nb_conf *
policy_file(struct nb *nb, struct nb_conf **slot, const char *path,
    int required)
{
	char	*cerr = NULL;

	if (*slot != NULL)
		return *slot;
	if (required && access(path, R_OK) == -1) {
		nb_seterr(nb, NB_EFAIL, "policy defaults '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	if ((*slot = conf_load(path, &cerr)) == NULL) {
		nb_seterr(nb, NB_EFAIL, "policy: %s", cerr);
		free(cerr);
	}
	return *slot;
}

static unsigned int
role_bit(const char *term)
{
	if (strcmp(term, "admin") == 0)
		return ROLE_ADMIN;
	if (strcmp(term, "member") == 0)
		return ROLE_MEMBER;
	if (strcmp(term, "reader") == 0)
		return ROLE_READER;
	return 0;
}

/* 1 allow, 0 deny, -1 a rule we cannot read. */
static int
rule_allows(struct nb *nb, const char *action, const char *rule,
    const char *target_project, const char *owner)
{
	char		*copy, *term, *save = NULL;
	unsigned int	 have, bit;
	int		 allow = 0, expect_term = 1;

	have = nb->ctx.global_roles;
	if (target_project != NULL &&
	    strcmp(target_project, nb->ctx.project_id) == 0)
		have |= nb->ctx.roles;
	copy = xstrdup(rule);
	for (term = strtok_r(copy, " \t", &save); term != NULL;
	    term = strtok_r(NULL, " \t", &save)) {
		if (!expect_term) {
			if (strcmp(term, "or") != 0)
				goto bad;
			expect_term = 1;
			continue;
		}
		expect_term = 0;
		if ((bit = role_bit(term)) != 0)
			allow |= (have & bit) != 0;
		else if (strcmp(term, "cloud_admin") == 0)
			allow |= (nb->ctx.global_roles & ROLE_ADMIN) != 0;
		else if (strcmp(term, "owner") == 0)
			allow |= owner != NULL &&
			    strcmp(owner, nb->ctx.user_id) == 0;
		else if (strcmp(term, "any") == 0)
			allow |= nb->ctx.authenticated;
		else if (strcmp(term, "none") != 0)
			goto bad;
	}
	if (expect_term)
		goto bad;
	free(copy);
	return allow;
bad:
	free(copy);
	return nb_seterr(nb, NB_EFAIL, "policy: rule for '%s' is malformed: "
	    "'%s'", action, rule);
}

int
policy_check(struct nb *nb, const char *action, const char *target_project,
    const char *owner)
{
	struct nb_conf	*site, *defaults;
	const char	*rule;
	int		 rv;

	if (!nb->ctx.authenticated)
		return nb_seterr(nb, NB_EAUTH, "not authenticated");
	site = policy_file(nb, &nb->policy_site, conf_get(nb->conf, "policy",
	    "file", SYSCONFDIR "/nubes/policy.conf"), 0);
	defaults = policy_file(nb, &nb->policy_defaults, conf_get(nb->conf,
	    "policy", "defaults", PKGDATADIR "/policy.conf"), 1);
	if (site == NULL || defaults == NULL)
		return -1;
	if ((rule = conf_get(site, "policy", action, NULL)) == NULL &&
	    (rule = conf_get(defaults, "policy", action, NULL)) == NULL)
		rule = "cloud_admin";
	rv = rule_allows(nb, action, rule, target_project, owner);
	if (rv == 0)
		nb_seterr(nb, NB_EAUTH, "forbidden: '%s' requires %s%s",
		    action, rule, target_project == NULL ?
		    " (held globally)" : "");
	return rv == 1 ? 0 : -1;
}

int
list_allowed(struct nb *nb, const char *action, int all_projects)
{
	if (policy_check(nb, action, nb->ctx.project_id, NULL) == -1)
		return -1;
	if (all_projects && !is_cloud_admin(nb))
		return nb_seterr(nb, NB_EAUTH, "forbidden: --all-projects is "
		    "for cloud admins");
	return 0;
}
