/*
 * boot.c: booting and deleting servers on their hosts, claim -> act ->
 * record (DESIGN.md 4).  A short write transaction schedules the server
 * and claims its host's resources; the slow work on the host (the image
 * into its pool, the root disk, the config drive, the domain) runs with
 * no transaction open; a second transaction records the result.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"
#include "compute.h"
#include "guest.h"
#include "identity.h"
#include "image.h"
#include "resource.h"
#include "scheduler.h"
#include "server.h"
#include "virt.h"

#define USER_DATA_MAX	65535
#define BUILD_DEADLINE	600	/* seconds a boot may take */
#define GIB		(1024ULL * 1024 * 1024)

/* What a boot needs to know, read before the claim. */
struct boot_ctx {
	struct ref	 flavor, image, key;
	long long	 vcpus, ram_mib, disk_gb, image_min_disk, image_min_ram;
	long long	 image_size, image_vsize;
	char		 flavor_name[NB_NAME_MAX + 1];
	char		 disk_format[16], image_status[16];
	char		*public_key, *arch, *hypervisor_type;
	char		 id[NB_UUID_LEN + 1];
	/* the chosen host */
	char		 host_id[NB_UUID_LEN + 1], host_name[NB_NAME_MAX + 1];
	char		 zone[NB_NAME_MAX + 1];
	char		*uri, *pool;
};

static void
boot_ctx_release(struct boot_ctx *c)
{
	ref_release(&c->flavor);
	ref_release(&c->image);
	ref_release(&c->key);
	free(c->public_key);
	free(c->arch);
	free(c->hypervisor_type);
	free(c->uri);
	free(c->pool);
}

static const char flavor_sql[] =
    "SELECT name, vcpus, ram_mib, disk_gb FROM flavors WHERE id = ?1";
static const char image_sql[] =
    "SELECT status, disk_format, min_disk, min_ram, size, virtual_size,"
    " (SELECT value FROM image_properties WHERE image_id = ?1"
    "  AND key = 'architecture'),"
    " (SELECT value FROM image_properties WHERE image_id = ?1"
    "  AND key = 'hypervisor_type') FROM images WHERE id = ?1";

/* Flavor, image and key pair, and whether they go together. */
static int
boot_check(struct nb *nb, const struct boot_spec *b, struct boot_ctx *c)
{
	struct stmt	*st;
	int		 rc;

	if (resource_resolve(nb, &res_flavor, b->flavor, &c->flavor) == -1 ||
	    resource_resolve(nb, &res_image, b->image, &c->image) == -1 ||
	    (b->key_name != NULL &&
	    resource_resolve(nb, &res_keypair, b->key_name, &c->key) == -1))
		return -1;
	if ((st = db_prepare(nb, flavor_sql, "s", c->flavor.id)) == NULL)
		return -1;
	if ((rc = db_step(st)) == 1) {
		strlcpy(c->flavor_name, db_col_text(st, 0),
		    sizeof(c->flavor_name));
		c->vcpus = db_col_int(st, 1);
		c->ram_mib = db_col_int(st, 2);
		c->disk_gb = db_col_int(st, 3);
	}
	db_finalize(st);
	if (rc != 1)
		return rc == -1 ? -1 : nb_seterr(nb, NB_ENOTFOUND, "flavor "
		    "'%s' not found", b->flavor);
	if ((st = db_prepare(nb, image_sql, "s", c->image.id)) == NULL)
		return -1;
	if ((rc = db_step(st)) == 1) {
		strlcpy(c->image_status, db_col_text(st, 0),
		    sizeof(c->image_status));
		strlcpy(c->disk_format, db_col_text(st, 1),
		    sizeof(c->disk_format));
		c->image_min_disk = db_col_int(st, 2);
		c->image_min_ram = db_col_int(st, 3);
		c->image_size = db_col_int(st, 4);
		c->image_vsize = db_col_int(st, 5);
		if (!db_col_isnull(st, 6))
			c->arch = xstrdup(db_col_text(st, 6));
		if (!db_col_isnull(st, 7))
			c->hypervisor_type = xstrdup(db_col_text(st, 7));
	}
	db_finalize(st);
	if (rc != 1)
		return rc == -1 ? -1 : nb_seterr(nb, NB_ENOTFOUND, "image "
		    "'%s' not found", b->image);
	if (strcmp(c->image_status, "active") != 0)
		return nb_seterr(nb, NB_ECONFLICT, "image '%s' is %s: only "
		    "active images boot", b->image, c->image_status);
	if (strcmp(c->disk_format, "raw") != 0 &&
	    strcmp(c->disk_format, "qcow2") != 0 &&
	    strcmp(c->disk_format, "ami") != 0)
		return nb_seterr(nb, NB_EUSAGE, "image '%s' is %s: this release "
		    "boots raw, qcow2 and ami disk images (qemu-img convert "
		    "-O qcow2 first)", b->image, c->disk_format);
	if (c->image_min_ram > c->ram_mib)
		return nb_seterr(nb, NB_EUSAGE, "image '%s' needs %lld MiB of "
		    "RAM, flavor '%s' has %lld", b->image, c->image_min_ram,
		    c->flavor_name, c->ram_mib);
	if (c->disk_gb > 0 && (c->image_min_disk > c->disk_gb ||
	    (unsigned long long)c->image_vsize > c->disk_gb * GIB))
		return nb_seterr(nb, NB_EUSAGE, "image '%s' needs a %lld GB "
		    "disk (virtual size %lld bytes), flavor '%s' has %lld GB",
		    b->image, c->image_min_disk > 0 ? c->image_min_disk :
		    (long long)((c->image_vsize + GIB - 1) / GIB),
		    c->image_vsize, c->flavor_name, c->disk_gb);
	if (b->key_name != NULL && (c->public_key = db_text(nb,
	    "SELECT public_key FROM keypairs WHERE id = ?1", "s",
	    c->key.id)) == NULL)
		return -1;
	return 0;
}

