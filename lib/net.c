/*
 * net.c: networks, subnets and ports as records, as Neutron keeps them.
 *
 * IPAM: a subnet's allocation pools are kept twice, as given
 * (subnet_pools, for showing) and as the ranges still free (ip_ranges,
 * Neutron's availability ranges).  Allocating the next address takes
 * the lowest free range's first address; a requested one splits the
 * range holding it; a release gives the address back as a range of
 * one, joined to its neighbours.  Each is a few indexed rows, however
 * many addresses are taken.  Every allocation happens in the writing
 * transaction and an address is UNIQUE in its subnet, a MAC in the
 * cloud, a segment on its physical network: parallel creates never
 * share one.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "identity.h"
#include "net.h"
#include "resource.h"

#define VLAN_MAX	4094
#define VNI_MAX		16777215

/* --- addresses ------------------------------------------------------ */

int
ip4_parse(const char *s, uint32_t *a)
{
	struct in_addr	 in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -1;
	*a = ntohl(in.s_addr);
	return 0;
}

const char *
ip4_text(uint32_t a, char buf[16])
{
	struct in_addr	 in;

	in.s_addr = htonl(a);
	if (inet_ntop(AF_INET, &in, buf, 16) == NULL)
		buf[0] = '\0';
	return buf;
}

int
cidr_parse(struct nb *nb, const char *what, const char *s, uint32_t *first,
    uint32_t *last, int *prefix)
{
	char		 addr[32], hint[16], *slash, *end;
	uint32_t	 a, mask;
	long		 n;

	if (strlen(s) >= sizeof(addr) || (slash = strchr(s, '/')) == NULL)
		return nb_seterr(nb, NB_EUSAGE, "%s '%s': not a CIDR "
		    "(a.b.c.d/n)", what, s);
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	n = strtol(slash + 1, &end, 10);
	if (ip4_parse(addr, &a) == -1 || slash[1] == '\0' || *end != '\0' ||
	    n < 0 || n > 32)
		return nb_seterr(nb, NB_EUSAGE, "%s '%s': not a CIDR "
		    "(a.b.c.d/n, n from 0 to 32)", what, s);
	mask = n == 0 ? 0 : 0xffffffffU << (32 - n);
	if ((a & ~mask) != 0)
		return nb_seterr(nb, NB_EUSAGE, "%s '%s' has host bits set: "
		    "the network is %s/%ld", what, s, ip4_text(a & mask, hint),
		    n);
	*first = a;
	*last = a | ~mask;
	*prefix = (int)n;
	return 0;
}

int
refuse_in_use(struct nb *nb, const char *sql, const char *id,
    const char *what, const char *name, const char *has, const char *hint)
{
	char	*users;

	if ((users = db_text(nb, sql, "s", id)) == NULL)
		return nb->errcode == 0 ? 0 : -1;
	nb_seterr(nb, NB_ECONFLICT, "%s '%s' %s%s%s%s", what,
	    *name != '\0' ? name : id, has, users, hint != NULL ? "; " : "",
	    hint != NULL ? hint : "");
	free(users);
	return -1;
}

/* --- networks ------------------------------------------------------- */

#define NET_SELECT \
    "SELECT n.id, n.name, n.type, n.physical_net, n.segment AS \"segment:n\"," \
    " n.external AS \"external:b\", n.shared AS \"shared:b\"," \
    " n.mtu AS \"mtu:n\", n.bridge, (SELECT group_concat(name, ' ') FROM" \
    " (SELECT s.name FROM subnets s WHERE s.network_id = n.id" \
    "  ORDER BY s.created_at, s.name)) AS subnets," \
    " (SELECT count(*) FROM ports p WHERE p.network_id = n.id)" \
    "  AS \"ports:n\", n.project_id, n.created_at AS \"created_at:t\"" \
    " FROM networks n"

static const char net_show_sql[] = NET_SELECT " WHERE n.id = ?1";

/* Networks of the project, shared ones and external ones. */
#define NET_SCOPE \
    "(project_id = ?2 OR shared OR external)"

/* Inside the delete's transaction: a subnet's DHCP ports go with it. */
static int
dhcp_ports_drop_tx(struct nb *nb, const char *where, const char *id)
{
	struct table	*t;
	char		*sql;
	size_t		 i;
	int		 rv = 0;

	xasprintf(&sql, "SELECT id FROM ports WHERE device_owner ="
	    " 'network:dhcp' AND %s", where);
	t = db_table(nb, sql, "s", id);
	free(sql);
	if (t == NULL)
		return -1;
	for (i = 0; i < t->nrows && rv == 0; i++)
		rv = port_delete_tx(nb, t->cells[i]);
	table_free(t);
	return rv;
}

/*
 * The subnets whose DHCP servers a network's deletion ends, kept from
 * the check (inside the transaction) to after the commit.  One deletion
 * at a time in a process.
 */
static struct table	*gone_subnets;

static int
net_delete_check(struct nb *nb, const char *id, const char *name)
{
	if (refuse_in_use(nb, "SELECT group_concat(r.name, ', ') FROM routers"
	    " r WHERE r.external_net_id = ?1 OR r.id IN (SELECT device_id FROM"
	    " ports WHERE network_id = ?1 AND device_owner ="
	    " 'network:router_interface')", id, "network", name, "is on "
	    "routers: ", "take it off them first") == -1 ||
	    refuse_in_use(nb, "SELECT group_concat(address, ', ') FROM"
	    " floating_ips WHERE network_id = ?1", id, "network", name,
	    "has floating IPs: ", "delete them first") == -1 ||
	    refuse_in_use(nb, "SELECT group_concat(ifnull(nullif(name,"
	    " ''), id) || ifnull(' (server ' || device_id || ')', ''), ', ')"
	    " FROM (SELECT * FROM ports WHERE network_id = ?1 AND"
	    " device_owner IS NOT 'network:dhcp' ORDER BY name LIMIT 10)", id,
	    "network", name, "has ports: ", "delete them first") == -1)
		return -1;
	table_free(gone_subnets);
	if ((gone_subnets = db_table(nb, "SELECT id FROM subnets WHERE"
	    " network_id = ?1", "s", id)) == NULL)
		return -1;
	return dhcp_ports_drop_tx(nb, "network_id = ?1", id);
}

