/*
 * netvirt.c: networks on hosts, through libvirt.  A network's bridge is
 * a libvirt network of the bridge's name, isolated (no forwarding, no
 * addresses, no dnsmasq), on each host where a server has a port on
 * the network: made before the server's domain is defined there, and
 * removed when the last such port leaves the host.  The guest's address
 * is static, from IPAM, in its config drive's network_data.json.  This
 * release wires local networks; flat, vlan and vxlan ones are refused
 * at boot until their uplinks are built.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "net.h"
#include "resource.h"
#include "server.h"
#include "serverhost.h"
#include "virt.h"

static const char nic_sql[] =
    "SELECT n.bridge, p.mac, i.ip, s.cidr, s.gateway, s.dns, n.mtu, n.type,"
    " n.name, p.port_security, p.id, n.id, i.subnet_id, s.dhcp FROM ports p"
    " JOIN networks n ON n.id = p.network_id"
    " LEFT JOIN port_ips i ON i.port_id = p.id"
    " LEFT JOIN subnets s ON s.id = i.subnet_id"
    " WHERE p.device_id = ?1 ORDER BY p.created_at, p.rowid LIMIT 1";

int
server_nic_load(struct nb *nb, const char *id, struct server_nic *nic)
{
	const char	*cidr, *p;
	uint32_t	 mask;
	int		 prefix;
	char		*dns;

	memset(nic, 0, sizeof(*nic));
	if ((nic->row = db_table(nb, nic_sql, "s", id)) == NULL)
		return -1;
	if (nic->row->nrows == 0) {
		table_free(nic->row);
		nic->row = NULL;
		return 0;
	}
	nic->bridge = nic->row->cells[0];
	nic->mac = nic->row->cells[1];
	nic->ip = nic->row->cells[2];
	cidr = nic->row->cells[3];
	nic->gateway = nic->row->cells[4];
	nic->mtu = strtoll(nic->row->cells[6], NULL, 10);
	nic->type = nic->row->cells[7];
	nic->net = nic->row->cells[8];
	nic->port_security = strcmp(nic->row->cells[9], "1") == 0;
	nic->port_id = nic->row->cells[10];
	nic->net_id = nic->row->cells[11];
	nic->subnet_id = nic->row->cells[12];
	nic->dhcp = nic->row->cells[13] != NULL &&
	    strcmp(nic->row->cells[13], "1") == 0;
	snprintf(nic->filter, sizeof(nic->filter), "nubes-port-%s",
	    nic->port_id);
	if (cidr != NULL && (p = strchr(cidr, '/')) != NULL) {
		prefix = atoi(p + 1);
		mask = prefix == 0 ? 0 : 0xffffffffU << (32 - prefix);
		ip4_text(mask, nic->netmask);
	}
	/* "a,b,c" into up to four name servers. */
	if (nic->row->cells[5] != NULL) {
		dns = nic->dns_buf = xstrdup(nic->row->cells[5]);
		while (nic->ndns < 4 && dns != NULL && *dns != '\0') {
			nic->dns[nic->ndns++] = dns;
			if ((dns = strchr(dns, ',')) != NULL)
				*dns++ = '\0';
		}
	}
	return 1;
}

void
server_nic_free(struct server_nic *nic)
{
	table_free(nic->row);
	free(nic->dns_buf);
	memset(nic, 0, sizeof(*nic));
}

/* One accept rule of a security group, for one remote address or any. */
static void
rule_xml(struct buf *b, const char *direction, const char *proto,
    const char *lo, const char *hi, const char *remote)
{
	const char	*p = proto != NULL ? proto : "all";
	const char	*dir = strcmp(direction, "ingress") == 0 ? "in" : "out";
	const char	*who = *dir == 'i' ? "src" : "dst";
	char		 ip[24], *slash;

	buf_printf(b, "  <rule action='accept' direction='%s' priority='500'>"
	    "\n    <%s state='NEW'", dir, p);
	if (remote != NULL) {
		strlcpy(ip, remote, sizeof(ip));
		if ((slash = strchr(ip, '/')) != NULL)
			*slash++ = '\0';
		buf_printf(b, " %sipaddr='%s' %sipmask='%s'", who, ip, who,
		    slash != NULL ? slash : "32");
	}
	if (lo != NULL)
		buf_printf(b, " dstportstart='%s' dstportend='%s'", lo, hi);
	buf_puts(b, "/>\n  </rule>\n");
}

