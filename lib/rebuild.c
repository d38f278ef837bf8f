/*
 * rebuild.c: the server actions that remake its disks or its shape on
 * its host: rebuild (a new root disk from an image) and resize with its
 * confirm and revert.  Each is claim -> act -> record (DESIGN.md 4);
 * the claim transaction checks the state and, for resize, that the host
 * has room, with the scheduler's own words when it has not.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nubes.h"
#include "auth.h"
#include "compute.h"
#include "identity.h"
#include "image.h"
#include "resource.h"
#include "scheduler.h"
#include "server.h"
#include "serverhost.h"
#include "virt.h"

/* A server as these actions need it, read in the claim transaction. */
struct srv {
	struct ref	 ref;
	char		 vm_state[16], old_vm_state[16];
	char		*uri, *pool, *host_id, *image_id, *flavor_id;
	long long	 vcpus, ram_mib, disk_gb, root_gb, ephemeral_gb;
	long long	 swap_mib;
	long long	 old_root_gb, old_ephemeral_gb, old_swap_mib;
};

static void
srv_release(struct srv *s)
{
	ref_release(&s->ref);
	free(s->uri);
	free(s->pool);
	free(s->host_id);
	free(s->image_id);
	free(s->flavor_id);
}

static const char srv_sql[] =
    "SELECT s.vm_state, s.task_state, s.claim, h.uri, h.pool, s.host_id,"
    " s.image_id, s.flavor_id, s.vcpus, s.ram_mib, s.disk_gb, s.root_gb,"
    " s.ephemeral_gb, s.swap_mib, ifnull(s.old_vm_state, ''),"
    " ifnull(s.old_root_gb, 0), ifnull(s.old_ephemeral_gb, 0),"
    " ifnull(s.old_swap_mib, 0)"
    " FROM servers s LEFT JOIN hosts h ON h.id = s.host_id"
    " WHERE s.id = ?1";

static char *
dup_col(struct stmt *st, int i)
{
	return db_col_isnull(st, i) ? NULL : xstrdup(db_col_text(st, i));
}

/*
 * Inside a transaction: authorize verb on server, check it is unlocked,
 * idle, on a host and in one of the states in from (" active stopped ").
 */
static int
srv_load(struct nb *nb, const char *server, const char *verb,
    const char *from, struct srv *s)
{
	struct stmt	*st;
	char		 word[24];
	int		 rc;

	if (resource_authorize(nb, &res_server, verb, server, &s->ref) == -1 ||
	    server_check_unlocked(nb, s->ref.id, server) == -1)
		return -1;
	if ((st = db_prepare(nb, srv_sql, "s", s->ref.id)) == NULL)
		return -1;
	if ((rc = db_step(st)) == 1) {
		strlcpy(s->vm_state, db_col_text(st, 0), sizeof(s->vm_state));
		if (!db_col_isnull(st, 1) && claim_alive(db_col_text(st, 2))) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' is busy (%s)",
			    server, db_col_text(st, 1));
			rc = -1;
		}
		s->uri = dup_col(st, 3);
		s->pool = dup_col(st, 4);
		s->host_id = dup_col(st, 5);
		s->image_id = dup_col(st, 6);
		s->flavor_id = dup_col(st, 7);
		s->vcpus = db_col_int(st, 8);
		s->ram_mib = db_col_int(st, 9);
		s->disk_gb = db_col_int(st, 10);
		s->root_gb = db_col_int(st, 11);
		s->ephemeral_gb = db_col_int(st, 12);
		s->swap_mib = db_col_int(st, 13);
		strlcpy(s->old_vm_state, db_col_text(st, 14),
		    sizeof(s->old_vm_state));
		s->old_root_gb = db_col_int(st, 15);
		s->old_ephemeral_gb = db_col_int(st, 16);
		s->old_swap_mib = db_col_int(st, 17);
	}
	db_finalize(st);
	if (rc != 1)
		return -1;
	if (s->uri == NULL)
		return nb_seterr(nb, NB_ECONFLICT, "server '%s' is %s and on no "
		    "host (none could take it): delete it and boot again",
		    server, s->vm_state);
	snprintf(word, sizeof(word), " %s ", s->vm_state);
	if (strstr(from, word) == NULL) {
		from++;
		return nb_seterr(nb, NB_ECONFLICT, "server '%s' is %s: %s needs "
		    "it %.*s", server, s->vm_state, verb,
		    (int)strlen(from) - 1, from);
	}
	return 0;
}

