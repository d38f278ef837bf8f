/*
 * router.c: routers and floating IPs as records, as Neutron's L3 keeps
 * them.  A router's legs are ports: one per joined subnet holding its
 * gateway address (network:router_interface), one on its external
 * network (network:router_gateway).  A floating IP is a port of an
 * external network, so its address comes from IPAM under the same
 * UNIQUE constraints, and is bound 1:1 to another port's fixed address
 * through the router that joins that port's subnet to the floating
 * IP's network.  Each change is checked and written in one
 * transaction; then router_apply() (dataplane.c) makes the router's
 * namespace match it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "identity.h"
#include "net.h"
#include "resource.h"
#include "server.h"

/* --- routers -------------------------------------------------------- */

#define ROUTER_SELECT \
    "SELECT r.id, r.name, n.name AS external_network," \
    " (SELECT i.ip FROM port_ips i WHERE i.port_id = r.gateway_port_id)" \
    "  AS gateway_ip, r.snat AS \"snat:b\"," \
    " (SELECT group_concat(x, ' ') FROM (SELECT s.name || '=' || i.ip" \
    "  AS x FROM router_interfaces ri JOIN subnets s ON s.id =" \
    "  ri.subnet_id JOIN port_ips i ON i.port_id = ri.port_id WHERE" \
    "  ri.router_id = r.id ORDER BY s.name)) AS subnets," \
    " (SELECT count(*) FROM floating_ips f WHERE f.router_id = r.id)" \
    "  AS \"floating_ips:n\", 'nrt-' || substr(r.id, 1, 8) ||" \
    " substr(r.id, 10, 3) AS namespace, r.project_id," \
    " r.created_at AS \"created_at:t\"" \
    " FROM routers r LEFT JOIN networks n ON n.id = r.external_net_id"

static const char router_show_sql[] = ROUTER_SELECT " WHERE r.id = ?1";

const struct resource res_router = {
	.kind = "router",
	.table = "routers",
	.name_col = "name",
	.project_col = "project_id",
	.show_sql = router_show_sql,
};

/* Floating IPs that use the router (on subnet_id), for a refusal. */
static int
refuse_fips(struct nb *nb, const char *router_id, const char *subnet_id,
    const char *router, const char *hint)
{
	char	 sql[512];

	/* refuse_in_use() binds the id alone: the subnet is quoted in. */
	snprintf(sql, sizeof(sql), "SELECT group_concat(f.address || ' (on ' ||"
	    " f.fixed_ip || ')', ', ') FROM (SELECT * FROM floating_ips WHERE"
	    " router_id = ?1 AND ('%s' = '' OR fixed_port_id IN (SELECT"
	    " port_id FROM port_ips WHERE subnet_id = '%s')) ORDER BY address"
	    " LIMIT 10) f", subnet_id ? subnet_id : "", subnet_id ? subnet_id :
	    "");
	return refuse_in_use(nb, sql, router_id, "router", router,
	    "has floating IPs associated through it: ", hint);
}

/*
 * Inside the transaction: the router's external leg on net, or none.
 * The network it has already changes nothing.
 */
