/*
 * image.h: the image registry and store (Glance's job).
 */
#ifndef NUBES_IMAGE_H
#define NUBES_IMAGE_H

#include <stdint.h>

#include "nubes.h"
#include "resource.h"

extern const struct resource	 res_image;

/* A property to set, "key=value" split. */
struct image_prop {
	const char	*key;
	const char	*value;		/* NULL: remove the key */
};

/* What to create or change; NULL or -1 fields are left as they are. */
struct image_spec {
	const char		*name;
	const char		*disk_format;
	const char		*container_format;
	const char		*visibility;
	long long		 min_disk;	/* GB */
	long long		 min_ram;	/* MiB */
	int			 protected;	/* -1, 0 or 1 */
	const char		*kernel;	/* image name or id */
	const char		*ramdisk;
	const struct image_prop	*props;
	size_t			 nprops;
};

/* Called while bytes move: done so far, total (0 when unknown). */
typedef void	(*image_progress_fn)(void *arg, uint64_t done, uint64_t total);

/*
 * Split "key=value" into p (pointing into text, which it modifies);
 * NB_EUSAGE for a malformed or reserved key.
 */
int		 image_prop_parse(struct nb *, char *text, struct image_prop *p);

/*
 * Register an image and stream its bytes from fd into the store: the
 * row is claimed in state saving, the bytes go to a temporary file with
 * their SHA-512 and size computed on the way, the header is inspected,
 * and only then is the file renamed into place and the image made
 * active.  Any failure leaves no file: an interrupted or failed upload
 * leaves the row killed, a refused image (unsafe, wrong format) no row
 * at all.  Returns the image as shown, or NULL.
 */
struct table	*image_add(struct nb *, const struct image_spec *, int fd,
		    image_progress_fn, void *arg);

struct image_filter {
	const char		*status, *visibility, *name;
	const struct image_prop	*props;
	size_t			 nprops;
	int			 all_projects;	/* cloud admins only */
};
struct table	*image_list(struct nb *, const struct image_filter *);
struct table	*image_set(struct nb *, const char *image,
		    const struct image_spec *);
/* deactivate (active -> deactivated) or reactivate (back). */
int		 image_activate(struct nb *, const char *image, int active);
/*
 * Write the image's bytes to fd, checking their SHA-512 on the way; a
 * mismatch is reported (NB_EFAIL) after the bytes have been written.
 */
int		 image_download(struct nb *, const char *image, int fd,
		    image_progress_fn, void *arg);

int		 image_member_add(struct nb *, const char *image,
		    const char *project);
int		 image_member_remove(struct nb *, const char *image,
		    const char *project);
/* The caller's project (or project, for cloud admins) answers. */
int		 image_member_set(struct nb *, const char *image,
		    const char *project, const char *status);
struct table	*image_member_list(struct nb *, const char *image);

/*
 * Settle uploads whose process is gone (killed, temporary file removed)
 * and remove files of the store that no image row owns.  Adds a row per
 * repair to t (resource, id, name, was, now, action).
 */
int		 image_reconcile(struct nb *, int dry_run, struct table *t);

#endif