static void
net_delete_failed(struct nb *nb)
{
	(void)nb;
	table_free(gone_subnets);
	gone_subnets = NULL;
}

static void
net_after_delete(struct nb *nb, const char *id)
{
	size_t	 i;

	for (i = 0; gone_subnets != NULL && i < gone_subnets->nrows; i++)
		(void)dhcp_remove(nb, gone_subnets->cells[i]);
	table_free(gone_subnets);
	gone_subnets = NULL;
	(void)dp_bridge_remove(nb, id);
	nb_clearerr(nb);
}

const struct resource res_net = {
	.kind = "network",
	.table = "networks",
	.name_col = "name",
	.project_col = "project_id",
	.show_sql = net_show_sql,
	.scope_sql = NET_SCOPE,
	.delete_check = net_delete_check,
	.after_delete = net_after_delete,
	.delete_failed = net_delete_failed,
};

int
physnet_iface(struct nb *nb, const char *physnet, char iface[16])
{
	const char	*map, *p;
	size_t		 n = strlen(physnet), len;

	*iface = '\0';
	map = conf_get(nb->conf, "network", "physical_interface_mappings", "");
	for (p = map; *p != '\0'; p += strcspn(p, ",")) {
		p += strspn(p, ", ");
		if (strncmp(p, physnet, n) != 0 || p[n] != ':')
			continue;
		p += n + 1;
		if ((len = strcspn(p, ", ")) < 16) {
			memcpy(iface, p, len);
			iface[len] = '\0';
		}
		return 1;
	}
	return 0;
}

/* The lowest VNI of [network] vni_ranges (FIRST:LAST) not taken. */
static long long
free_vni(struct nb *nb)
{
	const char	*r;
	long long	 lo = 1, hi = 1000, v;
	char		*end;

	r = conf_get(nb->conf, "network", "vni_ranges", "1:1000");
	lo = strtoll(r, &end, 10);
	if (*end == ':')
		hi = strtoll(end + 1, &end, 10);
	if (*end != '\0' || lo < 1 || hi > VNI_MAX || lo > hi) {
		nb_seterr(nb, NB_EUSAGE, "[network] vni_ranges '%s': use "
		    "FIRST:LAST within 1:%d", r, VNI_MAX);
		return -1;
	}
	/* The first gap after lo, through the index on segments. */
	v = db_int(nb, lo, "SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM"
	    " networks WHERE type = 'vxlan' AND segment = ?1) THEN ?1 ELSE"
	    " (SELECT min(a.segment) + 1 FROM networks a WHERE a.type ="
	    " 'vxlan' AND a.segment >= ?1 AND NOT EXISTS (SELECT 1 FROM"
	    " networks b WHERE b.type = 'vxlan' AND b.segment ="
	    " a.segment + 1)) END", "i", lo);
	if (nb->errcode != 0)
		return -1;
	if (v > hi) {
		nb_seterr(nb, NB_ECONFLICT, "no free VNI in [network] "
		    "vni_ranges %lld:%lld", lo, hi);
		return -1;
	}
	return v;
}

/* The spec checked against itself and the configuration. */
static int
net_check(struct nb *nb, struct net_spec *s, int admin)
{
	const char	*type = s->type;
	char		 iface[16];

	if (type == NULL)
		type = s->type = conf_get(nb->conf, "network",
		    "tenant_network_type", "local");
	if (strcmp(type, "local") != 0 && strcmp(type, "flat") != 0 &&
	    strcmp(type, "vlan") != 0 && strcmp(type, "vxlan") != 0)
		return nb_seterr(nb, NB_EUSAGE, "network type '%s': use local, "
		    "flat, vlan or vxlan", type);
	if ((s->external || s->shared) && !admin)
		return nb_seterr(nb, NB_EAUTH, "forbidden: --external and "
		    "--shared are for cloud admins");
	if ((s->physnet != NULL || s->segment >= 0) && !admin)
		return nb_seterr(nb, NB_EAUTH, "forbidden: --physical-net and "
		    "--segment are for cloud admins");
	if (strcmp(type, "flat") == 0 || strcmp(type, "vlan") == 0) {
		if (!admin)
			return nb_seterr(nb, NB_EAUTH, "forbidden: %s networks "
			    "are for cloud admins", type);
		if (s->physnet == NULL)
			return nb_seterr(nb, NB_EUSAGE, "a %s network needs "
			    "--physical-net", type);
		if (!physnet_iface(nb, s->physnet, iface))
			return nb_seterr(nb, NB_EUSAGE, "unknown physical "
			    "network '%s': not in [network] "
			    "physical_interface_mappings", s->physnet);
	} else if (s->physnet != NULL)
		return nb_seterr(nb, NB_EUSAGE, "a %s network has no physical "
		    "network", type);
	if (strcmp(type, "vlan") == 0 && (s->segment < 1 ||
	    s->segment > VLAN_MAX))
		return nb_seterr(nb, NB_EUSAGE, s->segment < 0 ? "a vlan "
		    "network needs --segment (a VLAN id from 1 to 4094)" :
		    "VLAN id %lld is out of range: 1 to 4094", s->segment);
	if (strcmp(type, "vxlan") == 0 && s->segment == 0)
		return nb_seterr(nb, NB_EUSAGE, "VNI 0 is out of range: 1 to "
		    "%d", VNI_MAX);
	if (strcmp(type, "vxlan") == 0 && s->segment > VNI_MAX)
		return nb_seterr(nb, NB_EUSAGE, "VNI %lld is out of range: 1 "
		    "to %d", s->segment, VNI_MAX);
	if ((strcmp(type, "local") == 0 || strcmp(type, "flat") == 0) &&
	    s->segment >= 0)
		return nb_seterr(nb, NB_EUSAGE, "a %s network has no segment",
		    type);
	if (s->mtu == 0)
		s->mtu = strcmp(type, "vxlan") == 0 ? 1450 : 1500;
	if (s->mtu < 576 || s->mtu > 9000)
		return nb_seterr(nb, NB_EUSAGE, "MTU %lld is out of range: 576 "
		    "to 9000", s->mtu);
	return 0;
}

