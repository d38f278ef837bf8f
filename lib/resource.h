/*
 * resource.h: what list/show/delete of every resource have in common,
 * driven by one description per resource.
 */
#ifndef NUBES_RESOURCE_H
#define NUBES_RESOURCE_H

#include "nubes.h"


struct resource {
	const char	*kind;		/* "user": messages, events, policy */
	const char	*table;		/* "users" */
	const char	*name_col;	/* "name", or NULL: ids only */
	const char	*project_col;	/* owning project column, or NULL */
	const char	*owner_col;	/* owning user column, or NULL */
	const char	*show_sql;	/* one row, "?1" is the id */
	/*
	 * Which rows a caller of project ?2 may see, as a WHERE term; NULL
	 * for "project_col = ?2".  With it, rows the caller sees but may not
	 * change are forbidden (exit 4), not hidden.
	 */
	const char	*scope_sql;
	int		 user_scoped;	/* rows are the caller's (user_id) */
	/* Refuse a delete that would do harm; NULL when any may go. */
	int		(*delete_check)(struct nb *, const char *id,
			    const char *name);
	/* After the row's deletion is committed (files); may be NULL. */
	void		(*after_delete)(struct nb *, const char *id);
	/* When the delete fails after delete_check: drop what it kept. */
	void		(*delete_failed)(struct nb *);
};

/* A resolved reference to one row. */
struct ref {
	char	 id[NB_UUID_LEN + 1];
	char	*name;			/* the name, or the id */
	char	*project_id;		/* NULL when not project-owned */
	char	*owner_id;		/* NULL when not user-owned */
};
void		 ref_release(struct ref *);

/*
 * Resolve text (an id, or a name unique in what the caller may see) to
 * a row.  NB_ENOTFOUND when nothing matches, NB_ECONFLICT listing the
 * candidates when a name matches several.
 */
int		 resource_resolve(struct nb *, const struct resource *,
		    const char *text, struct ref *);
/*
 * Resolve text and check the policy action "KIND:VERB" on it.  A
 * project-owned row the caller may not touch is reported as not found,
 * never as forbidden, so other projects' resources stay invisible.
 */
int		 resource_authorize(struct nb *, const struct resource *,
		    const char *verb, const char *text, struct ref *);
/* The show_sql row of the resource text names; NULL on error. */
struct table	*resource_show(struct nb *, const struct resource *,
		    const char *text);
/* Delete the resource text names, with its event, in one transaction. */
int		 resource_delete(struct nb *, const struct resource *,
		    const char *text);

extern const struct resource	 res_user, res_project, res_role, res_service,
				 res_endpoint;

#endif