/* Rebuild and resize remake the root disk on the host: not a volume. */
static int
not_volume_booted(struct nb *nb, const struct srv *s, const char *server,
    const char *verb)
{
	long long	 n;

	n = db_int(nb, 0, "SELECT count(*) FROM servers WHERE id = ?1"
	    " AND root_volume_id IS NOT NULL", "s", s->ref.id);
	if (nb->errcode != 0)
		return -1;
	if (n > 0)
		return nb_seterr(nb, NB_ECONFLICT, "server '%s' boots from a "
		    "volume: %s remakes a root disk on the host, and this "
		    "release does not %s volume-booted servers", server, verb,
		    verb);
	return 0;
}

/* Mark the server busy with task, claimed by this process. */
static int
srv_claim(struct nb *nb, const struct srv *s, const char *task)
{
	char	 claim[NB_CLAIM_LEN];
	time_t	 now = time(NULL);

	proc_claim(claim);
	return db_exec(nb, NULL, "UPDATE servers SET task_state = ?2,"
	    " claim = ?3, deadline = ?4, updated_at = ?5 WHERE id = ?1",
	    "sssii", s->ref.id, task, claim, (long long)(now + BUILD_DEADLINE),
	    (long long)now);
}

/* Transaction 2 of an action: states, event, audit record. */
static int
srv_record(struct nb *nb, const struct srv *s, const char *action,
    const char *vm_state, int ok, const char *fault, time_t started,
    const char *extra_sql, const char *image_id)
{
	char	 ev[48];

	snprintf(ev, sizeof(ev), "server:%s", action);
	if (db_begin(nb) == -1 ||
	    db_exec(nb, NULL, "UPDATE servers SET vm_state = ?2,"
	    " power_state = CASE ?2 WHEN 'active' THEN 'running'"
	    "  WHEN 'resized' THEN power_state ELSE 'shutdown' END,"
	    " task_state = NULL, claim = NULL, deadline = NULL,"
	    " fault = CASE WHEN ?3 IS NULL THEN fault ELSE ?3 END,"
	    " image_id = ifnull(?4, image_id), updated_at = ?5 WHERE id = ?1",
	    "ssssi", s->ref.id, vm_state, ok ? NULL : fault, image_id,
	    (long long)time(NULL)) == -1 ||
	    (extra_sql != NULL &&
	    db_exec(nb, NULL, extra_sql, "s", s->ref.id) == -1) ||
	    server_event(nb, s->ref.id, action, started, ok, fault) == -1 ||
	    event_record(nb, ev, "server", s->ref.id, s->ref.name, ok,
	    fault) == -1 || db_commit(nb) == -1) {
		db_rollback(nb);
		return -1;
	}
	return 0;
}