struct table *
net_create(struct nb *nb, const struct net_spec *spec)
{
	struct net_spec	 s = *spec;
	char		 id[NB_UUID_LEN + 1], bridge[16], msg[320];
	time_t		 now = time(NULL);

	if (name_valid(nb, "network", s.name) == -1)
		return NULL;
	uuid_generate(id);
	/* ≤ 15 characters, stable: the kernel's limit for a device name. */
	dp_name(bridge, "nbr-", id);
	if (db_begin(nb) == -1 ||
	    policy_check(nb, "network:create", nb->ctx.project_id,
	    NULL) == -1 ||
	    net_check(nb, &s, is_cloud_admin(nb)) == -1 ||
	    (strcmp(s.type, "vxlan") == 0 && s.segment < 0 &&
	    (s.segment = free_vni(nb)) == -1) ||
	    quota_check(nb, nb->ctx.project_id, "networks", 1) == -1)
		goto fail;
	snprintf(msg, sizeof(msg), "a network named '%s' exists in this "
	    "project", s.name);
	if (db_int(nb, 0, "SELECT count(*) FROM networks WHERE project_id ="
	    " ?1 AND name = ?2", "ss", nb->ctx.project_id, s.name) > 0) {
		nb_seterr(nb, NB_ECONFLICT, "%s", msg);
		goto fail;
	}
	if (s.segment >= 0 && db_int(nb, 0, "SELECT count(*) FROM networks"
	    " WHERE type = ?1 AND ifnull(physical_net, '') = ifnull(?2, '')"
	    " AND segment = ?3", "ssi", s.type, s.physnet, s.segment) > 0) {
		nb_seterr(nb, NB_ECONFLICT, "%s %lld%s%s is taken by another "
		    "network", strcmp(s.type, "vlan") == 0 ? "VLAN id" : "VNI",
		    s.segment, s.physnet ? " on " : "", s.physnet ? s.physnet :
		    "");
		goto fail;
	}
	if (strcmp(s.type, "flat") == 0 && db_int(nb, 0, "SELECT count(*)"
	    " FROM networks WHERE type = 'flat' AND physical_net = ?1", "s",
	    s.physnet) > 0) {
		nb_seterr(nb, NB_ECONFLICT, "physical network '%s' has its "
		    "flat network already", s.physnet);
		goto fail;
	}
	if (db_exec(nb, msg, "INSERT INTO networks (id, name, project_id,"
	    " type, physical_net, segment, external, shared, mtu, bridge,"
	    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " nullif(?6, -1), ?7, ?8, ?9, ?10, ?11, ?11)", "sssssiddisi", id,
	    s.name, nb->ctx.project_id, s.type, s.physnet,
	    s.segment >= 0 ? s.segment : (long long)-1, s.external, s.shared,
	    s.mtu, bridge, (long long)now) == -1 ||
	    event_record(nb, "network:create", "network", id, s.name, 1,
	    s.type) == -1 || db_commit(nb) == -1)
		goto fail;
	return db_table(nb, net_show_sql, "s", id);
fail:
	event_failed(nb, "network:create", "network", spec->name);
	return NULL;
}

struct table *
net_list(struct nb *nb, int all_projects)
{
	if (list_allowed(nb, "network:list", all_projects) == -1)
		return NULL;
	return db_table(nb, NET_SELECT " WHERE ?1 IS NULL OR n.project_id = ?1"
	    " OR n.shared OR n.external ORDER BY n.name, n.id", "s",
	    all_projects ? NULL : nb->ctx.project_id);
}

/* --- subnets -------------------------------------------------------- */

#define SUBNET_SELECT \
    "SELECT s.id, s.name, n.name AS network, s.network_id, s.cidr," \
    " s.gateway, (SELECT group_concat(r, ',') FROM (SELECT p.text AS r" \
    "  FROM subnet_pools p WHERE p.subnet_id = s.id ORDER BY p.first))" \
    "  AS pools," \
    " s.dns, s.routes, s.dhcp AS \"dhcp:b\"," \
    " (SELECT ifnull(sum(r.last - r.first + 1), 0) FROM ip_ranges r" \
    "  WHERE r.subnet_id = s.id) AS \"free:n\"," \
    " (SELECT count(*) FROM port_ips i WHERE i.subnet_id = s.id)" \
    "  AS \"used:n\", s.project_id, s.created_at AS \"created_at:t\"" \
    " FROM subnets s JOIN networks n ON n.id = s.network_id"

static const char subnet_show_sql[] = SUBNET_SELECT " WHERE s.id = ?1";

static int
subnet_delete_check(struct nb *nb, const char *id, const char *name)
{
	if (refuse_in_use(nb, "SELECT r.name FROM router_interfaces ri JOIN"
	    " routers r ON r.id = ri.router_id WHERE ri.subnet_id = ?1", id,
	    "subnet", name, "is on router ", "take it off with "
	    "cloud-router-remove-subnet first") == -1 ||
	    refuse_in_use(nb, "SELECT group_concat(i.ip || ' (port ' ||"
	    " ifnull(nullif(p.name, ''), p.id) || ')', ', ') FROM (SELECT *"
	    " FROM port_ips WHERE subnet_id = ?1 ORDER BY address LIMIT 10) i"
	    " JOIN ports p ON p.id = i.port_id WHERE p.device_owner IS NOT"
	    " 'network:dhcp'", id, "subnet", name, "has addresses in use: ",
	    "delete those ports first") == -1)
		return -1;
	return dhcp_ports_drop_tx(nb, "device_id = ?1", id);
}

static void
subnet_after_delete(struct nb *nb, const char *id)
{
	(void)dhcp_remove(nb, id);
	(void)dp_prune(nb, NULL);
	nb_clearerr(nb);
}

const struct resource res_subnet = {
	.kind = "subnet",
	.table = "subnets",
	.name_col = "name",
	.project_col = "project_id",
	.show_sql = subnet_show_sql,
	.after_delete = subnet_after_delete,
	.scope_sql = "(project_id = ?2 OR EXISTS (SELECT 1 FROM networks n"
	    " WHERE n.id = subnets.network_id AND (n.shared OR n.external)))",
	.delete_check = subnet_delete_check,
};