static const char port_rules_sql[] =
    "SELECT r.direction, r.protocol, r.port_min, r.port_max,"
    " r.remote_ip_prefix, r.remote_group_id FROM security_group_rules r"
    " JOIN port_security_groups g ON g.group_id = r.group_id"
    " WHERE g.port_id = ?1 ORDER BY r.created_at, r.id";

/* The addresses of the ports in a group, for remote-group rules. */
static const char members_sql[] =
    "SELECT i.ip FROM port_security_groups g JOIN port_ips i"
    " ON i.port_id = g.port_id WHERE g.group_id = ?1 ORDER BY i.address";

/*
 * The port's traffic filter's rules: libvirt's clean-traffic with its
 * address (no other MAC, IP or ARP), replies to what was let through,
 * then its security groups' rules, then drop.  To free; NULL with the
 * error set.
 */
static char *
port_filter_xml(struct nb *nb, const struct server_nic *nic)
{
	struct table	*rules, *members;
	struct buf	 b;
	size_t		 i, j;

	if ((rules = db_table(nb, port_rules_sql, "s", nic->port_id)) == NULL)
		return NULL;
	buf_init(&b);
	buf_puts(&b, "  <filterref filter='clean-traffic'");
	if (nic->ip != NULL)
		buf_printf(&b, ">\n    <parameter name='IP' value='%s'/>\n"
		    "  </filterref>\n", nic->ip);
	else
		buf_puts(&b, "/>\n");
	buf_puts(&b, "  <rule action='accept' direction='inout' "
	    "priority='100'>\n    <all state='ESTABLISHED,RELATED'/>\n"
	    "  </rule>\n");
	/* Its own DHCP exchange always works (DESIGN.md 2). */
	buf_puts(&b, "  <rule action='accept' direction='out' priority='110'>"
	    "\n    <udp srcportstart='68' dstportstart='67'/>\n  </rule>\n"
	    "  <rule action='accept' direction='in' priority='110'>\n"
	    "    <udp srcportstart='67' dstportstart='68'/>\n  </rule>\n");
	for (i = 0; i < rules->nrows; i++) {
		char	**r = &rules->cells[i * rules->ncols];

		if (r[5] == NULL) {
			rule_xml(&b, r[0], r[1], r[2], r[3], r[4]);
			continue;
		}
		if ((members = db_table(nb, members_sql, "s", r[5])) == NULL) {
			table_free(rules);
			buf_free(&b);
			return NULL;
		}
		for (j = 0; j < members->nrows; j++)
			rule_xml(&b, r[0], r[1], r[2], r[3],
			    members->cells[j]);
		table_free(members);
	}
	buf_puts(&b, "  <rule action='drop' direction='inout' "
	    "priority='1000'>\n    <all/>\n  </rule>\n");
	table_free(rules);
	return buf_release(&b);
}

static int
port_filter_define(struct nb *nb, struct virt *v,
    const struct server_nic *nic)
{
	char	*xml;
	int	 rc;

	if ((xml = port_filter_xml(nb, nic)) == NULL)
		return -1;
	rc = virt_nwfilter_define(v, nic->filter, xml);
	free(xml);
	return rc;
}

int
uri_is_local(const char *uri)
{
	const char	*h, *end, *at;
	size_t		 n;

	if ((h = strstr(uri, "://")) == NULL)
		return 1;
	h += 3;
	end = h + strcspn(h, "/?");
	if ((at = memchr(h, '@', end - h)) != NULL)
		h = at + 1;
	n = (size_t)(end - h);
	if (n > 0 && *h != '[')
		n = strcspn(h, ":/?");
	return n == 0 || (n == 9 && strncmp(h, "localhost", 9) == 0) ||
	    strncmp(h, "127.", 4) == 0 || strncmp(h, "[::1]", 5) == 0;
}

