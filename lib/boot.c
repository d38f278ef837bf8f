/*
 * boot.c: booting and deleting servers on their hosts, claim -> act ->
 * record (DESIGN.md 4).  A short write transaction schedules the
 * servers and claims their hosts' resources; the slow work on a host
 * (the image into its pool, the disks, the config drive, the domain)
 * runs with no transaction open; a second transaction records the
 * result.
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
#include "serverhost.h"
#include "net.h"
#include "virt.h"
#include "volume.h"

#define USER_DATA_MAX	65535
#define PROPERTIES_MAX	128	/* Nova's metadata_items quota */
#define COUNT_MAX	100

/* One server of a boot: --count makes several. */
struct boot_one {
	char		 id[NB_UUID_LEN + 1];
	char		*name;
	char		 host_id[NB_UUID_LEN + 1], zone[NB_NAME_MAX + 1];
	char		*uri, *pool;
};

/* What a boot needs to know, read before the claim. */
struct boot_ctx {
	struct ref	 flavor, image, key, group;
	long long	 vcpus, ram_mib, flavor_disk_gb, ephemeral_gb, swap_mib;
	long long	 root_gb, disk_gb;	/* root; claimed: all disks */
	long long	 image_min_disk, image_min_ram, image_size, image_vsize;
	char		 flavor_name[NB_NAME_MAX + 1];
	char		 disk_format[16], image_status[16];
	char		*public_key, *arch, *hypervisor_type, *group_policy;
	/* The hosts of the hinted servers. */
	char		**same_host, **different_host;
	/* Booted from a volume: it, and its host. */
	struct ref	 volume;
	char		 volume_host[NB_UUID_LEN + 1];
	struct boot_one	*one;
	size_t		 n;
};

static void
free_hint_hosts(char **hosts)
{
	size_t	 i;

	for (i = 0; hosts != NULL && hosts[i] != NULL; i++)
		free(hosts[i]);
	free(hosts);
}

static void
boot_ctx_release(struct boot_ctx *c)
{
	size_t	 i;

	ref_release(&c->flavor);
	ref_release(&c->image);
	ref_release(&c->key);
	ref_release(&c->group);
	ref_release(&c->volume);
	free(c->public_key);
	free(c->arch);
	free(c->hypervisor_type);
	free(c->group_policy);
	free_hint_hosts(c->same_host);
	free_hint_hosts(c->different_host);
	for (i = 0; i < c->n; i++) {
		free(c->one[i].name);
		free(c->one[i].uri);
		free(c->one[i].pool);
	}
	free(c->one);
}

static const char flavor_sql[] =
    "SELECT name, vcpus, ram_mib, disk_gb, ephemeral_gb, swap_mib"
    " FROM flavors WHERE id = ?1";
static const char image_sql[] =
    "SELECT status, disk_format, min_disk, min_ram, size, virtual_size,"
    " (SELECT value FROM image_properties WHERE image_id = ?1"
    "  AND key = 'architecture'),"
    " (SELECT value FROM image_properties WHERE image_id = ?1"
    "  AND key = 'hypervisor_type') FROM images WHERE id = ?1";

/* The flavor's sizes into c. */
static int
load_flavor(struct nb *nb, const char *what, struct boot_ctx *c)
{
	struct stmt	*st;
	int		 rc;

	if ((st = db_prepare(nb, flavor_sql, "s", c->flavor.id)) == NULL)
		return -1;
	if ((rc = db_step(st)) == 1) {
		strlcpy(c->flavor_name, db_col_text(st, 0),
		    sizeof(c->flavor_name));
		c->vcpus = db_col_int(st, 1);
		c->ram_mib = db_col_int(st, 2);
		c->flavor_disk_gb = db_col_int(st, 3);
		c->ephemeral_gb = db_col_int(st, 4);
		c->swap_mib = db_col_int(st, 5);
	}
	db_finalize(st);
	if (rc != 1)
		return rc == -1 ? -1 : nb_seterr(nb, NB_ENOTFOUND, "flavor "
		    "'%s' not found", what);
	return 0;
}

/*
 * The image, and whether it boots with the flavor in c: its status and
 * format, its minimum RAM and disk.  Sets the root and claimed disk
 * sizes.  Used by boot and rebuild.
 */
static int
load_image(struct nb *nb, const char *what, struct boot_ctx *c)
{
	struct stmt	*st;
	int		 rc;

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
		    "'%s' not found", what);
	if (strcmp(c->image_status, "active") != 0)
		return nb_seterr(nb, NB_ECONFLICT, "image '%s' is %s: only "
		    "active images boot", what, c->image_status);
	if (strcmp(c->disk_format, "raw") != 0 &&
	    strcmp(c->disk_format, "qcow2") != 0 &&
	    strcmp(c->disk_format, "ami") != 0)
		return nb_seterr(nb, NB_EUSAGE, "image '%s' is %s: this release "
		    "boots raw, qcow2 and ami disk images (qemu-img convert "
		    "-O qcow2 first)", what, c->disk_format);
	if (strcmp(c->disk_format, "ami") == 0 && db_int(nb, 0,
	    "SELECT count(*) FROM images i JOIN images k ON k.id = i.kernel_id"
	    " AND k.status = 'active' WHERE i.id = ?1 AND (i.ramdisk_id IS NULL"
	    " OR EXISTS (SELECT 1 FROM images r WHERE r.id = i.ramdisk_id"
	    " AND r.status = 'active'))", "s", c->image.id) != 1)
		return nb->errcode ? -1 : nb_seterr(nb, NB_ECONFLICT, "image "
		    "'%s' is ami: it boots with its kernel (and ramdisk), which "
		    "must be set and active (cloud-image-set --kernel)", what);
	if (c->image_min_ram > c->ram_mib)
		return nb_seterr(nb, NB_EUSAGE, "image '%s' needs %lld MiB of "
		    "RAM, flavor '%s' has %lld", what, c->image_min_ram,
		    c->flavor_name, c->ram_mib);
	if (c->flavor_disk_gb > 0 && (c->image_min_disk > c->flavor_disk_gb ||
	    (unsigned long long)c->image_vsize > c->flavor_disk_gb * GIB))
		return nb_seterr(nb, NB_EUSAGE, "image '%s' needs a %lld GB "
		    "disk (virtual size %lld bytes), flavor '%s' has %lld GB",
		    what, c->image_min_disk > 0 ? c->image_min_disk :
		    (long long)((c->image_vsize + GIB - 1) / GIB),
		    c->image_vsize, c->flavor_name, c->flavor_disk_gb);
	/* A flavor with no root size takes the image's (Nova's disk 0). */
	c->root_gb = c->flavor_disk_gb > 0 ? c->flavor_disk_gb :
	    (long long)((c->image_vsize + GIB - 1) / GIB);
	if (c->root_gb < c->image_min_disk)
		c->root_gb = c->image_min_disk;
	c->disk_gb = c->root_gb + c->ephemeral_gb + (c->swap_mib + 1023) / 1024;
	return 0;
}

/*
 * The hosts of the servers a --hint names (NULL-terminated, to free):
 * each must be one the caller can see, and on a host.
 */
static char **
hint_hosts(struct nb *nb, const char *hint, const char *const *servers,
    size_t n)
{
	struct ref	 ref;
	char		**hosts = xcalloc(n + 1, sizeof(*hosts));
	size_t		 i;

	for (i = 0; i < n; i++) {
		memset(&ref, 0, sizeof(ref));
		if (resource_resolve(nb, &res_server, servers[i], &ref) == -1)
			goto fail;
		hosts[i] = db_text(nb, "SELECT host_id FROM servers"
		    " WHERE id = ?1 AND host_id IS NOT NULL", "s", ref.id);
		ref_release(&ref);
		if (hosts[i] == NULL) {
			if (nb->errcode == NB_ENOTFOUND || nb->errcode == 0)
				nb_seterr(nb, NB_ECONFLICT, "--hint %s=%s: that "
				    "server is on no host", hint, servers[i]);
			goto fail;
		}
	}
	return hosts;
fail:
	free_hint_hosts(hosts);
	return NULL;
}

/* Flavor, image, key pair and group, and whether they go together. */
/*
 * A boot volume: available, bootable (made from an image), in the
 * caller's project.  The server's root disk is the volume, so the host
 * claims only its ephemeral and swap disks, and the server goes to the
 * volume's host.
 */
