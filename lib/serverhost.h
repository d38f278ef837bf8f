/*
 * serverhost.h: what boot.c and rebuild.c share about a server's things
 * on its host: the volumes it owns in the host's pool, the image bases
 * they grow from, and its domain definition.  Internal to the library.
 */
#ifndef NUBES_SERVERHOST_H
#define NUBES_SERVERHOST_H

#include <time.h>

struct arena;
struct nb;
struct sched_host;
struct virt;

#define BUILD_DEADLINE	600	/* seconds a boot or an action may take */
#define GIB		(1024ULL * 1024 * 1024)

/* The volume a server owns in its host's pool: "nubes-ID-WHAT". */
void	 server_volume(char *buf, size_t len, const char *id,
	    const char *what);

/*
 * The image as volume nubes-image-ID in the host's pool, uploaded once
 * per host and shared (recorded in host_images); *format gets the
 * volume's format, to free.  Returns its path, to free, or NULL.
 */
char	*base_volume(struct nb *, struct virt *, const char *host_id,
	    const char *pool, const char *image_id, const char *disk_format,
	    long long size, char **format);

/*
 * Remove what a boot made for server id on its host: domain, disks,
 * config drive, resize backup, the scratch files of its config drive.
 * Errors are not reported; the error in nb is kept.
 */
void	 boot_undo(struct nb *, struct virt *, const char *id,
	    const char *pool);

/*
 * Define (or redefine) server id's domain from its row and the volumes
 * it has in pool: flavor sizes, extra specs, root, ephemeral and swap
 * disks, config drive, and its image's kernel and ramdisk when the
 * image is ami (uploaded to the pool as needed).  With old, the sizes
 * of the flavor it is being resized from.  Returns 0 or -1.
 */
int	 server_define(struct nb *, struct virt *, const char *id,
	    const char *host_id, const char *pool, int old);

/* The domain XML server_define() defines, for a host; to free. */
char	*server_xml(struct nb *, struct virt *, const char *id,
	    const char *host_id, const char *pool, int old);

/*
 * Make server id's config drive in pool again from its row: name,
 * project, zone, key, user data, properties (a rebuild on another
 * host).  Returns 0 or -1.
 */
int	 server_config_drive(struct nb *, struct virt *, const char *id,
	    const char *pool);

/*
 * Where QEMU logs server id's serial console on the host of v: a file
 * here for this machine's libvirt, else a volume of pool, made when
 * missing (console.c).  To free; NULL with the error set.
 */
char	*server_console_log(struct nb *, struct virt *, const char *pool,
	    const char *id);
/*
 * Copy the console log from src's pool (or this machine) to dst's, for
 * a move, unless both hosts see one file (shared: a pool they share);
 * best effort, errors dropped: the history is no reason to fail.
 */
void	 console_carry(struct nb *, struct virt *src, const char *src_pool,
	    struct virt *dst, const char *dst_pool, const char *id,
	    int shared);

/* The volume names a server owns in its host's pool, NULL-terminated. */
extern const char *const server_volumes[];

/*
 * Power the domain off and wait until it is: with graceful, a running
 * guest is asked first (ACPI) and given a minute; then the power cord.
 * A domain already off is fine.  0, or -1.
 */
int	 server_power_off(struct nb *, struct virt *, const char *id,
	    int graceful);

/* Wait until the domain is in state, at most seconds; 0 or -1. */
int	 wait_state(struct virt *, const char *id, const char *state,
	    int seconds);

/*
 * The compute hosts as the scheduler takes them, with what their live
 * servers claim; only host_id when not NULL.  Loaded row by row into
 * one allocation arena, so that 100,000 hosts load quickly.
 */
struct host_set {
	struct sched_host	*hosts;
	char			**uri, **pool;	/* per host */
	size_t			 n;
	struct arena		*arena;
};
int	 host_set_load(struct nb *, const char *host_id, struct host_set *);
void	 host_set_free(struct host_set *);