int
server_nets_ensure(struct nb *nb, struct virt *v, const char *id)
{
	struct server_nic	 nic;
	int			 rc;

	if ((rc = server_nic_load(nb, id, &nic)) <= 0)
		return rc;
	/*
	 * Here the bridge is made with its uplink; libvirt then uses it.
	 * Under the lock: host_net_prune() decides and removes under it.
	 */
	if (dp_hold(nb) == -1) {
		server_nic_free(&nic);
		return -1;
	}
	rc = (!uri_is_local(virt_uri(v)) ||
	    dp_bridge_ensure(nb, nic.net_id) == 0) &&
	    virt_net_ensure(v, nic.bridge, nic.mtu) == 0 &&
	    (!nic.port_security || port_filter_define(nb, v, &nic) == 0) &&
	    (!nic.dhcp || dhcp_apply(nb, nic.subnet_id) == 0) ? 0 : -1;
	dp_release();
	server_nic_free(&nic);
	return rc;
}

/*
 * Bound ports whose filters a change of group_id touches: its own
 * members, and the members of groups with rules naming it as remote.
 */
static const char touched_sql[] =
    "SELECT DISTINCT s.id, h.uri FROM port_security_groups g"
    " JOIN ports p ON p.id = g.port_id JOIN servers s ON s.id = p.device_id"
    " JOIN hosts h ON h.id = p.host_id WHERE p.port_security AND"
    " (g.group_id = ?1 OR g.group_id IN (SELECT group_id FROM"
    " security_group_rules WHERE remote_group_id = ?1)) ORDER BY h.uri";

/* A connection to uri: *vp when it is that host's, else a new one. */
static struct virt *
virt_for(struct nb *nb, struct virt **vp, const char *uri)
{
	if (*vp != NULL && strcmp(virt_uri(*vp), uri) != 0) {
		virt_close(*vp);
		*vp = NULL;
	}
	if (*vp == NULL)
		*vp = virt_open(nb, uri);
	return *vp;
}

int
secgroup_apply(struct nb *nb, const char *group_id)
{
	struct table		*t;
	struct virt		*v = NULL;
	struct server_nic	 nic;
	size_t			 i;
	int			 rv = 0;

	if ((t = db_table(nb, touched_sql, "s", group_id)) == NULL)
		return -1;
	for (i = 0; i < t->nrows; i++) {
		char	**r = &t->cells[i * t->ncols];

		if (virt_for(nb, &v, r[1]) == NULL ||
		    server_nic_load(nb, r[0], &nic) == -1) {
			rv = -1;
			continue;
		}
		if (nic.port_id != NULL && port_filter_define(nb, v,
		    &nic) == -1)
			rv = -1;
		server_nic_free(&nic);
	}
	virt_close(v);
	table_free(t);
	return rv;
}

struct table *
server_secgroups(struct nb *nb, const char *server_id)
{
	return db_table(nb, "SELECT DISTINCT g.group_id FROM"
	    " port_security_groups g JOIN ports p ON p.id = g.port_id"
	    " WHERE p.device_id = ?1", "s", server_id);
}

int
secgroups_apply(struct nb *nb, const struct table *groups)
{
	struct nb_error	 keep;
	size_t		 i;
	int		 rv = 0;

	if (groups == NULL)
		return 0;
	for (i = 0; i < groups->nrows; i++)
		if (secgroup_apply(nb, groups->cells[i]) == -1) {
			if (rv == 0)
				nb_error_save(nb, &keep);
			rv = -1;
		}
	if (rv == -1)
		nb_error_restore(nb, &keep);
	return rv;
}