static int
boot_volume_check(struct nb *nb, const struct boot_spec *b,
    struct boot_ctx *c)
{
	struct stmt	*st;
	int		 rc;

	if (resource_authorize(nb, &res_volume, "attach", b->volume,
	    &c->volume) == -1)
		return -1;
	if ((st = db_prepare(nb, "SELECT status, bootable, host_id, size_gb"
	    " FROM volumes WHERE id = ?1", "s", c->volume.id)) == NULL)
		return -1;
	if ((rc = db_step(st)) == 1) {
		if (strcmp(db_col_text(st, 0), "available") != 0) {
			nb_seterr(nb, NB_ECONFLICT, "volume '%s' is %s: a boot "
			    "volume must be available", b->volume,
			    db_col_text(st, 0));
			rc = -1;
		} else if (!db_col_int(st, 1)) {
			nb_seterr(nb, NB_EUSAGE, "volume '%s' is not bootable: "
			    "make it from an image (cloud-volume-create --image)",
			    b->volume);
			rc = -1;
		}
		strlcpy(c->volume_host, db_col_text(st, 2),
		    sizeof(c->volume_host));
		c->root_gb = db_col_int(st, 3);
	}
	db_finalize(st);
	if (rc != 1)
		return rc == 0 ? nb_seterr(nb, NB_ENOTFOUND, "volume '%s' not "
		    "found", b->volume) : -1;
	if (db_int(nb, 0, "SELECT count(*) FROM snapshots WHERE volume_id = ?1"
	    " AND status = 'creating'", "s", c->volume.id) > 0)
		return nb_seterr(nb, NB_ECONFLICT, "volume '%s' is being "
		    "snapshotted: wait for it", b->volume);
	c->disk_gb = c->ephemeral_gb + (c->swap_mib + 1023) / 1024;
	return 0;
}

static int
boot_check(struct nb *nb, const struct boot_spec *b, struct boot_ctx *c)
{
	if (b->volume != NULL) {
		if (resource_resolve(nb, &res_flavor, b->flavor,
		    &c->flavor) == -1 || load_flavor(nb, b->flavor, c) == -1 ||
		    boot_volume_check(nb, b, c) == -1)
			return -1;
	} else if (resource_resolve(nb, &res_flavor, b->flavor,
	    &c->flavor) == -1 ||
	    resource_resolve(nb, &res_image, b->image, &c->image) == -1 ||
	    (b->key_name != NULL &&
	    resource_resolve(nb, &res_keypair, b->key_name, &c->key) == -1) ||
	    (b->group != NULL &&
	    resource_resolve(nb, &res_server_group, b->group, &c->group) == -1))
		return -1;
	if (b->volume == NULL && (load_flavor(nb, b->flavor, c) == -1 ||
	    load_image(nb, b->image, c) == -1))
		return -1;
	if (b->volume != NULL && ((b->key_name != NULL &&
	    resource_resolve(nb, &res_keypair, b->key_name, &c->key) == -1) ||
	    (b->group != NULL && resource_resolve(nb, &res_server_group,
	    b->group, &c->group) == -1)))
		return -1;
	if (b->key_name != NULL && (c->public_key = db_text(nb,
	    "SELECT public_key FROM keypairs WHERE id = ?1", "s",
	    c->key.id)) == NULL)
		return -1;
	if (b->nsame_host > 0 && (c->same_host = hint_hosts(nb, "same_host",
	    b->same_host, b->nsame_host)) == NULL)
		return -1;
	if (b->ndifferent_host > 0 && (c->different_host = hint_hosts(nb,
	    "different_host", b->different_host, b->ndifferent_host)) == NULL)
		return -1;
	if (b->group != NULL && (c->group_policy = db_text(nb,
	    "SELECT policy FROM server_groups WHERE id = ?1", "s",
	    c->group.id)) == NULL)
		return -1;
	return 0;
}

/* --property pairs: as Nova's metadata, keys and values up to 255. */
static int
check_properties(struct nb *nb, const struct boot_spec *b)
{
	size_t	 i, j;

	if (b->nprops > PROPERTIES_MAX)
		return nb_seterr(nb, NB_EUSAGE, "%zu properties: at most %d",
		    b->nprops, PROPERTIES_MAX);
	for (i = 0; i < b->nprops; i++) {
		if (text_valid(nb, "property key", b->props[i].key, 255) == -1 ||
		    text_valid(nb, "property value", b->props[i].value,
		    255) == -1)
			return -1;
		if (b->props[i].key[0] == '\0')
			return nb_seterr(nb, NB_EUSAGE, "property '=%s': the "
			    "key is empty", b->props[i].value);
		for (j = 0; j < i; j++)
			if (strcmp(b->props[i].key, b->props[j].key) == 0)
				return nb_seterr(nb, NB_EUSAGE, "property '%s' "
				    "given twice", b->props[i].key);
	}
	return 0;
}

/* Every host (or one) with what its live servers claim. */
static const char hosts_sql[] =
    "SELECT h.id, h.name, h.zone, h.enabled, h.disabled_reason,"
    " h.cpu_ratio, h.ram_ratio, h.disk_ratio, h.reserved_ram_mib,"
    " h.vcpus, h.ram_mib, h.disk_gb, h.arch, h.hypervisor_type,"
    " h.vcpus_used, h.ram_used_mib, h.disk_used_gb, h.servers, h.uri,"
    " h.pool FROM hosts h WHERE ?1 IS NULL OR h.id = ?1 ORDER BY h.name";

/* A column's text in the arena; NULL for NULL. */
static char *
col_dup(struct arena *a, struct stmt *st, int i)
{
	return db_col_isnull(st, i) ? NULL : arena_strdup(a, db_col_text(st, i));
}

int
host_set_load(struct nb *nb, const char *host_id, struct host_set *hs)
{
	struct stmt	*st;
	size_t		 cap = 64;
	int		 rc;

	memset(hs, 0, sizeof(*hs));
	if ((st = db_prepare(nb, hosts_sql, "s", host_id)) == NULL)
		return -1;
	hs->arena = arena_new();
	hs->hosts = xcalloc(cap, sizeof(*hs->hosts));
	hs->uri = xcalloc(cap, sizeof(*hs->uri));
	hs->pool = xcalloc(cap, sizeof(*hs->pool));
	while ((rc = db_step(st)) == 1) {
		struct sched_host	*h;

		if (hs->n == cap) {
			cap *= 2;
			hs->hosts = xreallocarray(hs->hosts, cap,
			    sizeof(*hs->hosts));
			hs->uri = xreallocarray(hs->uri, cap, sizeof(*hs->uri));
			hs->pool = xreallocarray(hs->pool, cap,
			    sizeof(*hs->pool));
		}
		h = &hs->hosts[hs->n];
		memset(h, 0, sizeof(*h));
		h->id = col_dup(hs->arena, st, 0);
		h->name = col_dup(hs->arena, st, 1);
		h->zone = col_dup(hs->arena, st, 2);
		h->enabled = db_col_int(st, 3) != 0;
		h->disabled_reason = col_dup(hs->arena, st, 4);
		h->cpu_ratio = db_col_double(st, 5);
		h->ram_ratio = db_col_double(st, 6);
		h->disk_ratio = db_col_double(st, 7);
		h->reserved_ram_mib = db_col_int(st, 8);
		h->vcpus = db_col_int(st, 9);
		h->ram_mib = db_col_int(st, 10);
		h->disk_gb = db_col_int(st, 11);
		h->arch = col_dup(hs->arena, st, 12);
		h->hypervisor_type = col_dup(hs->arena, st, 13);
		h->vcpus_used = db_col_int(st, 14);
		h->ram_used_mib = db_col_int(st, 15);
		h->disk_used_gb = db_col_int(st, 16);
		h->servers = (int)db_col_int(st, 17);
		hs->uri[hs->n] = col_dup(hs->arena, st, 18);
		hs->pool[hs->n] = col_dup(hs->arena, st, 19);
		hs->n++;
	}
	db_finalize(st);
	if (rc == -1) {
		host_set_free(hs);
		return -1;
	}
	return 0;
}

void
host_set_free(struct host_set *hs)
{
	free(hs->hosts);
	free(hs->uri);
	free(hs->pool);
	arena_free(hs->arena);
	memset(hs, 0, sizeof(*hs));
}

