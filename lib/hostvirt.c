/*
 * hostvirt.c: adding a compute host: its capacity is read from its
 * libvirt, and its storage pool made ready.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "host.h"
#include "resource.h"
#include "virt.h"

/* Nova's defaults. */
#define CPU_RATIO	4.0
#define RAM_RATIO	1.0
#define DISK_RATIO	1.0
#define RESERVED_RAM	512
#define DEFAULT_POOL	"nubes"
#define DEFAULT_POOL_PATH	"/var/lib/libvirt/images/nubes"

/*
 * Only QEMU over the transports nubes means, and no query string: with
 * ?command= or ?netcat= a libvirt URI runs a program of its own as the
 * service account, which a cloud admin is not trusted to do.
 */
static int
uri_allowed(struct nb *nb, const char *uri)
{
	static const char *const schemes[] = {
		"qemu://", "qemu+ssh://", "qemu+tls://", "qemu+tcp://",
		"qemu+unix://", NULL
	};
	size_t	 i;

	for (i = 0; schemes[i] != NULL; i++)
		if (strncmp(uri, schemes[i], strlen(schemes[i])) == 0)
			break;
	if (schemes[i] == NULL)
		return nb_seterr(nb, NB_EUSAGE, "'%s' is not a libvirt URI "
		    "nubes takes: qemu:///system, qemu+ssh://HOST/system, "
		    "qemu+tls://HOST/system; also qemu+tcp and qemu+unix", uri);
	if (strchr(uri, '?') != NULL || strchr(uri, '#') != NULL)
		return nb_seterr(nb, NB_EUSAGE, "'%s': libvirt URI parameters "
		    "are refused (they can make libvirt run programs); "
		    "configure ssh or TLS instead", uri);
	return 0;
}

static int
ratio_valid(struct nb *nb, const char *what, double *r, double def)
{
	if (*r == 0)
		*r = def;
	if (!isfinite(*r) || *r <= 0 || *r > 1000)
		return nb_seterr(nb, NB_EUSAGE, "--%s-ratio must be above 0 and "
		    "at most 1000", what);
	return 0;
}

static const char insert_sql[] =
    "INSERT INTO hosts (id, name, uri, zone, cpu_ratio, ram_ratio,"
    " disk_ratio, reserved_ram_mib, vcpus, ram_mib, disk_gb, pool, arch,"
    " hypervisor_type, hypervisor_hostname, libvirt_version, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, CAST(?5 AS REAL),"
    " CAST(?6 AS REAL), CAST(?7 AS REAL), ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15, ?16, ?17, ?17)";

struct table *
host_add(struct nb *nb, const struct host_spec *spec)
{
	struct host_spec	 s = *spec;
	struct virt_host_info	 hi;
	struct virt_pool_info	 pi = { 0 };
	struct virt		*v = NULL;
	char			 id[NB_UUID_LEN + 1], msg[600];
	char			 cpu[32], ram[32], disk[32];
	const char		*path;

	if (name_valid(nb, "host", s.name) == -1 ||
	    text_valid(nb, "uri", s.uri, 1024) == -1 ||
	    (s.zone != NULL && name_valid(nb, "zone", s.zone) == -1))
		return NULL;
	if (uri_allowed(nb, s.uri) == -1)
		return NULL;
	if (ratio_valid(nb, "cpu", &s.cpu_ratio, CPU_RATIO) == -1 ||
	    ratio_valid(nb, "ram", &s.ram_ratio, RAM_RATIO) == -1 ||
	    ratio_valid(nb, "disk", &s.disk_ratio, DISK_RATIO) == -1)
		return NULL;
	if (s.reserved_ram_mib < 0)
		s.reserved_ram_mib = RESERVED_RAM;
	if (s.zone == NULL)
		s.zone = "nova";
	if (s.pool == NULL)
		s.pool = conf_get(nb->conf, "compute", "storage_pool",
		    DEFAULT_POOL);
	path = conf_get(nb->conf, "compute", "storage_pool_path",
	    DEFAULT_POOL_PATH);
	if (policy_check(nb, "host:add", NULL, NULL) == -1)
		goto fail;
	/* Fail fast on a taken name; the UNIQUE constraints settle races. */
	snprintf(msg, sizeof(msg), "a host named '%s' or with URI '%s' is "
	    "already registered", s.name, s.uri);
	if (db_int(nb, 0, "SELECT count(*) FROM hosts WHERE name = ?1 OR"
	    " uri = ?2", "ss", s.name, s.uri) > 0) {
		nb_seterr(nb, NB_ECONFLICT, "%s", msg);
		goto fail;
	}
	/* Talk to the host first, with no transaction open. */
	if ((v = virt_open(nb, s.uri)) == NULL ||
	    virt_host_info(v, &hi) == -1)
		goto fail;
	if (s.reserved_ram_mib >= hi.memory_mib) {
		nb_seterr(nb, NB_EUSAGE, "--reserved-ram %lld MiB is all of "
		    "the host's %lld MiB", s.reserved_ram_mib, hi.memory_mib);
		goto fail;
	}
	if (virt_pool_ensure(v, s.pool, path, &pi) == -1)
		goto fail;
	uuid_generate(id);
	snprintf(cpu, sizeof(cpu), "%.17g", s.cpu_ratio);
	snprintf(ram, sizeof(ram), "%.17g", s.ram_ratio);
	snprintf(disk, sizeof(disk), "%.17g", s.disk_ratio);
	if (db_begin(nb) == -1 ||
	    db_exec(nb, msg, insert_sql, "sssssssiiiisssssi", id, s.name,
	    s.uri, s.zone, cpu, ram, disk, s.reserved_ram_mib,
	    (long long)hi.cpus, hi.memory_mib, pi.capacity_gb, s.pool,
	    hi.arch, hi.hypervisor, hi.hostname, hi.libvirt_version,
	    (long long)time(NULL)) == -1 ||
	    event_record(nb, "host:add", "host", id, s.name, 1, s.uri) == -1 ||
	    db_commit(nb) == -1)
		goto fail;
	virt_close(v);
	return db_table(nb, res_host.show_sql, "s", id);
fail:
	/* A pool this call made goes again: a failed add leaves nothing. */
	event_failed(nb, "host:add", "host", s.name);
	if (v != NULL && pi.created) {
		struct nb_error	 keep;	/* the first error is the one */

		nb_error_save(nb, &keep);
		(void)virt_pool_remove(v, s.pool);
		nb_error_restore(nb, &keep);
	}
	virt_close(v);
	return NULL;
}

