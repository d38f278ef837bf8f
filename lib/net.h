/*
 * net.h: Neutron's model: networks, subnets with their address pools,
 * ports with MACs and fixed IPs, all checked and allocated inside the
 * writing transaction under UNIQUE constraints (net.c).  The dataplane
 * that realizes them on hosts lives apart, so that these programs do not
 * load libvirt.
 */
#ifndef NUBES_NET_H
#define NUBES_NET_H

#include <stdint.h>

#include "nubes.h"
#include "resource.h"

extern const struct resource	 res_net, res_subnet, res_port, res_secgroup,
				 res_secgroup_rule;

/* An IPv4 address in host order from text; 0 or -1. */
int		 ip4_parse(const char *s, uint32_t *a);
/* Text of an IPv4 address; buf of 16 bytes. */
const char	*ip4_text(uint32_t a, char buf[16]);
/*
 * "a.b.c.d/n" into its first and last addresses and prefix length;
 * NB_EUSAGE (what names the argument) unless the host bits are zero.
 */
int		 cidr_parse(struct nb *, const char *what, const char *s,
		    uint32_t *first, uint32_t *last, int *prefix);

struct net_spec {
	const char	*name;
	const char	*type;		/* local, flat, vlan, vxlan; NULL: tenant */
	const char	*physnet;	/* flat, vlan */
	long long	 segment;	/* VLAN id or VNI; -1: chosen */
	int		 external, shared;
	long long	 mtu;		/* 0: 1500, or 1450 for vxlan */
};
struct table	*net_create(struct nb *, const struct net_spec *);
/*
 * Is physnet in [network] physical_interface_mappings ("physnet:iface,
 * ...")?  1 or 0; iface gets its interface, or "" when that is empty or
 * too long for one.
 */
int		 physnet_iface(struct nb *, const char *physnet, char iface[16]);
struct table	*net_list(struct nb *, int all_projects);

struct subnet_spec {
	const char	*name, *net, *cidr;
	const char	*gateway;	/* NULL: the first address; "none" */
	const char *const *pools;	/* "START-END" */
	size_t		 npools;
	const char *const *dns;
	size_t		 ndns;
	const char *const *routes;	/* "CIDR=NEXTHOP" */
	size_t		 nroutes;
	int		 no_dhcp;
};
struct table	*subnet_create(struct nb *, const struct subnet_spec *);
struct table	*subnet_list(struct nb *, const char *net, int all_projects);

struct port_spec {
	const char	*name, *net;
	const char	*subnet;	/* where fixed_ip is, or to allocate in */
	const char	*fixed_ip;	/* NULL: the next free address */
	const char	*mac;		/* NULL: fa:16:3e:xx:xx:xx at random */
	const char	*device_owner, *device_id;
	int		 no_port_security;
	/* Security groups; none: the project's default group. */
	const char *const *groups;
	size_t		 ngroups;
	/*
	 * A router's leg, a DHCP server or a floating IP: not counted in
	 * the port quota, allowed on another project's external network,
	 * and given the subnet's gateway address outside its pools.
	 */
	int		 infrastructure;
};
struct table	*port_create(struct nb *, const struct port_spec *);
/*
 * Inside the caller's write transaction (cloud-boot --net): the port
 * made, its id into id.  0 or -1.
 */
int		 port_create_tx(struct nb *, const struct port_spec *,
		    char id[NB_UUID_LEN + 1]);
struct table	*port_list(struct nb *, const char *net, int all_projects);
/*
 * Inside the caller's write transaction: delete port id and give its
 * addresses back to their pools.
 */
int		 port_delete_tx(struct nb *, const char *id);
/* Delete a port not in use by a server; its addresses go back. */
int		 port_delete(struct nb *, const char *port);

/*
 * A delete refused while something uses the row: sql lists the users of
 * id as one text; with one, NB_ECONFLICT "WHAT 'NAME' HAS USERS; HINT"
 * (the id when the name is empty; no hint when NULL).  0 when nothing
 * uses it, or -1.
 */
int		 refuse_in_use(struct nb *, const char *sql, const char *id,
		    const char *what, const char *name, const char *has,
		    const char *hint);

/* Security groups (secgroup.c); applying them is netvirt.c's. */
struct table	*secgroup_create(struct nb *, const char *name,
		    const char *description);