struct range {
	uint32_t	 first, last;
};

static int
range_cmp(const void *a, const void *b)
{
	const struct range	*x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* "START-END" inside [lo, hi]. */
static int
pool_parse(struct nb *nb, const char *s, uint32_t lo, uint32_t hi,
    const char *cidr, struct range *r)
{
	char		 a[32], hint[2][16];
	const char	*dash = strchr(s, '-');

	if (dash == NULL || (size_t)(dash - s) >= sizeof(a))
		return nb_seterr(nb, NB_EUSAGE, "pool '%s': use START-END",
		    s);
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = '\0';
	if (ip4_parse(a, &r->first) == -1 || ip4_parse(dash + 1,
	    &r->last) == -1)
		return nb_seterr(nb, NB_EUSAGE, "pool '%s': use START-END, "
		    "two IPv4 addresses", s);
	if (r->first > r->last)
		return nb_seterr(nb, NB_EUSAGE, "pool '%s' ends before it "
		    "starts", s);
	if (r->first < lo || r->last > hi)
		return nb_seterr(nb, NB_EUSAGE, "pool '%s' is outside %s's "
		    "usable addresses %s-%s", s, cidr, ip4_text(lo, hint[0]),
		    ip4_text(hi, hint[1]));
	return 0;
}

/* "CIDR=NEXTHOP", normalized into out (64 bytes). */
static int
route_parse(struct nb *nb, const char *s, char out[64])
{
	char		 c[48], hint[16];
	const char	*eq = strchr(s, '=');
	uint32_t	 f, l, hop;
	int		 prefix;

	if (eq == NULL || (size_t)(eq - s) >= sizeof(c))
		return nb_seterr(nb, NB_EUSAGE, "route '%s': use CIDR=NEXTHOP",
		    s);
	memcpy(c, s, (size_t)(eq - s));
	c[eq - s] = '\0';
	if (cidr_parse(nb, "route destination", c, &f, &l, &prefix) == -1)
		return -1;
	if (ip4_parse(eq + 1, &hop) == -1)
		return nb_seterr(nb, NB_EUSAGE, "route '%s': next hop '%s' is "
		    "not an IPv4 address", s, eq + 1);
	snprintf(out, 64, "%s/%d=", ip4_text(f, c), prefix);
	strlcat(out, ip4_text(hop, hint), 64);
	return 0;
}

/* Everything a subnet spec says, checked, into rows of its own. */
struct subnet_plan {
	uint32_t	 first, last, gw;
	int		 prefix, has_gw;
	struct range	*pools;
	size_t		 npools;
	struct buf	 dns, routes;
};

static void
plan_free(struct subnet_plan *p)
{
	free(p->pools);
	buf_free(&p->dns);
	buf_free(&p->routes);
}

static int
subnet_plan(struct nb *nb, const struct subnet_spec *s, struct subnet_plan *p)
{
	char		 hint[16], route[64];
	uint32_t	 lo, hi, a;
	size_t		 i;

	memset(p, 0, sizeof(*p));
	buf_init(&p->dns);
	buf_init(&p->routes);
	if (cidr_parse(nb, "CIDR", s->cidr, &p->first, &p->last,
	    &p->prefix) == -1)
		return -1;
	if (p->prefix > 30)
		return nb_seterr(nb, NB_EUSAGE, "CIDR '%s' is too small: a /30 "
		    "at least, for a gateway and an address", s->cidr);
	/* Usable: not the network's address nor its broadcast. */
	lo = p->first + 1;
	hi = p->last - 1;
	p->has_gw = s->gateway == NULL || strcmp(s->gateway, "none") != 0;
	if (s->gateway == NULL)
		p->gw = lo;
	else if (p->has_gw) {
		if (ip4_parse(s->gateway, &p->gw) == -1)
			return nb_seterr(nb, NB_EUSAGE, "gateway '%s' is not an "
			    "IPv4 address (or none)", s->gateway);
		if (p->gw < lo || p->gw > hi)
			return nb_seterr(nb, NB_EUSAGE, "gateway %s is outside "
			    "%s's usable addresses %s-%s", s->gateway, s->cidr,
			    ip4_text(lo, hint), ip4_text(hi, route));
	}
	if (s->npools > 0) {
		p->pools = xcalloc(s->npools, sizeof(*p->pools));
		for (i = 0; i < s->npools; i++)
			if (pool_parse(nb, s->pools[i], lo, hi, s->cidr,
			    &p->pools[i]) == -1)
				return -1;
		p->npools = s->npools;
		qsort(p->pools, p->npools, sizeof(*p->pools), range_cmp);
		for (i = 1; i < p->npools; i++)
			if (p->pools[i].first <= p->pools[i - 1].last)
				return nb_seterr(nb, NB_EUSAGE, "pools %s and %s "
				    "overlap", ip4_text(p->pools[i - 1].first,
				    hint), ip4_text(p->pools[i].first, route));
		for (i = 0; p->has_gw && i < p->npools; i++)
			if (p->gw >= p->pools[i].first &&
			    p->gw <= p->pools[i].last)
				return nb_seterr(nb, NB_EUSAGE, "the gateway %s "
				    "is inside a pool", ip4_text(p->gw, hint));
	} else {
		/* All usable addresses but the gateway's. */
		p->pools = xcalloc(2, sizeof(*p->pools));
		if (!p->has_gw || p->gw > lo)
			p->pools[p->npools++] = (struct range){ lo,
			    p->has_gw ? p->gw - 1 : hi };
		if (p->has_gw && p->gw < hi)
			p->pools[p->npools++] = (struct range){ p->gw + 1, hi };
	}
	for (i = 0; i < s->ndns; i++) {
		if (ip4_parse(s->dns[i], &a) == -1)
			return nb_seterr(nb, NB_EUSAGE, "DNS server '%s' is not "
			    "an IPv4 address", s->dns[i]);
		buf_printf(&p->dns, "%s%s", i > 0 ? "," : "",
		    ip4_text(a, hint));
	}
	for (i = 0; i < s->nroutes; i++) {
		if (route_parse(nb, s->routes[i], route) == -1)
			return -1;
		buf_printf(&p->routes, "%s%s", i > 0 ? "," : "", route);
	}
	return 0;
}

struct table *
subnet_create(struct nb *nb, const struct subnet_spec *s)
{
	struct subnet_plan	 p;
	struct ref		 net = { 0 };
	char			 id[NB_UUID_LEN + 1], cidr[24], gw[16];
	char			*other = NULL, msg[320];
	size_t			 i;
	time_t			 now = time(NULL);

	if (name_valid(nb, "subnet", s->name) == -1)
		return NULL;
	if (subnet_plan(nb, s, &p) == -1)
		goto fail;
	snprintf(cidr, sizeof(cidr), "%s/%d", ip4_text(p.first, gw),
	    p.prefix);
	uuid_generate(id);
	snprintf(msg, sizeof(msg), "a subnet named '%s' exists in this "
	    "project", s->name);
	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_net, "add_subnet", s->net,
	    &net) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "subnets", 1) == -1)
		goto fail;
	if (db_int(nb, 0, "SELECT count(*) FROM subnets WHERE project_id ="
	    " ?1 AND name = ?2", "ss", nb->ctx.project_id, s->name) > 0) {
		nb_seterr(nb, NB_ECONFLICT, "%s", msg);
		goto fail;
	}
	if ((other = db_text(nb, "SELECT name || ' (' || cidr || ')' FROM"
	    " subnets WHERE network_id = ?1 AND net_first <= ?3 AND"
	    " net_last >= ?2 LIMIT 1", "sii", net.id, (long long)p.first,
	    (long long)p.last)) != NULL) {
		nb_seterr(nb, NB_ECONFLICT, "%s overlaps subnet %s of network "
		    "'%s'", cidr, other, net.name);
		goto fail;
	}
	if (nb->errcode != 0 ||
	    db_exec(nb, msg, "INSERT INTO subnets (id, name, network_id,"
	    " project_id, cidr, net_first, net_last, gateway, dhcp, dns,"
	    " routes, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	    " ?7, ?8, ?9, ?10, ?11, ?12, ?12)", "sssssiisdssi", id, s->name,
	    net.id, nb->ctx.project_id, cidr, (long long)p.first,
	    (long long)p.last, p.has_gw ? ip4_text(p.gw, gw) : NULL,
	    !s->no_dhcp, p.dns.len > 0 ? p.dns.s : NULL,
	    p.routes.len > 0 ? p.routes.s : NULL, (long long)now) == -1)
		goto fail;
	for (i = 0; i < p.npools; i++) {
		char	 a[16], b[16], text[40];

		snprintf(text, sizeof(text), "%s-%s",
		    ip4_text(p.pools[i].first, a), ip4_text(p.pools[i].last, b));
		if (db_exec(nb, NULL, "INSERT INTO subnet_pools VALUES (?1, ?2,"
		    " ?3, ?4)", "siis", id, (long long)p.pools[i].first,
		    (long long)p.pools[i].last, text) == -1 ||
		    db_exec(nb, NULL, "INSERT INTO ip_ranges (subnet_id, first,"
		    " last) VALUES (?1, ?2, ?3)", "sii", id,
		    (long long)p.pools[i].first,
		    (long long)p.pools[i].last) == -1)
			goto fail;
	}
	if (event_record(nb, "subnet:create", "subnet", id, s->name, 1,
	    cidr) == -1 || db_commit(nb) == -1)
		goto fail;
	plan_free(&p);
	ref_release(&net);
	return db_table(nb, subnet_show_sql, "s", id);