/*
 * For a plan: the host of hs a migration of server would go to (its
 * name, to free, in *dest), counted in hs for the next server's choice.
 * 0, or -1 with the reason none can take it.
 */
int	 migrate_plan(struct nb *, struct host_set *, const char *server,
	    int live, char **dest);

/*
 * A server's network interface (its first port), as the domain and the
 * config drive need it (netvirt.c).  server_nic_load(): 1 with nic
 * filled, 0 when the server has no port, -1 on error; its strings live
 * until server_nic_free().
 */
struct server_nic {
	struct table	*row;
	const char	*bridge, *mac, *type, *net;
	const char	*ip, *gateway;		/* NULL: no address */
	char		 netmask[16];
	const char	*dns[4];
	size_t		 ndns;
	long long	 mtu;
	int		 port_security;
	const char	*port_id;
	const char	*net_id, *subnet_id;	/* subnet: NULL, none */
	int		 dhcp;			/* the subnet has DHCP */
	char		 filter[64];		/* its nwfilter's name */
	char		*dns_buf;
};
int	 server_nic_load(struct nb *, const char *id, struct server_nic *);
void	 server_nic_free(struct server_nic *);
/* The bridges of the server's networks on host v; 0 or -1. */
int	 server_nets_ensure(struct nb *, struct virt *, const char *id);
/*
 * Redefine the traffic filters a change of security group group_id
 * touches (its ports', and those of groups whose rules name it), on
 * their hosts: libvirt applies them to running guests at once.
 */
int	 secgroup_apply(struct nb *, const char *group_id);
/* The security groups of the server's ports, one id a row. */
struct table *server_secgroups(struct nb *, const char *server_id);
/* secgroup_apply() for each group of the table; -1 when any failed. */
int	 secgroups_apply(struct nb *, const struct table *groups);
/*
 * Is the libvirt URI this machine's (no host, localhost, 127.x)?  Its
 * bridges are made here with their uplinks (dataplane.c), and libvirt
 * uses them as they are.
 */
int	 uri_is_local(const char *uri);
/*
 * Everything networks put in this machine's kernel and on the hosts
 * made to match the database again: bridges, routers, DHCP servers,
 * and on each host the bridges its ports need and their filters (after
 * a reboot, say).  With prune, also remove nubes-named namespaces and
 * bridges here the database does not know (one cloud a machine).  The
 * table lists what was done, *failed set when anything failed (each
 * row says); NULL on error.
 */
struct table *net_sync(struct nb *, int prune, int *failed);
/* Remove bridge from host v when no port there needs it; errors dropped. */
void	 host_net_prune(struct nb *, struct virt *, const char *host_id,
	    const char *bridge);
/*
 * Inside the boot's claim transaction: a new port on net for the server
 * (deleted with it), or the existing port (unbound when the server
 * goes), bound to the server on its host.  0 or -1.
 */
int	 server_port_bind(struct nb *, const char *server_id,
	    const char *host_id, const char *net, const char *port,
	    const char *const *groups, size_t ngroups);
/*
 * cloud-port-set: a port's name, security groups and port security (on
 * free ports only), the filters of the port and of the groups it left
 * and joined redefined on their hosts at once.
 */
struct port_set_spec {
	const char	*name;			/* NULL: unchanged */
	const char *const *groups;		/* replace the groups */
	size_t		 ngroups;
	int		 clear_groups;		/* no group at all */
	int		 port_security;		/* -1 unchanged, 0, 1 */
};
int	 port_set(struct nb *, const char *port, const struct port_set_spec *);
/* Inside the delete's transaction: its own ports deleted, others unbound. */
int	 server_ports_release(struct nb *, const char *server_id);

/* A volume pool on v's host, made as a dir pool when missing. */
int	 volume_pool_ensure(struct nb *, struct virt *, const char *pool);

/* A row of server_events (Nova's instance action). */
int	 server_event(struct nb *, const char *id, const char *action,
	    time_t started, int ok, const char *message);

#endif
