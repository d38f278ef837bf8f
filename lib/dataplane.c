/*
 * dataplane.c: what networks, routers and DHCP are in this machine's
 * kernel.  The machine that runs the cloud-* programs is the network
 * node, as Neutron's L3 and DHCP agents' host is, but without agents:
 * the command that changes a router or a subnet applies the change
 * here before it exits, and cloud-net-sync applies everything again
 * after a reboot.
 *
 * Every object's name comes from an id (≤ 15 characters, the kernel's
 * limit), so each apply finds what an earlier one made and is
 * idempotent:
 *
 *	nbr-ID		a network's bridge (networks.bridge)
 *	nvx-ID, nvl-ID	its VXLAN or VLAN uplink (the bridge's ID); a flat
 *			network's uplink
 *			is the physical interface itself
 *	nrt-ID		a router's namespace; in it qr-PORT (a subnet's
 *			gateway address) and qg-PORT (the external leg,
 *			with the floating IPs), veth peers of nqr-PORT
 *			and nqg-PORT in the network's bridge
 *	ndh-ID		a subnet's DHCP namespace; ns-PORT in it, nds-PORT
 *			in the bridge, and one dnsmasq serving the hosts
 *			file [network] dhcp_dir/SUBNET/hosts
 *
 * NAT is nftables: one table, "ip nubes", in each router namespace,
 * replaced whole in one nft transaction.  Removal leaves nothing: the
 * namespace goes with everything in it, the bridge's side of each veth
 * is deleted first, and dnsmasq (found by its pid file, and checked to
 * be the one started for that file) is waited for.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <net/if.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nubes.h"
#include "net.h"

#define ARGS_MAX	40

void
dp_name(char out[16], const char *prefix, const char *id)
{
	snprintf(out, 16, "%s%.8s%.3s", prefix, id, strlen(id) > 9 ?
	    id + 9 : "");
}

/* argv from arg0 and the arguments after it, which end with NULL. */
static void
args(const char *argv[ARGS_MAX + 1], const char *arg0, va_list ap)
{
	int	 n = 0;

	argv[n++] = arg0;
	while (n < ARGS_MAX && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	argv[n] = NULL;
}

/* Run a program; the arguments end with NULL.  0, or -1 with its stderr. */
static int
run(struct nb *nb, char **out, const char *arg0, ...)
{
	const char	*argv[ARGS_MAX + 1];
	va_list		 ap;

	va_start(ap, arg0);
	args(argv, arg0, ap);
	va_end(ap);
	return spawn_ok(nb, (char *const *)argv, NULL, out);
}

/* Does the program succeed?  Its output and errors are dropped. */
static int
succeeds(struct nb *nb, const char *arg0, ...)
{
	struct spawn_result	 res;
	const char		*argv[ARGS_MAX + 1];
	va_list			 ap;
	int			 ok;

	va_start(ap, arg0);
	args(argv, arg0, ap);
	va_end(ap);
	if (spawn_run(nb, (char *const *)argv, NULL, &res) == -1) {
		nb_clearerr(nb);
		return 0;
	}
	ok = res.status == 0;
	spawn_result_free(&res);
	return ok;
}

static struct table *
names_new(void)
{
	static const char *const cols[] = { "name" };

	return table_new(1, cols);
}

static void
names_add(struct table *t, const char *name)
{
	const char	*cells[] = { name };

	table_add_row(t, cells);
}

/*
 * This cloud's mark on what it makes here: "nubes:" and the state
 * directory's real path, the alias of its bridges and of its namespaces'
 * lo, and the owner file of its DHCP directories.  cloud-net-sync
 * --prune removes only what carries it: another cloud on this machine
 * keeps its own.
 */
static void
mark_of(struct nb *nb, char out[256])
{
	char	 path[PATH_MAX];

	strlcpy(out, "nubes:", 256);
	strlcat(out, realpath(nb->state_dir, path) != NULL ? path :
	    nb->state_dir, 256);
}

/* The first line of a small file, or "" when there is none. */
static void
first_line(const char *path, char out[256])
{
	FILE	*f;

	*out = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(out, 256, f) == NULL)
		*out = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static int
link_here(const char *dev)
{
	return if_nametoindex(dev) != 0;
}

static int
ns_exists(const char *ns)
{
	char	 path[64];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	return access(path, F_OK) == 0;
}

static int
ns_ensure(struct nb *nb, const char *ns, int forward)
{
	char	 mark[256];

	if (!ns_exists(ns) && !succeeds(nb, "ip", "netns", "add", ns, NULL) &&
	    !ns_exists(ns))
		return nb_seterr(nb, NB_EFAIL, "cannot make network "
		    "namespace %s", ns);
	mark_of(nb, mark);
	if (run(nb, NULL, "ip", "-n", ns, "link", "set", "lo", "up", "alias",
	    mark, NULL) == -1)
		return -1;
	if (forward && run(nb, NULL, "ip", "netns", "exec", ns, "sysctl",
	    "-qw", "net.ipv4.ip_forward=1", NULL) == -1)
		return -1;
	return 0;
}

/*
 * Names of the devices in namespace ns whose names start with prefix,
 * one a row; NULL on error.
 */
static struct table *
ns_links(struct nb *nb, const char *ns, const char *prefix)
{
	struct table	*t;
	char		*out, *line, *p, *name;
	size_t		 n = strlen(prefix);

	t = names_new();
	if (!ns_exists(ns))
		return t;
	if (run(nb, &out, "ip", "-n", ns, "-o", "link", "show", NULL) == -1) {
		table_free(t);
		return NULL;
	}
	/* "3: qr-0123abcd456@if4: <...> ..." */
	for (p = out; (line = strsep(&p, "\n")) != NULL;) {
		if ((name = strchr(line, ':')) == NULL)
			continue;
		name += strspn(name, ": ");
		name[strcspn(name, "@:")] = '\0';
		if (strncmp(name, prefix, n) == 0)
			names_add(t, name);
	}
	free(out);
	return t;
}

/*
 * A veth leg: root in bridge (this kernel's namespace), its peer inner
 * in namespace ns with mac and addr ("a.b.c.d/n").
 */
static int
leg_ensure(struct nb *nb, const char *ns, const char *root,
    const char *inner, const char *mac, const char *addr,
    const char *bridge, long long mtu)
{
	char	 m[24];

	snprintf(m, sizeof(m), "%lld", mtu);
	if (!succeeds(nb, "ip", "-n", ns, "link", "show", "dev", inner,
	    NULL)) {
		if (link_here(root))
			(void)succeeds(nb, "ip", "link", "del", root, NULL);
		if (run(nb, NULL, "ip", "link", "add", root, "type", "veth",
		    "peer", "name", inner, "netns", ns, NULL) == -1)
			return -1;
	}
	return run(nb, NULL, "ip", "link", "set", root, "master", bridge,
	    "mtu", m, "up", NULL) == -1 ||
	    run(nb, NULL, "ip", "-n", ns, "link", "set", inner, "address", mac,
	    "mtu", m, "up", NULL) == -1 ||
	    run(nb, NULL, "ip", "-n", ns, "addr", "replace", addr, "dev",
	    inner, NULL) == -1 ? -1 : 0;
}

/* The interface of physical network physnet here. */
static int
physnet_here(struct nb *nb, const char *physnet, char iface[16])
{
	if (!physnet_iface(nb, physnet, iface) || *iface == '\0')
		return nb_seterr(nb, NB_EFAIL, "physical network '%s' has no "
		    "interface in [network] physical_interface_mappings",
		    physnet);
	if (!link_here(iface))
		return nb_seterr(nb, NB_EFAIL, "interface %s of physical "
		    "network '%s' is not on this machine", iface, physnet);
	return 0;
}

/* The uplink of a flat, vlan or vxlan network's bridge, made here. */
static int
uplink_ensure(struct nb *nb, const char *type, const char *physnet,
    const char *segment, const char *bridge, const char *mtu)
{
	char		 iface[16], dev[16];
	const char	*group, *local;

	if (strcmp(type, "flat") == 0 || strcmp(type, "vlan") == 0) {
		if (physnet_here(nb, physnet, iface) == -1)
			return -1;
		if (strcmp(type, "flat") == 0)
			return run(nb, NULL, "ip", "link", "set", iface,
			    "master", bridge, "up", NULL);
		snprintf(dev, sizeof(dev), "nvl-%s", bridge + 4);
		if (!link_here(dev) && run(nb, NULL, "ip", "link", "add",
		    "link", iface, "name", dev, "type", "vlan", "id", segment,
		    NULL) == -1) {
			char	*why = xstrdup(nb_errstr(nb));

			nb_seterr(nb, NB_EFAIL, "VLAN device %s (id %s on %s): "
			    "%s%s", dev, segment, iface, why, strstr(why,
			    "Unknown device type") != NULL ? " (this kernel "
			    "has no 802.1Q: modprobe 8021q)" : "");
			free(why);
			return -1;
		}
	} else if (strcmp(type, "vxlan") == 0) {
		snprintf(dev, sizeof(dev), "nvx-%s", bridge + 4);
		group = conf_get(nb->conf, "network", "vxlan_group",
		    "239.1.1.1");
		local = conf_get(nb->conf, "network", "vxlan_interface", "");
		if (*local == '\0')
			return nb_seterr(nb, NB_EFAIL, "vxlan networks need "
			    "[network] vxlan_interface, the device their "
			    "tunnels use");
		if (!link_here(dev) && run(nb, NULL, "ip", "link", "add", dev,
		    "type", "vxlan", "id", segment, "group", group, "dev",
		    local, "dstport", "4789", NULL) == -1)
			return -1;
	} else
		return 0;
	return run(nb, NULL, "ip", "link", "set", dev, "master", bridge,
	    "mtu", mtu, "up", NULL);
}

static int
dp_bridge_ensure_1(struct nb *nb, const char *net_id)
{
	struct table	*t;
	char		**r, mark[256];
	int		 rv = -1;

	mark_of(nb, mark);
	if ((t = db_table(nb, "SELECT bridge, type, physical_net, segment,"
	    " mtu FROM networks WHERE id = ?1", "s", net_id)) == NULL)
		return -1;
	if (t->nrows == 0) {
		table_free(t);
		return nb_seterr(nb, NB_ENOTFOUND, "no network %s", net_id);
	}
	r = t->cells;
	/* Two programs may race to make it: the loser finds it made. */
	if (!link_here(r[0]) && run(nb, NULL, "ip", "link", "add", r[0],
	    "type", "bridge", "stp_state", "0", "forward_delay", "0",
	    NULL) == -1 && !link_here(r[0]))
		goto out;
	nb_clearerr(nb);
	if (run(nb, NULL, "ip", "link", "set", r[0], "mtu", r[4], "up",
	    "alias", mark, NULL) == -1 ||
	    uplink_ensure(nb, r[1], r[2], r[3], r[0], r[4]) == -1)
		goto out;
	rv = 0;
out:
	table_free(t);
	return rv;
}

/*
 * What needs a network's bridge here: a port bound to a host, a
 * router's leg, a DHCP server.
 */
static const char bridge_users_sql[] =
    "SELECT count(*) FROM ports WHERE network_id = ?1 AND"
    " (host_id IS NOT NULL OR device_owner IN ('network:router_interface',"
    " 'network:router_gateway', 'network:dhcp'))";

/*
 * Remove a bridge here and its VXLAN or VLAN uplink; deleting it frees a
 * flat network's physical interface.
 */
static int
bridge_remove(struct nb *nb, const char *bridge)
{
	static const char *const uplinks[] = { "nvx-", "nvl-" };
	char			 dev[16];
	size_t			 i;

	for (i = 0; i < sizeof(uplinks) / sizeof(uplinks[0]); i++) {
		snprintf(dev, sizeof(dev), "%s%s", uplinks[i], bridge + 4);
		if (link_here(dev) && run(nb, NULL, "ip", "link", "del", dev,
		    NULL) == -1 && link_here(dev))
			return -1;
	}
	if (link_here(bridge) && run(nb, NULL, "ip", "link", "del", bridge,
	    NULL) == -1 && link_here(bridge))
		return -1;
	nb_clearerr(nb);
	return 0;
}

static int
dp_bridge_remove_1(struct nb *nb, const char *net_id)
{
	char	 bridge[16];

	dp_name(bridge, "nbr-", net_id);
	return bridge_remove(nb, bridge);
}

static int
dp_prune_1(struct nb *nb, const char *net_id)
{
	struct nb_error	 keep;
	struct table	*t;
	size_t		 i;
	int		 rv = 0;

	if ((t = db_table(nb, "SELECT id, bridge FROM networks WHERE ?1 IS"
	    " NULL OR id = ?1", "s", net_id)) == NULL)
		return -1;
	for (i = 0; i < t->nrows; i++) {
		char	**r = &t->cells[i * t->ncols];

		if (!link_here(r[1]) ||
		    db_int(nb, 1, bridge_users_sql, "s", r[0]) != 0)
			continue;
		/* The first failure is the one told. */
		if (bridge_remove(nb, r[1]) == -1 && rv == 0) {
			nb_error_save(nb, &keep);
			rv = -1;
		}
	}
	table_free(t);
	if (rv == -1)
		nb_error_restore(nb, &keep);
	return rv;
}

/* --- routers -------------------------------------------------------- */

static const char legs_sql[] =
    "SELECT p.id, p.mac, i.ip, s.cidr, p.network_id, n.bridge, n.mtu,"
    " p.device_owner, s.gateway FROM ports p"
    " JOIN port_ips i ON i.port_id = p.id"
    " JOIN subnets s ON s.id = i.subnet_id"
    " JOIN networks n ON n.id = p.network_id"
    " WHERE p.device_id = ?1 AND p.device_owner IN"
    " ('network:router_interface', 'network:router_gateway')"
    " ORDER BY p.device_owner DESC, p.created_at, p.id";

/* "a.b.c.d/n" of address ip in cidr. */
static void
addr_in(char out[24], const char *ip, const char *cidr)
{
	const char	*slash = strchr(cidr, '/');

	snprintf(out, 24, "%s/%s", ip, slash != NULL ? slash + 1 : "32");
}

/*
 * The legs of a namespace: a veth whose inner name and whose peer's in
 * the bridge share the port's digits behind their prefixes.
 */
struct leg_kind {
	const char	*inner, *root;
};
static const struct leg_kind router_legs[] = {	/* qr-, then qg- */
	{ "qr-", "nqr-" }, { "qg-", "nqg-" }, { NULL, NULL }
};
static const struct leg_kind dhcp_legs[] = {
	{ "ns-", "nds-" }, { NULL, NULL }
};

/*
 * Remove the legs of ns of one kind that are not in keep (inner names;
 * NULL keeps none): the bridge's side, which takes its peer with it, or
 * the inner side alone when that is all there is.
 */
static int
legs_prune(struct nb *nb, const char *ns, const struct leg_kind *kind,
    const struct table *keep)
{
	struct table	*t;
	char		 root[32];
	size_t		 i, j;
	int		 rv = 0;

	if ((t = ns_links(nb, ns, kind->inner)) == NULL)
		return -1;
	for (i = 0; i < t->nrows; i++) {
		for (j = 0; keep != NULL && j < keep->nrows; j++)
			if (strcmp(keep->cells[j], t->cells[i]) == 0)
				break;
		if (keep != NULL && j < keep->nrows)
			continue;
		snprintf(root, sizeof(root), "%s%s", kind->root,
		    t->cells[i] + strlen(kind->inner));
		if ((link_here(root) ? run(nb, NULL, "ip", "link", "del", root,
		    NULL) : run(nb, NULL, "ip", "-n", ns, "link", "del",
		    t->cells[i], NULL)) == -1)
			rv = -1;
	}
	table_free(t);
	return rv;
}

/* Delete namespace ns and its legs, of kinds (ending with NULLs). */
static int
ns_remove(struct nb *nb, const char *ns, const struct leg_kind *kinds)
{
	for (; kinds->inner != NULL; kinds++)
		if (legs_prune(nb, ns, kinds, NULL) == -1)
			return -1;
	if (ns_exists(ns) && run(nb, NULL, "ip", "netns", "del", ns,
	    NULL) == -1)
		return -1;
	return 0;
}

/* The floating IPs of the gateway leg: exactly fips, as /32s. */
static int
fip_addrs_sync(struct nb *nb, const char *ns, const char *dev,
    const char *gw_addr, const struct table *fips)
{
	char	*out, *p, *line, *a, want[24];
	size_t	 i;
	int	 rv = 0;

	for (i = 0; i < fips->nrows; i++) {
		snprintf(want, sizeof(want), "%s/32",
		    fips->cells[i * fips->ncols]);
		if (run(nb, NULL, "ip", "-n", ns, "addr", "replace", want,
		    "dev", dev, NULL) == -1)
			return -1;
	}
	if (run(nb, &out, "ip", "-n", ns, "-o", "-4", "addr", "show", "dev",
	    dev, NULL) == -1)
		return -1;
	/* "5: qg-x    inet 198.51.100.7/32 scope global qg-x ..." */
	for (p = out; (line = strsep(&p, "\n")) != NULL;) {
		if ((a = strstr(line, " inet ")) == NULL)
			continue;
		a += 6;
		a[strcspn(a, " ")] = '\0';
		if (strcmp(a, gw_addr) == 0)
			continue;
		for (i = 0; i < fips->nrows; i++) {
			snprintf(want, sizeof(want), "%s/32",
			    fips->cells[i * fips->ncols]);
			if (strcmp(a, want) == 0)
				break;
		}
		if (i == fips->nrows && run(nb, NULL, "ip", "-n", ns, "addr",
		    "del", a, "dev", dev, NULL) == -1)
			rv = -1;
	}
	free(out);
	return rv;
}

/*
 * The router's NAT, whole: each floating IP 1:1 to its fixed address,
 * then the joined subnets' SNAT to the gateway address, both only on
 * the way out of the external leg.  No gateway: no table.
 */
static int
nat_apply(struct nb *nb, const char *ns, const char *qg, const char *gw_ip,
    int snat, const struct table *cidrs, const struct table *fips)
{
	struct buf	 b;
	size_t		 i;
	int		 rc;
	char		*argv[] = { "ip", "netns", "exec", (char *)ns, "nft",
			    "-f", "-", NULL };

	buf_init(&b);
	buf_puts(&b, "table ip nubes {}\ndelete table ip nubes\n");
	if (qg != NULL) {
		buf_puts(&b, "table ip nubes {\n chain prerouting {\n"
		    "  type nat hook prerouting priority dstnat; policy "
		    "accept;\n");
		for (i = 0; i < fips->nrows; i++)
			buf_printf(&b, "  ip daddr %s dnat to %s\n",
			    fips->cells[i * 2], fips->cells[i * 2 + 1]);
		buf_puts(&b, " }\n chain postrouting {\n  type nat hook "
		    "postrouting priority srcnat; policy accept;\n");
		for (i = 0; i < fips->nrows; i++)
			buf_printf(&b, "  oifname \"%s\" ip saddr %s snat to "
			    "%s\n", qg, fips->cells[i * 2 + 1],
			    fips->cells[i * 2]);
		for (i = 0; snat && i < cidrs->nrows; i++)
			buf_printf(&b, "  oifname \"%s\" ip saddr %s snat to "
			    "%s\n", qg, cidrs->cells[i], gw_ip);
		buf_puts(&b, " }\n}\n");
	}
	rc = spawn_ok(nb, argv, b.s, NULL);
	buf_free(&b);
	return rc;
}

static int
router_apply_1(struct nb *nb, const char *router_id)
{
	struct table	*legs = NULL, *fips = NULL, *cidrs, *qr, *qg;
	char		 ns[16], root[16], inner[16], addr[24], gw_addr[24];
	char		 qgdev[16], gw_ip[16], *snat;
	const char	*ext_gw = NULL;
	size_t		 i;
	int		 rv = -1;

	dp_name(ns, "nrt-", router_id);
	cidrs = names_new();
	qr = names_new();
	qg = names_new();
	*qgdev = *gw_addr = *gw_ip = '\0';
	if ((snat = db_text(nb, "SELECT snat FROM routers WHERE id = ?1", "s",
	    router_id)) == NULL) {
		if (nb->errcode == 0)
			nb_seterr(nb, NB_ENOTFOUND, "no router %s", router_id);
		goto out;
	}
	if ((legs = db_table(nb, legs_sql, "s", router_id)) == NULL ||
	    (fips = db_table(nb, "SELECT address, fixed_ip FROM floating_ips"
	    " WHERE router_id = ?1 AND fixed_ip IS NOT NULL ORDER BY address",
	    "s", router_id)) == NULL ||
	    ns_ensure(nb, ns, 1) == -1)
		goto out;
	for (i = 0; i < legs->nrows; i++) {
		char	**r = &legs->cells[i * legs->ncols];
		int	  gw = strcmp(r[7], "network:router_gateway") == 0;

		dp_name(root, router_legs[gw].root, r[0]);
		dp_name(inner, router_legs[gw].inner, r[0]);
		addr_in(addr, r[2], r[3]);
		if (dp_bridge_ensure(nb, r[4]) == -1 ||
		    leg_ensure(nb, ns, root, inner, r[1], addr, r[5],
		    strtoll(r[6], NULL, 10)) == -1)
			goto out;
		if (gw) {
			names_add(qg, inner);
			strlcpy(qgdev, inner, sizeof(qgdev));
			strlcpy(gw_addr, addr, sizeof(gw_addr));
			strlcpy(gw_ip, r[2], sizeof(gw_ip));
			ext_gw = r[8];
		} else {
			names_add(qr, inner);
			names_add(cidrs, r[3]);
		}
	}
	if (legs_prune(nb, ns, &router_legs[0], qr) == -1 ||
	    legs_prune(nb, ns, &router_legs[1], qg) == -1)
		goto out;
	if (*qgdev != '\0') {
		if (fip_addrs_sync(nb, ns, qgdev, gw_addr, fips) == -1)
			goto out;
		if (ext_gw != NULL && run(nb, NULL, "ip", "-n", ns, "route",
		    "replace", "default", "via", ext_gw, "dev", qgdev,
		    NULL) == -1)
			goto out;
	}
	if (nat_apply(nb, ns, *qgdev != '\0' ? qgdev : NULL, gw_ip,
	    strcmp(snat, "1") == 0, cidrs, fips) == -1)
		goto out;
	rv = 0;
out:
	free(snat);
	table_free(legs);
	table_free(fips);
	table_free(cidrs);
	table_free(qr);
	table_free(qg);
	return rv;
}

static int
router_unapply_1(struct nb *nb, const char *router_id)
{
	char	 ns[16];

	dp_name(ns, "nrt-", router_id);
	return ns_remove(nb, ns, router_legs);
}

/* --- DHCP ----------------------------------------------------------- */

static char *
dhcp_dir(struct nb *nb, const char *subnet_id)
{
	char	*d;

	xasprintf(&d, "%s/%s", conf_get(nb->conf, "network", "dhcp_dir",
	    "/run/nubes/dhcp"), subnet_id);
	return d;
}

/*
 * mkdir -p, what it makes and path itself 0755 whatever the umask:
 * dnsmasq reads its files as nobody, and an admin's umask of 077 would
 * leave it serving no one.
 */
static int
mkdirs(struct nb *nb, const char *path)
{
	char	*p, *s;

	p = xstrdup(path);
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		int	 end = *s == '\0', made;

		*s = '\0';
		made = mkdir(p, 0755) == 0;
		if ((!made && errno != EEXIST) ||
		    ((made || end) && chmod(p, 0755) == -1)) {
			nb_seterr(nb, NB_EFAIL, "%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		if (end)
			break;
		*s = '/';
	}
	free(p);
	return 0;
}

/*
 * Replace path with text, through a temporary file and rename; the file
 * is 0644 whatever the umask, for dnsmasq reading it as nobody.
 */
static int
file_replace(struct nb *nb, const char *path, const char *text)
{
	char	*tmp;
	FILE	*f = NULL;
	int	 fd, ok;

	xasprintf(&tmp, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1 || fchmod(fd, 0644) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		nb_seterr(nb, NB_EFAIL, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		free(tmp);
		return -1;
	}
	ok = fputs(text, f) != EOF;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) == -1) {
		nb_seterr(nb, NB_EFAIL, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

/*
 * The pid of the dnsmasq started for dir: its pid file, and its command
 * line naming that pid file, so another process that took the number
 * since is never signalled.  0 when none runs.
 */
static pid_t
dnsmasq_pid(const char *dir)
{
	char	 path[512], want[512], cmd[4096];
	long	 pid;
	ssize_t	 n, off;
	FILE	*f;
	int	 fd;

	snprintf(path, sizeof(path), "%s/pid", dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 1) {
		fclose(f);
		return 0;
	}
	fclose(f);
	snprintf(want, sizeof(want), "--pid-file=%s/pid", dir);
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	cmd[n] = '\0';
	for (off = 0; off < n; off += strlen(cmd + off) + 1)
		if (strcmp(cmd + off, want) == 0)
			return (pid_t)pid;
	return 0;
}

/* Running, not a zombie waiting for whoever adopted it. */
static int
alive(pid_t pid)
{
	char	 path[64], buf[256], *p;
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')'. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] == '\0')
		return 0;
	return p[2] != 'Z' && p[2] != 'X';
}

static const char dhcp_port_sql[] =
    "SELECT p.id, p.mac, i.ip FROM ports p JOIN port_ips i"
    " ON i.port_id = p.id WHERE p.device_owner = 'network:dhcp'"
    " AND p.device_id = ?1 AND i.subnet_id = ?1";

/* The subnet's DHCP port, made when missing; its row, or NULL. */
static struct table *
dhcp_port(struct nb *nb, const char *subnet_id, const char *net_id)
{
	struct port_spec	 ps;
	struct table		*t;
	char			 id[NB_UUID_LEN + 1];

	if ((t = db_table(nb, dhcp_port_sql, "s", subnet_id)) == NULL ||
	    t->nrows > 0)
		return t;
	table_free(t);
	memset(&ps, 0, sizeof(ps));
	ps.net = net_id;
	ps.subnet = subnet_id;
	ps.device_owner = "network:dhcp";
	ps.device_id = subnet_id;
	ps.no_port_security = 1;
	ps.infrastructure = 1;
	if (db_begin(nb) == -1)
		return NULL;
	/* Another program may have made it since: take that one. */
	if (db_int(nb, 1, "SELECT count(*) FROM ports WHERE device_owner ="
	    " 'network:dhcp' AND device_id = ?1", "s", subnet_id) == 0 &&
	    (port_create_tx(nb, &ps, id) == -1 || db_exec(nb, NULL, "UPDATE"
	    " ports SET status = 'ACTIVE' WHERE id = ?1", "s", id) == -1)) {
		db_rollback(nb);
		return NULL;
	}
	if (nb->errcode != 0 || db_commit(nb) == -1) {
		db_rollback(nb);
		return NULL;
	}
	return db_table(nb, dhcp_port_sql, "s", subnet_id);
}

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Is a line of path's text (when it exists) missing from text?  Sorted
 * and searched: a subnet may hold tens of thousands of ports.
 */
static int
lines_dropped(const char *path, const char *text)
{
	char	**lines = NULL, *copy, *p, *l, *line = NULL;
	size_t	 n = 0, cap = 0, lcap = 0;
	ssize_t	 len;
	FILE	*f;
	int	 dropped = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	copy = xstrdup(text);
	for (p = copy; (l = strsep(&p, "\n")) != NULL;) {
		if (*l == '\0')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			lines = xreallocarray(lines, cap, sizeof(*lines));
		}
		lines[n++] = l;
	}
	if (n > 0)
		qsort(lines, n, sizeof(*lines), line_cmp);
	while (!dropped && (len = getline(&line, &lcap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		dropped = len > 0 && (n == 0 || bsearch(&line, lines, n,
		    sizeof(*lines), line_cmp) == NULL);
	}
	free(line);
	free(lines);
	free(copy);
	fclose(f);
	return dropped;
}

/*
 * The hosts and options files of the subnet's dnsmasq; *hosts is the
 * hosts file's text, for the caller to free.
 */
static int
dhcp_files(struct nb *nb, const char *dir, const char *subnet_id,
    char **row, char **hosts)
{
	struct table	*t;
	struct buf	 b;
	char		 path[512], *p, *q, *dns;
	size_t		 i;
	int		 rv;

	if ((t = db_table(nb, "SELECT p.mac, i.ip FROM port_ips i JOIN ports"
	    " p ON p.id = i.port_id WHERE i.subnet_id = ?1 AND"
	    " p.device_owner IS NOT 'network:dhcp' ORDER BY i.address", "s",
	    subnet_id)) == NULL)
		return -1;
	buf_init(&b);
	for (i = 0; i < t->nrows; i++)
		buf_printf(&b, "%s,%s\n", t->cells[i * 2],
		    t->cells[i * 2 + 1]);
	table_free(t);
	snprintf(path, sizeof(path), "%s/hosts", dir);
	*hosts = xstrdup(b.s != NULL ? b.s : "");
	buf_free(&b);
	if (file_replace(nb, path, *hosts) == -1)
		return -1;
	/* row: cidr, gateway, dns, routes, mtu */
	buf_init(&b);
	buf_printf(&b, "option:router%s%s\n", row[1] ? "," : "",
	    row[1] ? row[1] : "");
	if (row[2] != NULL)
		buf_printf(&b, "option:dns-server,%s\n", row[2]);
	buf_printf(&b, "option:mtu,%s\n", row[4]);
	if (row[3] != NULL) {
		/* "cidr=hop,..." into classless routes, with the default. */
		buf_puts(&b, "option:classless-static-route");
		dns = xstrdup(row[3]);
		for (p = dns; (q = strsep(&p, ",")) != NULL;) {
			char	*eq = strchr(q, '=');

			if (eq != NULL) {
				*eq = '\0';
				buf_printf(&b, ",%s,%s", q, eq + 1);
			}
		}
		free(dns);
		if (row[1] != NULL)
			buf_printf(&b, ",0.0.0.0/0,%s", row[1]);
		buf_puts(&b, "\n");
	}
	snprintf(path, sizeof(path), "%s/opts", dir);
	rv = file_replace(nb, path, b.s);
	buf_free(&b);
	return rv;
}

static int
dnsmasq_start(struct nb *nb, const char *ns, const char *dir,
    const char *dev, const char *cidr)
{
	char		 a_hosts[600], a_opts[600], a_pid[600], a_if[40];
	char		 a_range[80], net[16], mask[16];
	uint32_t	 first, last;
	int		 prefix;

	if (cidr_parse(nb, "subnet", cidr, &first, &last, &prefix) == -1)
		return -1;
	snprintf(a_hosts, sizeof(a_hosts), "--dhcp-hostsfile=%s/hosts", dir);
	snprintf(a_opts, sizeof(a_opts), "--dhcp-optsfile=%s/opts", dir);
	snprintf(a_pid, sizeof(a_pid), "--pid-file=%s/pid", dir);
	snprintf(a_if, sizeof(a_if), "--interface=%s", dev);
	ip4_text(first, net);
	ip4_text(prefix == 0 ? 0 : 0xffffffffU << (32 - prefix), mask);
	snprintf(a_range, sizeof(a_range), "--dhcp-range=%s,static,%s,86400s",
	    net, mask);
	return run(nb, NULL, "ip", "netns", "exec", ns, "dnsmasq",
	    "--conf-file=/dev/null", "--no-hosts", "--no-resolv", "--port=0",
	    "--bind-interfaces", a_if, "--except-interface=lo", a_range,
	    a_hosts, a_opts, a_pid, "--dhcp-authoritative", "--leasefile-ro",
	    "--user=nobody", NULL);
}

/*
 * Stop the dnsmasq of dir, if one runs, and wait for it to be gone: 5 s
 * for SIGTERM, then SIGKILL.  It holds its socket and namespace until
 * then.
 */
static int
dnsmasq_stop(struct nb *nb, const char *dir)
{
	struct timespec	 ts = { 0, 20 * 1000 * 1000 };
	pid_t		 pid;
	int		 tries;

	if ((pid = dnsmasq_pid(dir)) <= 0 || kill(pid, SIGTERM) == -1)
		return 0;
	for (tries = 0; tries < 300 && alive(pid); tries++) {
		if (tries == 250)
			(void)kill(pid, SIGKILL);
		nanosleep(&ts, NULL);
	}
	if (alive(pid))
		return nb_seterr(nb, NB_EFAIL, "dnsmasq %ld of %s does not "
		    "stop", (long)pid, dir);
	return 0;
}

static const char dhcp_subnet_sql[] =
    "SELECT s.cidr, s.gateway, s.dns, s.routes, n.mtu, s.dhcp,"
    " s.network_id, n.bridge FROM subnets s JOIN networks n"
    " ON n.id = s.network_id WHERE s.id = ?1";

static int
dhcp_apply_1(struct nb *nb, const char *subnet_id)
{
	struct table	*s = NULL, *port = NULL;
	char		 ns[16], root[16], inner[16], addr[24], *dir;
	char		**r;
	char		*hosts = NULL, path[600], mark[258];
	pid_t		 pid;
	int		 rv = -1;

	dir = dhcp_dir(nb, subnet_id);
	if ((s = db_table(nb, dhcp_subnet_sql, "s", subnet_id)) == NULL)
		goto out;
	if (s->nrows == 0 || strcmp(s->cells[5], "1") != 0) {
		rv = dhcp_remove(nb, subnet_id);
		goto out;
	}
	r = s->cells;
	dp_name(ns, "ndh-", subnet_id);
	if ((port = dhcp_port(nb, subnet_id, r[6])) == NULL)
		goto out;
	if (port->nrows == 0) {
		nb_seterr(nb, NB_EFAIL, "subnet %s has no DHCP port",
		    subnet_id);
		goto out;
	}
	dp_name(root, dhcp_legs[0].root, port->cells[0]);
	dp_name(inner, dhcp_legs[0].inner, port->cells[0]);
	addr_in(addr, port->cells[2], r[0]);
	if (dp_bridge_ensure(nb, r[6]) == -1 || ns_ensure(nb, ns, 0) == -1 ||
	    leg_ensure(nb, ns, root, inner, port->cells[1], addr, r[7],
	    strtoll(r[4], NULL, 10)) == -1 ||
	    mkdirs(nb, dir) == -1)
		goto out;
	/* Marked first: whatever fails after, --prune knows it ours. */
	mark_of(nb, mark);
	strlcat(mark, "\n", sizeof(mark));
	snprintf(path, sizeof(path), "%s/owner", dir);
	if (file_replace(nb, path, mark) == -1 ||
	    dhcp_files(nb, dir, subnet_id, r, &hosts) == -1)
		goto out;
	/*
	 * Running, it reads both files again on SIGHUP, but keeps its leases
	 * in memory: an address whose port is gone stays leased to the old
	 * MAC, and refused to the next port given it.  So when a pair it
	 * served goes, a new dnsmasq, with no leases; clients renew what is
	 * theirs.  What it serves is kept in hosts.served once it does, so
	 * an apply that failed half-way is decided again the next time.
	 */
	snprintf(path, sizeof(path), "%s/hosts.served", dir);
	if (lines_dropped(path, hosts)) {
		if (dnsmasq_stop(nb, dir) == -1)
			goto out;
	} else if ((pid = dnsmasq_pid(dir)) > 0 && kill(pid, SIGHUP) == 0)
		goto served;
	if (dnsmasq_start(nb, ns, dir, inner, r[0]) == -1)
		goto out;
served:
	rv = file_replace(nb, path, hosts);
out:
	free(hosts);
	free(dir);
	table_free(s);
	table_free(port);
	return rv;
}

static int
dhcp_refresh_1(struct nb *nb, const char *subnet_id)
{
	char	*dir, path[600];
	int	 rv = 0;

	/* Applied before: running, or to start again. */
	dir = dhcp_dir(nb, subnet_id);
	snprintf(path, sizeof(path), "%s/hosts", dir);
	if (dnsmasq_pid(dir) > 0 || access(path, F_OK) == 0)
		rv = dhcp_apply(nb, subnet_id);
	free(dir);
	return rv;
}

static int
dhcp_remove_1(struct nb *nb, const char *subnet_id)
{
	char			 ns[16], *dir, path[600];
	static const char *const files[] = { "hosts", "opts", "pid",
				    "owner", "hosts.served", "hosts.tmp",
				    "opts.tmp", "owner.tmp",
				    "hosts.served.tmp" };
	size_t			 i;

	dir = dhcp_dir(nb, subnet_id);
	/* It holds the namespace until it is gone: files stay till then. */
	if (dnsmasq_stop(nb, dir) == -1) {
		free(dir);
		return -1;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
	free(dir);
	dp_name(ns, "ndh-", subnet_id);
	return ns_remove(nb, ns, dhcp_legs);
}

/* --- sweeping ------------------------------------------------------- */

static void
report(struct table *t, const char *what, const char *name,
    const char *result)
{
	const char	*cells[] = { what, name, result };

	table_add_row(t, cells);
}

/* Is there a row of table whose id starts with the 11 of name? */
static int
known(struct nb *nb, const char *table, const char *name)
{
	char	 sql[160], pat[16];

	/* name is PREFIX-IIIIIIIIJJJ: the id's 8 and, after '-', its 3. */
	snprintf(pat, sizeof(pat), "%.8s-%.3s%%", name + 4, name + 12);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE id LIKE ?1",
	    table);
	return db_int(nb, 1, sql, "s", pat) != 0;
}

/* The mark on namespace ns's lo into out (256 bytes); "" for none. */
static char *
ns_mark(struct nb *nb, const char *ns, char *out)
{
	char	*text;

	*out = '\0';
	if (run(nb, &text, "ip", "netns", "exec", ns, "cat",
	    "/sys/class/net/lo/ifalias", NULL) == -1) {
		nb_clearerr(nb);
		return out;
	}
	text[strcspn(text, "\n")] = '\0';
	strlcpy(out, text, 256);
	free(text);
	return out;
}

/*
 * Is what no row names this cloud's to remove: carrying its mark?  One
 * with no mark (made by hand, or before nubes marked what it makes) is
 * left and reported; another cloud's is left and not.
 */
static int
mine(struct table *rep, const char *what, const char *name,
    const char *found, const char *mark)
{
	if (*found == '\0')
		report(rep, what, name, "left: no nubes mark");
	return strcmp(found, mark) == 0;
}

static int
dp_sweep_1(struct nb *nb, struct table *rep)
{
	struct dirent		*e;
	DIR			*d;
	const char		*ddir, *table;
	char			 name[256], mark[256], found[256];
	char			 path[600];
	int			 rv = 0, r;

	mark_of(nb, mark);
	if ((d = opendir("/run/netns")) != NULL) {
		while ((e = readdir(d)) != NULL) {
			strlcpy(name, e->d_name, sizeof(name));
			table = strncmp(name, "nrt-", 4) == 0 ? "routers" :
			    strncmp(name, "ndh-", 4) == 0 ? "subnets" : NULL;
			if (strlen(name) != 15 || table == NULL ||
			    known(nb, table, name) || !mine(rep, "namespace",
			    name, ns_mark(nb, name, found), mark))
				continue;
			if (*table == 'r')
				r = ns_remove(nb, name, router_legs);
			else
				r = ns_remove(nb, name, dhcp_legs);
			report(rep, "namespace", name, r == 0 ? "removed" :
			    nb_errstr(nb));
			rv |= r;
		}
		closedir(d);
	}
	ddir = conf_get(nb->conf, "network", "dhcp_dir", "/run/nubes/dhcp");
	if ((d = opendir(ddir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strlen(e->d_name) != NB_UUID_LEN ||
			    db_int(nb, 1, "SELECT count(*) FROM subnets WHERE"
			    " id = ?1 AND dhcp", "s", e->d_name) != 0)
				continue;
			strlcpy(name, e->d_name, sizeof(name));
			snprintf(path, sizeof(path), "%s/%s/owner", ddir, name);
			first_line(path, found);
			if (!mine(rep, "dhcp", name, found, mark))
				continue;
			r = dhcp_remove(nb, name);
			report(rep, "dhcp", name, r == 0 ? "removed" :
			    nb_errstr(nb));
			rv |= r;
		}
		closedir(d);
	}
	if ((d = opendir("/sys/class/net")) != NULL) {
		while ((e = readdir(d)) != NULL) {
			strlcpy(name, e->d_name, sizeof(name));
			if (strlen(name) != 15 || strncmp(name, "nbr-", 4) != 0 ||
			    db_int(nb, 1, "SELECT count(*) FROM networks WHERE"
			    " bridge = ?1", "s", name) != 0)
				continue;
			snprintf(path, sizeof(path), "/sys/class/net/%s/ifalias",
			    name);
			first_line(path, found);
			if (!mine(rep, "bridge", name, found, mark))
				continue;
			r = bridge_remove(nb, name);
			report(rep, "bridge", name, r == 0 ? "removed" :
			    nb_errstr(nb));
			rv |= r;
		}
		closedir(d);
	}
	return rv == 0 ? 0 : -1;
}

/* --- one apply at a time ------------------------------------------- */

/*
 * Applies on this machine take turns, through a lock file in the state
 * directory: two programs joining subnets to one router, or booting the
 * first two servers of a DHCP subnet, would otherwise both make the
 * same device or start the same dnsmasq.  Taken once a process, however
 * deep the calls; always before any database transaction, never inside
 * one.  A program waits DP_LOCK_WAIT seconds at most, then fails saying
 * the dataplane is busy, as it does for the database's lock.
 */
static int	 dp_lockfd = -1, dp_depth;

/* How long a program waits for another's applies, in seconds. */
#define DP_LOCK_WAIT	120

static int
dp_lock(struct nb *nb)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	time_t		 deadline = time(NULL) + DP_LOCK_WAIT;
	char		*path;
	int		 rc;

	if (dp_depth++ > 0)
		return 0;
	xasprintf(&path, "%s/dataplane.lock", nb->state_dir);
	if ((dp_lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
	    0640)) != -1)
		while ((rc = flock(dp_lockfd, LOCK_EX | LOCK_NB)) == -1 &&
		    errno == EWOULDBLOCK && time(NULL) < deadline)
			nanosleep(&ts, NULL);
	if (dp_lockfd == -1 || rc == -1) {
		if (dp_lockfd != -1 && errno == EWOULDBLOCK)
			nb_seterr(nb, NB_EFAIL, "the dataplane is busy: "
			    "another program has held '%s' for %d s", path,
			    DP_LOCK_WAIT);
		else
			nb_seterr(nb, NB_EFAIL, "locking '%s': %s", path,
			    strerror(errno));
		if (dp_lockfd != -1)
			close(dp_lockfd);
		dp_lockfd = -1;
		dp_depth--;
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

static void
dp_unlock(void)
{
	if (--dp_depth == 0 && dp_lockfd != -1) {
		close(dp_lockfd);
		dp_lockfd = -1;
	}
}

int
dp_hold(struct nb *nb)
{
	return dp_lock(nb);
}

void
dp_release(void)
{
	dp_unlock();
}

/* Run fn(nb, id) holding the lock. */
static int
dp_locked(struct nb *nb, int (*fn)(struct nb *, const char *), const char *id)
{
	int	 rc;

	if (dp_lock(nb) == -1)
		return -1;
	rc = fn(nb, id);
	dp_unlock();
	return rc;
}

int
dp_bridge_ensure(struct nb *nb, const char *net_id)
{
	return dp_locked(nb, dp_bridge_ensure_1, net_id);
}

int
dp_bridge_remove(struct nb *nb, const char *net_id)
{
	return dp_locked(nb, dp_bridge_remove_1, net_id);
}

int
dp_prune(struct nb *nb, const char *net_id)
{
	return dp_locked(nb, dp_prune_1, net_id);
}

int
router_apply(struct nb *nb, const char *router_id)
{
	return dp_locked(nb, router_apply_1, router_id);
}

int
router_unapply(struct nb *nb, const char *router_id)
{
	return dp_locked(nb, router_unapply_1, router_id);
}

int
dhcp_apply(struct nb *nb, const char *subnet_id)
{
	return dp_locked(nb, dhcp_apply_1, subnet_id);
}

int
dhcp_refresh(struct nb *nb, const char *subnet_id)
{
	return dp_locked(nb, dhcp_refresh_1, subnet_id);
}

int
dhcp_remove(struct nb *nb, const char *subnet_id)
{
	return dp_locked(nb, dhcp_remove_1, subnet_id);
}

int
dp_sweep(struct nb *nb, struct table *rep)
{
	int	 rc;

	if (dp_lock(nb) == -1)
		return -1;
	rc = dp_sweep_1(nb, rep);
	dp_unlock();
	return rc;
}