void
host_net_prune(struct nb *nb, struct virt *v, const char *host_id,
    const char *bridge)
{
	struct nb_error	 keep;

	if (v == NULL || bridge == NULL)
		return;
	nb_error_save(nb, &keep);
	/* Counted and removed with no boot's ensure in between. */
	if (dp_hold(nb) == 0) {
		/* A server moving here still names its source host. */
		if (db_int(nb, 1, "SELECT count(*) FROM ports p JOIN networks"
		    " n ON n.id = p.network_id WHERE n.bridge = ?1 AND"
		    " (p.host_id = ?2 OR p.device_id IN (SELECT server_id FROM"
		    " migrations WHERE dest_host_id = ?2 AND status ="
		    " 'running'))", "ss", bridge, host_id) == 0) {
			(void)virt_net_remove(v, bridge);
			if (uri_is_local(virt_uri(v)))
				(void)dp_prune(nb, NULL);
		}
		dp_release();
	}
	nb_error_restore(nb, &keep);
}

int
server_port_bind(struct nb *nb, const char *server_id, const char *host_id,
    const char *net, const char *port, const char *const *groups,
    size_t ngroups)
{
	struct port_spec	 ps;
	struct ref		 ref = { 0 };
	char			 pid[NB_UUID_LEN + 1], *type = NULL;
	char			*owner = NULL, *uri = NULL;
	int			 rv = -1;

	if (port != NULL) {
		if (resource_authorize(nb, &res_port, "bind", port,
		    &ref) == -1)
			return -1;
		strlcpy(pid, ref.id, sizeof(pid));
		if ((owner = db_text(nb, "SELECT device_id FROM ports WHERE"
		    " id = ?1 AND device_id IS NOT NULL", "s", pid)) != NULL) {
			nb_seterr(nb, NB_ECONFLICT, "port '%s' is in use by "
			    "%s", port, owner);
			goto out;
		}
	} else {
		memset(&ps, 0, sizeof(ps));
		ps.net = net;
		ps.device_owner = "compute:nova";
		ps.device_id = server_id;
		ps.groups = groups;
		ps.ngroups = ngroups;
		if (port_create_tx(nb, &ps, pid) == -1)
			goto out;
	}
	if ((type = db_text(nb, "SELECT n.type FROM ports p JOIN networks n ON"
	    " n.id = p.network_id WHERE p.id = ?1", "s", pid)) == NULL)
		goto out;
	if (strcmp(type, "vxlan") == 0 && *conf_get(nb->conf, "network",
	    "vxlan_interface", "") == '\0') {
		nb_seterr(nb, NB_ECONFLICT, "the network of port %s is vxlan, "
		    "and [network] vxlan_interface names no device for its "
		    "tunnels", pid);
		goto out;
	}
	if (strcmp(type, "local") != 0 && (uri = db_text(nb, "SELECT uri"
	    " FROM hosts WHERE id = ?1", "s", host_id)) != NULL &&
	    !uri_is_local(uri)) {
		nb_seterr(nb, NB_ECONFLICT, "the network of port %s is %s, and "
		    "host %s is not this machine: this release wires uplinks "
		    "on this machine's hosts only", pid, type, uri);
		goto out;
	}
	if (nb->errcode != 0)
		goto out;
	if (db_exec(nb, NULL, "UPDATE ports SET device_owner = 'compute:nova',"
	    " device_id = ?2, host_id = ?3, status = 'ACTIVE', auto_delete ="
	    " ?4 WHERE id = ?1", "sssd", pid, server_id, host_id,
	    port == NULL) == -1)
		goto out;
	rv = 0;
out:
	free(owner);
	free(type);
	free(uri);
	ref_release(&ref);
	return rv;
}