/* Every host with what its live servers claim. */
static const char hosts_sql[] =
    "SELECT h.id, h.name, h.zone, h.enabled, h.disabled_reason,"
    " h.cpu_ratio, h.ram_ratio, h.disk_ratio, h.reserved_ram_mib,"
    " h.vcpus, h.ram_mib, h.disk_gb, h.arch, h.hypervisor_type,"
    " ifnull(sum(s.vcpus), 0), ifnull(sum(s.ram_mib), 0),"
    " ifnull(sum(s.disk_gb), 0), count(s.id), h.uri, h.pool"
    " FROM hosts h LEFT JOIN servers s ON s.host_id = h.id"
    " AND s.vm_state <> 'error' GROUP BY h.id ORDER BY h.name";

static const char insert_sql[] =
    "INSERT INTO servers (id, name, project_id, user_id, flavor_id,"
    " flavor_name, vcpus, ram_mib, disk_gb, image_id, host_id, zone,"
    " key_name, vm_state, task_state, claim, deadline, fault, created_at,"
    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
    " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)";
static const char event_sql[] =
    "INSERT INTO server_events (server_id, action, user_id, start_time,"
    " finish_time, result, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/*
 * Transaction 1: quota, schedule, claim.  Returns 0 with the host in c,
 * 1 when no host fits (the server is recorded in error), -1 on error.
 */
static int
boot_claim(struct nb *nb, const struct boot_spec *b, struct boot_ctx *c,
    char **explain)
{
	struct sched_host	*hosts = NULL;
	struct sched_request	 rq;
	struct sched_result	 res = { -1, NULL, NULL };
	struct table		*t = NULL;
	char			 claim[NB_CLAIM_LEN], *fault = NULL;
	size_t			 i, n = 0;
	time_t			 now = time(NULL);
	int			 rv = -1, chosen;

	proc_claim(claim);
	if (db_begin(nb) == -1)
		return -1;
	if (quota_check(nb, nb->ctx.project_id, "instances", 1) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "cores", c->vcpus) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "ram", c->ram_mib) == -1)
		goto out;
	if ((t = db_table(nb, hosts_sql, NULL)) == NULL)
		goto out;
	n = t->nrows;
	hosts = xcalloc(n ? n : 1, sizeof(*hosts));
	for (i = 0; i < n; i++) {
		char	**r = &t->cells[i * t->ncols];

		hosts[i].id = r[0];
		hosts[i].name = r[1];
		hosts[i].zone = r[2];
		hosts[i].enabled = strcmp(r[3], "0") != 0;
		hosts[i].disabled_reason = r[4];
		hosts[i].cpu_ratio = strtod(r[5], NULL);
		hosts[i].ram_ratio = strtod(r[6], NULL);
		hosts[i].disk_ratio = strtod(r[7], NULL);
		hosts[i].reserved_ram_mib = strtoll(r[8], NULL, 10);
		hosts[i].vcpus = strtoll(r[9], NULL, 10);
		hosts[i].ram_mib = strtoll(r[10], NULL, 10);
		hosts[i].disk_gb = strtoll(r[11], NULL, 10);
		hosts[i].arch = r[12];
		hosts[i].hypervisor_type = r[13];
		hosts[i].vcpus_used = strtoll(r[14], NULL, 10);
		hosts[i].ram_used_mib = strtoll(r[15], NULL, 10);
		hosts[i].disk_used_gb = strtoll(r[16], NULL, 10);
		hosts[i].servers = (int)strtol(r[17], NULL, 10);
	}
	memset(&rq, 0, sizeof(rq));
	rq.vcpus = c->vcpus;
	rq.ram_mib = c->ram_mib;
	rq.disk_gb = c->disk_gb > 0 ? c->disk_gb :
	    (long long)((c->image_vsize + GIB - 1) / GIB);
	rq.zone = b->zone;
	rq.force_host = b->host;
	rq.image_arch = c->arch;
	rq.image_hypervisor_type = c->hypervisor_type;
	rq.explain = b->explain;
	chosen = sched_select(hosts, n, &rq, NULL, &res) == 0 ? res.chosen :
	    -1;
	if (explain != NULL && res.explain != NULL)
		*explain = xstrdup(res.explain);
	if (chosen >= 0) {
		strlcpy(c->host_id, hosts[chosen].id, sizeof(c->host_id));
		strlcpy(c->host_name, hosts[chosen].name,
		    sizeof(c->host_name));
		strlcpy(c->zone, hosts[chosen].zone, sizeof(c->zone));
		c->uri = xstrdup(t->cells[chosen * t->ncols + 18]);
		c->pool = xstrdup(t->cells[chosen * t->ncols + 19]);
	}
	if (db_exec(nb, NULL, insert_sql, "ssssssiiisssssssisi", c->id, b->name,
	    nb->ctx.project_id, nb->ctx.user_id, c->flavor.id, c->flavor_name,
	    (long long)c->vcpus, (long long)c->ram_mib, (long long)rq.disk_gb,
	    c->image.id, chosen >= 0 ? c->host_id : NULL,
	    chosen >= 0 ? hosts[chosen].zone : b->zone, b->key_name,
	    chosen >= 0 ? "building" : "error",
	    chosen >= 0 ? "spawning" : NULL, chosen >= 0 ? claim : NULL,
	    (long long)(now + BUILD_DEADLINE), NULL, (long long)now) == -1)
		goto out;
	/* One line, for value and tsv lists: "host: reason; host: ..." */
	if (chosen < 0 && res.reasons != NULL) {
		size_t	 k, len = strlen(res.reasons);

		while (len > 0 && res.reasons[len - 1] == '\n')
			res.reasons[--len] = '\0';
		fault = xstrdup(res.reasons);
		for (k = 0; fault[k] != '\0'; k++)
			if (fault[k] == '\n')
				fault[k] = ';';
	}
	if (chosen < 0 && (db_exec(nb, NULL, event_sql, "sssiiss", c->id,
	    "create", nb->ctx.user_id, (long long)now, (long long)now,
	    "error", fault) == -1 || db_exec(nb, NULL, "UPDATE servers SET"
	    " fault = ?2 WHERE id = ?1", "ss", c->id, fault) == -1 ||
	    event_record(nb, "server:create",
	    "server", c->id, b->name, 0, "no valid host") == -1))
		goto out;
	if (db_commit(nb) == -1)
		goto out;
	if (chosen < 0) {
		nb_seterr(nb, NB_ENOHOST, "no valid host was found:\n%s",
		    res.reasons);
		rv = 1;
	} else
		rv = 0;
