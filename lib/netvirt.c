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

#include "nubes.h"
#include "auth.h"
#include "net.h"
#include "resource.h"
#include "server.h"
#include "serverhost.h"
#include "virt.h"

static const char nic_sql[] =
    "SELECT n.bridge, p.mac, i.ip, s.cidr, s.gateway, s.dns, n.mtu, n.type,"
    " n.name, p.port_security FROM ports p"
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

int
server_nets_ensure(struct nb *nb, struct virt *v, const char *id)
{
	struct server_nic	 nic;
	int			 rc;

	if ((rc = server_nic_load(nb, id, &nic)) <= 0)
		return rc;
	rc = virt_net_ensure(v, nic.bridge, nic.mtu);
	server_nic_free(&nic);
	return rc;
}

void
host_net_prune(struct nb *nb, struct virt *v, const char *host_id,
    const char *bridge)
{
	struct nb_error	 keep;

	if (v == NULL || bridge == NULL)
		return;
	nb_error_save(nb, &keep);
	if (db_int(nb, 1, "SELECT count(*) FROM ports p JOIN networks n"
	    " ON n.id = p.network_id WHERE n.bridge = ?1 AND p.host_id = ?2",
	    "ss", bridge, host_id) == 0)
		(void)virt_net_remove(v, bridge);
	nb_error_restore(nb, &keep);
}

int
server_port_bind(struct nb *nb, const char *server_id, const char *host_id,
    const char *net, const char *port)
{
	struct port_spec	 ps;
	struct ref		 ref = { 0 };
	char			 pid[NB_UUID_LEN + 1], *type = NULL;
	char			*owner = NULL;
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
		if (port_create_tx(nb, &ps, pid) == -1)
			goto out;
	}
	if ((type = db_text(nb, "SELECT n.type FROM ports p JOIN networks n ON"
	    " n.id = p.network_id WHERE p.id = ?1", "s", pid)) == NULL)
		goto out;
	if (strcmp(type, "local") != 0) {
		nb_seterr(nb, NB_ECONFLICT, "the network of port %s is %s: this "
		    "release wires servers to local networks only", pid, type);
		goto out;
	}
	if (db_exec(nb, NULL, "UPDATE ports SET device_owner = 'compute:nova',"
	    " device_id = ?2, host_id = ?3, status = 'ACTIVE', auto_delete ="
	    " ?4 WHERE id = ?1", "sssd", pid, server_id, host_id,
	    port == NULL) == -1)
		goto out;
	rv = 0;
out:
	free(owner);
	free(type);
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