static int
gateway_set_tx(struct nb *nb, const struct ref *router, const char *net)
{
	struct port_spec	 ps;
	struct ref		 n = { 0 };
	char			*old, *port, pid[NB_UUID_LEN + 1];
	int			 rv = -1;

	if (net != NULL && resource_authorize(nb, &res_net, "use", net,
	    &n) == -1)
		return -1;
	if ((old = db_text(nb, "SELECT external_net_id FROM routers WHERE"
	    " id = ?1 AND external_net_id IS NOT NULL", "s",
	    router->id)) == NULL && nb->errcode != 0)
		goto out;
	if (old != NULL && net != NULL && strcmp(old, n.id) == 0) {
		rv = 0;
		goto out;
	}
	if (old != NULL) {
		if (refuse_fips(nb, router->id, NULL, router->name,
		    "disassociate them first") == -1)
			goto out;
		port = db_text(nb, "SELECT gateway_port_id FROM routers WHERE"
		    " id = ?1", "s", router->id);
		if (port == NULL || db_exec(nb, NULL, "UPDATE routers SET"
		    " external_net_id = NULL, gateway_port_id = NULL WHERE"
		    " id = ?1", "s", router->id) == -1 ||
		    port_delete_tx(nb, port) == -1) {
			free(port);
			goto out;
		}
		free(port);
	}
	if (net == NULL) {
		rv = 0;
		goto out;
	}
	if (db_int(nb, 0, "SELECT external FROM networks WHERE id = ?1", "s",
	    n.id) != 1) {
		if (nb->errcode == 0)
			nb_seterr(nb, NB_EUSAGE, "network '%s' is not external: "
			    "a router's gateway is on a network made with "
			    "--external", n.name);
		goto out;
	}
	memset(&ps, 0, sizeof(ps));
	ps.net = n.id;
	ps.device_owner = "network:router_gateway";
	ps.device_id = router->id;
	ps.no_port_security = 1;
	ps.infrastructure = 1;
	if (db_int(nb, 0, "SELECT count(*) FROM subnets WHERE network_id ="
	    " ?1", "s", n.id) == 0) {
		if (nb->errcode == 0)
			nb_seterr(nb, NB_EUSAGE, "external network '%s' has no "
			    "subnet for the router's gateway address", n.name);
		goto out;
	}
	if (port_create_tx(nb, &ps, pid) == -1 ||
	    db_exec(nb, NULL, "UPDATE ports SET status = 'ACTIVE' WHERE id ="
	    " ?1", "s", pid) == -1 ||
	    db_exec(nb, NULL, "UPDATE routers SET external_net_id = ?2,"
	    " gateway_port_id = ?3, updated_at = ?4 WHERE id = ?1", "sssi",
	    router->id, n.id, pid, (long long)time(NULL)) == -1)
		goto out;
	rv = 0;
out:
	free(old);
	ref_release(&n);
	return rv;
}

/*
 * After the commit: the router's namespace made to match, then the
 * bridges nothing needs any more removed.  A failure here leaves the
 * record, which cloud-net-sync applies again; the error says so.
 */
static int
apply(struct nb *nb, const char *router_id, int gone)
{
	if ((gone ? router_unapply(nb, router_id) :
	    router_apply(nb, router_id)) == -1)
		return -1;
	return dp_prune(nb, NULL);
}

struct table *
router_create(struct nb *nb, const char *name, const char *external_net,
    int no_snat)
{
	struct ref	 r = { 0 };
	char		 id[NB_UUID_LEN + 1];
	time_t		 now = time(NULL);

	if (name_valid(nb, "router", name) == -1)
		return NULL;
	uuid_generate(r.id);
	r.name = xstrdup(name);
	if (db_begin(nb) == -1 ||
	    policy_check(nb, "router:create", nb->ctx.project_id, NULL) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "routers", 1) == -1)
		goto fail;
	if (db_int(nb, 0, "SELECT count(*) FROM routers WHERE project_id = ?1"
	    " AND name = ?2", "ss", nb->ctx.project_id, name) > 0) {
		nb_seterr(nb, NB_ECONFLICT, "a router named '%s' exists in this "
		    "project", name);
		goto fail;
	}
	if (db_exec(nb, "a router of that name exists", "INSERT INTO routers"
	    " (id, name, project_id, snat, created_at, updated_at) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?5)", "sssdi", r.id, name,
	    nb->ctx.project_id, !no_snat, (long long)now) == -1 ||
	    (external_net != NULL && gateway_set_tx(nb, &r,
	    external_net) == -1) ||
	    event_record(nb, "router:create", "router", r.id, name, 1,
	    external_net) == -1 || db_commit(nb) == -1)
		goto fail;
	strlcpy(id, r.id, sizeof(id));
	ref_release(&r);
	if (apply(nb, id, 0) == -1)
		return NULL;
	return db_table(nb, router_show_sql, "s", id);
fail:
	event_failed(nb, "router:create", "router", name);
	ref_release(&r);
	return NULL;
}