struct table	*secgroup_list(struct nb *, int all_projects);
/* Inside a write transaction: project's default group, made if missing. */
int		 secgroup_default_tx(struct nb *, const char *project,
		    char id[NB_UUID_LEN + 1]);
struct rule_spec {
	const char	*group, *direction;	/* ingress, egress */
	const char	*protocol;		/* tcp, udp, icmp, any */
	const char	*ports;			/* "N" or "N-M"; NULL: all */
	const char	*remote_ip, *remote_group;	/* NULL: anywhere */
};
/* Add a rule; its id and its group's into id and group_id.  0 or -1. */
int		 secgroup_rule_add(struct nb *, const struct rule_spec *,
		    char id[NB_UUID_LEN + 1], char group_id[NB_UUID_LEN + 1]);
struct table	*secgroup_rule_show(struct nb *, const char *id);
int		 secgroup_rule_delete(struct nb *, const char *rule,
		    char group_id[NB_UUID_LEN + 1]);
struct table	*secgroup_rule_list(struct nb *, const char *group);
/* Inside a write transaction: the port's groups (none: default). */
int		 port_groups_set_tx(struct nb *, const char *port_id,
		    const char *const *groups, size_t n);

/*
 * Routers and floating IPs (router.c): records, then router_apply() of
 * the routers they touch.
 */
extern const struct resource	 res_router, res_fip;
struct table	*router_create(struct nb *, const char *name,
		    const char *external_net, int no_snat);
struct table	*router_list(struct nb *, int all_projects);
struct table	*router_show(struct nb *, const char *router);
/* external_net NULL: clear the gateway.  snat: -1 unchanged, 0, 1. */
int		 router_set(struct nb *, const char *router,
		    const char *external_net, int clear, int snat);
int		 router_add_subnet(struct nb *, const char *router,
		    const char *subnet);
int		 router_remove_subnet(struct nb *, const char *router,
		    const char *subnet);
int		 router_delete(struct nb *, const char *router);
struct table	*fip_create(struct nb *, const char *net, const char *address);
struct table	*fip_list(struct nb *, int all_projects);
/* target: a port, or a server (its first port). */
int		 fip_associate(struct nb *, const char *fip, const char *target);
int		 fip_disassociate(struct nb *, const char *fip);
int		 fip_delete(struct nb *, const char *fip);
/*
 * The routers of the floating IPs bound to the device's ports (a
 * server's), or to the port, before they go: port_delete_tx() unbinds
 * the floating IPs, routers_apply() after the commit ends their NAT.
 */
struct table	*ports_fip_routers(struct nb *, const char *device_or_port);
/* router_apply() for each id of the table; errors dropped. */
void		 routers_apply(struct nb *, const struct table *);

/*
 * dataplane.c: networks, routers and DHCP in this machine's kernel (the
 * network node).  Each apply is idempotent and makes the kernel match
 * the database; each removal leaves no device, namespace, table or
 * process behind.
 */
/* prefix, then id's first 8 and 3 more characters: ≤ 15 in all. */
void		 dp_name(char out[16], const char *prefix, const char *id);
/* The network's bridge here, with its uplink (flat, vlan, vxlan). */
int		 dp_bridge_ensure(struct nb *, const char *net_id);
/* Remove a deleted network's bridge here, and its uplink. */
int		 dp_bridge_remove(struct nb *, const char *net_id);
/* Remove bridges here nothing needs: net_id's, or any (NULL). */
int		 dp_prune(struct nb *, const char *net_id);
int		 router_apply(struct nb *, const char *router_id);
int		 router_unapply(struct nb *, const char *router_id);
/* The subnet's DHCP server, made, refreshed, or removed (DHCP off). */
int		 dhcp_apply(struct nb *, const char *subnet_id);
/* dhcp_apply() when the subnet's server runs: its hosts changed. */
int		 dhcp_refresh(struct nb *, const char *subnet_id);
int		 dhcp_remove(struct nb *, const char *subnet_id);
/*
 * Remove nubes-named router and DHCP namespaces, DHCP servers and
 * bridges here that this database does not know, adding a row (what,
 * name, result) to rep for each.
 */
int		 dp_sweep(struct nb *, struct table *rep);
/*
 * Hold the dataplane lock (every function above takes it itself) across
 * a check and the act it decides, such as "no port here any more, so
 * the bridge goes".  Never inside a database transaction.
 */
int		 dp_hold(struct nb *);
void		 dp_release(void);

#endif