int
server_ports_release(struct nb *nb, const char *server_id)
{
	struct table	*t;
	size_t		 i;
	int		 rv = 0;

	if ((t = db_table(nb, "SELECT id FROM ports WHERE device_id = ?1"
	    " AND auto_delete", "s", server_id)) == NULL)
		return -1;
	for (i = 0; i < t->nrows && rv == 0; i++)
		rv = port_delete_tx(nb, t->cells[i]);
	table_free(t);
	if (rv == 0 && db_exec(nb, NULL, "UPDATE ports SET device_owner = NULL,"
	    " device_id = NULL, host_id = NULL, status = 'DOWN' WHERE"
	    " device_id = ?1", "s", server_id) == -1)
		rv = -1;
	return rv;
}

static void
sync_row(struct nb *nb, struct table *t, const char *what, const char *name,
    int rc, int *failed)
{
	const char	*cells[] = { what, name, rc == 0 ? "applied" :
			    nb_errstr(nb) };

	table_add_row(t, cells);
	if (rc != 0) {
		*failed = 1;
		nb_clearerr(nb);
	}
}

/* Servers with ports, by host: hosts marked down are not contacted. */
static const char sync_servers_sql[] =
    "SELECT DISTINCT p.device_id, h.uri, s.name FROM ports p"
    " JOIN servers s ON s.id = p.device_id JOIN hosts h ON h.id = p.host_id"
    " WHERE NOT h.down ORDER BY h.uri, s.name";

struct table *
net_sync(struct nb *nb, int prune, int *failedp)
{
	static const char *const cols[] = { "object", "name", "result" };
	struct table		*t, *rows = NULL;
	struct virt		*v = NULL;
	size_t			 i;
	int			 failed = 0;

	if (policy_check(nb, "network:sync", NULL, NULL) == -1)
		return NULL;
	t = table_new(3, cols);
	/* Routers first: their legs make the bridges the guests join. */
	if ((rows = db_table(nb, "SELECT id, name FROM routers ORDER BY name,"
	    " id", NULL)) == NULL)
		goto fail;
	for (i = 0; i < rows->nrows; i++)
		sync_row(nb, t, "router", rows->cells[i * 2 + 1],
		    router_apply(nb, rows->cells[i * 2]), &failed);
	table_free(rows);
	if ((rows = db_table(nb, "SELECT s.id, s.name FROM subnets s WHERE"
	    " EXISTS (SELECT 1 FROM ports p WHERE p.device_owner ="
	    " 'network:dhcp' AND p.device_id = s.id) ORDER BY s.name, s.id",
	    NULL)) == NULL)
		goto fail;
	for (i = 0; i < rows->nrows; i++)
		sync_row(nb, t, "dhcp", rows->cells[i * 2 + 1],
		    dhcp_apply(nb, rows->cells[i * 2]), &failed);
	table_free(rows);
	if ((rows = db_table(nb, sync_servers_sql, NULL)) == NULL)
		goto fail;
	for (i = 0; i < rows->nrows; i++) {
		char	**r = &rows->cells[i * rows->ncols];

		sync_row(nb, t, "server", r[2], virt_for(nb, &v, r[1]) ==
		    NULL ? -1 : server_nets_ensure(nb, v, r[0]), &failed);
	}
	virt_close(v);
	table_free(rows);
	rows = NULL;
	if (prune && dp_sweep(nb, t) == -1)
		failed = 1;
	nb_clearerr(nb);
	if (dp_prune(nb, NULL) == -1)
		sync_row(nb, t, "bridges", "unused", -1, &failed);
	*failedp = failed;
	return t;
fail:
	table_free(rows);
	table_free(t);
	return NULL;
}

/* The filter of a bound port redefined on its host; 0 when not bound. */
static int
port_filter_refresh(struct nb *nb, const char *port_id)
{
	struct server_nic	 nic;
	struct table		*t;
	struct virt		*v;
	int			 rv = -1;

	if ((t = db_table(nb, "SELECT p.device_id, h.uri FROM ports p JOIN"
	    " hosts h ON h.id = p.host_id JOIN servers s ON s.id ="
	    " p.device_id WHERE p.id = ?1 AND p.port_security AND NOT h.down",
	    "s", port_id)) == NULL)
		return -1;
	if (t->nrows == 0) {
		table_free(t);
		return 0;
	}
	if ((v = virt_open(nb, t->cells[1])) != NULL &&
	    server_nic_load(nb, t->cells[0], &nic) != -1) {
		rv = nic.port_id == NULL || strcmp(nic.port_id, port_id) != 0 ?
		    0 : port_filter_define(nb, v, &nic);
		server_nic_free(&nic);
	}
	virt_close(v);
	table_free(t);
	return rv;
}

