/*
 * virt.h: the hypervisor, through libvirt.  lib/virt.c is the only file
 * that includes libvirt's headers; this one does not, so a program
 * links libvirt only when it calls these functions (DESIGN.md 8).
 *
 * Every function that can fail returns -1 or NULL and leaves a message
 * ending in libvirt's own and an exit code in the struct nb given to
 * virt_open(): NB_ENOTFOUND for a domain that does not exist, NB_EUSAGE
 * for a malformed UUID, NB_ECONFLICT for a domain in the wrong state,
 * NB_EFAIL otherwise.  Nothing here prints or exits.
 */
#ifndef NUBES_VIRT_H
#define NUBES_VIRT_H

#include <stddef.h>

struct nb;
struct virt;

/*
 * Connect to the libvirt daemon at uri ("qemu:///system",
 * "qemu+ssh://host/system"; NULL means "qemu:///system").  Errors are
 * reported in nb, which must outlive the connection.  Returns NULL on
 * failure; virt_close() releases the result.
 */
struct virt	*virt_open(struct nb *nb, const char *uri);

/* Close the connection and free v; accepts NULL. */
void		 virt_close(struct virt *v);

/* The URI the connection was opened with; borrowed from v. */
const char	*virt_uri(const struct virt *v);

/*
 * Define a persistent domain from xml (libvirt domain XML; values from
 * users must have gone through xml_escape()) and start it.  Copies the
 * domain's UUID into uuid.  When the domain is defined but does not
 * start, it is undefined again, so a failure leaves nothing behind: do
 * not use this to restart a domain that already exists.  Returns 0, or
 * -1 with NB_ECONFLICT when a domain of that name or UUID is running or
 * defined with another UUID, NB_EFAIL otherwise.
 */
int		 virt_define_start(struct virt *v, const char *xml,
		    char uuid[37]);

/*
 * Define a persistent domain from xml, or replace the definition of the
 * one with its UUID (a running domain takes it at its next start).
 * Returns 0, or -1 with NB_ECONFLICT when the name is taken by a domain
 * with another UUID, NB_EFAIL otherwise.
 */
int		 virt_define(struct virt *v, const char *xml);

/*
 * Stop the domain with this UUID at once (power cut) and remove its
 * definition, managed save image, snapshot and checkpoint metadata and
 * NVRAM.  A domain that is already stopped, transient or gone is fine:
 * returns 0 when it no longer exists afterwards, -1 otherwise.
 */
int		 virt_destroy_undefine(struct virt *v, const char *uuid);

/*
 * Ask the guest to shut down (ACPI power button); does not wait.
 * Returns 0, or -1 with NB_ENOTFOUND, or NB_ECONFLICT when the domain is
 * not running.
 */
int		 virt_shutdown(struct virt *v, const char *uuid);

/*
 * Write the state of the domain with this UUID into buf (len bytes; 16
 * are enough): "nostate", "running", "blocked", "paused", "shutdown"
 * (shutting down), "shutoff", "crashed" or "pmsuspended".  Returns 0, or
 * -1 with NB_ENOTFOUND when no such domain exists.
 */
int		 virt_domain_state(struct virt *v, const char *uuid, char *buf,
		    size_t len);

/* What a host offers, read through libvirt. */
struct virt_host_info {
	int		 cpus;
	long long	 memory_mib;
	char		 arch[32];		/* "x86_64" */
	char		 hypervisor[32];	/* "QEMU" */
	char		 libvirt_version[32];
	char		 hostname[256];
};
int		 virt_host_info(struct virt *v, struct virt_host_info *h);

struct virt_pool_info {
	long long	 capacity_gb, available_gb;
	int		 created;		/* defined by this call */
};
/*
 * Make sure storage pool name exists and runs on v's host: a missing
 * one is defined as a dir pool at path (a path on that host), built,
 * started and autostarted.  Fills p; returns 0 or -1.
 */
int		 virt_pool_ensure(struct virt *v, const char *name,
		    const char *path, struct virt_pool_info *p);