out:
	if (rv == -1)
		db_rollback(nb);
	sched_result_free(&res);
	free(fault);
	free(hosts);
	table_free(t);
	return rv;
}

/*
 * The image as a volume in the host's pool, uploaded once per host and
 * shared; a lock file keeps two boots from uploading it twice.
 */
static char *
base_volume(struct nb *nb, struct virt *v, const struct boot_ctx *c,
    const char *image_id, const char *disk_format, long long size,
    char **format)
{
	char		*have, *path = NULL, *lockp, *file, name[64];
	const char	*fmt;
	int		 fd;

	fmt = strcmp(disk_format, "qcow2") == 0 ? "qcow2" : "raw";
	*format = xstrdup(fmt);
	snprintf(name, sizeof(name), "nubes-image-%s", image_id);
	xasprintf(&lockp, "%s/images/.%s.lock", nb->state_dir, image_id);
	if ((fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1 ||
	    flock(fd, LOCK_EX) == -1) {
		nb_seterr(nb, NB_EFAIL, "locking '%s': %s", lockp,
		    strerror(errno));
		goto out;
	}
	have = db_text(nb, "SELECT volume FROM host_images WHERE host_id = ?1"
	    " AND image_id = ?2", "ss", c->host_id, image_id);
	if (have != NULL) {
		free(have);
		if (virt_vol_path(v, c->pool, name, &path) == 0)
			goto out;
		/* Recorded but gone from the pool: upload it again. */
	}
	(void)virt_vol_delete(v, c->pool, name);
	xasprintf(&file, "%s/images/%s", nb->state_dir, image_id);
	if (virt_vol_upload(v, c->pool, name, fmt, file,
	    (unsigned long long)size, &path) == -1) {
		free(file);
		goto out;
	}
	free(file);
	if (db_begin(nb) == -1 || db_exec(nb, NULL, "INSERT OR REPLACE INTO"
	    " host_images VALUES (?1, ?2, ?3, ?4)", "ssss", c->host_id,
	    image_id, name, fmt) == -1 || db_commit(nb) == -1) {
		db_rollback(nb);
		free(path);
		path = NULL;
	}
out:
	if (fd != -1)
		close(fd);
	free(lockp);
	return path;
}

/* The volume names a server owns in its host's pool. */
static void
server_volume(char *buf, size_t len, const char *id, const char *what)
{
	snprintf(buf, len, "nubes-%s-%s", id, what);
}

/* Remove what boot_act made on the host; errors are not reported. */
static void
boot_undo(struct nb *nb, struct virt *v, const char *id, const char *pool)
{
	struct nb_error	 keep;
	char		 name[96];

	nb_error_save(nb, &keep);
	if (v != NULL) {
		(void)virt_destroy_undefine(v, id);
		server_volume(name, sizeof(name), id, "disk");
		(void)virt_vol_delete(v, pool, name);
		server_volume(name, sizeof(name), id, "config");
		(void)virt_vol_delete(v, pool, name);
	}
	nb_error_restore(nb, &keep);
}

/*
 * The flavor's extra specs that libvirt has standard elements for:
 * quota:cpu_* as <cputune>, quota:disk_* as <iotune>, hw:cpu_sockets,
 * _cores and _threads as the CPU topology.  They were checked when the
 * flavor was made (flavor.c).
 */
static int
flavor_tuning(struct nb *nb, const char *flavor_id, struct guest_domain *d)
{
	static const struct {
		const char	*key;
		size_t		 off;
		int		 is_int;	/* an int field, not long long */
	} map[] = {
#define F(k, f, i) { k, offsetof(struct guest_domain, f), i }
		F("quota:cpu_shares", cpu_shares, 0),
		F("quota:cpu_period", cpu_period, 0),
		F("quota:cpu_quota", cpu_quota, 0),
		F("quota:disk_read_bytes_sec", disk_read_bytes_sec, 0),
		F("quota:disk_write_bytes_sec", disk_write_bytes_sec, 0),
		F("quota:disk_total_bytes_sec", disk_total_bytes_sec, 0),
		F("quota:disk_read_iops_sec", disk_read_iops_sec, 0),
		F("quota:disk_write_iops_sec", disk_write_iops_sec, 0),
		F("quota:disk_total_iops_sec", disk_total_iops_sec, 0),
		F("hw:cpu_sockets", cpu_sockets, 1),
		F("hw:cpu_cores", cpu_cores, 1),
		F("hw:cpu_threads", cpu_threads, 1),
#undef F
	};
	struct stmt	*st;
	size_t		 i;
	int		 rc;

	if ((st = db_prepare(nb, "SELECT key, value FROM flavor_specs"
	    " WHERE flavor_id = ?1", "s", flavor_id)) == NULL)
		return -1;
	while ((rc = db_step(st)) == 1)
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			long long	 v;

			if (strcmp(db_col_text(st, 0), map[i].key) != 0)
				continue;
			v = strtoll(db_col_text(st, 1), NULL, 10);
			if (map[i].is_int)
				*(int *)((char *)d + map[i].off) = (int)v;
			else
				*(long long *)((char *)d + map[i].off) = v;
		}
	db_finalize(st);
	return rc;
}