struct table *
router_list(struct nb *nb, int all_projects)
{
	if (list_allowed(nb, "router:list", all_projects) == -1)
		return NULL;
	return db_table(nb, ROUTER_SELECT " WHERE ?1 IS NULL OR r.project_id ="
	    " ?1 ORDER BY r.name, r.id", "s", all_projects ? NULL :
	    nb->ctx.project_id);
}

struct table *
router_show(struct nb *nb, const char *router)
{
	return resource_show(nb, &res_router, router);
}

int
router_set(struct nb *nb, const char *router, const char *external_net,
    int clear, int snat)
{
	struct ref	 r = { 0 };

	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_router, "update", router, &r) == -1 ||
	    ((external_net != NULL || clear) && gateway_set_tx(nb, &r,
	    external_net) == -1) ||
	    (snat >= 0 && db_exec(nb, NULL, "UPDATE routers SET snat = ?2,"
	    " updated_at = ?3 WHERE id = ?1", "sdi", r.id, snat,
	    (long long)time(NULL)) == -1) ||
	    event_record(nb, "router:update", "router", r.id, r.name, 1,
	    external_net) == -1 || db_commit(nb) == -1) {
		event_failed(nb, "router:update", "router", router);
		ref_release(&r);
		return -1;
	}
	if (apply(nb, r.id, 0) == -1) {
		ref_release(&r);
		return -1;
	}
	ref_release(&r);
	return 0;
}

int
router_add_subnet(struct nb *nb, const char *router, const char *subnet)
{
	struct port_spec	 ps;
	struct ref		 r = { 0 }, s = { 0 };
	struct table		*t = NULL;
	char			 pid[NB_UUID_LEN + 1], *other = NULL;
	int			 rv = -1;

	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_router, "add_subnet", router,
	    &r) == -1 ||
	    resource_authorize(nb, &res_subnet, "show", subnet, &s) == -1 ||
	    (t = db_table(nb, "SELECT network_id, gateway, net_first, net_last"
	    " FROM subnets WHERE id = ?1", "s", s.id)) == NULL)
		goto fail;
	if (t->cells[1] == NULL) {
		nb_seterr(nb, NB_EUSAGE, "subnet '%s' has no gateway address: "
		    "a router's leg takes it", s.name);
		goto fail;
	}
	/*
	 * The leg takes the subnet's gateway address, and with it the
	 * subnet's traffic: never on an external network (its gateway is
	 * the outside's), and on another project's shared network only by
	 * a cloud admin.
	 */
	if ((other = db_text(nb, "SELECT n.name FROM subnets s JOIN networks"
	    " n ON n.id = s.network_id WHERE s.id = ?1 AND n.external", "s",
	    s.id)) != NULL) {
		nb_seterr(nb, NB_EUSAGE, "subnet '%s' is on external network "
		    "'%s': a router reaches it as its gateway "
		    "(cloud-router-set --external-net), not by a leg", s.name,
		    other);
		goto fail;
	}
	if (nb->errcode != 0)
		goto fail;
	if (!is_cloud_admin(nb) && db_int(nb, 0, "SELECT count(*) FROM"
	    " subnets s, routers r WHERE s.id = ?1 AND r.id = ?2 AND"
	    " s.project_id <> r.project_id", "ss", s.id, r.id) != 0) {
		if (nb->errcode == 0)
			nb_seterr(nb, NB_EAUTH, "forbidden: subnet '%s' is "
			    "another project's: only a cloud admin joins it to "
			    "router '%s'", s.name, r.name);
		goto fail;
	}
	if ((other = db_text(nb, "SELECT r.name FROM router_interfaces ri"
	    " JOIN routers r ON r.id = ri.router_id WHERE ri.subnet_id = ?1",
	    "s", s.id)) != NULL) {
		nb_seterr(nb, NB_ECONFLICT, "subnet '%s' is on router '%s' "
		    "already", s.name, other);
		goto fail;
	}
	if (nb->errcode != 0)
		goto fail;
	if ((other = db_text(nb, "SELECT s.name FROM router_interfaces ri"
	    " JOIN subnets s ON s.id = ri.subnet_id WHERE ri.router_id = ?1"
	    " AND s.net_first <= ?3 AND s.net_last >= ?2", "sss", r.id,
	    t->cells[2], t->cells[3])) != NULL) {
		nb_seterr(nb, NB_ECONFLICT, "subnet '%s' overlaps subnet '%s' "
		    "of router '%s'", s.name, other, r.name);
		goto fail;
	}
	if (nb->errcode != 0)
		goto fail;
	memset(&ps, 0, sizeof(ps));
	ps.net = t->cells[0];
	ps.subnet = s.id;
	ps.fixed_ip = t->cells[1];
	ps.device_owner = "network:router_interface";
	ps.device_id = r.id;
	ps.no_port_security = 1;
	ps.infrastructure = 1;
	if (port_create_tx(nb, &ps, pid) == -1 ||
	    db_exec(nb, NULL, "UPDATE ports SET status = 'ACTIVE' WHERE id ="
	    " ?1", "s", pid) == -1 ||
	    db_exec(nb, NULL, "INSERT INTO router_interfaces (router_id,"
	    " subnet_id, port_id) VALUES (?1, ?2, ?3)", "sss", r.id, s.id,
	    pid) == -1 ||
	    event_record(nb, "router:add_subnet", "router", r.id, r.name, 1,
	    s.name) == -1 || db_commit(nb) == -1)
		goto fail;
	rv = apply(nb, r.id, 0);
	goto out;
