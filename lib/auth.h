/*
 * auth.h: authentication, tokens and policy.
 */
#ifndef NUBES_AUTH_H
#define NUBES_AUTH_H

#include "nubes.h"

/*
 * Authenticate the caller from CLOUD_TOKEN, CLOUD_PROFILE or
 * CLOUD_USERNAME/CLOUD_PASSWORD/CLOUD_PROJECT and fill nb->ctx.
 * Failures are NB_EAUTH and never say whether a user exists.
 */
int	 auth_login(struct nb *);
/* Check a password and scope it to project (name or id; NULL: default). */
int	 auth_password(struct nb *, const char *user, const char *password,
	    const char *project, struct nb_ctx *);
/* Validate a token completely: MAC, expiry, revocation, user, project. */
int	 auth_token(struct nb *, const char *text, struct nb_ctx *);
/* A new token for ctx; the caller frees it.  Sets ctx->token_id. */
char	*auth_issue(struct nb *, struct nb_ctx *);
/* Revoke the token (id and expiry taken from a validated ctx). */
int	 auth_revoke(struct nb *, const struct nb_ctx *);

/* The programs' token operations; tables describe the token. */
struct table	*token_issue(struct nb *);
struct table	*token_validate(struct nb *, const char *text);
int		 token_revoke(struct nb *, const char *text);
int		 token_rotate(struct nb *, int *nkeys);

/*
 * Allow or deny action on target_project (NULL: a cloud-wide action,
 * where only global role assignments count).  owner is the user a
 * target belongs to, for the "owner" rule, or NULL.  Denial is NB_EAUTH.
 */
int	 policy_check(struct nb *, const char *action,
	    const char *target_project, const char *owner);
/* 1 when the caller holds the admin role globally. */
int	 is_cloud_admin(const struct nb *);
/*
 * A list's checks: action allowed on the caller's project, and
 * --all-projects for cloud admins only (NB_EAUTH).  0 or -1.
 */
int	 list_allowed(struct nb *, const char *action, int all_projects);

#endif