/* The work on the host: disks, config drive, domain. */
static int
boot_act(struct nb *nb, struct virt *v, const struct boot_spec *b,
    const struct boot_ctx *c)
{
	struct guest_meta	 meta;
	struct guest_domain	 dom;
	struct stat		 st;
	char			*base = NULL, *basefmt = NULL, *root = NULL;
	char			*iso = NULL, *tmpdir = NULL, *isofile = NULL;
	char			*console = NULL, *xml = NULL, *dir = NULL;
	char			 name[96], domname[64], uuid[NB_UUID_LEN + 1];
	char			*rm[] = { "rm", "-rf", NULL, NULL };
	unsigned long long	 capacity;
	int			 rv = -1;

	if ((base = base_volume(nb, v, c, c->image.id, c->disk_format,
	    c->image_size, &basefmt)) == NULL)
		goto out;
	capacity = c->disk_gb > 0 ? c->disk_gb * GIB :
	    (unsigned long long)c->image_vsize;
	if (capacity < (unsigned long long)c->image_vsize)
		capacity = (unsigned long long)c->image_vsize;
	server_volume(name, sizeof(name), c->id, "disk");
	if (virt_vol_overlay(v, c->pool, name, base, basefmt, capacity,
	    &root) == -1)
		goto out;

	/* The config drive, made here and streamed into the pool. */
	xasprintf(&dir, "%s/tmp", nb->state_dir);
	(void)mkdir(dir, 0750);
	xasprintf(&tmpdir, "%s/%s", dir, c->id);
	xasprintf(&isofile, "%s/%s.iso", dir, c->id);
	if (mkdir(tmpdir, 0750) == -1) {
		nb_seterr(nb, NB_EFAIL, "creating '%s': %s", tmpdir,
		    strerror(errno));
		goto out;
	}
	memset(&meta, 0, sizeof(meta));
	meta.uuid = c->id;
	meta.name = b->name;
	meta.hostname = b->name;
	meta.project_id = nb->ctx.project_id;
	meta.availability_zone = c->zone;
	meta.key_name = b->key_name;
	meta.public_key = c->public_key;
	meta.user_data = b->user_data;
	if (configdrive_build(nb, &meta, tmpdir, isofile) == -1 ||
	    stat(isofile, &st) == -1)
		goto out;
	server_volume(name, sizeof(name), c->id, "config");
	if (virt_vol_upload(v, c->pool, name, "raw", isofile,
	    (unsigned long long)st.st_size, &iso) == -1)
		goto out;

	xasprintf(&console, "%s/console", nb->state_dir);
	(void)mkdir(console, 0750);
	free(console);
	console = server_console_path(nb, c->id);
	(void)unlink(console);
	snprintf(domname, sizeof(domname), "nubes-%s", c->id);
	memset(&dom, 0, sizeof(dom));
	dom.uuid = c->id;
	dom.name = domname;
	dom.display_name = b->name;
	dom.project_id = nb->ctx.project_id;
	dom.user_id = nb->ctx.user_id;
	dom.flavor_name = c->flavor_name;
	dom.virt_type = conf_get(nb->conf, "compute", "virt_type", "kvm");
	dom.vcpus = c->vcpus;
	dom.ram_mib = c->ram_mib;
	dom.root_path = root;
	dom.root_format = "qcow2";
	dom.config_iso_path = iso;
	dom.console_log = console;
	dom.cpu_shares = dom.cpu_period = dom.cpu_quota = -1;
	dom.disk_read_bytes_sec = dom.disk_write_bytes_sec = -1;
	dom.disk_total_bytes_sec = dom.disk_read_iops_sec = -1;
	dom.disk_write_iops_sec = dom.disk_total_iops_sec = -1;
	if (flavor_tuning(nb, c->flavor.id, &dom) == -1)
		goto out;
	xml = domain_xml(&dom);
	if (virt_define_start(v, xml, uuid) == -1)
		goto out;
	rv = 0;
out:
	if (tmpdir != NULL) {
		struct nb_error	 keep;

		nb_error_save(nb, &keep);
		rm[2] = tmpdir;
		(void)spawn_ok(nb, rm, NULL, NULL);
		(void)unlink(isofile);
		nb_error_restore(nb, &keep);
	}
	free(base);
	free(basefmt);
	free(root);
	free(iso);
	free(tmpdir);
	free(isofile);
	free(console);
	free(xml);
	free(dir);
	return rv;
}