int
server_rebuild(struct nb *nb, const char *server, const char *image)
{
	struct srv	 s;
	struct ref	 img = { 0 };
	struct virt	*v = NULL;
	struct table	*t = NULL;
	char		*base = NULL, *fmt = NULL, *path = NULL, name[96];
	char		 msg[sizeof(nb->errbuf)], disk_format[16];
	const char	*to;
	long long	 size = 0, vsize = 0, min_disk = 0, min_ram = 0;
	time_t		 started = time(NULL);
	int		 rc, rv = -1;

	memset(&s, 0, sizeof(s));
	if (db_begin(nb) == -1 ||
	    srv_load(nb, server, "rebuild", " active stopped error ", &s) == -1 ||
	    not_volume_booted(nb, &s, server, "rebuild") == -1)
		goto fail;
	if (image != NULL && resource_resolve(nb, &res_image, image,
	    &img) == -1)
		goto fail;
	if (image == NULL && s.image_id == NULL) {
		nb_seterr(nb, NB_EUSAGE, "server '%s' has no image: name one "
		    "with --image", server);
		goto fail;
	}
	/* The image must be bootable and fit the server's root disk. */
	if ((t = db_table(nb, "SELECT status, disk_format, size, virtual_size,"
	    " min_disk, min_ram, kernel_id FROM images WHERE id = ?1", "s",
	    image != NULL ? img.id : s.image_id)) == NULL)
		goto fail;
	if (t->nrows != 1) {
		nb_seterr(nb, NB_ENOTFOUND, "image '%s' not found",
		    image != NULL ? image : s.image_id);
		goto fail;
	}
	strlcpy(disk_format, t->cells[1], sizeof(disk_format));
	size = strtoll(t->cells[2], NULL, 10);
	vsize = strtoll(t->cells[3], NULL, 10);
	min_disk = strtoll(t->cells[4], NULL, 10);
	min_ram = strtoll(t->cells[5], NULL, 10);
	if (strcmp(t->cells[0], "active") != 0)
		nb_seterr(nb, NB_ECONFLICT, "image '%s' is %s: only active "
		    "images boot", image != NULL ? image : s.image_id,
		    t->cells[0]);
	else if (strcmp(disk_format, "raw") != 0 &&
	    strcmp(disk_format, "qcow2") != 0 &&
	    strcmp(disk_format, "ami") != 0)
		nb_seterr(nb, NB_EUSAGE, "image '%s' is %s: rebuild takes raw, "
		    "qcow2 and ami images",
		    image != NULL ? image : s.image_id, disk_format);
	else if (strcmp(disk_format, "ami") == 0 && db_int(nb, 0,
	    "SELECT count(*) FROM images i JOIN images k ON k.id = i.kernel_id"
	    " AND k.status = 'active' WHERE i.id = ?1 AND (i.ramdisk_id IS NULL"
	    " OR EXISTS (SELECT 1 FROM images r WHERE r.id = i.ramdisk_id"
	    " AND r.status = 'active'))", "s", image != NULL ? img.id :
	    s.image_id) != 1 && nb->errcode == 0)
		nb_seterr(nb, NB_ECONFLICT, "image '%s' is ami: it boots with "
		    "its kernel (and ramdisk), which must be set and active",
		    image != NULL ? image : s.image_id);
	else if (min_ram > s.ram_mib)
		nb_seterr(nb, NB_EUSAGE, "image '%s' needs %lld MiB of RAM, "
		    "server '%s' has %lld", image != NULL ? image : s.image_id,
		    min_ram, server, s.ram_mib);
	else if (min_disk > s.root_gb ||
	    (unsigned long long)vsize > s.root_gb * GIB)
		nb_seterr(nb, NB_EUSAGE, "image '%s' needs a %lld GB disk "
		    "(virtual size %lld bytes), server '%s' has %lld GB",
		    image != NULL ? image : s.image_id,
		    min_disk > 0 ? min_disk : (long long)((vsize + GIB - 1) / GIB),
		    vsize, server, s.root_gb);
	if (nb->errcode != 0)
		goto fail;
	if (srv_claim(nb, &s, "rebuilding") == -1 || db_commit(nb) == -1)
		goto fail;

	/* Act: a new root disk from the image, the rest kept. */
	rc = -1;
	server_volume(name, sizeof(name), s.ref.id, "disk");
	if ((v = virt_open(nb, s.uri)) != NULL &&
	    (virt_domain_state(v, s.ref.id, msg, sizeof(msg)) == -1 ||
	    server_power_off(nb, v, s.ref.id, 0) == 0) &&
	    (base = base_volume(nb, v, s.host_id, s.pool,
	    image != NULL ? img.id : s.image_id, disk_format, size,
	    &fmt)) != NULL &&
	    virt_vol_delete(v, s.pool, name) == 0 &&
	    virt_vol_overlay(v, s.pool, name, base, fmt,
	    (unsigned long long)s.root_gb * GIB, &path) == 0) {
		/* The image (kernel) the domain boots is the new one. */
		if (db_begin(nb) == -1 || db_exec(nb, NULL, "UPDATE servers"
		    " SET image_id = ?2 WHERE id = ?1", "ss", s.ref.id,
		    image != NULL ? img.id : s.image_id) == -1 ||
		    db_commit(nb) == -1)
			db_rollback(nb);
		else if (server_define(nb, v, s.ref.id, s.host_id, s.pool,
		    0) == 0 && (strcmp(s.vm_state, "stopped") == 0 ||
		    virt_domain_op(v, s.ref.id, VIRT_START) == 0))
			rc = 0;
	}
	if (rc == 0) {
		nb_clearerr(nb);
		to = strcmp(s.vm_state, "stopped") == 0 ? "stopped" : "active";
		rv = srv_record(nb, &s, "rebuild", to, 1, NULL, started,
		    "UPDATE servers SET fault = NULL WHERE id = ?1", NULL);
	} else {
		/* The old root disk may be gone: the server is in error. */
		strlcpy(msg, nb_errstr(nb), sizeof(msg));
		rc = nb->errcode;
		(void)srv_record(nb, &s, "rebuild", "error", 0, msg, started,
		    NULL, NULL);
		nb_seterr(nb, rc ? rc : NB_EFAIL, "rebuilding server '%s': "
		    "%s", server, msg);
	}
	goto out;
fail:
	event_failed(nb, "server:rebuild", "server", server);
out:
	virt_close(v);
	table_free(t);
	free(base);
	free(fmt);
	free(path);
	ref_release(&img);
	srv_release(&s);
	return rv;
}