fail:
	event_failed(nb, "router:add_subnet", "router", router);
out:
	free(other);
	table_free(t);
	ref_release(&r);
	ref_release(&s);
	return rv;
}

int
router_remove_subnet(struct nb *nb, const char *router, const char *subnet)
{
	struct ref	 r = { 0 }, s = { 0 };
	char		*port = NULL;
	int		 rv = -1;

	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_router, "remove_subnet", router,
	    &r) == -1 ||
	    resource_authorize(nb, &res_subnet, "show", subnet, &s) == -1)
		goto fail;
	if ((port = db_text(nb, "SELECT port_id FROM router_interfaces WHERE"
	    " router_id = ?1 AND subnet_id = ?2", "ss", r.id, s.id)) == NULL) {
		if (nb->errcode == 0)
			nb_seterr(nb, NB_ENOTFOUND, "subnet '%s' is not on "
			    "router '%s'", s.name, r.name);
		goto fail;
	}
	if (refuse_fips(nb, r.id, s.id, r.name, "disassociate those on the "
	    "subnet first") == -1 ||
	    db_exec(nb, NULL, "DELETE FROM router_interfaces WHERE port_id ="
	    " ?1", "s", port) == -1 || port_delete_tx(nb, port) == -1 ||
	    event_record(nb, "router:remove_subnet", "router", r.id, r.name, 1,
	    s.name) == -1 || db_commit(nb) == -1)
		goto fail;
	rv = apply(nb, r.id, 0);
	goto out;
fail:
	event_failed(nb, "router:remove_subnet", "router", router);
out:
	free(port);
	ref_release(&r);
	ref_release(&s);
	return rv;
}

int
router_delete(struct nb *nb, const char *router)
{
	struct ref	 r = { 0 };

	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_router, "delete", router, &r) == -1 ||
	    refuse_in_use(nb, "SELECT group_concat(name, ', ') FROM (SELECT"
	    " s.name FROM router_interfaces ri JOIN subnets s ON s.id ="
	    " ri.subnet_id WHERE ri.router_id = ?1 ORDER BY s.name)", r.id,
	    "router", r.name, "has subnets: ",
	    "remove them first with cloud-router-remove-subnet") == -1 ||
	    refuse_fips(nb, r.id, NULL, r.name, "disassociate them first") ==
	    -1 || gateway_set_tx(nb, &r, NULL) == -1 ||
	    db_exec(nb, NULL, "UPDATE floating_ips SET router_id = NULL WHERE"
	    " router_id = ?1", "s", r.id) == -1 ||
	    db_exec(nb, NULL, "DELETE FROM routers WHERE id = ?1", "s",
	    r.id) == -1 ||
	    event_record(nb, "router:delete", "router", r.id, r.name, 1,
	    NULL) == -1 || db_commit(nb) == -1) {
		event_failed(nb, "router:delete", "router", router);
		ref_release(&r);
		return -1;
	}
	if (apply(nb, r.id, 1) == -1) {
		ref_release(&r);
		return -1;
	}
	ref_release(&r);
	return 0;
}

