/*
 * volume.h: block storage (Cinder's job): volume types, volumes and
 * their snapshots.  Records are in volume.c; the work on hosts, through
 * libvirt's storage and domain APIs, in volumevirt.c.
 *
 * A volume lives in a storage pool of one compute host: its type names
 * the pool, or [volume] storage_pool of nubes.conf when it has none.  It
 * attaches to servers on that host.  Each change is claim -> act ->
 * record (DESIGN.md 4), with Cinder's statuses.
 */
#ifndef NUBES_VOLUME_H
#define NUBES_VOLUME_H

#include "nubes.h"
#include "compute.h"
#include "resource.h"

extern const struct resource	 res_volume, res_snapshot, res_volume_type;

struct table	*volume_type_create(struct nb *, const char *name,
		    const char *pool, const char *description,
		    const struct spec_kv *props, size_t nprops);
struct table	*volume_type_list(struct nb *);

struct volume_spec {
	const char	*name;
	long long	 size_gb;	/* -1: that of the source */
	/* At most one source; none: an empty volume. */
	const char	*image, *snapshot, *source_volume;
	const char	*type;		/* NULL: the default */
	const char	*host;		/* NULL: any (cloud admins only) */
};
struct table	*volume_create(struct nb *, const struct volume_spec *);
int		 volume_delete(struct nb *, const char *volume);
/* device NULL: the first free of vdd ... vdz. */
int		 volume_attach(struct nb *, const char *volume,
		    const char *server, const char *device);
/* server NULL: whichever it is attached to. */
int		 volume_detach(struct nb *, const char *volume,
		    const char *server);
int		 volume_extend(struct nb *, const char *volume,
		    long long size_gb);
struct table	*volume_list(struct nb *, int all_projects);

struct table	*snapshot_create(struct nb *, const char *name,
		    const char *volume);
int		 snapshot_delete(struct nb *, const char *snapshot);
struct table	*snapshot_list(struct nb *, int all_projects);

/*
 * cloud-reconcile's part for volumes and snapshots: work whose process
 * died or is overdue is settled by what libvirt shows (a volume the
 * domain has attached is in-use, one it has not is available; a create
 * or delete that died is finished or undone); volumes of ours in a pool
 * with no row are reported, and removed with fix.
 */
int		 volume_reconcile(struct nb *, int dry_run, int fix,
		    struct table *t);

/* The name of a volume's or snapshot's volume in its pool. */
void		 volume_pool_name(char *buf, size_t len, const char *id);
void		 snapshot_pool_name(char *buf, size_t len, const char *id);

#endif