fail:
	event_failed(nb, "subnet:create", "subnet", s->name);
	plan_free(&p);
	ref_release(&net);
	free(other);
	return NULL;
}

/*
 * A list of one project's rows (or every project's, for cloud admins
 * with all_projects), of one network when net is given: sql binds the
 * project as ?1 and the network's id as ?2.
 */
static struct table *
list_on_net(struct nb *nb, const char *action, const char *sql,
    const char *net, int all_projects)
{
	struct ref	 ref = { 0 };
	struct table	*t;

	if (list_allowed(nb, action, all_projects) == -1)
		return NULL;
	if (net != NULL && resource_resolve(nb, &res_net, net, &ref) == -1)
		return NULL;
	t = db_table(nb, sql, "ss", all_projects ? NULL : nb->ctx.project_id,
	    net != NULL ? ref.id : NULL);
	ref_release(&ref);
	return t;
}

struct table *
subnet_list(struct nb *nb, const char *net, int all_projects)
{
	return list_on_net(nb, "subnet:list", SUBNET_SELECT " WHERE (?1 IS"
	    " NULL OR s.project_id = ?1 OR n.shared OR n.external) AND (?2 IS"
	    " NULL OR s.network_id = ?2) ORDER BY n.name, s.created_at,"
	    " s.name", net, all_projects);
}

/* --- ports ---------------------------------------------------------- */

#define PORT_SELECT \
    "SELECT p.id, p.name, n.name AS network, p.network_id, p.mac," \
    " (SELECT group_concat(ip, ' ') FROM (SELECT i.ip FROM port_ips i" \
    "  WHERE i.port_id = p.id ORDER BY i.address)) AS fixed_ips," \
    " (SELECT group_concat(name, ' ') FROM (SELECT s.name FROM port_ips i" \
    "  JOIN subnets s ON s.id = i.subnet_id WHERE i.port_id = p.id" \
    "  ORDER BY i.address)) AS subnets," \
    " p.device_owner, p.device_id, p.port_security AS \"port_security:b\"," \
    " p.status, p.project_id, p.created_at AS \"created_at:t\"" \
    " FROM ports p JOIN networks n ON n.id = p.network_id"

static const char port_show_sql[] = PORT_SELECT " WHERE p.id = ?1";