/* --- floating IPs --------------------------------------------------- */

#define FIP_SELECT \
    "SELECT f.id, f.address, n.name AS network, f.fixed_ip," \
    " f.fixed_port_id AS port," \
    " (SELECT p.device_id FROM ports p WHERE p.id = f.fixed_port_id AND" \
    "  p.device_owner LIKE 'compute:%') AS server," \
    " (SELECT r.name FROM routers r WHERE r.id = f.router_id) AS router," \
    " CASE WHEN f.fixed_ip IS NULL THEN 'DOWN' ELSE 'ACTIVE' END" \
    "  AS status, f.project_id, f.created_at AS \"created_at:t\"" \
    " FROM floating_ips f JOIN networks n ON n.id = f.network_id"

static const char fip_show_sql[] = FIP_SELECT " WHERE f.id = ?1";

const struct resource res_fip = {
	.kind = "floating_ip",
	.table = "floating_ips",
	.name_col = "address",
	.project_col = "project_id",
	.show_sql = fip_show_sql,
};

struct table *
fip_create(struct nb *nb, const char *net, const char *address)
{
	struct port_spec	 ps;
	struct ref		 n = { 0 };
	char			 id[NB_UUID_LEN + 1], pid[NB_UUID_LEN + 1];
	char			*ip = NULL;
	time_t			 now = time(NULL);

	uuid_generate(id);
	if (db_begin(nb) == -1 ||
	    policy_check(nb, "floating_ip:create", nb->ctx.project_id,
	    NULL) == -1 ||
	    /* As Neutron: choosing the address is an admin's. */
	    (address != NULL && policy_check(nb, "floating_ip:create_address",
	    nb->ctx.project_id, NULL) == -1) ||
	    resource_authorize(nb, &res_net, "use", net, &n) == -1)
		goto fail;
	if (db_int(nb, 0, "SELECT external FROM networks WHERE id = ?1", "s",
	    n.id) != 1) {
		if (nb->errcode == 0)
			nb_seterr(nb, NB_EUSAGE, "network '%s' is not external: "
			    "floating IPs come from a network made with "
			    "--external", n.name);
		goto fail;
	}
	memset(&ps, 0, sizeof(ps));
	ps.net = n.id;
	ps.fixed_ip = address;
	ps.device_owner = "network:floatingip";
	ps.device_id = id;
	ps.no_port_security = 1;
	ps.infrastructure = 1;
	if (quota_check(nb, nb->ctx.project_id, "floating_ips", 1) == -1 ||
	    port_create_tx(nb, &ps, pid) == -1 ||
	    (ip = db_text(nb, "SELECT ip FROM port_ips WHERE port_id = ?1",
	    "s", pid)) == NULL)
		goto fail;
	if (db_exec(nb, NULL, "INSERT INTO floating_ips (id, project_id,"
	    " network_id, port_id, address, created_at, updated_at) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?6)", "sssssi", id, nb->ctx.project_id,
	    n.id, pid, ip, (long long)now) == -1 ||
	    event_record(nb, "floating_ip:create", "floating_ip", id, ip, 1,
	    n.name) == -1 || db_commit(nb) == -1)
		goto fail;
	free(ip);
	ref_release(&n);
	return db_table(nb, fip_show_sql, "s", id);
fail:
	if (ip == NULL && nb->errcode == 0)
		nb_seterr(nb, NB_EUSAGE, "network '%s' has no subnet to give "
		    "a floating IP from", n.name);
	event_failed(nb, "floating_ip:create", "floating_ip", net);
	free(ip);
	ref_release(&n);
	return NULL;
}