/*
 * Stop and forget storage pool name (its directory is left); a missing
 * pool is fine.  For undoing virt_pool_ensure()'s creation.
 */
int		 virt_pool_remove(struct virt *v, const char *name);

/*
 * Volumes in a host's storage pool.  virt_vol_path() finds one
 * (NB_ENOTFOUND when missing); virt_vol_upload() makes volume name of
 * format ("raw", "qcow2") from a local file of size bytes, streamed
 * through libvirt so the host may be remote, deleting it again on
 * failure (NB_ECONFLICT when it exists); virt_vol_overlay() makes a qcow2
 * volume of capacity bytes backed by the volume at backing (NULL: a
 * blank one); virt_vol_resize() grows one to capacity bytes;
 * virt_vol_copy() copies volume from of from_pool into a new volume
 * name of pool in format, backing data included; virt_vol_delete()
 * removes one, a missing one being fine (NB_ECONFLICT while libvirt
 * still makes it).  *path (the volume's path on the host) is the caller's to
 * free.
 */
/*
 * Rescan a pool for volumes another host made in it (shared storage);
 * best effort: a refresh refused now only leaves the pool's view older.
 */
void		 virt_pool_refresh(struct virt *v, const char *pool);
int		 virt_vol_path(struct virt *v, const char *pool,
		    const char *name, char **path);
int		 virt_vol_upload(struct virt *v, const char *pool,
		    const char *name, const char *format, const char *file,
		    unsigned long long size, char **path);
int		 virt_vol_overlay(struct virt *v, const char *pool,
		    const char *name, const char *backing,
		    const char *backing_format, unsigned long long capacity,
		    char **path);
int		 virt_vol_resize(struct virt *v, const char *pool,
		    const char *name, unsigned long long capacity);
int		 virt_vol_copy(struct virt *v, const char *from_pool,
		    const char *from, const char *pool, const char *name,
		    const char *format);
/* A blank volume of format ("qcow2", "raw") and capacity bytes. */
int		 virt_vol_blank(struct virt *v, const char *pool,
		    const char *name, const char *format,
		    unsigned long long capacity);
/*
 * The format volumes of pool should have: "qcow2" in pools of files
 * (dir, fs, netfs), "raw" in block pools (logical, rbd, ...).
 */
int		 virt_pool_vol_format(struct virt *v, const char *pool,
		    char buf[8]);
/* The capacity of a volume in bytes; NB_ENOTFOUND when missing. */
int		 virt_vol_capacity(struct virt *v, const char *pool,
		    const char *name, unsigned long long *bytes);
/* The names of pool's volumes that start with prefix (to free each). */
int		 virt_vol_list(struct virt *v, const char *pool,
		    const char *prefix, char ***names, size_t *n);
int		 virt_vol_delete(struct virt *v, const char *pool,
		    const char *name);

/* The domains whose names start with prefix, with their states. */
struct virt_domain_info {
	char	 uuid[37];
	char	 name[128];
	char	 state[16];	/* as virt_domain_state() */
};
int		 virt_list_domains(struct virt *v, const char *prefix,
		    struct virt_domain_info **out, size_t *n);

/*
 * Disks of a domain: attach the <disk> element xml, in its definition
 * and, when it runs, live; detach it from the running domain (live)
 * and from its definition (config), as asked; whether its live (or defined)
 * XML has a disk at target ("vdd"): 1, 0 or -1; grow the disk at
 * target of a running domain to bytes.
 */
int		 virt_disk_attach(struct virt *v, const char *uuid,
		    const char *xml);
int		 virt_disk_detach(struct virt *v, const char *uuid,
		    const char *xml, int live, int config);
int		 virt_domain_has_disk(struct virt *v, const char *uuid,
		    const char *target, int live);
int		 virt_block_resize(struct virt *v, const char *uuid,
		    const char *target, unsigned long long bytes);
/* Whether the domain runs: 1, 0, or -1 (NB_ENOTFOUND when none). */
int		 virt_domain_active(struct virt *v, const char *uuid);