static int
port_delete_check(struct nb *nb, const char *id, const char *name)
{
	char	*owner;

	if ((owner = db_text(nb, "SELECT device_owner FROM ports WHERE id = ?1"
	    " AND device_owner LIKE 'network:%'", "s", id)) != NULL) {
		nb_seterr(nb, NB_ECONFLICT, "port '%s' is %s: it goes with "
		    "what made it (cloud-router-remove-subnet, "
		    "cloud-router-set, cloud-fip-delete, cloud-subnet-delete)",
		    name, strcmp(owner, "network:dhcp") == 0 ? "a DHCP "
		    "server's" : strcmp(owner, "network:floatingip") == 0 ?
		    "a floating IP's" : "a router's leg");
		free(owner);
		return -1;
	}
	if (nb->errcode != 0)
		return -1;
	return refuse_in_use(nb, "SELECT s.name || ' (' || s.id || ')' FROM"
	    " ports p JOIN servers s ON s.id = p.device_id WHERE p.id = ?1"
	    " AND p.device_owner LIKE 'compute:%'", id, "port", name,
	    "is in use by server ", "delete the server first");
}

const struct resource res_port = {
	.kind = "port",
	.table = "ports",
	.name_col = "name",
	.project_col = "project_id",
	.show_sql = port_show_sql,
	.delete_check = port_delete_check,
};

/* "fa:16:3e:..." or a given unicast MAC, lower case, into mac (18). */
static int
mac_choose(struct nb *nb, const char *given, char mac[18])
{
	unsigned char	 b[3];
	unsigned int	 o[6];
	char		 end;
	int		 i;

	if (given != NULL) {
		for (i = 0; given[i] != '\0'; i++)
			if (i % 3 == 2 ? given[i] != ':' :
			    strchr("0123456789abcdefABCDEF", given[i]) == NULL)
				break;
		if (i != 17 || given[i] != '\0' || sscanf(given,
		    "%2x:%2x:%2x:%2x:%2x:%2x%c", &o[0], &o[1], &o[2], &o[3],
		    &o[4], &o[5], &end) != 6)
			return nb_seterr(nb, NB_EUSAGE, "MAC '%s': use six "
			    "hexadecimal pairs, aa:bb:cc:dd:ee:ff", given);
		if (o[0] & 1)
			return nb_seterr(nb, NB_EUSAGE, "MAC '%s' is multicast: "
			    "a port needs a unicast address", given);
		if ((o[0] | o[1] | o[2] | o[3] | o[4] | o[5]) == 0)
			return nb_seterr(nb, NB_EUSAGE, "MAC '%s' is all zeros",
			    given);
		snprintf(mac, 18, "%02x:%02x:%02x:%02x:%02x:%02x", o[0] & 0xff,
		    o[1] & 0xff, o[2] & 0xff, o[3] & 0xff, o[4] & 0xff,
		    o[5] & 0xff);
		return 0;
	}
	/* Neutron's base; 2^24 of them, so a taken one is drawn again. */
	for (i = 0; i < 16; i++) {
		if (random_bytes(b, sizeof(b)) == -1)
			return nb_seterr(nb, NB_EFAIL, "no random bytes");
		snprintf(mac, 18, "fa:16:3e:%02x:%02x:%02x", b[0], b[1], b[2]);
		if (db_int(nb, 1, "SELECT count(*) FROM ports WHERE mac = ?1",
		    "s", mac) == 0)
			return 0;
		if (nb->errcode != 0)
			return -1;
	}
	return nb_seterr(nb, NB_ECONFLICT, "no free MAC address found");
}

/*
 * Take address a of subnet: the free range holding it is split.  0, or
 * -1: NB_ECONFLICT when taken, NB_EUSAGE when outside the pools.
 */
static int
ip_take(struct nb *nb, const char *subnet, const char *sname, uint32_t a)
{
	struct stmt	*st;
	long long	 rowid = -1, first = 0, last = 0;
	char		 t[16];
	int		 rc;

	if ((st = db_prepare(nb, "SELECT rowid, first, last FROM ip_ranges"
	    " WHERE subnet_id = ?1 AND first <= ?2 ORDER BY first DESC"
	    " LIMIT 1", "si", subnet, (long long)a)) == NULL)
		return -1;
	if ((rc = db_step(st)) == 1) {
		rowid = db_col_int(st, 0);
		first = db_col_int(st, 1);
		last = db_col_int(st, 2);
	}
	db_finalize(st);
	if (rc == -1)
		return -1;
	if (rc == 0 || last < (long long)a) {
		if (db_int(nb, 0, "SELECT count(*) FROM subnet_pools WHERE"
		    " subnet_id = ?1 AND first <= ?2 AND last >= ?2", "si",
		    subnet, (long long)a) == 0)
			return nb_seterr(nb, NB_EUSAGE, "%s is outside the "
			    "allocation pools of subnet '%s'", ip4_text(a, t),
			    sname);
		return nb_seterr(nb, NB_ECONFLICT, "%s is taken in subnet "
		    "'%s'", ip4_text(a, t), sname);
	}
	if (first == (long long)a && last == (long long)a)
		return db_exec(nb, NULL, "DELETE FROM ip_ranges WHERE rowid ="
		    " ?1", "i", rowid);
	if (first == (long long)a)
		return db_exec(nb, NULL, "UPDATE ip_ranges SET first = ?2"
		    " WHERE rowid = ?1", "ii", rowid, first + 1);
	if (last == (long long)a)
		return db_exec(nb, NULL, "UPDATE ip_ranges SET last = ?2"
		    " WHERE rowid = ?1", "ii", rowid, last - 1);
	if (db_exec(nb, NULL, "UPDATE ip_ranges SET last = ?2 WHERE rowid ="
	    " ?1", "ii", rowid, (long long)a - 1) == -1)
		return -1;
	return db_exec(nb, NULL, "INSERT INTO ip_ranges (subnet_id, first,"
	    " last) VALUES (?1, ?2, ?3)", "sii", subnet, (long long)a + 1,
	    last);
}

/* The lowest free address of subnet, taken; -1 with NB_ECONFLICT when full. */
static int
ip_next(struct nb *nb, const char *subnet, const char *sname, uint32_t *a)
{
	long long	 v;

	v = db_int(nb, -1, "SELECT min(first) FROM ip_ranges WHERE"
	    " subnet_id = ?1", "s", subnet);
	if (nb->errcode != 0)
		return -1;
	if (v < 0)
		return nb_seterr(nb, NB_ECONFLICT, "subnet '%s' has no free "
		    "address left in its pools", sname);
	*a = (uint32_t)v;
	return ip_take(nb, subnet, sname, *a);
}

