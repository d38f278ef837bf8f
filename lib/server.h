/*
 * server.h: servers (Nova's instances): the records, the claim that
 * schedules them, and the work on their hosts (boot.c).
 */
#ifndef NUBES_SERVER_H
#define NUBES_SERVER_H

#include "nubes.h"
#include "compute.h"
#include "resource.h"

extern const struct resource	 res_server, res_server_group;

struct boot_spec {
	const char	*name;
	const char	*flavor, *image, *key_name;	/* names or ids */
	const char	*user_data;			/* NULL: none */
	const char	*zone, *host;			/* NULL: any */
	const char	*group;		/* server group; NULL: none */
	/*
	 * Boot from volume (a name or id) instead of image; or with
	 * boot_volume_size > 0, from a new volume of that many GB made from
	 * image.  delete_on_termination: the volume goes with the server.
	 */
	const char	*volume;
	long long	 boot_volume_size;
	int		 delete_on_termination;
	/* Scheduler hints: servers (names or ids) to join or avoid. */
	const char *const *same_host;
	size_t		 nsame_host;
	const char *const *different_host;
	size_t		 ndifferent_host;
	const struct spec_kv *props;	/* properties: the guest's "meta" */
	size_t		 nprops;
	/* A new port on net, or the existing port; NULL: no network. */
	const char	*net, *port;
	/* The new port's security groups; none: the project's default. */
	const char *const *groups;
	size_t		 ngroups;
	int		 count;		/* servers to boot; 0 means 1 */
	int		 explain;	/* fill *explain with the scheduler's */
	int		 wait;		/* until the domain runs */
};

/*
 * Boot servers: check flavor, image, key, group and quota, schedule
 * them and claim their hosts in one write transaction, then make each
 * one's disks, config drive and domain on its host, and record it
 * active.  With count > 1 the servers are NAME-1 ... NAME-N, placed
 * together: when one cannot be placed, all are recorded in error with
 * the scheduler's reasons as their fault, and the error is NB_ENOHOST.
 * *explain (when asked for) gets the scheduler's explanation, to free;
 * with NB_ENOHOST, *reasons gets every host's reason, one a line (the
 * error message may be cut short), to free.
 * Returns the servers as shown, or NULL.  When some of several failed
 * on their hosts, the table (all of them, the failed ones in error) is
 * returned with the first failure's error set in nb.
 */
struct table	*server_boot(struct nb *, const struct boot_spec *,
		    char **explain, char **reasons);
/*
 * A lifecycle action: "start", "stop" (ACPI, then the power cord after
 * a minute), "reboot", "hard-reboot", "pause", "unpause", "suspend"
 * (managed save) or "resume".  A server in a state the action does not
 * start from, or busy with other work, is NB_ECONFLICT naming its state.
 */
int		 server_action(struct nb *, const char *server,
		    const char *action);
/*
 * Lock or unlock a server: locked, it refuses every action and delete
 * but from cloud admins (server_check_unlocked(), inside the action's
 * transaction).
 */
int		 server_lock(struct nb *, const char *server, int lock);
int		 server_check_unlocked(struct nb *, const char *id,
		    const char *server);
/*
 * Rebuild: the server's root disk made anew from its image, or from
 * image (a name or id) which then becomes its image; everything else
 * (id, name, flavor, config drive, host) is kept.  Active or stopped
 * servers; an active one is running again afterwards.
 */
int		 server_rebuild(struct nb *, const char *server,
		    const char *image);
/*
 * Resize to flavor on the server's host: the host must have room for
 * the difference (the scheduler says why not); the root disk may grow,
 * never shrink.  The server is then RESIZED, keeping the claim of the
 * larger of both flavors until server_resize_finish() confirms (the
 * old disk copy is dropped) or reverts (old flavor and disk back).
 * *explain as for server_boot().
 */
int		 server_resize(struct nb *, const char *server,
		    const char *flavor, char **explain);
int		 server_resize_finish(struct nb *, const char *server,
		    int confirm);
/*
 * Migration (migrate.c): move a running server live to the host the
 * scheduler chooses (or host, cloud admins only), peer to peer through
 * libvirt; with block, its disks are copied too (hosts that do not share
 * storage).  The server's row changes host only when libvirt reports
 * success.  timeout 0: Nova's completion timeout, 800 s per GiB of RAM;
 * past it the move is aborted.  progress: on stderr.
 */
struct migrate_spec {
	const char	*server, *host;
	/* block: 1 copy the disks, 0 shared storage, -1 as the hosts say */
	int		 live, block, auto_converge, progress;
	long long	 timeout;
};
int		 server_migrate(struct nb *, const struct migrate_spec *,
		    char **explain);
/*
 * Rebuild a server of a host marked down on another host the scheduler
 * chooses (Nova's evacuate): its disks made afresh from its image (or
 * found there, with shared storage), its config drive from its row,
 * started there when it was active.  The down host is not contacted.
 */
int		 server_evacuate(struct nb *, const char *server,
		    char **explain);
/*
 * Move every server off a disabled host (cloud-host-evacuate): live
 * where asked and the server runs, else cold; rebuilt elsewhere when
 * the host is down.  With dry_run, only the plan.  Returns rows of
 * server, state, action, destination, result; with NB_EFAIL set too
 * when any server stayed (each one's reason in its row).  NULL when
 * nothing could be tried (not found, enabled, not allowed).
 */
struct table	*host_evacuate(struct nb *, const char *host, int live,
		    int dry_run);
/* Abort the migration of server in flight (its process records it). */
int		 server_migrate_abort(struct nb *, const char *server);
/* Migrations, newest first; of one server, or all (cloud admins). */
struct table	*migration_list(struct nb *, const char *server);
/*
 * cloud-reconcile's part for migrations whose process died: the server
 * is where libvirt runs its domain, the other host's claim is released
 * and its copies of the disks removed.  Runs before server_reconcile().
 */
int		 migration_reconcile(struct nb *, int dry_run,
		    struct table *t);

/* Destroy the server's domain, remove its disks, forget it. */
int		 server_delete(struct nb *, const char *server);
/*
 * cloud-reconcile's part for servers, host by host: work whose process
 * died or is overdue is completed when libvirt shows it done, else
 * undone and the server put in error; servers whose domain vanished go
 * to error, those libvirt shows powered off to stopped; domains of ours
 * no server owns are reported, and removed with fix.  A row a repair
 * is added to t.  Returns -1 when a host could not be reached (the
 * others are still done).
 */
int		 server_reconcile(struct nb *, int dry_run, int fix,
		    struct table *t);
struct server_filter {
	const char	*status, *host, *name;
	const char	*project;	/* cloud admins: one project's */
	int		 all_projects;
};
struct table	*server_list(struct nb *, const struct server_filter *);
/*
 * The server's serial console log (the last lines lines, 0: all): on
 * this machine for a local host, through libvirt from its host's pool
 * for a remote one; NULL with the error set.
 */
char		*server_console(struct nb *, const char *server, long lines);
struct table	*server_events(struct nb *, const char *server);
/*
 * Server groups: policy affinity, anti-affinity, soft-affinity or
 * soft-anti-affinity.
 */
struct table	*server_group_create(struct nb *, const char *name,
		    const char *policy);
struct table	*server_group_list(struct nb *, int all_projects);

/*
 * Where a server's serial console is logged on this machine, when its
 * host is this machine's libvirt; to free.
 */
char		*server_console_path(struct nb *, const char *id);

#endif