/*
 * A network's bridge on the host: a libvirt network of the bridge's
 * name with no forwarding and no addresses (isolated, no dnsmasq),
 * started and autostarted; one that exists is fine.  A bridge device
 * of that name that libvirt did not make is used as it is (forward mode
 * bridge), and left when the network is removed.  Removing one that is
 * gone is fine too.
 */
int		 virt_net_ensure(struct virt *v, const char *bridge,
		    long long mtu);
int		 virt_net_remove(struct virt *v, const char *bridge);

/*
 * The running domain as a migration carries it (its device addresses
 * fixed), to free; NULL with the error set.
 */
char		*virt_domain_migratable_xml(struct virt *v, const char *uuid);

/*
 * A traffic filter (nwfilter) from xml, defined or redefined: libvirt
 * applies a redefinition at once to the running domains that use it.
 * Undefining a missing one, or one still in use, is left alone.
 */
int		 virt_nwfilter_define(struct virt *v, const char *name,
		    const char *rules);
void		 virt_nwfilter_undefine(struct virt *v, const char *name);

/* A volume's bytes, all of them, into *data (len bytes, NUL after). */
int		 virt_vol_read(struct virt *v, const char *pool,
		    const char *name, char **data, size_t *len);

/*
 * The host part of a libvirt URI (qemu+ssh://user@host:22/system gives
 * "host"), to free; NULL for this machine's (qemu:///system).
 */
char		*virt_uri_address(const char *uri);
/* Whether v is this machine's libvirt (a URI without a host). */
int		 virt_is_local(const struct virt *v);

/*
 * Copy volume name of from's pool into a new volume of the same name
 * and capacity in to's pool, in format, streaming its bytes from one
 * host's libvirt to the other's: no path is shared.
 */
int		 virt_vol_transfer(struct virt *from, const char *from_pool,
		    const char *name, struct virt *to, const char *to_pool,
		    const char *format);

/*
 * Live-migrate the domain peer to peer to dest_uri (as the source host's
 * libvirt reaches it), persistent there and undefined here; with block,
 * the disks' top layers are copied too (their bases and the rest must
 * already be on the destination at the same paths).  address, when not
 * NULL, is the destination's address for the migration stream and disk
 * copies; dest_xml, when not NULL, the domain as the destination runs
 * it (its own disk paths).  how: VIRT_MIG_* ORed.  Blocks until done;
 * NB_ECONFLICT when the job was aborted.
 */
#define VIRT_MIG_BLOCK		0x1	/* copy the disks' top layers */
#define VIRT_MIG_AUTO_CONVERGE	0x2	/* throttle vCPUs that dirty fast */
#define VIRT_MIG_PAUSED		0x4	/* leave it paused on the destination */
int		 virt_migrate_live(struct virt *v, const char *uuid,
		    const char *dest_uri, const char *address,
		    const char *dest_xml, unsigned int how);

/* A domain's job: the running one, or the last completed one. */
struct virt_job {
	int			 active;
	unsigned long long	 elapsed_ms, downtime_ms;
	unsigned long long	 processed, total, remaining;	/* bytes */
};
int		 virt_job_progress(struct virt *v, const char *uuid,
		    int completed, struct virt_job *j);
int		 virt_job_abort(struct virt *v, const char *uuid);

/* What virt_domain_op() does to a domain. */
enum virt_op {
	VIRT_START,		/* start, or restore a managed save */
	VIRT_START_PAUSED,	/* start with its vCPUs stopped */
	VIRT_SHUTDOWN,		/* ACPI power button; does not wait */
	VIRT_DESTROY,		/* power cut; the definition stays */
	VIRT_REBOOT,		/* ask the guest to reboot */
	VIRT_RESET,		/* reset button */
	VIRT_PAUSE,		/* stop its vCPUs, memory kept */
	VIRT_UNPAUSE,
	VIRT_SAVE		/* managed save to disk, then off */
};
/* Do op to the domain with this UUID; 0, or -1 with libvirt's reason. */
int		 virt_domain_op(struct virt *v, const char *uuid,
		    enum virt_op op);

#endif /* NUBES_VIRT_H */