/* Give address a back to subnet's free ranges, joined to its neighbours. */
static int
ip_release(struct nb *nb, const char *subnet, uint32_t a)
{
	long long	 below, above;

	below = db_int(nb, -1, "SELECT rowid FROM ip_ranges WHERE subnet_id ="
	    " ?1 AND last = ?2", "si", subnet, (long long)a - 1);
	above = db_int(nb, -1, "SELECT rowid FROM ip_ranges WHERE subnet_id ="
	    " ?1 AND first = ?2", "si", subnet, (long long)a + 1);
	if (nb->errcode != 0)
		return -1;
	if (below >= 0 && above >= 0)
		return db_exec(nb, NULL, "UPDATE ip_ranges SET last = (SELECT"
		    " last FROM ip_ranges WHERE rowid = ?2) WHERE rowid = ?1",
		    "ii", below, above) == -1 || db_exec(nb, NULL, "DELETE FROM"
		    " ip_ranges WHERE rowid = ?1", "i", above) == -1 ? -1 : 0;
	if (below >= 0)
		return db_exec(nb, NULL, "UPDATE ip_ranges SET last = ?2"
		    " WHERE rowid = ?1", "ii", below, (long long)a);
	if (above >= 0)
		return db_exec(nb, NULL, "UPDATE ip_ranges SET first = ?2"
		    " WHERE rowid = ?1", "ii", above, (long long)a);
	return db_exec(nb, NULL, "INSERT INTO ip_ranges (subnet_id, first,"
	    " last) VALUES (?1, ?2, ?2)", "si", subnet, (long long)a);
}

/* The subnet of the network the port's address comes from. */
static int
port_subnet(struct nb *nb, const struct port_spec *s, const char *net_id,
    const char *net_name, uint32_t want, struct ref *sub)
{
	char	*id;

	if (s->subnet != NULL) {
		if (resource_resolve(nb, &res_subnet, s->subnet, sub) == -1)
			return -1;
		if (db_int(nb, 0, "SELECT count(*) FROM subnets WHERE id = ?1"
		    " AND network_id = ?2", "ss", sub->id, net_id) == 0)
			return nb_seterr(nb, NB_EUSAGE, "subnet '%s' is not on "
			    "network '%s'", s->subnet, net_name);
		return 0;
	}
	/* The subnet whose CIDR holds the address, or the first one. */
	if (s->fixed_ip != NULL)
		id = db_text(nb, "SELECT id FROM subnets WHERE network_id = ?1"
		    " AND net_first <= ?2 AND net_last >= ?2", "si", net_id,
		    (long long)want);
	else
		id = db_text(nb, "SELECT id FROM subnets WHERE network_id = ?1"
		    " AND EXISTS (SELECT 1 FROM ip_ranges r WHERE r.subnet_id ="
		    " subnets.id) ORDER BY created_at, rowid LIMIT 1", "s",
		    net_id);
	if (id == NULL && nb->errcode == 0 && s->fixed_ip == NULL)
		id = db_text(nb, "SELECT id FROM subnets WHERE network_id = ?1"
		    " ORDER BY created_at, rowid LIMIT 1", "s", net_id);
	if (id == NULL) {
		if (nb->errcode == 0 && s->fixed_ip != NULL)
			nb_seterr(nb, NB_EUSAGE, "%s is in no subnet of network "
			    "'%s'", s->fixed_ip, net_name);
		return -1;
	}
	memset(sub, 0, sizeof(*sub));
	strlcpy(sub->id, id, sizeof(sub->id));
	free(id);
	sub->name = db_text(nb, "SELECT name FROM subnets WHERE id = ?1", "s",
	    sub->id);
	return sub->name == NULL ? -1 : 0;
}

/*
 * Is the port a router's leg taking its subnet's gateway address?  That
 * address is outside the pools and no other port may have it; UNIQUE
 * (subnet, address) keeps it one leg's.
 */
static int
gateway_of(struct nb *nb, const struct port_spec *s, const char *subnet)
{
	return s->infrastructure && s->fixed_ip != NULL &&
	    s->device_owner != NULL &&
	    strcmp(s->device_owner, "network:router_interface") == 0 &&
	    db_int(nb, 0,
	    "SELECT count(*) FROM subnets WHERE id = ?1 AND gateway = ?2",
	    "ss", subnet, s->fixed_ip) > 0;
}