/* Where the live members of a group are. */
static const char members_sql[] =
    "SELECT s.host_id, count(*) FROM server_group_members m"
    " JOIN servers s ON s.id = m.server_id WHERE m.group_id = ?1"
    " AND s.vm_state <> 'error' AND s.host_id IS NOT NULL"
    " GROUP BY s.host_id";

static const char insert_sql[] =
    "INSERT INTO servers (id, name, project_id, user_id, flavor_id,"
    " flavor_name, vcpus, ram_mib, disk_gb, image_id, host_id, zone,"
    " key_name, vm_state, task_state, claim, deadline, fault, created_at,"
    " updated_at, root_gb, ephemeral_gb, swap_mib) VALUES (?1, ?2, ?3,"
    " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?19, ?20, ?21, ?22)";
static const char event_sql[] =
    "INSERT INTO server_events (server_id, action, user_id, start_time,"
    " finish_time, result, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int
server_event(struct nb *nb, const char *id, const char *action,
    time_t started, int ok, const char *message)
{
	return db_exec(nb, NULL, event_sql, "sssiiss", id, action,
	    nb->ctx.user_id, (long long)started, (long long)time(NULL),
	    ok ? "success" : "error", message);
}

/* Count the group's live members on each host; the group's size. */
static int
group_members(struct nb *nb, const char *group_id, struct sched_host *hosts,
    size_t n, int *size)
{
	struct stmt	*st;
	size_t		 i;
	int		 rc;

	*size = 0;
	if ((st = db_prepare(nb, members_sql, "s", group_id)) == NULL)
		return -1;
	while ((rc = db_step(st)) == 1) {
		*size += (int)db_col_int(st, 1);
		for (i = 0; i < n; i++)
			if (strcmp(hosts[i].id, db_col_text(st, 0)) == 0)
				hosts[i].group_members = (int)db_col_int(st, 1);
	}
	db_finalize(st);
	return rc;
}

/*
 * The weigher multipliers: Nova's defaults, or [scheduler] in
 * nubes.conf, with Nova's option names.
 */
static int
sched_weights_conf(struct nb *nb, struct sched_weights *w)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} keys[] = {
		{ "ram_weight_multiplier", offsetof(struct sched_weights, ram) },
		{ "cpu_weight_multiplier", offsetof(struct sched_weights, cpu) },
		{ "disk_weight_multiplier", offsetof(struct sched_weights, disk) },
		{ "num_instances_weight_multiplier",
		    offsetof(struct sched_weights, servers) },
		{ "soft_affinity_weight_multiplier",
		    offsetof(struct sched_weights, soft_affinity) },
		{ "soft_anti_affinity_weight_multiplier",
		    offsetof(struct sched_weights, soft_anti_affinity) },
	};
	const char	*text;
	char		*end;
	double		 d;
	size_t		 i;

	sched_weights_default(w);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((text = conf_get(nb->conf, "scheduler", keys[i].key,
		    NULL)) == NULL)
			continue;
		errno = 0;
		d = strtod(text, &end);
		if (errno != 0 || end == text || *end != '\0' || d != d ||
		    d > 1e6 || d < -1e6)
			return nb_seterr(nb, NB_EFAIL, "nubes.conf: [scheduler] "
			    "%s = '%s' is not a number from -1e6 to 1e6",
			    keys[i].key, text);
		*(double *)((char *)w + keys[i].off) = d;
	}
	return 0;
}

#define FAULT_MAX	4096

/*
 * "host: reason;host: reason" from the scheduler's reason lines, for a
 * server's fault: past FAULT_MAX bytes the rest is counted, not kept
 * (cloud-boot prints every line, and --explain all of it).
 */
static char *
one_line(const char *reasons)
{
	char	*s = xstrdup(reasons != NULL ? reasons : ""), *cut;
	size_t	 k, len = strlen(s), more = 0;

	while (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	if (len > FAULT_MAX) {
		s[FAULT_MAX] = '\0';
		if ((cut = strrchr(s, '\n')) != NULL) {
			*cut = '\0';
			for (k = cut - s; k < len; k++)
				more += reasons[k] == '\n';
			xasprintf(&cut, "%s\n... and %zu more hosts", s, more);
			free(s);
			s = cut;
		}
	}
	for (k = 0; s[k] != '\0'; k++)
		if (s[k] == '\n')
			s[k] = ';';
	return s;
}

/*
 * Transaction 1: quota, schedule, claim, for all c->n servers at once:
 * each is placed with the claims of those before it counted, and if one
 * cannot be placed none is.  Returns 0 with the hosts in c->one, 1 when
 * no host fits (the servers are recorded in error), -1 on error.
 */
static int
boot_claim(struct nb *nb, const struct boot_spec *b, struct boot_ctx *c,
    char **explain, char **reasons)
{
	struct host_set		 hs;
	struct sched_host	*hosts;
	struct sched_request	 rq;
	struct sched_result	 res = { -1, NULL, NULL };
	struct sched_weights	 w;
	struct buf		 ex;
	char			 claim[NB_CLAIM_LEN], *fault = NULL;
	size_t			 k, p;
	time_t			 now = time(NULL);
	int			 rv = -1, chosen = -1;
	long long		 n = (long long)c->n;

	proc_claim(claim);
	buf_init(&ex);
	memset(&hs, 0, sizeof(hs));
	if (sched_weights_conf(nb, &w) == -1 || db_begin(nb) == -1)
		return -1;
	/* The boot volume may have been taken since it was checked. */
	if (b->volume != NULL && db_int(nb, 0, "SELECT count(*) FROM volumes"
	    " WHERE id = ?1 AND status = 'available'", "s",
	    c->volume.id) != 1) {
		if (nb->errcode == 0)
			nb_seterr(nb, NB_ECONFLICT, "volume '%s' is no longer "
			    "available", b->volume);
		goto out;
	}
	if (quota_check(nb, nb->ctx.project_id, "instances", n) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "cores", c->vcpus * n) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "ram", c->ram_mib * n) == -1)
		goto out;
	if (host_set_load(nb, NULL, &hs) == -1)
		goto out;
	hosts = hs.hosts;
	memset(&rq, 0, sizeof(rq));
	if (c->group_policy != NULL && group_members(nb, c->group.id, hosts,
	    hs.n, &rq.group_size) == -1)
		goto out;
	rq.vcpus = c->vcpus;
	rq.ram_mib = c->ram_mib;
	rq.disk_gb = c->disk_gb;
	rq.zone = b->zone;
	rq.force_host = b->volume != NULL ? c->volume_host : b->host;
	rq.image_arch = c->arch;
	rq.image_hypervisor_type = c->hypervisor_type;
	rq.group_policy = c->group_policy;
	rq.same_host = (const char *const *)c->same_host;
	rq.nsame_host = b->nsame_host;
	rq.different_host = (const char *const *)c->different_host;
	rq.ndifferent_host = b->ndifferent_host;
	rq.explain = b->explain;
	for (k = 0; k < c->n; k++) {
		sched_result_free(&res);
		chosen = sched_select(hosts, hs.n, &rq, &w, &res) == 0 ?
		    res.chosen : -1;
		if (res.explain != NULL) {
			if (c->n > 1)
				buf_printf(&ex, "server %s:\n", c->one[k].name);
			buf_puts(&ex, res.explain);
		}
		if (chosen < 0)
			break;
		/* Its claim counts for the next server's choice. */
		hosts[chosen].vcpus_used += rq.vcpus;
		hosts[chosen].ram_used_mib += rq.ram_mib;
		hosts[chosen].disk_used_gb += rq.disk_gb;
		hosts[chosen].servers++;
		hosts[chosen].group_members++;
		rq.group_size++;
		strlcpy(c->one[k].host_id, hosts[chosen].id,
		    sizeof(c->one[k].host_id));
		strlcpy(c->one[k].zone, hosts[chosen].zone,
		    sizeof(c->one[k].zone));
		c->one[k].uri = xstrdup(hs.uri[chosen]);
		c->one[k].pool = xstrdup(hs.pool[chosen]);
	}
	if (explain != NULL && ex.len > 0)
		*explain = buf_release(&ex);
	if (chosen < 0) {
		fault = one_line(res.reasons);
		if (c->n > 1) {
			char	*f;

			xasprintf(&f, "server %zu of %zu: %s", k + 1, c->n,
			    fault);
			free(fault);
			fault = f;
		}
	}
	for (k = 0; k < c->n; k++) {
		struct boot_one	*o = &c->one[k];

		if (db_exec(nb, NULL, insert_sql, "ssssssiiisssssssisiiii",
		    o->id, o->name, nb->ctx.project_id, nb->ctx.user_id,
		    c->flavor.id, c->flavor_name, c->vcpus, c->ram_mib,
		    c->disk_gb, c->image.id[0] != '\0' ? c->image.id : NULL,
		    fault == NULL ? o->host_id : NULL,
		    fault == NULL ? o->zone : b->zone, b->key_name,
		    fault == NULL ? "building" : "error",
		    fault == NULL ? "spawning" : NULL,
		    fault == NULL ? claim : NULL,
		    (long long)(now + BUILD_DEADLINE * (long long)(k + 1)),
		    fault, (long long)now, c->root_gb, c->ephemeral_gb,
		    c->swap_mib) == -1)
			goto out;
		if (fault == NULL && (b->net != NULL || b->port != NULL) &&
		    server_port_bind(nb, o->id, o->host_id, b->net,
		    b->port, b->groups, b->ngroups) == -1)
			goto out;
		/* Kept for its config drive if it is rebuilt elsewhere. */
		if (b->user_data != NULL && db_exec(nb, NULL, "UPDATE servers"
		    " SET user_data = ?2 WHERE id = ?1", "ss", o->id,
		    b->user_data) == -1)
			goto out;
		for (p = 0; p < b->nprops; p++)
			if (db_exec(nb, NULL, "INSERT INTO server_properties"
			    " VALUES (?1, ?2, ?3)", "sss", o->id,
			    b->props[p].key, b->props[p].value) == -1)
				goto out;
		if (c->group_policy != NULL && db_exec(nb, NULL, "INSERT INTO"
		    " server_group_members VALUES (?1, ?2)", "ss", o->id,
		    c->group.id) == -1)
			goto out;
		if (b->volume != NULL && fault == NULL && (db_exec(nb, NULL,
		    "UPDATE servers SET root_volume_id = ?2 WHERE id = ?1", "ss",
		    o->id, c->volume.id) == -1 || db_exec(nb, NULL, "UPDATE"
		    " volumes SET status = 'attaching', server_id = ?2,"
		    " device = 'vda', delete_on_termination = ?3, claim = ?4,"
		    " deadline = ?5, updated_at = ?6 WHERE id = ?1", "ssdsii",
		    c->volume.id, o->id, b->delete_on_termination, claim,
		    (long long)(now + BUILD_DEADLINE), (long long)now) == -1))
			goto out;
		if (fault != NULL && (db_exec(nb, NULL, event_sql, "sssiiss",
		    o->id, "create", nb->ctx.user_id, (long long)now,
		    (long long)now, "error", fault) == -1 ||
		    event_record(nb, "server:create", "server", o->id, o->name,
		    0, "no valid host") == -1))
			goto out;
	}
	if (db_commit(nb) == -1)
		goto out;
	if (fault != NULL) {
		/* The message may be cut short; *reasons is whole. */
		nb_seterr(nb, NB_ENOHOST, "no valid host was found%s:\n%s",
		    c->n > 1 ? " for every server" : "", res.reasons);
		if (reasons != NULL)
			*reasons = xstrdup(res.reasons);
		rv = 1;
	} else
		rv = 0;