int
port_set(struct nb *nb, const char *port, const struct port_set_spec *s)
{
	struct ref	 ref = { 0 };
	struct table	*groups = NULL, *now = NULL;
	char		*owner = NULL, *bound = NULL;
	int		 rv = -1, security;

	if (s->name != NULL && *s->name != '\0' &&
	    name_valid(nb, "port", s->name) == -1)
		return -1;
	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_port, "update", port, &ref) == -1)
		goto fail;
	owner = db_text(nb, "SELECT device_owner FROM ports WHERE id = ?1 AND"
	    " device_owner LIKE 'network:%'", "s", ref.id);
	if (nb->errcode != 0)
		goto fail;
	if (owner != NULL && (s->ngroups > 0 || s->clear_groups ||
	    s->port_security >= 0)) {
		nb_seterr(nb, NB_ECONFLICT, "port '%s' is %s's: it has no port "
		    "security", ref.name, owner);
		goto fail;
	}
	security = (int)db_int(nb, 0, "SELECT port_security FROM ports WHERE"
	    " id = ?1", "s", ref.id);
	if (s->port_security >= 0 && s->port_security != security &&
	    (bound = db_text(nb, "SELECT s.name FROM ports p JOIN servers s"
	    " ON s.id = p.device_id WHERE p.id = ?1", "s", ref.id)) != NULL) {
		nb_seterr(nb, NB_ECONFLICT, "port '%s' is in use by server "
		    "'%s': port security is changed on free ports only",
		    ref.name, bound);
		goto fail;
	}
	if (nb->errcode != 0)
		goto fail;
	if (s->port_security >= 0)
		security = s->port_security;
	if (!security && (s->ngroups > 0 || (s->clear_groups &&
	    s->port_security != 0))) {
		nb_seterr(nb, NB_EUSAGE, "security groups need port security");
		goto fail;
	}
	if ((groups = db_table(nb, "SELECT group_id FROM port_security_groups"
	    " WHERE port_id = ?1", "s", ref.id)) == NULL)
		goto fail;
	if ((s->ngroups > 0 || s->clear_groups || !security ||
	    s->port_security == 1) && db_exec(nb, NULL, "DELETE FROM"
	    " port_security_groups WHERE port_id = ?1", "s", ref.id) == -1)
		goto fail;
	/* Groups named, or the default one when port security comes on. */
	if (security && (s->ngroups > 0 || (s->port_security == 1 &&
	    !s->clear_groups)) && port_groups_set_tx(nb, ref.id, s->groups,
	    s->ngroups) == -1)
		goto fail;
	if (db_exec(nb, NULL, "UPDATE ports SET name = ifnull(?2, name),"
	    " port_security = ?3, updated_at = ?4 WHERE id = ?1", "ssdi",
	    ref.id, s->name, security, (long long)time(NULL)) == -1 ||
	    (now = db_table(nb, "SELECT group_id FROM port_security_groups"
	    " WHERE port_id = ?1", "s", ref.id)) == NULL ||
	    event_record(nb, "port:update", "port", ref.id, ref.name, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	/* Its own filter, then those its old and new groups touch. */
	rv = port_filter_refresh(nb, ref.id);
	if (secgroups_apply(nb, groups) == -1 || secgroups_apply(nb,
	    now) == -1)
		rv = -1;
	goto out;
fail:
	event_failed(nb, "port:update", "port", port);
out:
	free(owner);
	free(bound);
	table_free(groups);
	table_free(now);
	ref_release(&ref);
	return rv;
}
