/*
 * host.h: compute hosts, each a libvirt URI with its capacity.
 */
#ifndef NUBES_HOST_H
#define NUBES_HOST_H

#include "nubes.h"
#include "resource.h"

extern const struct resource	 res_host;

struct host_spec {
	const char	*name;
	const char	*uri;
	const char	*zone;
	const char	*pool;		/* storage pool; NULL: from the config */
	double		 cpu_ratio, ram_ratio, disk_ratio;	/* 0: default */
	long long	 reserved_ram_mib;			/* -1: default */
};

/*
 * Register a host: connect to its libvirt, read its CPUs, memory and
 * architecture, make sure its storage pool exists (a dir pool is made
 * when missing) and record it all.  Returns the host as shown.
 */
struct table	*host_add(struct nb *, const struct host_spec *);
struct table	*host_list(struct nb *);
/*
 * Enable, or disable with a reason the scheduler and admins see; with
 * down, the admin says the host is dead: its servers are evacuated by
 * rebuilding them elsewhere.  Enabling clears both.
 */
int		 host_enable(struct nb *, const char *host, int enable,
		    const char *reason, int down);

#endif