out:
	if (rv == -1)
		db_rollback(nb);
	sched_result_free(&res);
	buf_free(&ex);
	free(fault);
	host_set_free(&hs);
	return rv;
}

char *
base_volume(struct nb *nb, struct virt *v, const char *host_id,
    const char *pool, const char *image_id, const char *disk_format,
    long long size, char **format)
{
	char		*have, *path = NULL, *lockp, *file, name[64];
	const char	*fmt;
	int		 fd;

	fmt = strcmp(disk_format, "qcow2") == 0 ? "qcow2" : "raw";
	*format = xstrdup(fmt);
	snprintf(name, sizeof(name), "nubes-image-%s", image_id);
	/* A lock file keeps two boots from uploading it twice. */
	xasprintf(&lockp, "%s/images/.%s.lock", nb->state_dir, image_id);
	if ((fd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1 ||
	    flock(fd, LOCK_EX) == -1) {
		nb_seterr(nb, NB_EFAIL, "locking '%s': %s", lockp,
		    strerror(errno));
		goto out;
	}
	have = db_text(nb, "SELECT volume FROM host_images WHERE host_id = ?1"
	    " AND image_id = ?2", "ss", host_id, image_id);
	if (have != NULL) {
		free(have);
		if (virt_vol_path(v, pool, name, &path) == 0)
			goto out;
		/* Recorded but gone from the pool: upload it again. */
	}
	(void)virt_vol_delete(v, pool, name);
	xasprintf(&file, "%s/images/%s", nb->state_dir, image_id);
	if (virt_vol_upload(v, pool, name, fmt, file,
	    (unsigned long long)size, &path) == -1) {
		free(file);
		goto out;
	}
	free(file);
	if (db_begin(nb) == -1 || db_exec(nb, NULL, "INSERT OR REPLACE INTO"
	    " host_images VALUES (?1, ?2, ?3, ?4)", "ssss", host_id,
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

void
server_volume(char *buf, size_t len, const char *id, const char *what)
{
	snprintf(buf, len, "nubes-%s-%s", id, what);
}

/* What a server owns in its host's pool. */
const char *const server_volumes[] = {
	"disk", "config", "ephemeral", "swap", "disk-resize", "console.log",
	NULL
};

void
boot_undo(struct nb *nb, struct virt *v, const char *id, const char *pool)
{
	struct nb_error	 keep;
	char		 name[96], *rm[] = { "rm", "-rf", NULL, NULL, NULL };
	size_t		 i;
	int		 tries;

	nb_error_save(nb, &keep);
	if (v != NULL) {
		(void)virt_destroy_undefine(v, id);
		for (i = 0; server_volumes[i] != NULL; i++) {
			server_volume(name, sizeof(name), id, server_volumes[i]);
			/*
			 * A volume whose creation a killed process left to
			 * libvirt is refused while libvirt still makes it:
			 * a few seconds more, then it goes.
			 */
			for (tries = 0; virt_vol_delete(v, pool, name) == -1 &&
			    nb->errcode == NB_ECONFLICT && tries < 40 &&
			    !nb_interrupted; tries++)
				usleep(250000);
		}
	}
	/* A boot that died while making the config drive left these. */
	xasprintf(&rm[2], "%s/tmp/%s", nb->state_dir, id);
	xasprintf(&rm[3], "%s/tmp/%s.iso", nb->state_dir, id);
	(void)spawn_ok(nb, rm, NULL, NULL);
	free(rm[2]);
	free(rm[3]);
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

	if (flavor_id == NULL)		/* the flavor was deleted since */
		return 0;
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

/* ?2: the old flavor's sizes, for a resize undone. */
static const char define_sql[] =
    "SELECT s.name, s.project_id, s.user_id,"
    " CASE WHEN ?2 THEN s.old_flavor_id ELSE s.flavor_id END,"
    " CASE WHEN ?2 THEN s.old_flavor_name ELSE s.flavor_name END,"
    " CASE WHEN ?2 THEN s.old_vcpus ELSE s.vcpus END,"
    " CASE WHEN ?2 THEN s.old_ram_mib ELSE s.ram_mib END,"
    " CASE WHEN ?2 THEN s.old_ephemeral_gb ELSE s.ephemeral_gb END,"
    " CASE WHEN ?2 THEN s.old_swap_mib ELSE s.swap_mib END, i.disk_format,"
    " i.kernel_id, k.size, i.ramdisk_id, r.size,"
    " (SELECT value FROM image_properties WHERE image_id = i.id"
    "  AND key = 'os_command_line'), s.root_volume_id, rv.pool, rv.format"
    " FROM servers s LEFT JOIN images i ON i.id = s.image_id"
    " LEFT JOIN images k ON k.id = i.kernel_id"
    " LEFT JOIN images r ON r.id = i.ramdisk_id"
    " LEFT JOIN volumes rv ON rv.id = s.root_volume_id WHERE s.id = ?1";

/* The path of volume what of server id, or NULL when unused (!need). */
static int
volume_of(struct nb *nb, struct virt *v, const char *pool, const char *id,
    const char *what, int need, char **path)
{
	char	 name[96];

	(void)nb;	/* errors are in v's */
	*path = NULL;
	if (!need)
		return 0;
	server_volume(name, sizeof(name), id, what);
	return virt_vol_path(v, pool, name, path);
}

/* The volumes attached to a server, as its domain carries them. */
struct attached {
	struct guest_disk	*disks;
	char			**paths;
	size_t			 n;
	struct table		*t;	/* the strings disks point into */
};

static void
attached_free(struct attached *a)
{
	size_t	 i;

	for (i = 0; i < a->n; i++)
		free(a->paths[i]);
	free(a->paths);
	free(a->disks);
	table_free(a->t);
	a->n = 0;
}

static int
attached_volumes(struct nb *nb, struct virt *v, const char *id,
    struct attached *a)
{
	struct table	*t;
	size_t		 i;
	char		 name[96];

	if ((a->t = t = db_table(nb, "SELECT id, device, pool, format"
	    " FROM volumes WHERE server_id = ?1 AND status IN ('in-use', 'detaching')"
	    " AND id IS NOT (SELECT root_volume_id FROM servers WHERE id = ?1)"
	    " ORDER BY device", "s", id)) == NULL)
		return -1;
	a->disks = xcalloc(t->nrows + 1, sizeof(*a->disks));
	a->paths = xcalloc(t->nrows + 1, sizeof(*a->paths));
	for (i = 0; i < t->nrows; i++) {
		char	**r = &t->cells[i * t->ncols];

		volume_pool_name(name, sizeof(name), r[0]);
		if (virt_vol_path(v, r[2], name, &a->paths[a->n]) == -1)
			return -1;
		a->disks[a->n].path = a->paths[a->n];
		a->disks[a->n].format = r[3];
		a->disks[a->n].target = r[1];
		a->disks[a->n].serial = r[0];
		a->n++;
	}
	return 0;
}

int
server_define(struct nb *nb, struct virt *v, const char *id,
    const char *host_id, const char *pool, int old)
{
	char	*xml;
	int	 rv;

	if ((xml = server_xml(nb, v, id, host_id, pool, old)) == NULL)
		return -1;
	rv = virt_define(v, xml);
	free(xml);
	return rv;
}

char *
server_xml(struct nb *nb, struct virt *v, const char *id,
    const char *host_id, const char *pool, int old)
{
	struct guest_domain	 dom;
	struct table		*t;
	char			**r, *console = NULL, *xml = NULL, *fmt = NULL;
	char			*root = NULL, *iso = NULL, *eph = NULL;
	char			*swap = NULL, *kernel = NULL, *ramdisk = NULL;
	char			 domname[64];
	struct attached		 vols = { NULL, NULL, 0, NULL };
	struct server_nic	 nic = { 0 };

	if ((t = db_table(nb, define_sql, "sd", id, old)) == NULL)
		return NULL;
	if (t->nrows != 1 || t->cells[5] == NULL) {
		table_free(t);
		nb_seterr(nb, NB_ENOTFOUND, "server %s not found", id);
		return NULL;
	}
	r = t->cells;
	if (r[15] != NULL) {
		char	 name[96];

		/* Booted from a volume: it is the root disk. */
		volume_pool_name(name, sizeof(name), r[15]);
		if (virt_vol_path(v, r[16], name, &root) == -1)
			goto out;
	} else if (volume_of(nb, v, pool, id, "disk", 1, &root) == -1)
		goto out;
	if (volume_of(nb, v, pool, id, "config", 1, &iso) == -1 ||
	    volume_of(nb, v, pool, id, "ephemeral",
	    strtoll(r[7], NULL, 10) > 0, &eph) == -1 ||
	    volume_of(nb, v, pool, id, "swap",
	    strtoll(r[8], NULL, 10) > 0, &swap) == -1)
		goto out;
	/* ami: the kernel and ramdisk are images in the pool as well. */
	if (r[9] != NULL && strcmp(r[9], "ami") == 0 && r[10] != NULL) {
		if ((kernel = base_volume(nb, v, host_id, pool, r[10], "aki",
		    strtoll(r[11], NULL, 10), &fmt)) == NULL)
			goto out;
		free(fmt);
		fmt = NULL;
		if (r[12] != NULL && (ramdisk = base_volume(nb, v, host_id,
		    pool, r[12], "ari", strtoll(r[13], NULL, 10),
		    &fmt)) == NULL)
			goto out;
	}
	if ((console = server_console_log(nb, v, pool, id)) == NULL)
		goto out;
	snprintf(domname, sizeof(domname), "nubes-%s", id);
	memset(&dom, 0, sizeof(dom));
	dom.uuid = id;
	dom.name = domname;
	dom.display_name = r[0];
	dom.project_id = r[1];
	dom.user_id = r[2];
	dom.flavor_name = r[4];
	dom.virt_type = conf_get(nb->conf, "compute", "virt_type", "kvm");
	dom.vcpus = strtoll(r[5], NULL, 10);
	dom.ram_mib = strtoll(r[6], NULL, 10);
	dom.root_path = root;
	dom.root_format = r[15] != NULL ? r[17] : "qcow2";
	dom.config_iso_path = iso;
	dom.ephemeral_path = eph;
	dom.swap_path = swap;
	if (attached_volumes(nb, v, id, &vols) == -1)
		goto out;
	dom.volumes = vols.disks;
	dom.nvolumes = vols.n;
	dom.kernel_path = kernel;
	dom.ramdisk_path = ramdisk;
	dom.cmdline = kernel == NULL ? NULL : r[14] != NULL ? r[14] :
	    "root=/dev/vda console=ttyS0";
	dom.console_log = console;
	if (server_nic_load(nb, id, &nic) == -1)
		goto out;
	dom.bridge = nic.bridge;
	dom.mac = nic.mac;
	if (nic.bridge != NULL && nic.port_security)
		dom.filter = nic.filter;
	dom.cpu_shares = dom.cpu_period = dom.cpu_quota = -1;
	dom.disk_read_bytes_sec = dom.disk_write_bytes_sec = -1;
	dom.disk_total_bytes_sec = dom.disk_read_iops_sec = -1;
	dom.disk_write_iops_sec = dom.disk_total_iops_sec = -1;
	if (flavor_tuning(nb, r[3], &dom) == -1)
		goto out;
	xml = domain_xml(&dom);
out:
	free(console);
	free(fmt);
	free(root);
	free(iso);
	free(eph);
	free(swap);
	free(kernel);
	free(ramdisk);
	attached_free(&vols);
	server_nic_free(&nic);
	table_free(t);
	return xml;
}

/* A config drive for meta, made here and streamed to pool. */
static int
config_drive_upload(struct nb *nb, struct virt *v, const char *pool,
    const struct guest_meta *meta)
{
	struct guest_meta	 m;
	struct server_nic	 nic = { 0 };
	struct stat	 st;
	struct nb_error	 keep;
	int		 rc;
	char		*dir, *tmpdir, *isofile, *iso = NULL;
	char		 name[96], *rm[] = { "rm", "-rf", NULL, NULL };
	int		 rv = -1;

	xasprintf(&dir, "%s/tmp", nb->state_dir);
	(void)mkdir(dir, 0750);
	xasprintf(&tmpdir, "%s/%s", dir, meta->uuid);
	xasprintf(&isofile, "%s/%s.iso", dir, meta->uuid);
	if (mkdir(tmpdir, 0750) == -1) {
		nb_seterr(nb, NB_EFAIL, "creating '%s': %s", tmpdir,
		    strerror(errno));
		goto out;
	}
	/* The server's port, as network_data.json's static address. */
	m = *meta;
	if ((rc = server_nic_load(nb, meta->uuid, &nic)) == -1)
		goto out;
	if (rc == 1) {
		m.mac = nic.mac;
		m.ip = nic.ip;
		m.netmask = nic.ip != NULL ? nic.netmask : NULL;
		m.gateway = nic.gateway;
		m.dns = nic.dns;
		m.ndns = nic.ndns;
		m.mtu = nic.mtu;
		m.dhcp = nic.dhcp;
	}
	if (configdrive_build(nb, &m, tmpdir, isofile) == -1 ||
	    stat(isofile, &st) == -1)
		goto out;
	server_volume(name, sizeof(name), meta->uuid, "config");
	if (virt_vol_upload(v, pool, name, "raw", isofile,
	    (unsigned long long)st.st_size, &iso) == -1)
		goto out;
	rv = 0;
out:
	nb_error_save(nb, &keep);
	rm[2] = tmpdir;
	(void)spawn_ok(nb, rm, NULL, NULL);
	(void)unlink(isofile);
	nb_error_restore(nb, &keep);
	server_nic_free(&nic);
	free(iso);
	free(dir);
	free(tmpdir);
	free(isofile);
	return rv;
}

/* The config drive of a new server. */
static int
config_drive(struct nb *nb, struct virt *v, const struct boot_spec *b,
    const struct boot_ctx *c, const struct boot_one *o)
{
	struct guest_meta	 meta;
	struct guest_kv		*kv = NULL;
	size_t			 i;
	int			 rv;

	memset(&meta, 0, sizeof(meta));
	meta.uuid = o->id;
	meta.name = o->name;
	meta.hostname = o->name;
	meta.project_id = nb->ctx.project_id;
	meta.availability_zone = o->zone;
	meta.key_name = b->key_name;
	meta.public_key = c->public_key;
	meta.user_data = b->user_data;
	if (b->nprops > 0) {
		kv = xcalloc(b->nprops, sizeof(*kv));
		for (i = 0; i < b->nprops; i++) {
			kv[i].key = b->props[i].key;
			kv[i].value = b->props[i].value;
		}
	}
	meta.meta = kv;
	meta.nmeta = b->nprops;
	rv = config_drive_upload(nb, v, o->pool, &meta);
	free(kv);
	return rv;
}

static const char drive_sql[] =
    "SELECT s.name, s.project_id, s.zone, s.key_name, (SELECT public_key"
    " FROM keypairs k WHERE k.user_id = s.user_id AND (k.id = s.key_name"
    " OR k.name = s.key_name)), s.user_data FROM servers s WHERE s.id = ?1";

int
server_config_drive(struct nb *nb, struct virt *v, const char *id,
    const char *pool)
{
	struct guest_meta	 meta;
	struct guest_kv		*kv = NULL;
	struct table		*row, *props;
	size_t			 i;
	int			 rv = -1;

	if ((row = db_table(nb, drive_sql, "s", id)) == NULL)
		return -1;
	if ((props = db_table(nb, "SELECT key, value FROM server_properties"
	    " WHERE server_id = ?1 ORDER BY key", "s", id)) == NULL)
		goto out;
	if (row->nrows != 1) {
		nb_seterr(nb, NB_ENOTFOUND, "no server %s", id);
		goto out;
	}
	memset(&meta, 0, sizeof(meta));
	meta.uuid = id;
	meta.name = meta.hostname = row->cells[0];
	meta.project_id = row->cells[1];
	meta.availability_zone = row->cells[2];
	meta.key_name = row->cells[3];
	meta.public_key = row->cells[4];
	meta.user_data = row->cells[5];
	if (props->nrows > 0) {
		kv = xcalloc(props->nrows, sizeof(*kv));
		for (i = 0; i < props->nrows; i++) {
			kv[i].key = props->cells[i * 2];
			kv[i].value = props->cells[i * 2 + 1];
		}
	}
	meta.meta = kv;
	meta.nmeta = props->nrows;
	rv = config_drive_upload(nb, v, pool, &meta);
out:
	free(kv);
	table_free(props);
	table_free(row);
	return rv;
}

/*
 * The work on the host: disks, config drive, domain.  The crash points
 * are where tests kill a boot to prove cloud-reconcile settles it.
 */
static int
boot_act(struct nb *nb, struct virt *v, const struct boot_spec *b,
    const struct boot_ctx *c, const struct boot_one *o)
{
	char			*base = NULL, *basefmt = NULL, *path = NULL;
	char			*console = NULL, name[96];
	int			 rv = -1;

	server_volume(name, sizeof(name), o->id, "disk");
	if (c->volume.id[0] == '\0' && ((base = base_volume(nb, v,
	    o->host_id, o->pool, c->image.id, c->disk_format, c->image_size,
	    &basefmt)) == NULL || virt_vol_overlay(v, o->pool, name, base,
	    basefmt, (unsigned long long)c->root_gb * GIB, &path) == -1))
		goto out;
	free(path);
	path = NULL;
	/* Blank, as Nova's when no guest agent formats them: cloud-init's. */
	server_volume(name, sizeof(name), o->id, "ephemeral");
	if (c->ephemeral_gb > 0 && virt_vol_overlay(v, o->pool, name, NULL,
	    NULL, (unsigned long long)c->ephemeral_gb * GIB, &path) == -1)
		goto out;
	free(path);
	path = NULL;
	server_volume(name, sizeof(name), o->id, "swap");
	if (c->swap_mib > 0 && virt_vol_overlay(v, o->pool, name, NULL, NULL,
	    (unsigned long long)c->swap_mib * 1024 * 1024, &path) == -1)
		goto out;
	if (config_drive(nb, v, b, c, o) == -1)
		goto out;

	xasprintf(&console, "%s/console", nb->state_dir);
	(void)mkdir(console, 0750);
	free(console);
	console = server_console_path(nb, o->id);
	(void)unlink(console);
	crash_point("boot:before-define");
	if (server_nets_ensure(nb, v, o->id) == -1 ||
	    server_define(nb, v, o->id, o->host_id, o->pool, 0) == -1)
		goto out;
	crash_point("boot:after-define");
	if (virt_domain_op(v, o->id, VIRT_START) == -1)
		goto out;
	crash_point("boot:after-start");
	rv = 0;
out:
	free(base);
	free(basefmt);
	free(path);
	free(console);
	return rv;
}

static const char record_sql[] =
    "UPDATE servers SET vm_state = ?2, task_state = NULL, power_state = ?3,"
    " claim = NULL, deadline = NULL, fault = ?4, updated_at = ?5"
    " WHERE id = ?1";

/* Transaction 2: the result, active or error with its fault. */
static int
boot_record(struct nb *nb, const struct boot_one *o, int ok,
    const char *fault, time_t started)
{
	if (db_begin(nb) == -1)
		return -1;
	if (db_exec(nb, NULL, record_sql, "ssssi", o->id, ok ? "active" :
	    "error", ok ? "running" : "shutdown", fault,
	    (long long)time(NULL)) == -1 ||
	    db_exec(nb, NULL, ok ? "UPDATE volumes SET status = 'in-use',"
	    " claim = NULL, deadline = NULL WHERE id = (SELECT root_volume_id"
	    " FROM servers WHERE id = ?1)" : "UPDATE volumes SET status ="
	    " 'available', server_id = NULL, device = NULL, claim = NULL,"
	    " deadline = NULL, delete_on_termination = 0 WHERE id = (SELECT"
	    " root_volume_id FROM servers WHERE id = ?1)", "s", o->id) == -1 ||
	    server_event(nb, o->id, "create", started, ok, fault) == -1 ||
	    event_record(nb, "server:create", "server", o->id, o->name, ok,
	    fault) == -1 || db_commit(nb) == -1) {
		db_rollback(nb);
		return -1;
	}
	return 0;
}

/* Make server o on its host and wait for it; 0, or -1 recorded. */
static int
boot_one(struct nb *nb, struct virt **vp, const struct boot_spec *b,
    const struct boot_ctx *c, const struct boot_one *o, time_t started)
{
	struct table	*groups;
	char		 msg[sizeof(nb->errbuf)], state[16] = "unknown";
	time_t		 deadline;
	int		 rc;

	if (*vp != NULL && strcmp(virt_uri(*vp), o->uri) != 0) {
		virt_close(*vp);
		*vp = NULL;
	}
	if ((*vp == NULL && (*vp = virt_open(nb, o->uri)) == NULL) ||
	    boot_act(nb, *vp, b, c, o) == -1)
		goto fail;
	/* It was started; with --wait, until libvirt says it runs. */
	for (deadline = time(NULL) + 60; b->wait; usleep(100000)) {
		if (virt_domain_state(*vp, o->id, state, sizeof(state)) == 0 &&
		    strcmp(state, "running") == 0)
			break;
		if (time(NULL) > deadline || nb_interrupted) {
			nb_seterr(nb, NB_EFAIL, "the domain did not run within "
			    "60 s (state %s)", state);
			goto fail;
		}
	}
	if (boot_record(nb, o, 1, NULL, started) == -1)
		return -1;
	/* Groups whose rules name the new port's groups admit it now. */
	if ((groups = server_secgroups(nb, o->id)) != NULL) {
		(void)secgroups_apply(nb, groups);
		table_free(groups);
	}
	nb_clearerr(nb);
	return 0;
fail:
	strlcpy(msg, nb_errstr(nb), sizeof(msg));
	rc = nb->errcode;
	boot_undo(nb, *vp, o->id, o->pool);
	(void)boot_record(nb, o, 0, msg, started);
	nb_seterr(nb, rc ? rc : NB_EFAIL, "%s", msg);
	return -1;
}

/* --image, --volume and --boot-volume-size go together so. */
static int
boot_source_check(struct nb *nb, const struct boot_spec *b)
{
	if (b->volume != NULL && b->image != NULL)
		return nb_seterr(nb, NB_EUSAGE, "give --image or --volume, not "
		    "both");
	if ((b->volume != NULL || b->boot_volume_size > 0) && b->host != NULL)
		return nb_seterr(nb, NB_EUSAGE, "--host does not go with a boot "
		    "volume: the server goes to its volume's host");
	if (b->volume == NULL && b->image == NULL)
		return nb_seterr(nb, NB_EUSAGE, "give --image or --volume");
	if (b->boot_volume_size != 0 && (b->image == NULL ||
	    b->boot_volume_size < 1 || b->boot_volume_size > 65536))
		return nb_seterr(nb, NB_EUSAGE, "--boot-volume-size takes 1 to "
		    "65536 GB, with --image");
	if (b->delete_on_termination && b->volume == NULL &&
	    b->boot_volume_size == 0)
		return nb_seterr(nb, NB_EUSAGE, "--delete-on-termination is for "
		    "a boot volume (--volume or --boot-volume-size)");
	if ((b->volume != NULL || b->boot_volume_size > 0) && b->count > 1)
		return nb_seterr(nb, NB_EUSAGE, "--count boots from images "
		    "only: a volume boots one server");
	return 0;
}

/*
 * --image with --boot-volume-size: a volume made from the image first,
 * then the server booted from it.  The volume is this boot's: when the
 * boot fails it goes again.
 */
static struct table *
boot_from_new_volume(struct nb *nb, const struct boot_spec *b,
    char **explain, char **reasons)
{
	struct volume_spec	 vs;
	struct boot_spec	 bb = *b;
	struct table		*vt, *t;
	struct nb_error		 keep;
	char			*id;

	/* What a boot from the image would refuse, before making anything. */
	{
		struct boot_ctx	 c;
		int		 rc;

		memset(&c, 0, sizeof(c));
		rc = resource_resolve(nb, &res_flavor, b->flavor,
		    &c.flavor) == -1 || load_flavor(nb, b->flavor, &c) == -1 ?
		    -1 : 0;
		c.flavor_disk_gb = 0;	/* the root disk is the volume */
		if (rc == 0 && (resource_resolve(nb, &res_image, b->image,
		    &c.image) == -1 || load_image(nb, b->image, &c) == -1))
			rc = -1;
		boot_ctx_release(&c);
		if (rc == -1)
			return NULL;
	}
	memset(&vs, 0, sizeof(vs));
	vs.name = b->name;
	vs.size_gb = b->boot_volume_size;
	vs.image = b->image;
	if ((vt = volume_create(nb, &vs)) == NULL)
		return NULL;
	id = xstrdup(vt->cells[0]);	/* the first field is the id */
	table_free(vt);
	bb.image = NULL;
	bb.volume = id;
	bb.boot_volume_size = 0;
	if ((t = server_boot(nb, &bb, explain, reasons)) == NULL) {
		nb_error_save(nb, &keep);
		(void)volume_delete(nb, id);
		nb_error_restore(nb, &keep);
	}
	free(id);
	return t;
}

struct table *
server_boot(struct nb *nb, const struct boot_spec *b, char **explain,
    char **reasons)
{
	struct boot_ctx	 c;
	struct virt	*v = NULL;
	struct table	*t = NULL, *one;
	struct nb_error	 first;
	time_t		 started = time(NULL);
	size_t		 k;
	int		 rc, failed = 0, count = b->count > 0 ? b->count : 1;

	if (explain != NULL)
		*explain = NULL;
	if (reasons != NULL)
		*reasons = NULL;
	memset(&c, 0, sizeof(c));
	memset(&first, 0, sizeof(first));
	if (name_valid(nb, "server", b->name) == -1)
		return NULL;
	if (count > COUNT_MAX) {
		nb_seterr(nb, NB_EUSAGE, "--count %d: at most %d", count,
		    COUNT_MAX);
		return NULL;
	}
	if (b->user_data != NULL && strlen(b->user_data) > USER_DATA_MAX) {
		nb_seterr(nb, NB_EUSAGE, "user data is %zu bytes, at most %d",
		    strlen(b->user_data), USER_DATA_MAX);
		return NULL;
	}
	if (check_properties(nb, b) == -1 || boot_source_check(nb, b) == -1)
		return NULL;
	if (b->boot_volume_size > 0)
		return boot_from_new_volume(nb, b, explain, reasons);
	/* NAME, or NAME-1 ... NAME-N as Nova names several. */
	c.n = (size_t)count;
	c.one = xcalloc(c.n, sizeof(*c.one));
	for (k = 0; k < c.n; k++) {
		if (count == 1)
			c.one[k].name = xstrdup(b->name);
		else
			xasprintf(&c.one[k].name, "%s-%zu", b->name, k + 1);
		if (name_valid(nb, "server", c.one[k].name) == -1)
			goto out;
		uuid_generate(c.one[k].id);
	}
	if (policy_check(nb, "server:create", nb->ctx.project_id,
	    NULL) == -1 || (b->host != NULL &&
	    policy_check(nb, "server:create_on_host", NULL, NULL) == -1))
		goto fail;
	if (boot_check(nb, b, &c) == -1)
		goto fail;
	if ((rc = boot_claim(nb, b, &c, explain, reasons)) != 0) {
		if (rc == -1)
			goto fail;
		goto out;	/* no host: recorded in error, NB_ENOHOST */
	}
	/* Each server on its own: one failing does not undo the others. */
	for (k = 0; k < c.n; k++) {
		if (boot_one(nb, &v, b, &c, &c.one[k], started) == 0)
			continue;
		if (failed++ == 0)
			nb_error_save(nb, &first);
		nb_clearerr(nb);
	}
	for (k = 0; k < c.n; k++) {
		if ((one = db_table(nb, res_server.show_sql, "s",
		    c.one[k].id)) == NULL)
			break;
		if (t == NULL)
			t = one;
		else {
			if (one->nrows == 1)
				table_add_row(t, (const char *const *)one->cells);
			table_free(one);
		}
	}
	if (failed > 0) {
		nb_error_restore(nb, &first);
		if (c.n == 1) {
			table_free(t);
			t = NULL;
		}
	}
	goto out;
fail:
	event_failed(nb, "server:create", "server", b->name);
out:
	virt_close(v);
	boot_ctx_release(&c);
	return t;
}

/*
 * The volumes of a deleted server marked delete on termination, out of
 * their pools (those with snapshots stay, to become available).
 */
static int
delete_volumes(struct nb *nb, struct virt *v, const char *id)
{
	struct table	*t;
	size_t		 i;
	char		 name[96];
	int		 rv = 0;

	if ((t = db_table(nb, "SELECT id, pool FROM volumes WHERE"
	    " server_id = ?1 AND delete_on_termination AND NOT EXISTS"
	    " (SELECT 1 FROM snapshots n WHERE n.volume_id = volumes.id)",
	    "s", id)) == NULL)
		return -1;
	for (i = 0; i < t->nrows && rv == 0; i++) {
		volume_pool_name(name, sizeof(name), t->cells[i * 2]);
		rv = virt_vol_delete(v, t->cells[i * 2 + 1], name);
	}
	table_free(t);
	return rv;
}

int
server_delete(struct nb *nb, const char *server)
{
	struct ref	 ref = { 0 };
	struct stmt	*st;
	struct virt	*v = NULL;
	struct server_nic nic = { 0 };
	struct table	*groups = NULL, *fip_routers = NULL;
	char		 claim[NB_CLAIM_LEN], *uri = NULL, *pool = NULL;
	char		*host_id = NULL;
	int		 rc, rv = -1;

	proc_claim(claim);
	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_server, "delete", server, &ref) == -1 ||
	    server_check_unlocked(nb, ref.id, server) == -1)
		goto fail;
	if ((st = db_prepare(nb, "SELECT h.uri, h.pool, s.task_state,"
	    " s.claim, h.id FROM servers s LEFT JOIN hosts h ON h.id ="
	    " s.host_id WHERE s.id = ?1", "s", ref.id)) == NULL)
		goto fail;
	if ((rc = db_step(st)) == 1) {
		if (!db_col_isnull(st, 0)) {
			uri = xstrdup(db_col_text(st, 0));
			pool = xstrdup(db_col_text(st, 1));
			host_id = xstrdup(db_col_text(st, 4));
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
	    claim) == -1 || server_nic_load(nb, ref.id, &nic) == -1 ||
	    (groups = server_secgroups(nb, ref.id)) == NULL ||
	    (fip_routers = ports_fip_routers(nb, ref.id)) == NULL ||
	    db_commit(nb) == -1)
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
	/* Its volumes: those to go with it leave the pool first. */
	if (v != NULL && delete_volumes(nb, v, ref.id) == -1)
		goto fail;
	if (db_begin(nb) == -1 ||
	    db_exec(nb, NULL, "DELETE FROM volumes WHERE server_id = ?1"
	    " AND delete_on_termination AND NOT EXISTS (SELECT 1 FROM"
	    " snapshots n WHERE n.volume_id = volumes.id)", "s", ref.id) == -1 ||
	    db_exec(nb, NULL, "UPDATE volumes SET status = 'available',"
	    " server_id = NULL, device = NULL, delete_on_termination = 0,"
	    " updated_at = ?2 WHERE server_id = ?1", "si", ref.id,
	    (long long)time(NULL)) == -1 ||
	    server_ports_release(nb, ref.id) == -1 ||
	    db_exec(nb, NULL, "DELETE FROM servers WHERE id = ?1", "s",
	    ref.id) == -1 ||
	    db_exec(nb, NULL, event_sql, "sssiiss", ref.id, "delete",
	    nb->ctx.user_id, (long long)time(NULL), (long long)time(NULL),
	    "success", NULL) == -1 ||
	    event_record(nb, "server:delete", "server", ref.id, ref.name, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	/* Its filter; its network's bridge, when no other port needs it. */
	if (v != NULL && nic.port_id != NULL)
		virt_nwfilter_undefine(v, nic.filter);
	host_net_prune(nb, v, host_id, nic.bridge);
	/* Its floating IPs are free: no NAT to its address any more. */
	routers_apply(nb, fip_routers);
	/* Its DHCP server no longer hands out its address. */
	if (nic.subnet_id != NULL)
		(void)dhcp_refresh(nb, nic.subnet_id);
	/* Groups whose rules named its groups no longer admit it. */
	(void)secgroups_apply(nb, groups);
	nb_clearerr(nb);
	rv = 0;
	goto out;
fail:
	event_failed(nb, "server:delete", "server", server);
out:
	virt_close(v);
	server_nic_free(&nic);
	table_free(groups);
	table_free(fip_routers);
	free(uri);
	free(pool);
	free(host_id);
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
 * A domain left on a host its server was evacuated from, while nothing
 * moves the server: whether the evacuation found shared storage.
 */
static const char stale_sql[] =
    "SELECT m.shared FROM migrations m WHERE m.server_id = ?1"
    " AND m.source_host_id = ?2 AND m.kind = 'evacuation'"
    " AND m.status = 'completed' AND NOT EXISTS (SELECT 1 FROM migrations"
    "  WHERE server_id = ?1 AND status = 'running')"
    " ORDER BY m.started_at DESC, m.rowid DESC LIMIT 1";

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
	int			 rv = -1, removing;

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
		/* A move is migration_reconcile()'s, which runs first. */
		if (busy || (r[3] != NULL && strcmp(r[3], "migrating") == 0))
			continue;
		if (r[3] != NULL && strncmp(r[3], "resize", 6) == 0) {
			/*
			 * A resize, confirm or revert whose process is gone:
			 * resized, so that a revert (which puts the old disk
			 * and flavor back) or a confirm can finish it.
			 */
			reconcile_row(t, r[0], r[1], r[2], "resized",
			    "its resize's process is gone: revert or confirm "
			    "it");
			if (!dry_run && settle(nb, r[0], "resized", state ==
			    NULL || strcmp(state, "running") != 0 ? "shutdown" :
			    "running", "resize interrupted: "
			    "cloud-server-resize-revert restores the old flavor",
			    "resize process gone: resized") == -1)
				goto free;
		} else if (r[3] != NULL && strcmp(r[3], "rebuilding") == 0) {
			/* Its root disk may be gone: only a rebuild helps. */
			reconcile_row(t, r[0], r[1], r[2], "error",
			    "its rebuild's process is gone: rebuild it again");
			if (!dry_run && settle(nb, r[0], "error", "shutdown",
			    "rebuild interrupted: cloud-server-rebuild it again",
			    "rebuild process gone: error") == -1)
				goto free;
		} else if (r[3] != NULL && strcmp(r[3], "spawning") != 0) {
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
	/* Domains of ours with no server, or stale copies of one. */
	removing = fix && !dry_run;
	for (j = 0; j < nd; j++) {
		long long	 shared;

		for (i = 0; i < rows->nrows; i++)
			if (strcmp(rows->cells[i * rows->ncols], doms[j].uuid) ==
			    0)
				break;
		if (i < rows->nrows)
			continue;
		if (db_int(nb, 0, "SELECT count(*) FROM servers WHERE id = ?1",
		    "s", doms[j].uuid) > 0) {
			/* -2: none; -1: shared storage not known, kept. */
			if ((shared = db_int(nb, -2, stale_sql, "ss",
			    doms[j].uuid, host_id)) == -2)
				continue;
			reconcile_row(t, doms[j].uuid, doms[j].name, "domain",
			    removing ? "removed" : "stale", removing ?
			    "its server was evacuated while this host was "
			    "down: this copy destroyed and undefined" :
			    "its server was evacuated while this host was "
			    "down (--fix removes this copy)");
			if (removing && shared == 0)
				boot_undo(nb, v, doms[j].uuid, pool);
			else if (removing)
				(void)virt_destroy_undefine(v, doms[j].uuid);
			continue;
		}
		reconcile_row(t, doms[j].uuid, doms[j].name, "domain",
		    removing ? "removed" : "orphan", removing ?
		    "no server owns this domain: destroyed and undefined" :
		    "no server owns this domain (--fix removes it)");
		if (removing)
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

int
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

int
server_power_off(struct nb *nb, struct virt *v, const char *id, int graceful)
{
	char	 state[16];

	if (virt_domain_state(v, id, state, sizeof(state)) == -1)
		return -1;
	if (strcmp(state, "shutoff") == 0)
		return 0;
	/* ACPI first; the power cord when the guest does not answer. */
	if (graceful && strcmp(state, "running") == 0 &&
	    virt_domain_op(v, id, VIRT_SHUTDOWN) == 0 &&
	    wait_state(v, id, "shutoff", STOP_TIMEOUT) == 0)
		return 0;
	nb_clearerr(nb);
	if (virt_domain_op(v, id, VIRT_DESTROY) == -1)
		return -1;
	return wait_state(v, id, "shutoff", 30) == 0 ? 0 :
	    nb_seterr(nb, NB_EFAIL, "domain %s did not power off", id);
}

/* The work on the host for action i. */
static int
action_act(struct nb *nb, struct virt *v, size_t i, const char *id,
    const char *from)
{
	const char	*name = actions[i].name;

	if (strcmp(name, "start") == 0 || strcmp(name, "resume") == 0)
		return virt_domain_op(v, id, VIRT_START);
	if (strcmp(name, "stop") == 0)
		return server_power_off(nb, v, id, strcmp(from, "active") == 0);
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