/*
 * Whether the server's host can take it at the new sizes, its current
 * claim given back first.  0, or -1 with NB_ENOHOST and the scheduler's
 * reason (*explain gets the whole explanation when asked for).
 */
static int
resize_fits(struct nb *nb, const struct srv *s, long long vcpus,
    long long ram_mib, long long disk_gb, char **explain)
{
	struct host_set		 hs;
	struct sched_host	*h;
	struct sched_request	 rq;
	struct sched_result	 res;
	int			 rv;

	if (host_set_load(nb, s->host_id, &hs) == -1)
		return -1;
	if (hs.n != 1) {
		host_set_free(&hs);
		return nb_seterr(nb, NB_ENOTFOUND, "host %s not found",
		    s->host_id);
	}
	h = &hs.hosts[0];
	/* A disabled host keeps its servers; resizing in place is fine. */
	h->enabled = 1;
	h->vcpus_used -= s->vcpus;
	h->ram_used_mib -= s->ram_mib;
	h->disk_used_gb -= s->disk_gb;
	h->servers--;
	memset(&rq, 0, sizeof(rq));
	rq.vcpus = vcpus;
	rq.ram_mib = ram_mib;
	rq.disk_gb = disk_gb;
	rq.explain = explain != NULL;
	rv = sched_select(h, 1, &rq, NULL, &res);
	if (explain != NULL && res.explain != NULL)
		*explain = xstrdup(res.explain);
	if (rv == -1)
		nb_seterr(nb, NB_ENOHOST, "no room to resize on its host:\n%s",
		    res.reasons);
	sched_result_free(&res);
	host_set_free(&hs);
	return rv;
}

static const char resize_sql[] =
    "UPDATE servers SET old_flavor_id = flavor_id,"
    " old_flavor_name = flavor_name, old_vcpus = vcpus,"
    " old_ram_mib = ram_mib, old_disk_gb = disk_gb, old_root_gb = root_gb,"
    " old_ephemeral_gb = ephemeral_gb, old_swap_mib = swap_mib,"
    " old_vm_state = vm_state, flavor_id = ?2, flavor_name = ?3,"
    " vcpus = ?4, ram_mib = ?5, disk_gb = ?6, root_gb = ?7,"
    " ephemeral_gb = ?8, swap_mib = ?9 WHERE id = ?1";
/* The old flavor back, after a revert or a failed resize. */
static const char unresize_sql[] =
    "UPDATE servers SET flavor_id = old_flavor_id,"
    " flavor_name = old_flavor_name, vcpus = old_vcpus,"
    " ram_mib = old_ram_mib, disk_gb = old_disk_gb, root_gb = old_root_gb,"
    " ephemeral_gb = old_ephemeral_gb, swap_mib = old_swap_mib,"
    " old_flavor_id = NULL, old_flavor_name = NULL, old_vcpus = NULL,"
    " old_ram_mib = NULL, old_disk_gb = NULL, old_root_gb = NULL,"
    " old_ephemeral_gb = NULL, old_swap_mib = NULL, old_vm_state = NULL"
    " WHERE id = ?1";