struct table *
fip_list(struct nb *nb, int all_projects)
{
	if (list_allowed(nb, "floating_ip:list", all_projects) == -1)
		return NULL;
	return db_table(nb, FIP_SELECT " WHERE ?1 IS NULL OR f.project_id = ?1"
	    " ORDER BY f.address", "s", all_projects ? NULL :
	    nb->ctx.project_id);
}

/* The port target names: a port, or a server's first port. */
static int
target_port(struct nb *nb, const char *target, struct ref *port)
{
	struct ref	 s = { 0 };
	char		*id;

	if (resource_authorize(nb, &res_port, "bind", target, port) == 0)
		return 0;
	if (nb->errcode != NB_ENOTFOUND)
		return -1;
	nb_clearerr(nb);
	if (resource_authorize(nb, &res_server, "show", target, &s) == -1) {
		if (nb->errcode == NB_ENOTFOUND)
			nb_seterr(nb, NB_ENOTFOUND, "no port or server '%s'",
			    target);
		return -1;
	}
	id = db_text(nb, "SELECT id FROM ports WHERE device_id = ?1 ORDER BY"
	    " created_at, rowid LIMIT 1", "s", s.id);
	if (id == NULL) {
		if (nb->errcode == 0)
			nb_seterr(nb, NB_ECONFLICT, "server '%s' has no port",
			    target);
		ref_release(&s);
		return -1;
	}
	memset(port, 0, sizeof(*port));
	strlcpy(port->id, id, sizeof(port->id));
	port->name = xstrdup(s.name);
	free(id);
	ref_release(&s);
	return 0;
}

int
fip_associate(struct nb *nb, const char *fip, const char *target)
{
	struct nb_error	 keep;
	struct ref	 f = { 0 }, p = { 0 };
	struct table	*t = NULL;
	char		*old = NULL, *taken = NULL;
	int		 rv = -1;

	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_fip, "update", fip, &f) == -1 ||
	    target_port(nb, target, &p) == -1)
		goto fail;
	/* The port's address, and the router joining its subnet to ours. */
	if ((t = db_table(nb, "SELECT i.ip, ri.router_id, s.name, n.name FROM"
	    " port_ips i JOIN subnets s ON s.id = i.subnet_id JOIN"
	    " floating_ips f ON f.id = ?2 JOIN networks n ON n.id ="
	    " f.network_id LEFT JOIN router_interfaces ri ON ri.subnet_id ="
	    " i.subnet_id AND ri.router_id IN (SELECT id FROM routers WHERE"
	    " external_net_id = f.network_id) WHERE i.port_id = ?1"
	    " ORDER BY ri.router_id IS NULL LIMIT 1", "ss", p.id,
	    f.id)) == NULL)
		goto fail;
	if (t->nrows == 0) {
		nb_seterr(nb, NB_ECONFLICT, "port %s of '%s' has no fixed IP",
		    p.id, p.name);
		goto fail;
	}
	if (t->cells[1] == NULL) {
		nb_seterr(nb, NB_ECONFLICT, "no router joins subnet '%s' (of "
		    "'%s') to external network '%s': join them with "
		    "cloud-router-add-subnet and cloud-router-set "
		    "--external-net", t->cells[2], p.name, t->cells[3]);
		goto fail;
	}
	if ((taken = db_text(nb, "SELECT address FROM floating_ips WHERE"
	    " fixed_port_id = ?1 AND id <> ?2", "ss", p.id, f.id)) != NULL) {
		nb_seterr(nb, NB_ECONFLICT, "'%s' has floating IP %s already",
		    p.name, taken);
		goto fail;
	}
	if (nb->errcode != 0)
		goto fail;
	old = db_text(nb, "SELECT router_id FROM floating_ips WHERE id = ?1"
	    " AND router_id IS NOT NULL", "s", f.id);
	if (nb->errcode != 0 ||
	    db_exec(nb, NULL, "UPDATE floating_ips SET fixed_port_id = ?2,"
	    " fixed_ip = ?3, router_id = ?4, updated_at = ?5 WHERE id = ?1",
	    "ssssi", f.id, p.id, t->cells[0], t->cells[1],
	    (long long)time(NULL)) == -1 ||
	    event_record(nb, "floating_ip:associate", "floating_ip", f.id,
	    f.name, 1, p.name) == -1 || db_commit(nb) == -1)
		goto fail;
	rv = 0;
	if (old != NULL && strcmp(old, t->cells[1]) != 0 &&
	    router_apply(nb, old) == -1) {
		/* The first failure is the one told. */
		nb_error_save(nb, &keep);
		rv = -1;
	}
	if (router_apply(nb, t->cells[1]) == -1 && rv == 0)
		rv = -1;
	else if (rv == -1)
		nb_error_restore(nb, &keep);
	goto out;