int
port_create_tx(struct nb *nb, const struct port_spec *s,
    char id[NB_UUID_LEN + 1])
{
	struct ref	 net = { 0 }, sub = { 0 };
	uint32_t	 a = 0;
	char		 mac[18], ip[16], msg[320];
	int		 rv = -1, nsub;

	if (s->name != NULL && *s->name != '\0' &&
	    name_valid(nb, "port", s->name) == -1)
		return -1;
	if (s->fixed_ip != NULL && ip4_parse(s->fixed_ip, &a) == -1)
		return nb_seterr(nb, NB_EUSAGE, "fixed IP '%s' is not an IPv4 "
		    "address", s->fixed_ip);
	if (resource_authorize(nb, &res_net, "use", s->net, &net) == -1)
		goto out;
	/* An external network that is not shared is the routers' and FIPs'. */
	if (!s->infrastructure && !is_cloud_admin(nb) && db_int(nb, 0,
	    "SELECT count(*) FROM"
	    " networks WHERE id = ?1 AND project_id <> ?2 AND NOT shared",
	    "ss", net.id, nb->ctx.project_id) > 0) {
		nb_seterr(nb, NB_EAUTH, "forbidden: network '%s' is another "
		    "project's external network: ports on it are for cloud "
		    "admins", net.name);
		goto out;
	}
	if (mac_choose(nb, s->mac, mac) == -1 || (!s->infrastructure &&
	    quota_check(nb, nb->ctx.project_id, "ports", 1) == -1))
		goto out;
	uuid_generate(id);
	snprintf(msg, sizeof(msg), "MAC %s is taken by another port", mac);
	if (db_exec(nb, msg, "INSERT INTO ports (id, name, network_id,"
	    " project_id, mac, device_owner, device_id, port_security, status,"
	    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " 'DOWN', ?9, ?9)", "sssssssdi", id, s->name ? s->name : "",
	    net.id, nb->ctx.project_id, mac, s->device_owner, s->device_id,
	    !s->no_port_security, (long long)time(NULL)) == -1)
		goto out;
	if (s->no_port_security && s->ngroups > 0) {
		nb_seterr(nb, NB_EUSAGE, "security groups need port security");
		goto out;
	}
	if (!s->no_port_security && port_groups_set_tx(nb, id, s->groups,
	    s->ngroups) == -1)
		goto out;
	nsub = (int)db_int(nb, 0, "SELECT count(*) FROM subnets WHERE"
	    " network_id = ?1", "s", net.id);
	if (nb->errcode != 0)
		goto out;
	if (nsub == 0 && (s->fixed_ip != NULL || s->subnet != NULL)) {
		nb_seterr(nb, NB_EUSAGE, "network '%s' has no subnet",
		    net.name);
		goto out;
	}
	if (nsub > 0) {
		if (port_subnet(nb, s, net.id, net.name, a, &sub) == -1 ||
		    (s->fixed_ip != NULL ? (!gateway_of(nb, s, sub.id) &&
		    ip_take(nb, sub.id, sub.name, a) == -1 ? -1 : 0) :
		    ip_next(nb, sub.id, sub.name, &a)) == -1 ||
		    db_exec(nb, NULL, "INSERT INTO port_ips VALUES (?1, ?2, ?3,"
		    " ?4)", "ssis", id, sub.id, (long long)a,
		    ip4_text(a, ip)) == -1)
			goto out;
	}
	rv = 0;
out:
	ref_release(&net);
	ref_release(&sub);
	return rv;
}

static const char port_subnets_sql[] =
    "SELECT subnet_id FROM port_ips WHERE port_id = ?1";

/* The DHCP servers of subnets (ids) hand out what their ports have now. */
static void
subnets_dhcp_refresh(struct nb *nb, const struct table *subnets)
{
	size_t	 i;

	for (i = 0; subnets != NULL && i < subnets->nrows; i++)
		(void)dhcp_refresh(nb, subnets->cells[i]);
	nb_clearerr(nb);
}

struct table *
port_create(struct nb *nb, const struct port_spec *s)
{
	struct table	*subnets;
	char		 id[NB_UUID_LEN + 1];

	if (db_begin(nb) == -1 ||
	    policy_check(nb, "port:create", nb->ctx.project_id, NULL) == -1 ||
	    port_create_tx(nb, s, id) == -1 ||
	    event_record(nb, "port:create", "port", id, s->name != NULL &&
	    *s->name != '\0' ? s->name : id, 1, NULL) == -1 ||
	    db_commit(nb) == -1) {
		event_failed(nb, "port:create", "port", s->name != NULL ?
		    s->name : s->net);
		return NULL;
	}
	subnets = db_table(nb, port_subnets_sql, "s", id);
	subnets_dhcp_refresh(nb, subnets);
	table_free(subnets);
	return db_table(nb, port_show_sql, "s", id);
}

int
port_delete_tx(struct nb *nb, const char *id)
{
	struct table	*ips;
	size_t		 i;

	/* A gateway's address, outside the pools, goes back to no pool. */
	if ((ips = db_table(nb, "SELECT i.subnet_id, i.address FROM port_ips i"
	    " WHERE i.port_id = ?1 AND EXISTS (SELECT 1 FROM subnet_pools p"
	    " WHERE p.subnet_id = i.subnet_id AND p.first <= i.address AND"
	    " p.last >= i.address)", "s", id)) == NULL)
		return -1;
	for (i = 0; i < ips->nrows; i++)
		if (ip_release(nb, ips->cells[i * 2],
		    (uint32_t)strtoll(ips->cells[i * 2 + 1], NULL, 10)) == -1) {
			table_free(ips);
			return -1;
		}
	table_free(ips);
	/* Its floating IPs stay the project's, unbound (as Neutron). */
	return db_exec(nb, NULL, "UPDATE floating_ips SET fixed_port_id ="
	    " NULL, fixed_ip = NULL, router_id = NULL WHERE fixed_port_id ="
	    " ?1", "s", id) == -1 ||
	    db_exec(nb, NULL, "DELETE FROM port_ips WHERE port_id = ?1",
	    "s", id) == -1 || db_exec(nb, NULL, "DELETE FROM ports WHERE"
	    " id = ?1", "s", id) == -1 ? -1 : 0;
}

int
port_delete(struct nb *nb, const char *port)
{
	struct ref	 ref = { 0 };
	struct table	*subnets = NULL, *routers = NULL;

	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_port, "delete", port, &ref) == -1 ||
	    port_delete_check(nb, ref.id, ref.name) == -1 ||
	    (subnets = db_table(nb, port_subnets_sql, "s", ref.id)) == NULL ||
	    (routers = ports_fip_routers(nb, ref.id)) == NULL ||
	    port_delete_tx(nb, ref.id) == -1 ||
	    event_record(nb, "port:delete", "port", ref.id, ref.name, 1,
	    NULL) == -1 || db_commit(nb) == -1) {
		event_failed(nb, "port:delete", "port", port);
		table_free(subnets);
		table_free(routers);
		ref_release(&ref);
		return -1;
	}
	subnets_dhcp_refresh(nb, subnets);
	routers_apply(nb, routers);
	nb_clearerr(nb);
	table_free(subnets);
	table_free(routers);
	ref_release(&ref);
	return 0;
}

struct table *
port_list(struct nb *nb, const char *net, int all_projects)
{
	return list_on_net(nb, "port:list", PORT_SELECT " WHERE (?1 IS NULL OR"
	    " p.project_id = ?1) AND (?2 IS NULL OR p.network_id = ?2) ORDER"
	    " BY n.name, p.name, p.id", net, all_projects);
}