static const char confirm_sql[] =
    "UPDATE servers SET old_flavor_id = NULL, old_flavor_name = NULL,"
    " old_vcpus = NULL, old_ram_mib = NULL, old_disk_gb = NULL,"
    " old_root_gb = NULL, old_ephemeral_gb = NULL, old_swap_mib = NULL,"
    " old_vm_state = NULL WHERE id = ?1";

/* Make volume what of size bytes exist as a blank disk, or none at 0. */
static int
blank_volume(struct virt *v, const char *pool, const char *id,
    const char *what, unsigned long long bytes)
{
	char	 name[96], *path = NULL;
	int	 rv;

	server_volume(name, sizeof(name), id, what);
	if (virt_vol_delete(v, pool, name) == -1)
		return -1;
	if (bytes == 0)
		return 0;
	rv = virt_vol_overlay(v, pool, name, NULL, NULL, bytes, &path);
	free(path);
	return rv;
}

/*
 * The disks to the new sizes: the root disk (copied first, for a
 * revert) and the ephemeral disk grow, the swap disk is made anew.
 */
static int
resize_disks(struct virt *v, const struct srv *s, long long root_gb,
    long long ephemeral_gb, long long swap_mib)
{
	char	 disk[96], backup[96], eph[96], *path = NULL;

	server_volume(disk, sizeof(disk), s->ref.id, "disk");
	server_volume(backup, sizeof(backup), s->ref.id, "disk-resize");
	server_volume(eph, sizeof(eph), s->ref.id, "ephemeral");
	if (root_gb > s->root_gb && (virt_vol_delete(v, s->pool,
	    backup) == -1 ||
	    virt_vol_copy(v, s->pool, disk, s->pool, backup, "qcow2") == -1 ||
	    virt_vol_resize(v, s->pool, disk,
	    (unsigned long long)root_gb * GIB) == -1))
		return -1;
	if (ephemeral_gb > s->ephemeral_gb) {
		if (s->ephemeral_gb == 0) {
			if (virt_vol_overlay(v, s->pool, eph, NULL, NULL,
			    (unsigned long long)ephemeral_gb * GIB, &path) == -1)
				return -1;
			free(path);
		} else if (virt_vol_resize(v, s->pool, eph,
		    (unsigned long long)ephemeral_gb * GIB) == -1)
			return -1;
	}
	if (swap_mib != s->swap_mib && blank_volume(v, s->pool, s->ref.id,
	    "swap", (unsigned long long)swap_mib * 1024 * 1024) == -1)
		return -1;
	return 0;
}

/*
 * Put the old disks back after a failed resize or for a revert: the
 * root disk from its copy (when it grew), a swap disk of the old size,
 * no ephemeral disk when the old flavor had none.
 */
static int
restore_disks(struct nb *nb, struct virt *v, const struct srv *s,
    long long old_ephemeral_gb, long long old_swap_mib)
{
	char	 disk[96], backup[96], eph[96], *path = NULL;

	server_volume(disk, sizeof(disk), s->ref.id, "disk");
	server_volume(backup, sizeof(backup), s->ref.id, "disk-resize");
	server_volume(eph, sizeof(eph), s->ref.id, "ephemeral");
	if (virt_vol_path(v, s->pool, backup, &path) == 0) {
		free(path);
		if (virt_vol_delete(v, s->pool, disk) == -1 ||
		    virt_vol_copy(v, s->pool, backup, s->pool, disk, "qcow2") == -1 ||
		    virt_vol_delete(v, s->pool, backup) == -1)
			return -1;
	} else if (nb->errcode != NB_ENOTFOUND)
		return -1;
	nb_clearerr(nb);
	if (old_ephemeral_gb == 0 && virt_vol_delete(v, s->pool, eph) == -1)
		return -1;
	return blank_volume(v, s->pool, s->ref.id, "swap",
	    (unsigned long long)old_swap_mib * 1024 * 1024);
}

