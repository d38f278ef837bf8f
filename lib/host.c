/*
 * host.c: compute hosts as records.  What may be allocated follows
 * Nova's allocation ratios and reserved memory.  Adding a host talks to
 * its libvirt and lives in hostvirt.c, so that the other host programs
 * do not load libvirt.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "host.h"
#include "resource.h"

#define HOST_SELECT \
    "SELECT h.name, h.uri, h.zone, h.enabled AS \"enabled:b\"," \
    " h.vcpus AS \"vcpus:n\"," \
    " CAST(h.vcpus * h.cpu_ratio AS INTEGER) AS \"vcpus_allocatable:n\"," \
    " h.ram_mib AS \"ram_mib:n\"," \
    " MAX(0, CAST((h.ram_mib - h.reserved_ram_mib) * h.ram_ratio" \
    "  AS INTEGER)) AS \"ram_allocatable_mib:n\"," \
    " h.disk_gb AS \"disk_gb:n\"," \
    " CAST(h.disk_gb * h.disk_ratio AS INTEGER) AS \"disk_allocatable_gb:n\"," \
    " h.cpu_ratio AS \"cpu_ratio:n\", h.ram_ratio AS \"ram_ratio:n\"," \
    " h.disk_ratio AS \"disk_ratio:n\"," \
    " h.reserved_ram_mib AS \"reserved_ram_mib:n\", h.disabled_reason," \
    " h.pool, h.arch, h.hypervisor_type, h.hypervisor_hostname," \
    " h.libvirt_version, h.id, h.created_at AS \"created_at:t\"," \
    " h.updated_at AS \"updated_at:t\"," \
    " h.vcpus_used AS \"vcpus_used:n\"," \
    " h.ram_used_mib AS \"ram_used_mib:n\"," \
    " h.disk_used_gb AS \"disk_used_gb:n\"," \
    " CAST(h.vcpus * h.cpu_ratio AS INTEGER) - h.vcpus_used" \
    "  AS \"vcpus_free:n\"," \
    " MAX(0, CAST((h.ram_mib - h.reserved_ram_mib) * h.ram_ratio" \
    "  AS INTEGER)) - h.ram_used_mib AS \"ram_free_mib:n\"," \
    " CAST(h.disk_gb * h.disk_ratio AS INTEGER) - h.disk_used_gb" \
    "  AS \"disk_free_gb:n\", h.servers AS \"servers:n\"," \
    " h.down AS \"down:b\"" \
    " FROM hosts h"

static const char host_show_sql[] = HOST_SELECT " WHERE h.id = ?1";

static int
host_delete_check(struct nb *nb, const char *id, const char *name)
{
	long long	 servers, volumes;

	servers = db_int(nb, 0, "SELECT count(*) FROM servers"
	    " WHERE host_id = ?1", "s", id);
	volumes = db_int(nb, 0, "SELECT count(*) FROM volumes"
	    " WHERE host_id = ?1", "s", id);
	if (nb->errcode != 0)
		return -1;
	if (servers > 0 || volumes > 0)
		return nb_seterr(nb, NB_ECONFLICT, "host '%s' has %lld "
		    "server%s and %lld volume%s: delete or move them first",
		    name, servers, servers == 1 ? "" : "s", volumes,
		    volumes == 1 ? "" : "s");
	return 0;
}

const struct resource res_host = {
	.kind = "host",
	.table = "hosts",
	.name_col = "name",
	.show_sql = host_show_sql,
	.delete_check = host_delete_check,
};

struct table *
host_list(struct nb *nb)
{
	if (policy_check(nb, "host:list", NULL, NULL) == -1)
		return NULL;
	return db_table(nb, HOST_SELECT " ORDER BY h.zone, h.name", NULL);
}

int
host_enable(struct nb *nb, const char *host, int enable, const char *reason,
    int down)
{
	const char	*action = enable ? "host:enable" : "host:disable";
	struct ref	 ref = { 0 };

	if (reason != NULL && text_valid(nb, "reason", reason, 255) == -1)
		return -1;
	if (db_begin(nb) == -1 || resource_authorize(nb, &res_host,
	    enable ? "enable" : "disable", host, &ref) == -1)
		goto fail;
	if (db_exec(nb, NULL, "UPDATE hosts SET enabled = ?2,"
	    " disabled_reason = ?3, updated_at = ?4, down = ?5 WHERE id = ?1",
	    "sdsid", ref.id, enable, enable ? NULL : reason,
	    (long long)time(NULL), !enable && down) == -1 ||
	    event_record(nb, action, "host", ref.id, ref.name, 1,
	    reason) == -1 || db_commit(nb) == -1)
		goto fail;
	ref_release(&ref);
	return 0;
fail:
	event_failed(nb, action, "host", host);
	ref_release(&ref);
	return -1;
}
