/*
 * scheduler.h: the scheduler of cloud-boot (Nova's filter scheduler) as a
 * pure function over an array of host records: filters drop the hosts
 * that cannot take the server, weighers rank the rest, and the best is
 * chosen.  No database, no I/O: the caller loads the hosts inside the
 * write transaction that records the claim.  It explains itself: every
 * verdict carries the numbers it was made with.
 */

#ifndef NUBES_SCHEDULER_H
#define NUBES_SCHEDULER_H

#include <stddef.h>

/* One compute host as the caller loaded it; strings are borrowed. */
struct sched_host {
	const char	*id, *name, *zone;
	int		 enabled;
	const char	*disabled_reason;	/* may be NULL */
	double		 cpu_ratio, ram_ratio, disk_ratio;
	long long	 reserved_ram_mib;
	long long	 vcpus, ram_mib, disk_gb;		/* capacity */
	/* Claimed by servers on the host. */
	long long	 vcpus_used, ram_used_mib, disk_used_gb;
	int		 servers;		/* servers on the host */
	const char	*arch;			/* "x86_64"; NULL: unknown */
	const char	*hypervisor_type;	/* "QEMU"; NULL: unknown */
	int		 group_members;	/* the request's group's servers here */
};

/* What one server needs; strings are borrowed. */
struct sched_request {
	/* Per server; disk is root + ephemeral + swap rounded up to GB. */
	long long	 vcpus, ram_mib, disk_gb;
	const char	*zone;			/* NULL: any */
	/* A host name or id; NULL: none (admins only: the caller checks). */
	const char	*force_host;
	/* Image property architecture; NULL: any. */
	const char	*image_arch;
	/*
	 * Image property hypervisor_type ("qemu", "kvm"); NULL: any.
	 * Compared case-insensitively; a QEMU or KVM host (libvirt says
	 * "QEMU" for both) matches both "qemu" and "kvm".
	 */
	const char	*image_hypervisor_type;
	/*
	 * "affinity", "anti-affinity", "soft-affinity",
	 * "soft-anti-affinity" or NULL.  Any other value fails every host
	 * with "group: unknown policy 'x'".
	 */
	const char	*group_policy;
	int		 group_size;	/* servers already in the group */
	const char *const *same_host;	/* host ids to choose among */
	size_t		 nsame_host;	/* 0: no same_host hint */
	const char *const *different_host;	/* host ids to avoid */
	size_t		 ndifferent_host;
	/*
	 * Non-zero: build sched_result.explain (cloud-boot --explain).
	 * Zero: explain is NULL and filters stop at a host's first
	 * failure, which keeps a 100,000-host cloud fast.
	 */
	int		 explain;
};

/*
 * Weigher multipliers, with Nova's names and defaults (set by
 * sched_weights_default()).  Each weigher's raw value is normalized to
 * 0..1 across the hosts that passed the filters (min-max; all equal
 * gives 0), multiplied by its multiplier, and the products are summed;
 * the highest sum wins.  A positive multiplier favours a larger raw
 * value, a negative one a smaller.
 */
struct sched_weights {
	double	ram;		/* ram_weight_multiplier 1.0: free RAM */
	double	cpu;		/* cpu_weight_multiplier 1.0: free vCPUs */
	double	disk;		/* disk_weight_multiplier 1.0: free disk */
	/*
	 * num_instances_weight_multiplier 0.0: servers on the host.  As in
	 * Nova, positive favours hosts with MORE servers (packing) and
	 * negative favours fewer (spreading).
	 */
	double	servers;
	/* soft_affinity_weight_multiplier 1.0: group members here. */
	double	soft_affinity;
	/* soft_anti_affinity_weight_multiplier 1.0: minus group members. */
	double	soft_anti_affinity;
};

/* Fill w with Nova's defaults. */
void	sched_weights_default(struct sched_weights *w);

struct sched_result {
	int	 chosen;	/* index into hosts, or -1 */
	/*
	 * With sched_request.explain, the whole decision as lines, each
	 * ending in a newline; otherwise NULL.  Caller frees.  Shown
	 * wrapped here, each entry is one line:
	 *
	 *   request: vcpus 2, ram 2048 MiB, disk 20 GB, zone az1, host any,
	 *     same_host 0, different_host 0, arch any, hypervisor_type any,
	 *     group soft-anti-affinity (1 server)
	 * then for every host, in the order given (n == 0: "no hosts"):
	 *   host NAME (id ID, zone ZONE): PASS
	 *   host NAME (id ID, zone ZONE): FAIL FIRST-FILTER-THAT-FAILED
	 *     PASS ram: need 2048 MiB, free 12288 MiB (ratio 1.0,
	 *       reserved 512)
	 *     FAIL disk: need 20 GB, free 10 GB (ratio 1.0)
	 *     ...                    (every filter, in order, even after a
	 *                             failure: all of a host's problems)
	 *     weight: ram 0.50 x 1.0 + cpu 1.00 x 1.0 + disk 0.00 x 1.0
	 *       + servers 0.25 x 0.0 + soft-anti-affinity 1.00 x 1.0
	 *       = 2.50               (passing hosts only)
	 * then
	 *   weighers: 3 of 5 hosts passed; ram free 1536..8192 MiB, vcpus
	 *     free 2..30, disk free 10..80 GB, servers 0..4, group members
	 *     0..1                   (ranges over the passing hosts; group
	 *                             members under soft policies only)
	 *   chosen: NAME (id ID, weight 2.50)   or   chosen: none
	 *
	 * Verdict lines are indented by two spaces and read "PASS " or
	 * "FAIL ", the filter's name, ": " and its text.  The filters, in
	 * order: enabled, zone, host (force_host), same_host,
	 * different_host, arch, hypervisor_type, ram, vcpus, disk, group.
	 * The weight line shows each weigher's normalized value (0..1)
	 * times its multiplier; soft-affinity and soft-anti-affinity
	 * appear only under those policies.  Weights show two decimals;
	 * the choice uses the exact sums.
	 */
	char	*explain;
	/*
	 * One line per rejected host, in the order given, each ending in a
	 * newline: "NAME: FILTER: TEXT" with the first filter that failed,
	 * e.g. "host1: ram: need 2048 MiB, free 1536 MiB (ratio 1.0,
	 * reserved 512)".  Built whether or not a host was chosen (and
	 * with or without explain); "" when no host was rejected, "no
	 * hosts\n" when there were none.  Never NULL after
	 * sched_select().  Caller frees.
	 */
	char	*reasons;
};

/*
 * Run the filters then the weighers over n hosts for one server and fill
 * res (which need not be initialized).  weights NULL means the defaults.
 * Returns 0 when a host was chosen (res->chosen), or -1 when none passed
 * (res->chosen is -1 and res->reasons says why for each host; with n == 0
 * it says there are no hosts).  Never fails otherwise.  Deterministic: a
 * tie in weight goes to the host whose name sorts first (strcmp), then
 * id, then the earlier index.
 *
 * Free resources are rounded down to a whole unit: free RAM is
 * (ram_mib - reserved_ram_mib) * ram_ratio - ram_used_mib, free vCPUs
 * vcpus * cpu_ratio - vcpus_used, free disk disk_gb * disk_ratio -
 * disk_used_gb; a request that needs exactly what is free fits.  The
 * weighers use the same free values.
 */
int	sched_select(const struct sched_host *hosts, size_t n,
	    const struct sched_request *req,
	    const struct sched_weights *weights, struct sched_result *res);

/* Free what res holds and empty it; res may be NULL. */
void	sched_result_free(struct sched_result *res);

#endif