int
server_resize(struct nb *nb, const char *server, const char *flavor,
    char **explain)
{
	struct srv	 s;
	struct ref	 fl = { 0 };
	struct virt	*v = NULL;
	struct table	*t = NULL;
	char		 msg[sizeof(nb->errbuf)];
	long long	 vcpus, ram, root, eph, swap, disk;
	time_t		 started = time(NULL);
	int		 rc, ok;

	if (explain != NULL)
		*explain = NULL;
	memset(&s, 0, sizeof(s));
	if (db_begin(nb) == -1 ||
	    srv_load(nb, server, "resize", " active stopped ", &s) == -1 ||
	    not_volume_booted(nb, &s, server, "resize") == -1 ||
	    resource_resolve(nb, &res_flavor, flavor, &fl) == -1)
		goto fail;
	if ((t = db_table(nb, "SELECT name, vcpus, ram_mib, disk_gb,"
	    " ephemeral_gb, swap_mib FROM flavors WHERE id = ?1", "s",
	    fl.id)) == NULL)
		goto fail;
	if (t->nrows != 1) {
		nb_seterr(nb, NB_ENOTFOUND, "flavor '%s' not found", flavor);
		goto fail;
	}
	vcpus = strtoll(t->cells[1], NULL, 10);
	ram = strtoll(t->cells[2], NULL, 10);
	root = strtoll(t->cells[3], NULL, 10);
	eph = strtoll(t->cells[4], NULL, 10);
	swap = strtoll(t->cells[5], NULL, 10);
	if (root == 0)		/* as at boot: the disk it has */
		root = s.root_gb;
	disk = root + eph + (swap + 1023) / 1024;
	if (s.flavor_id != NULL && strcmp(s.flavor_id, fl.id) == 0)
		nb_seterr(nb, NB_EUSAGE, "server '%s' already has flavor "
		    "'%s': resize to another", server, t->cells[0]);
	else if (root < s.root_gb)
		nb_seterr(nb, NB_EUSAGE, "flavor '%s' has a %lld GB root disk, "
		    "server '%s' has %lld GB: disks do not shrink",
		    t->cells[0], root, server, s.root_gb);
	else if (eph < s.ephemeral_gb)
		nb_seterr(nb, NB_EUSAGE, "flavor '%s' has a %lld GB ephemeral "
		    "disk, server '%s' has %lld GB: disks do not shrink",
		    t->cells[0], eph, server, s.ephemeral_gb);
	else if (s.image_id != NULL && ram < db_int(nb, 0, "SELECT min_ram"
	    " FROM images WHERE id = ?1", "s", s.image_id) && nb->errcode == 0)
		nb_seterr(nb, NB_EUSAGE, "flavor '%s' has %lld MiB of RAM, less "
		    "than the server's image needs", t->cells[0], ram);
	if (nb->errcode != 0)
		goto fail;
	if ((vcpus > s.vcpus && quota_check(nb, s.ref.project_id, "cores",
	    vcpus - s.vcpus) == -1) || (ram > s.ram_mib &&
	    quota_check(nb, s.ref.project_id, "ram", ram - s.ram_mib) == -1))
		goto fail;
	if (resize_fits(nb, &s, vcpus, ram, disk, explain) == -1)
		goto fail;
	if (db_exec(nb, NULL, resize_sql, "sssiiiiii", s.ref.id, fl.id,
	    t->cells[0], vcpus, ram, disk, root, eph, swap) == -1 ||
	    srv_claim(nb, &s, "resize_migrating") == -1 ||
	    db_commit(nb) == -1)
		goto fail;

	/* Act: off, the disks to size, the domain redefined, on again. */
	ok = (v = virt_open(nb, s.uri)) != NULL &&
	    server_power_off(nb, v, s.ref.id, 0) == 0 &&
	    resize_disks(v, &s, root, eph, swap) == 0 &&
	    server_define(nb, v, s.ref.id, s.host_id, s.pool, 0) == 0 &&
	    (strcmp(s.vm_state, "stopped") == 0 ||
	    virt_domain_op(v, s.ref.id, VIRT_START) == 0);
	if (ok) {
		nb_clearerr(nb);
		rc = srv_record(nb, &s, "resize", "resized", 1, NULL, started,
		    "UPDATE servers SET power_state = CASE old_vm_state"
		    " WHEN 'active' THEN 'running' ELSE 'shutdown' END"
		    " WHERE id = ?1", NULL);
		goto out_rc;
	}
	/* Undo: the old disks, flavor and power back. */
	strlcpy(msg, nb_errstr(nb), sizeof(msg));
	rc = nb->errcode;
	ok = v != NULL && restore_disks(nb, v, &s, s.ephemeral_gb,
	    s.swap_mib) == 0 &&
	    server_define(nb, v, s.ref.id, s.host_id, s.pool, 1) == 0 &&
	    (strcmp(s.vm_state, "stopped") == 0 ||
	    virt_domain_op(v, s.ref.id, VIRT_START) == 0);
	(void)srv_record(nb, &s, "resize", ok ? s.vm_state : "error", 0, msg,
	    started, unresize_sql, NULL);
	nb_seterr(nb, rc ? rc : NB_EFAIL, "resizing server '%s': %s%s", server,
	    msg, ok ? "" : " (and undoing it failed: the server is in error)");
	rc = -1;
	goto out_rc;
fail:
	event_failed(nb, "server:resize", "server", server);
	rc = -1;
out_rc:
	virt_close(v);
	table_free(t);
	ref_release(&fl);
	srv_release(&s);
	return rc;
}