static const char record_sql[] =
    "UPDATE servers SET vm_state = ?2, task_state = NULL, power_state = ?3,"
    " claim = NULL, deadline = NULL, fault = ?4, updated_at = ?5"
    " WHERE id = ?1";

/* Transaction 2: the result, active or error with its fault. */
static int
boot_record(struct nb *nb, const struct boot_spec *b, const char *id,
    int ok, const char *fault, time_t started)
{
	time_t	 now = time(NULL);

	if (db_begin(nb) == -1)
		return -1;
	if (db_exec(nb, NULL, record_sql, "ssssi", id, ok ? "active" : "error",
	    ok ? "running" : "shutdown", fault, (long long)now) == -1 ||
	    db_exec(nb, NULL, event_sql, "sssiiss", id, "create",
	    nb->ctx.user_id, (long long)started, (long long)now,
	    ok ? "success" : "error", fault) == -1 ||
	    event_record(nb, "server:create", "server", id, b->name, ok,
	    fault) == -1 || db_commit(nb) == -1) {
		db_rollback(nb);
		return -1;
	}
	return 0;
}

struct table *
server_boot(struct nb *nb, const struct boot_spec *b, char **explain)
{
	struct boot_ctx	 c;
	struct virt	*v = NULL;
	struct table	*t = NULL;
	char		 msg[sizeof(nb->errbuf)], state[16];
	time_t		 started = time(NULL), deadline;
	int		 rc;

	if (explain != NULL)
		*explain = NULL;
	memset(&c, 0, sizeof(c));
	if (name_valid(nb, "server", b->name) == -1)
		return NULL;
	if (b->user_data != NULL && strlen(b->user_data) > USER_DATA_MAX) {
		nb_seterr(nb, NB_EUSAGE, "user data is %zu bytes, at most %d",
		    strlen(b->user_data), USER_DATA_MAX);
		return NULL;
	}
	if (policy_check(nb, "server:create", nb->ctx.project_id,
	    NULL) == -1 || (b->host != NULL &&
	    policy_check(nb, "server:create_on_host", NULL, NULL) == -1))
		goto fail;
	if (boot_check(nb, b, &c) == -1)
		goto fail;
	uuid_generate(c.id);
	if ((rc = boot_claim(nb, b, &c, explain)) != 0) {
		if (rc == -1)
			goto fail;
		goto out;	/* no host: recorded in error, NB_ENOHOST */
	}
	if ((v = virt_open(nb, c.uri)) == NULL ||
	    boot_act(nb, v, b, &c) == -1) {
		strlcpy(msg, nb_errstr(nb), sizeof(msg));
		rc = nb->errcode;
		boot_undo(nb, v, c.id, c.pool);
		(void)boot_record(nb, b, c.id, 0, msg, started);
		nb_seterr(nb, rc ? rc : NB_EFAIL, "%s", msg);
		goto out;
	}
	/* It was started; with --wait, until libvirt says it runs. */
	for (deadline = time(NULL) + 60; b->wait; usleep(100000)) {
		if (virt_domain_state(v, c.id, state, sizeof(state)) == 0 &&
		    strcmp(state, "running") == 0)
			break;
		if (time(NULL) > deadline) {
			nb_seterr(nb, NB_EFAIL, "the domain did not run within "
			    "60 s (state %s)", state);
			strlcpy(msg, nb_errstr(nb), sizeof(msg));
			boot_undo(nb, v, c.id, c.pool);
			(void)boot_record(nb, b, c.id, 0, msg, started);
			goto out;
		}
	}
	if (boot_record(nb, b, c.id, 1, NULL, started) == -1)
		goto out;
	t = db_table(nb, res_server.show_sql, "s", c.id);
	goto out;
fail:
	event_failed(nb, "server:create", "server", b->name);
out:
	virt_close(v);
	boot_ctx_release(&c);
	return t;
}