fail:
	event_failed(nb, "floating_ip:associate", "floating_ip", fip);
out:
	free(old);
	free(taken);
	table_free(t);
	ref_release(&f);
	ref_release(&p);
	return rv;
}

/* Inside the transaction: unbind the floating IP; its router into rid. */
static int
fip_unbind_tx(struct nb *nb, const char *id, char **rid)
{
	*rid = db_text(nb, "SELECT router_id FROM floating_ips WHERE id = ?1"
	    " AND router_id IS NOT NULL", "s", id);
	if (nb->errcode != 0)
		return -1;
	return db_exec(nb, NULL, "UPDATE floating_ips SET fixed_port_id ="
	    " NULL, fixed_ip = NULL, router_id = NULL, updated_at = ?2 WHERE"
	    " id = ?1", "si", id, (long long)time(NULL));
}

int
fip_disassociate(struct nb *nb, const char *fip)
{
	struct ref	 f = { 0 };
	char		*rid = NULL;
	int		 rv = -1;

	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_fip, "update", fip, &f) == -1 ||
	    fip_unbind_tx(nb, f.id, &rid) == -1 ||
	    event_record(nb, "floating_ip:disassociate", "floating_ip", f.id,
	    f.name, 1, NULL) == -1 || db_commit(nb) == -1) {
		event_failed(nb, "floating_ip:disassociate", "floating_ip",
		    fip);
		goto out;
	}
	rv = rid != NULL ? router_apply(nb, rid) : 0;
out:
	free(rid);
	ref_release(&f);
	return rv;
}

int
fip_delete(struct nb *nb, const char *fip)
{
	struct ref	 f = { 0 };
	char		*rid = NULL, *port = NULL;
	int		 rv = -1;

	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_fip, "delete", fip, &f) == -1 ||
	    fip_unbind_tx(nb, f.id, &rid) == -1 ||
	    (port = db_text(nb, "SELECT port_id FROM floating_ips WHERE id ="
	    " ?1", "s", f.id)) == NULL ||
	    db_exec(nb, NULL, "DELETE FROM floating_ips WHERE id = ?1", "s",
	    f.id) == -1 || port_delete_tx(nb, port) == -1 ||
	    event_record(nb, "floating_ip:delete", "floating_ip", f.id,
	    f.name, 1, NULL) == -1 || db_commit(nb) == -1) {
		event_failed(nb, "floating_ip:delete", "floating_ip", fip);
		goto out;
	}
	rv = rid != NULL ? router_apply(nb, rid) : 0;
out:
	free(rid);
	free(port);
	ref_release(&f);
	return rv;
}

struct table *
ports_fip_routers(struct nb *nb, const char *id)
{
	return db_table(nb, "SELECT DISTINCT f.router_id FROM floating_ips f"
	    " JOIN ports p ON p.id = f.fixed_port_id WHERE (p.device_id = ?1"
	    " OR p.id = ?1) AND f.router_id IS NOT NULL", "s", id);
}

void
routers_apply(struct nb *nb, const struct table *t)
{
	struct nb_error	 keep;
	size_t		 i;

	if (t == NULL)
		return;
	nb_error_save(nb, &keep);
	for (i = 0; i < t->nrows; i++)
		(void)router_apply(nb, t->cells[i]);
	nb_error_restore(nb, &keep);
}