int
server_resize_finish(struct nb *nb, const char *server, int confirm)
{
	const char	*action = confirm ? "resize-confirm" : "resize-revert";
	struct srv	 s;
	struct virt	*v = NULL;
	char		 msg[sizeof(nb->errbuf)], backup[96], ev[48];
	const char	*to = "resized";
	time_t		 started = time(NULL);
	int		 rc, ok;

	memset(&s, 0, sizeof(s));
	snprintf(ev, sizeof(ev), "server:%s", action);
	if (db_begin(nb) == -1 ||
	    srv_load(nb, server, action, " resized ", &s) == -1 ||
	    srv_claim(nb, &s, confirm ? "resize_confirming" :
	    "resize_reverting") == -1 || db_commit(nb) == -1)
		goto fail;
	server_volume(backup, sizeof(backup), s.ref.id, "disk-resize");
	if ((v = virt_open(nb, s.uri)) == NULL)
		ok = 0;
	else if (confirm) {
		/* The old disk's copy is no longer needed. */
		ok = virt_vol_delete(v, s.pool, backup) == 0;
		to = virt_domain_state(v, s.ref.id, msg, sizeof(msg)) == 0 &&
		    strcmp(msg, "running") == 0 ? "active" : "stopped";
	} else
		ok = server_power_off(nb, v, s.ref.id, 0) == 0 &&
		    restore_disks(nb, v, &s, s.old_ephemeral_gb,
		    s.old_swap_mib) == 0 &&
		    server_define(nb, v, s.ref.id, s.host_id, s.pool, 1) == 0 &&
		    (strcmp(s.old_vm_state, "stopped") == 0 ||
		    virt_domain_op(v, s.ref.id, VIRT_START) == 0);
	if (!confirm)
		to = strcmp(s.old_vm_state, "stopped") == 0 ? "stopped" :
		    "active";
	if (ok) {
		nb_clearerr(nb);
		rc = srv_record(nb, &s, action, to, 1, NULL, started,
		    confirm ? confirm_sql : unresize_sql, NULL);
		goto out;
	}
	/* Still resized: either may be tried again. */
	strlcpy(msg, nb_errstr(nb), sizeof(msg));
	rc = nb->errcode;
	(void)srv_record(nb, &s, action, "resized", 0, msg, started, NULL,
	    NULL);
	nb_seterr(nb, rc ? rc : NB_EFAIL, "%s of server '%s': %s", action,
	    server, msg);
	rc = -1;
	goto out;
fail:
	event_failed(nb, ev, "server", server);
	rc = -1;
out:
	virt_close(v);
	srv_release(&s);
	return rc;
}