int
server_delete(struct nb *nb, const char *server)
{
	struct ref	 ref = { 0 };
	struct stmt	*st;
	struct virt	*v = NULL;
	char		 claim[NB_CLAIM_LEN], *uri = NULL, *pool = NULL;
	int		 rc, rv = -1;

	proc_claim(claim);
	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_server, "delete", server, &ref) == -1 ||
	    server_check_unlocked(nb, ref.id, server) == -1)
		goto fail;
	if ((st = db_prepare(nb, "SELECT h.uri, h.pool, s.task_state,"
	    " s.claim FROM servers s LEFT JOIN hosts h ON h.id = s.host_id"
	    " WHERE s.id = ?1", "s", ref.id)) == NULL)
		goto fail;
	if ((rc = db_step(st)) == 1) {
		if (!db_col_isnull(st, 0)) {
			uri = xstrdup(db_col_text(st, 0));
			pool = xstrdup(db_col_text(st, 1));
		}
		/* Work in progress by a live process comes first. */
		if (!db_col_isnull(st, 2) && claim_alive(db_col_text(st, 3))) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' is %s: wait "
			    "for it, or cloud-reconcile once its process is "
			    "gone", server, db_col_text(st, 2));
			rc = -1;
		}
	}
	db_finalize(st);
	if (rc != 1 || db_exec(nb, NULL, "UPDATE servers SET task_state ="
	    " 'deleting', claim = ?2 WHERE id = ?1", "ss", ref.id,
	    claim) == -1 || db_commit(nb) == -1)
		goto fail;
	if (uri != NULL) {
		if ((v = virt_open(nb, uri)) == NULL)
			goto fail;
		boot_undo(nb, v, ref.id, pool);
		nb_clearerr(nb);
		if (virt_domain_state(v, ref.id, claim, sizeof(claim)) == 0) {
			nb_seterr(nb, NB_EFAIL, "server '%s': its domain is "
			    "still there after destroy", server);
			goto fail;
		}
	}
	nb_clearerr(nb);
	{
		char	*log = server_console_path(nb, ref.id);

		(void)unlink(log);
		free(log);
	}
	if (db_begin(nb) == -1 ||
	    db_exec(nb, NULL, "DELETE FROM servers WHERE id = ?1", "s",
	    ref.id) == -1 ||
	    db_exec(nb, NULL, event_sql, "sssiiss", ref.id, "delete",
	    nb->ctx.user_id, (long long)time(NULL), (long long)time(NULL),
	    "success", NULL) == -1 ||
	    event_record(nb, "server:delete", "server", ref.id, ref.name, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	rv = 0;
	goto out;
fail:
	event_failed(nb, "server:delete", "server", server);
out:
	virt_close(v);
	free(uri);
	free(pool);
	ref_release(&ref);
	return rv;
}

static void
reconcile_row(struct table *t, const char *id, const char *name,
    const char *was, const char *now, const char *action)
{
	const char	*row[6] = { "server", id, name, was, now, action };

	table_add_row(t, row);
}

/* Set a server's states after the fact, with a server event. */
static int
settle(struct nb *nb, const char *id, const char *vm_state,
    const char *power, const char *fault, const char *why)
{
	time_t	 now = time(NULL);

	if (db_begin(nb) == -1 ||
	    db_exec(nb, NULL, "UPDATE servers SET vm_state = ?2,"
	    " task_state = NULL, power_state = ?3, claim = NULL,"
	    " deadline = NULL, fault = ifnull(?4, fault), updated_at = ?5"
	    " WHERE id = ?1", "ssssi", id, vm_state, power, fault,
	    (long long)now) == -1 ||
	    db_exec(nb, NULL, event_sql, "sssiiss", id, "reconcile", NULL,
	    (long long)now, (long long)now, vm_state, why) == -1 ||
	    event_record(nb, "cloud:reconcile", "server", id, NULL, 1,
	    why) == -1 || db_commit(nb) == -1) {
		db_rollback(nb);
		return -1;
	}
	return 0;
}

static const char reconcile_sql[] =
    "SELECT s.id, s.name, s.vm_state, s.task_state, s.claim, s.deadline,"
    " s.power_state FROM servers s WHERE s.host_id = ?1";

/*
 * One host: servers whose work died, servers whose domain vanished or
 * stopped, and domains of ours that no server owns.
 */
static int
reconcile_host(struct nb *nb, const char *host_id, const char *uri,
    const char *pool, int dry_run, int fix, struct table *t)
{
	struct virt_domain_info	*doms = NULL;
	struct table		*rows;
	struct virt		*v;
	size_t			 nd = 0, i, j;
	time_t			 now = time(NULL);
	int			 rv = -1;

	if ((v = virt_open(nb, uri)) == NULL)
		return -1;
	if (virt_list_domains(v, "nubes-", &doms, &nd) == -1 ||
	    (rows = db_table(nb, reconcile_sql, "s", host_id)) == NULL)
		goto out;
	for (i = 0; i < rows->nrows; i++) {
		char		**r = &rows->cells[i * rows->ncols];
		const char	 *state = NULL;
		int		  busy;

		for (j = 0; j < nd; j++)
			if (strcmp(doms[j].uuid, r[0]) == 0)
				state = doms[j].state;
		busy = r[3] != NULL && claim_alive(r[4]) &&
		    (r[5] == NULL || strtoll(r[5], NULL, 10) > now);
		if (busy)
			continue;
		if (r[3] != NULL && strcmp(r[3], "spawning") != 0) {
			/*
			 * A lifecycle action whose process is gone: the server
			 * is whatever libvirt shows; nothing is undone.
			 */
			const char	*to = state == NULL ? "error" :
			    strcmp(state, "running") == 0 ? "active" :
			    strcmp(state, "paused") == 0 ? "paused" : "stopped";

			reconcile_row(t, r[0], r[1], r[2], to,
			    "its action's process is gone: the state libvirt "
			    "shows");
			if (!dry_run && settle(nb, r[0], to, state == NULL ?
			    "shutdown" : strcmp(to, "active") == 0 ? "running" :
			    strcmp(to, "paused") == 0 ? "paused" : "shutdown",
			    state == NULL ? "its domain vanished while an action "
			    "ran" : NULL, "action process gone") == -1)
				goto free;
		} else if (r[3] != NULL) {
			/* A boot whose process is gone, or overdue. */
			if (state != NULL && strcmp(state, "running") == 0) {
				reconcile_row(t, r[0], r[1], r[2], "active",
				    "its process is gone, but libvirt runs the "
				    "domain: the work was done");
				if (!dry_run && settle(nb, r[0], "active",
				    "running", NULL, "process gone; domain "
				    "running: active") == -1)
					goto free;
			} else {
				reconcile_row(t, r[0], r[1], r[2], "error",
				    "its process is gone before the work was "
				    "done: undone, claim released");
				if (!dry_run) {
					boot_undo(nb, v, r[0], pool);
					if (settle(nb, r[0], "error", "shutdown",
					    "interrupted: the process working on "
					    "it died", "process gone: error") == -1)
						goto free;
				}
			}
		} else if (state == NULL && strcmp(r[2], "error") != 0) {
			reconcile_row(t, r[0], r[1], r[2], "error",
			    "its domain vanished from libvirt");
			if (!dry_run && settle(nb, r[0], "error", "shutdown",
			    "its domain vanished from the host",
			    "domain vanished: error") == -1)
				goto free;
		} else if (state != NULL && strcmp(r[2], "active") == 0 &&
		    strcmp(state, "shutoff") == 0) {
			reconcile_row(t, r[0], r[1], r[2], "stopped",
			    "libvirt shows the guest powered off");
			if (!dry_run && settle(nb, r[0], "stopped", "shutdown",
			    NULL, "powered off: stopped") == -1)
				goto free;
		}
	}
	/* Domains of ours with no server. */
	for (j = 0; j < nd; j++) {
		for (i = 0; i < rows->nrows; i++)
			if (strcmp(rows->cells[i * rows->ncols], doms[j].uuid) ==
			    0)
				break;
		if (i < rows->nrows || db_int(nb, 0, "SELECT count(*) FROM"
		    " servers WHERE id = ?1", "s", doms[j].uuid) > 0)
			continue;
		reconcile_row(t, doms[j].uuid, doms[j].name, "domain",
		    fix && !dry_run ? "removed" : "orphan", fix ?
		    "no server owns this domain: destroyed and undefined" :
		    "no server owns this domain (--fix removes it)");
		if (fix && !dry_run)
			boot_undo(nb, v, doms[j].uuid, pool);
	}
	rv = 0;
free:
	table_free(rows);
out:
	free(doms);
	virt_close(v);
	return rv;
}

int
server_reconcile(struct nb *nb, int dry_run, int fix, struct table *t)
{
	struct table	*hosts;
	size_t		 i;
	int		 rv = 0;

	if ((hosts = db_table(nb, "SELECT id, uri, pool FROM hosts"
	    " ORDER BY name", NULL)) == NULL)
		return -1;
	for (i = 0; i < hosts->nrows; i++)
		if (reconcile_host(nb, hosts->cells[i * 3],
		    hosts->cells[i * 3 + 1], hosts->cells[i * 3 + 2], dry_run,
		    fix, t) == -1)
			rv = -1;
	table_free(hosts);
	return rv;
}

/* Each action: the states it starts from, its task, where it ends. */
static const struct {
	const char	*name;
	const char	*from;		/* " active stopped " */
	const char	*task;
	const char	*to, *power;
} actions[] = {
	{ "start", " stopped ", "powering-on", "active", "running" },
	{ "stop", " active paused ", "powering-off", "stopped", "shutdown" },
	{ "reboot", " active ", "rebooting", "active", "running" },
	{ "hard-reboot", " active paused stopped ", "rebooting-hard",
	    "active", "running" },
	{ "pause", " active ", "pausing", "paused", "paused" },
	{ "unpause", " paused ", "unpausing", "active", "running" },
	{ "suspend", " active ", "suspending", "suspended", "shutdown" },
	{ "resume", " suspended ", "resuming", "active", "running" },
};

#define STOP_TIMEOUT	60	/* seconds for a guest to power off */

/* Wait until the domain is in state, at most seconds; 0 or -1. */
static int
wait_state(struct virt *v, const char *id, const char *state, int seconds)
{
	time_t	 deadline = time(NULL) + seconds;
	char	 now[16];

	for (;;) {
		if (virt_domain_state(v, id, now, sizeof(now)) == 0 &&
		    strcmp(now, state) == 0)
			return 0;
		if (time(NULL) >= deadline || nb_interrupted)
			return -1;
		usleep(200000);
	}
}

/* The work on the host for action i. */
static int
action_act(struct nb *nb, struct virt *v, size_t i, const char *id,
    const char *from)
{
	const char	*name = actions[i].name;

	if (strcmp(name, "start") == 0 || strcmp(name, "resume") == 0)
		return virt_domain_op(v, id, VIRT_START);
	if (strcmp(name, "stop") == 0) {
		/* ACPI first; the power cord when the guest does not answer. */
		if (strcmp(from, "active") == 0 &&
		    virt_domain_op(v, id, VIRT_SHUTDOWN) == 0 &&
		    wait_state(v, id, "shutoff", STOP_TIMEOUT) == 0)
			return 0;
		nb_clearerr(nb);
		return virt_domain_op(v, id, VIRT_DESTROY);
	}
	if (strcmp(name, "reboot") == 0)
		return virt_domain_op(v, id, VIRT_REBOOT);
	if (strcmp(name, "hard-reboot") == 0) {
		if (strcmp(from, "stopped") == 0)
			return virt_domain_op(v, id, VIRT_START);
		if (strcmp(from, "paused") == 0 &&
		    virt_domain_op(v, id, VIRT_UNPAUSE) == -1)
			return -1;
		return virt_domain_op(v, id, VIRT_RESET);
	}
	if (strcmp(name, "pause") == 0)
		return virt_domain_op(v, id, VIRT_PAUSE);
	if (strcmp(name, "unpause") == 0)
		return virt_domain_op(v, id, VIRT_UNPAUSE);
	return virt_domain_op(v, id, VIRT_SAVE);	/* suspend */
}

int
server_action(struct nb *nb, const char *server, const char *action)
{
	struct ref	 ref = { 0 };
	struct stmt	*st;
	struct virt	*v = NULL;
	char		 claim[NB_CLAIM_LEN], from[16], verb[32], ev[48];
	char		*uri = NULL, word[24], msg[sizeof(nb->errbuf)];
	size_t		 i;
	time_t		 started = time(NULL);
	int		 rc, ok, rv = -1;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].name, action) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0]))
		return nb_seterr(nb, NB_EUSAGE, "no server action '%s'",
		    action);
	/* hard-reboot is allowed as server:reboot */
	snprintf(verb, sizeof(verb), "%s", strcmp(action, "hard-reboot") == 0 ?
	    "reboot" : action);
	snprintf(ev, sizeof(ev), "server:%s", action);
	proc_claim(claim);
	from[0] = '\0';
	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_server, verb, server, &ref) == -1 ||
	    server_check_unlocked(nb, ref.id, server) == -1)
		goto fail;
	if ((st = db_prepare(nb, "SELECT s.vm_state, s.task_state, s.claim,"
	    " h.uri FROM servers s LEFT JOIN hosts h ON h.id = s.host_id"
	    " WHERE s.id = ?1", "s", ref.id)) == NULL)
		goto fail;
	if ((rc = db_step(st)) == 1) {
		strlcpy(from, db_col_text(st, 0), sizeof(from));
		if (!db_col_isnull(st, 1) && claim_alive(db_col_text(st, 2))) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' is busy (%s)",
			    server, db_col_text(st, 1));
			rc = -1;
		} else if (!db_col_isnull(st, 3))
			uri = xstrdup(db_col_text(st, 3));
	}
	db_finalize(st);
	if (rc != 1)
		goto fail;
	snprintf(word, sizeof(word), " %s ", from);
	if (strstr(actions[i].from, word) == NULL || uri == NULL) {
		const char	*need = actions[i].from + 1;

		nb_seterr(nb, NB_ECONFLICT, "server '%s' is %s: %s needs it "
		    "%.*s", server, from, action, (int)strlen(need) - 1, need);
		goto fail;
	}
	if (db_exec(nb, NULL, "UPDATE servers SET task_state = ?2, claim = ?3,"
	    " deadline = ?4, updated_at = ?5 WHERE id = ?1", "sssii", ref.id,
	    actions[i].task, claim, (long long)(started + BUILD_DEADLINE),
	    (long long)started) == -1 || db_commit(nb) == -1)
		goto fail;

	ok = (v = virt_open(nb, uri)) != NULL &&
	    action_act(nb, v, i, ref.id, from) == 0;
	strlcpy(msg, ok ? "" : nb_errstr(nb), sizeof(msg));
	rc = nb->errcode;
	/* Record: the new state, or the old one back with the reason. */
	if (db_begin(nb) == -1 ||
	    db_exec(nb, NULL, "UPDATE servers SET vm_state = ?2,"
	    " power_state = ifnull(?3, power_state), task_state = NULL,"
	    " claim = NULL, deadline = NULL, updated_at = ?4 WHERE id = ?1",
	    "sssi", ref.id, ok ? actions[i].to : from, ok ? actions[i].power :
	    NULL, (long long)time(NULL)) == -1 ||
	    db_exec(nb, NULL, event_sql, "sssiiss", ref.id, action,
	    nb->ctx.user_id, (long long)started, (long long)time(NULL),
	    ok ? "success" : "error", ok ? NULL : msg) == -1 ||
	    event_record(nb, ev, "server", ref.id, ref.name, ok,
	    ok ? NULL : msg) == -1 || db_commit(nb) == -1) {
		db_rollback(nb);
		goto out;
	}
	if (!ok) {
		nb_seterr(nb, rc ? rc : NB_EFAIL, "%s", msg);
		goto out;
	}
	rv = 0;
	goto out;
fail:
	event_failed(nb, ev, "server", server);
out:
	virt_close(v);
	free(uri);
	ref_release(&ref);
	return rv;
}
