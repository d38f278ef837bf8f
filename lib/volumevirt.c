/*
 * volumevirt.c: the work of volumes and snapshots on their hosts,
 * through libvirt's storage and domain APIs, so that a remote host's
 * pool works as the controller's does.  Every change is claim -> act ->
 * record (DESIGN.md 4): a short transaction checks the status and
 * marks the row with this process's claim, the work runs with no
 * transaction open, and a second transaction records the outcome.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"
#include "guest.h"
#include "identity.h"
#include "image.h"
#include "resource.h"
#include "server.h"
#include "serverhost.h"
#include "virt.h"
#include "volume.h"

#define VOLUME_DEADLINE	600	/* seconds a volume's work may take */
#define DETACH_WAIT	30	/* seconds for a guest to let go of a disk */

/* A volume with its host, read in a claim transaction. */
struct vol {
	struct ref	 ref;
	char		 status[16];
	long long	 size_gb;
	char		*host_id, *uri, *pool, *server_id, *device;
	char		*server_name;
	char		 format[8];
};

static void
vol_release(struct vol *v)
{
	ref_release(&v->ref);
	free(v->host_id);
	free(v->uri);
	free(v->pool);
	free(v->server_id);
	free(v->device);
	free(v->server_name);
}

static char *
dup_col(struct stmt *st, int i)
{
	return db_col_isnull(st, i) ? NULL : xstrdup(db_col_text(st, i));
}

/* " available error " as "available or error". */
static char *
statuses(const char *list)
{
	struct buf	 b;
	char		*copy = xstrdup(list), *p = copy, *w;
	int		 n = 0, i = 0;

	for (w = copy; *w != '\0'; w++)
		if (*w != ' ' && (w == copy || w[-1] == ' '))
			n++;
	buf_init(&b);
	while ((w = strsep(&p, " ")) != NULL) {
		if (*w == '\0')
			continue;
		if (i > 0)
			buf_puts(&b, i == n - 1 ? " or " : ", ");
		buf_puts(&b, w);
		i++;
	}
	free(copy);
	return buf_release(&b);
}

/*
 * Inside a transaction: authorize verb on the volume and check it is
 * idle and in one of the statuses in from (" available error ").
 */
static int
vol_load(struct nb *nb, const char *volume, const char *verb,
    const char *from, struct vol *v)
{
	struct stmt	*st;
	char		 word[24];
	int		 rc;

	if (resource_authorize(nb, &res_volume, verb, volume, &v->ref) == -1)
		return -1;
	if ((st = db_prepare(nb, "SELECT v.status, v.size_gb, v.host_id,"
	    " h.uri, v.pool, v.server_id, v.device, v.claim, s.name, v.format"
	    " FROM volumes v LEFT JOIN hosts h ON h.id = v.host_id"
	    " LEFT JOIN servers s ON s.id = v.server_id WHERE v.id = ?1", "s",
	    v->ref.id)) == NULL)
		return -1;
	if ((rc = db_step(st)) == 1) {
		strlcpy(v->status, db_col_text(st, 0), sizeof(v->status));
		v->size_gb = db_col_int(st, 1);
		v->host_id = dup_col(st, 2);
		v->uri = dup_col(st, 3);
		v->pool = dup_col(st, 4);
		v->server_id = dup_col(st, 5);
		v->device = dup_col(st, 6);
		v->server_name = dup_col(st, 8);
		strlcpy(v->format, db_col_text(st, 9), sizeof(v->format));
		if (claim_alive(db_col_isnull(st, 7) ? NULL :
		    db_col_text(st, 7))) {
			nb_seterr(nb, NB_ECONFLICT, "volume '%s' is busy (%s)",
			    volume, v->status);
			rc = -1;
		}
	}
	db_finalize(st);
	if (rc != 1)
		return -1;
	snprintf(word, sizeof(word), " %s ", v->status);
	if (strstr(from, word) == NULL) {
		char	*need = statuses(from);

		nb_seterr(nb, NB_ECONFLICT, "volume '%s' is %s: %s needs it %s",
		    volume, v->status, verb, need);
		free(need);
		return -1;
	}
	/* A snapshot being copied from it: nothing else until it is done. */
	if (strcmp(verb, "delete") != 0 && db_int(nb, 0, "SELECT count(*)"
	    " FROM snapshots WHERE volume_id = ?1 AND status = 'creating'",
	    "s", v->ref.id) > 0)
		return nb_seterr(nb, NB_ECONFLICT, "volume '%s' is being "
		    "snapshotted: wait for it", volume);
	if (v->uri == NULL)
		return nb_seterr(nb, NB_ECONFLICT, "volume '%s' is on no host",
		    volume);
	return 0;
}

/* Mark a row of table busy with status, claimed by this process. */
static int
mark(struct nb *nb, const char *table, const char *id, const char *status)
{
	char	 claim[NB_CLAIM_LEN], sql[160];
	time_t	 now = time(NULL);

	proc_claim(claim);
	snprintf(sql, sizeof(sql), "UPDATE %s SET status = ?2, claim = ?3,"
	    " deadline = ?4, updated_at = ?5 WHERE id = ?1", table);
	return db_exec(nb, NULL, sql, "sssii", id, status, claim,
	    (long long)(now + VOLUME_DEADLINE), (long long)now);
}

/*
 * Transaction 2: the row's status, its fault when the work failed, an
 * audit record; extra (one ?1 parameter, the id) runs too.
 */
static int
record(struct nb *nb, const char *table, const char *kind, const char *id,
    const char *name, const char *action, const char *status, int ok,
    const char *fault, const char *extra)
{
	char	 sql[200], ev[48];

	snprintf(sql, sizeof(sql), "UPDATE %s SET status = ?2, claim = NULL,"
	    " deadline = NULL, fault = CASE WHEN ?3 THEN NULL ELSE ?4 END,"
	    " updated_at = ?5 WHERE id = ?1", table);
	snprintf(ev, sizeof(ev), "%s:%s", kind, action);
	if (db_begin(nb) == -1 ||
	    db_exec(nb, NULL, sql, "ssdsi", id, status, ok, fault,
	    (long long)time(NULL)) == -1 ||
	    (extra != NULL && db_exec(nb, NULL, extra, "s", id) == -1) ||
	    event_record(nb, ev, kind, id, name, ok, fault) == -1 ||
	    db_commit(nb) == -1) {
		db_rollback(nb);
		return -1;
	}
	return 0;
}

/*
 * Transaction 2 of work that failed: the row's status and the error in
 * nb as its fault, which stays nb's error.
 */
static void
record_failure(struct nb *nb, const char *table, const char *kind,
    const char *id, const char *name, const char *action,
    const char *status, const char *extra)
{
	struct nb_error	 keep;

	nb_error_save(nb, &keep);
	(void)record(nb, table, kind, id, name, action, status, 0, keep.msg,
	    extra);
	nb_error_restore(nb, &keep);
	if (nb->errcode == 0)
		nb->errcode = NB_EFAIL;
}

/* The row of a deleted volume or snapshot goes, with its event. */
static int
forget(struct nb *nb, const char *table, const char *kind, const char *id,
    const char *name, const char *why)
{
	char	 sql[64], ev[48];

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id = ?1", table);
	snprintf(ev, sizeof(ev), "%s:delete", kind);
	if (db_begin(nb) == -1 || db_exec(nb, NULL, sql, "s", id) == -1 ||
	    event_record(nb, ev, kind, id, name, 1, why) == -1 ||
	    db_commit(nb) == -1) {
		db_rollback(nb);
		return -1;
	}
	return 0;
}

/* The host a new volume goes to: the enabled one with fewest volumes. */
static int
pick_host(struct nb *nb, const char *want, char id[NB_UUID_LEN + 1],
    char **uri)
{
	struct stmt	*st;
	int		 rc;

	if ((st = db_prepare(nb, "SELECT h.id, h.uri FROM hosts h"
	    " WHERE (?1 IS NULL AND h.enabled) OR h.id = ?1 OR h.name = ?1"
	    " ORDER BY (SELECT count(*) FROM volumes v WHERE v.host_id = h.id),"
	    " h.name LIMIT 1", "s", want)) == NULL)
		return -1;
	if ((rc = db_step(st)) == 1) {
		strlcpy(id, db_col_text(st, 0), NB_UUID_LEN + 1);
		*uri = xstrdup(db_col_text(st, 1));
	}
	db_finalize(st);
	if (rc == 0)
		return want != NULL ? nb_seterr(nb, NB_ENOTFOUND, "host '%s' "
		    "not found", want) : nb_seterr(nb, NB_ENOHOST, "no enabled "
		    "compute host to keep the volume on (cloud-host-add)");
	return rc == 1 ? 0 : -1;
}

int
volume_pool_ensure(struct nb *nb, struct virt *v, const char *pool)
{
	struct virt_pool_info	 info;
	const char		*path;
	char			*def = NULL;
	int			 rc;

	if ((path = conf_get(nb->conf, "volume", "storage_pool_path",
	    NULL)) == NULL) {
		xasprintf(&def, "%s/volumes", nb->state_dir);
		path = def;
	}
	rc = virt_pool_ensure(v, pool, path, &info);
	free(def);
	return rc;
}

/* Where an image's bytes are on a host: its server pool's base volume. */
static int
image_base(struct nb *nb, struct virt *v, const char *host_id,
    const char *image_id, char **pool, char **name)
{
	char	*fmt = NULL, *path = NULL, *dfmt = NULL;
	long long size;
	int	 rv = -1;

	*name = NULL;
	if ((*pool = db_text(nb, "SELECT pool FROM hosts WHERE id = ?1", "s",
	    host_id)) == NULL ||
	    (dfmt = db_text(nb, "SELECT disk_format FROM images WHERE id = ?1",
	    "s", image_id)) == NULL)
		goto out;
	size = db_int(nb, 0, "SELECT size FROM images WHERE id = ?1", "s",
	    image_id);
	if ((path = base_volume(nb, v, host_id, *pool, image_id, dfmt, size,
	    &fmt)) == NULL)
		goto out;
	xasprintf(name, "nubes-image-%s", image_id);
	rv = 0;
out:
	free(fmt);
	free(path);
	free(dfmt);
	return rv;
}

struct table *
volume_create(struct nb *nb, const struct volume_spec *s)
{
	struct ref	 type = { 0 }, img = { 0 }, src = { 0 };
	struct virt	*v = NULL;
	struct table	*t = NULL;
	char		 id[NB_UUID_LEN + 1], host_id[NB_UUID_LEN + 1];
	char		 name[96], from[96], *uri = NULL, *pool = NULL;
	char		*from_pool = NULL, *path = NULL, *img_pool = NULL;
	char		 format[8] = "qcow2";
	struct nb_error	 keep;
	const char	*source_pool;
	long long	 size = s->size_gb, src_size = 0;
	unsigned long long bytes;
	int		 nsrc, ok, rc;

	nsrc = (s->image != NULL) + (s->snapshot != NULL) +
	    (s->source_volume != NULL);
	if (name_valid(nb, "volume", s->name) == -1)
		return NULL;
	if (nsrc > 1) {
		nb_seterr(nb, NB_EUSAGE, "give at most one of --image, "
		    "--snapshot and --source-volume");
		return NULL;
	}
	if (size == -1 && nsrc == 0) {
		nb_seterr(nb, NB_EUSAGE, "an empty volume needs --size");
		return NULL;
	}
	if (size != -1 && (size < 1 || size > 65536)) {
		nb_seterr(nb, NB_EUSAGE, "--size %lld: 1 to 65536 GB", size);
		return NULL;
	}
	uuid_generate(id);
	if (db_begin(nb) == -1 ||
	    policy_check(nb, "volume:create", nb->ctx.project_id, NULL) == -1 ||
	    (s->host != NULL && policy_check(nb, "volume:create_on_host", NULL,
	    NULL) == -1))
		goto fail;
	/* The source: its size, its host, its bytes. */
	host_id[0] = '\0';
	if (s->image != NULL) {
		long long	 vsize, min_disk;
		char		*st, *fmt;

		if (resource_resolve(nb, &res_image, s->image, &img) == -1)
			goto fail;
		st = db_text(nb, "SELECT status FROM images WHERE id = ?1", "s",
		    img.id);
		fmt = db_text(nb, "SELECT disk_format FROM images WHERE id = ?1",
		    "s", img.id);
		vsize = db_int(nb, 0, "SELECT virtual_size FROM images"
		    " WHERE id = ?1", "s", img.id);
		min_disk = db_int(nb, 0, "SELECT min_disk FROM images"
		    " WHERE id = ?1", "s", img.id);
		rc = 0;
		if (st == NULL || fmt == NULL)
			rc = -1;
		else if (strcmp(st, "active") != 0)
			rc = nb_seterr(nb, NB_ECONFLICT, "image '%s' is %s: only "
			    "active images make volumes", s->image, st);
		else if (strcmp(fmt, "raw") != 0 && strcmp(fmt, "qcow2") != 0)
			rc = nb_seterr(nb, NB_EUSAGE, "image '%s' is %s: "
			    "volumes are made from raw and qcow2 images",
			    s->image, fmt);
		free(st);
		free(fmt);
		if (rc == -1)
			goto fail;
		src_size = (vsize + (long long)GIB - 1) / (long long)GIB;
		if (src_size < min_disk)
			src_size = min_disk;
		if (src_size < 1)
			src_size = 1;
	} else if (s->snapshot != NULL || s->source_volume != NULL) {
		const struct resource	*r = s->snapshot != NULL ?
		    &res_snapshot : &res_volume;
		struct stmt		*st;

		if (resource_authorize(nb, r, "show", s->snapshot != NULL ?
		    s->snapshot : s->source_volume, &src) == -1)
			goto fail;
		if ((st = db_prepare(nb, s->snapshot != NULL ?
		    "SELECT n.status, n.size_gb, v.host_id, v.pool FROM snapshots n"
		    " JOIN volumes v ON v.id = n.volume_id WHERE n.id = ?1" :
		    "SELECT status, size_gb, host_id, pool FROM volumes"
		    " WHERE id = ?1", "s", src.id)) == NULL)
			goto fail;
		if ((rc = db_step(st)) == 1) {
			if (strcmp(db_col_text(st, 0), "available") != 0) {
				nb_seterr(nb, NB_ECONFLICT, "%s '%s' is %s: "
				    "only available ones are copied",
				    r->kind, src.name, db_col_text(st, 0));
				rc = -1;
			}
			src_size = db_col_int(st, 1);
			strlcpy(host_id, db_col_text(st, 2), sizeof(host_id));
			from_pool = xstrdup(db_col_text(st, 3));
		}
		db_finalize(st);
		if (rc != 1)
			goto fail;
	}
	if (size == -1)
		size = src_size;
	if (size < src_size) {
		nb_seterr(nb, NB_EUSAGE, "--size %lld: the source needs %lld GB",
		    size, src_size);
		goto fail;
	}
	/* The type's pool, or the default. */
	if (s->type != NULL) {
		if (resource_resolve(nb, &res_volume_type, s->type, &type) == -1 ||
		    (pool = db_text(nb, "SELECT pool FROM volume_types"
		    " WHERE id = ?1", "s", type.id)) == NULL)
			goto fail;
	} else
		pool = xstrdup(conf_get(nb->conf, "volume", "storage_pool",
		    "nubes-volumes"));
	/* A copy stays on its source's host. */
	if (host_id[0] != '\0') {
		if (s->host != NULL && db_int(nb, 0, "SELECT count(*) FROM hosts"
		    " WHERE id = ?1 AND (id = ?2 OR name = ?2)", "ss", host_id,
		    s->host) == 0) {
			nb_seterr(nb, NB_EUSAGE, "the source is on another host "
			    "than '%s': a copy stays on its source's host",
			    s->host);
			goto fail;
		}
		uri = db_text(nb, "SELECT uri FROM hosts WHERE id = ?1", "s",
		    host_id);
		if (uri == NULL)
			goto fail;
	} else if (pick_host(nb, s->host, host_id, &uri) == -1)
		goto fail;
	if (quota_check(nb, nb->ctx.project_id, "volumes", 1) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "gigabytes", size) == -1)
		goto fail;
	if (db_exec(nb, NULL, "INSERT INTO volumes (id, name, project_id,"
	    " user_id, size_gb, status, type_id, host_id, pool,"
	    " source_image_id, source_volume_id, source_snapshot_id, bootable,"
	    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'creating',"
	    " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)", "ssssissssssdi", id,
	    s->name, nb->ctx.project_id, nb->ctx.user_id, size,
	    s->type != NULL ? type.id : NULL, host_id, pool,
	    s->image != NULL ? img.id : NULL,
	    s->source_volume != NULL ? src.id : NULL,
	    s->snapshot != NULL ? src.id : NULL, s->image != NULL ||
	    db_int(nb, 0, "SELECT bootable FROM volumes WHERE id = ?1 OR id ="
	    " (SELECT volume_id FROM snapshots WHERE id = ?1)", "s",
	    nsrc > 0 && s->image == NULL ? src.id : "") > 0,
	    (long long)time(NULL)) == -1 ||
	    mark(nb, "volumes", id, "creating") == -1 || db_commit(nb) == -1)
		goto fail;

	/* Act: the volume in the pool, from its source. */
	crash_point("volume:create");
	volume_pool_name(name, sizeof(name), id);
	/*
	 * The default pool is made when missing; a type's pool is the
	 * admin's, an LVM volume group or any other: it must exist.
	 */
	ok = (v = virt_open(nb, uri)) != NULL &&
	    (s->type != NULL || volume_pool_ensure(nb, v, pool) == 0);
	source_pool = from_pool;
	if (ok && s->image != NULL) {
		char	*base = NULL;

		ok = image_base(nb, v, host_id, img.id, &img_pool, &base) == 0;
		if (ok)
			strlcpy(from, base, sizeof(from));
		source_pool = img_pool;
		free(base);
	} else if (s->snapshot != NULL)
		snapshot_pool_name(from, sizeof(from), src.id);
	else if (s->source_volume != NULL)
		volume_pool_name(from, sizeof(from), src.id);
	if (ok && virt_pool_vol_format(v, pool, format) == -1) {
		nb_seterr(nb, NB_EFAIL, "storage pool '%s'%s%s%s is not on "
		    "host %s (virsh pool-define)", pool, s->type != NULL ?
		    " of volume type '" : "", s->type != NULL ? s->type : "",
		    s->type != NULL ? "'" : "", uri);
		ok = 0;
	}
	if (ok && nsrc == 0)
		ok = virt_vol_blank(v, pool, name, format,
		    (unsigned long long)size * GIB) == 0;
	else if (ok)
		ok = virt_vol_copy(v, source_pool, from, pool, name,
		    format) == 0 &&
		    virt_vol_capacity(v, pool, name, &bytes) == 0 &&
		    (bytes >= (unsigned long long)size * GIB ||
		    virt_vol_resize(v, pool, name,
		    (unsigned long long)size * GIB) == 0);
	if (!ok) {
		nb_error_save(nb, &keep);
		if (v != NULL)
			(void)virt_vol_delete(v, pool, name);
		nb_error_restore(nb, &keep);
		record_failure(nb, "volumes", "volume", id, s->name, "create",
		    "error", NULL);
		goto out;
	}
	nb_clearerr(nb);
	crash_point("volume:create-made");
	if (record(nb, "volumes", "volume", id, s->name, "create",
	    "available", 1, NULL, strcmp(format, "raw") == 0 ?
	    "UPDATE volumes SET format = 'raw' WHERE id = ?1" : NULL) == -1)
		goto out;
	t = db_table(nb, res_volume.show_sql, "s", id);
	goto out;
fail:
	event_failed(nb, "volume:create", "volume", s->name);
out:
	virt_close(v);
	ref_release(&type);
	ref_release(&img);
	ref_release(&src);
	free(uri);
	free(pool);
	free(from_pool);
	free(img_pool);
	free(path);
	return t;
}

int
volume_delete(struct nb *nb, const char *volume)
{
	struct vol	 v;
	struct virt	*virt = NULL;
	char		 name[96], *snaps;
	int		 rv = -1;

	memset(&v, 0, sizeof(v));
	if (db_begin(nb) == -1 ||
	    vol_load(nb, volume, "delete", " available error error_deleting ",
	    &v) == -1)
		goto fail;
	snaps = db_text(nb, "SELECT group_concat(name, ', ') FROM snapshots"
	    " WHERE volume_id = ?1", "s", v.ref.id);
	if (snaps != NULL) {
		nb_seterr(nb, NB_ECONFLICT, "volume '%s' has snapshots (%s): "
		    "delete them first", volume, snaps);
		free(snaps);
		goto fail;
	}
	nb_clearerr(nb);
	if (mark(nb, "volumes", v.ref.id, "deleting") == -1 ||
	    db_commit(nb) == -1)
		goto fail;
	volume_pool_name(name, sizeof(name), v.ref.id);
	if ((virt = virt_open(nb, v.uri)) == NULL ||
	    virt_vol_delete(virt, v.pool, name) == -1) {
		record_failure(nb, "volumes", "volume", v.ref.id, v.ref.name,
		    "delete", "error_deleting", NULL);
		goto out;
	}
	if (forget(nb, "volumes", "volume", v.ref.id, v.ref.name, NULL) == -1)
		goto out;
	rv = 0;
	goto out;
fail:
	event_failed(nb, "volume:delete", "volume", volume);
out:
	virt_close(virt);
	vol_release(&v);
	return rv;
}

/* "vdd" from "vdd" or "/dev/vdd": vdd to vdz (vda to vdc are the server's). */
static int
device_parse(struct nb *nb, const char *dev, char out[8])
{
	if (strncmp(dev, "/dev/", 5) == 0)
		dev += 5;
	if (strlen(dev) != 3 || strncmp(dev, "vd", 2) != 0 || dev[2] < 'd' ||
	    dev[2] > 'z')
		return nb_seterr(nb, NB_EUSAGE, "device '%s': use vdd to vdz "
		    "(vda to vdc are the server's own disks)", dev);
	strlcpy(out, dev, 8);
	return 0;
}

/* The disk element for volume id at target, its path read from the pool. */
static char *
disk_xml(struct virt *virt, const char *pool, const char *id,
    const char *target, const char *format)
{
	struct guest_disk	 d;
	char			 name[96], *path, *xml;

	volume_pool_name(name, sizeof(name), id);
	if (virt_vol_path(virt, pool, name, &path) == -1)
		return NULL;
	d.path = path;
	d.format = format;
	d.target = target;
	d.serial = id;
	xml = volume_disk_xml(&d);
	free(path);
	return xml;
}

/*
 * Inside a transaction: the server a volume is attached to (or is to
 * be) may change its disks: not locked, not busy, and in a state whose
 * guest can take or give back a disk.
 */
static int
server_disks_ok(struct nb *nb, const char *server_id, const char *server,
    const char *verb, const char *states)
{
	struct stmt	*st;
	char		 word[24];
	int		 rc;

	if (server_check_unlocked(nb, server_id, server) == -1)
		return -1;
	if ((st = db_prepare(nb, "SELECT vm_state, task_state, claim FROM"
	    " servers WHERE id = ?1", "s", server_id)) == NULL)
		return -1;
	if ((rc = db_step(st)) == 1) {
		snprintf(word, sizeof(word), " %s ", db_col_text(st, 0));
		if (!db_col_isnull(st, 1) && claim_alive(db_col_isnull(st, 2) ?
		    NULL : db_col_text(st, 2))) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' is busy (%s)",
			    server, db_col_text(st, 1));
			rc = -1;
		} else if (strstr(states, word) == NULL) {
			char	*need = statuses(states);

			nb_seterr(nb, NB_ECONFLICT, "server '%s' is %s: %s "
			    "needs it %s", server, db_col_text(st, 0), verb,
			    need);
			free(need);
			rc = -1;
		}
	}
	db_finalize(st);
	return rc == 1 ? 0 : -1;
}

int
volume_attach(struct nb *nb, const char *volume, const char *server,
    const char *device)
{
	struct vol	 v;
	struct ref	 srv = { 0 };
	struct stmt	*st;
	struct virt	*virt = NULL;
	char		 dev[8], conflict[320];
	char		*xml = NULL, *state = NULL, *host = NULL;
	int		 rc, ok, rv = -1;

	memset(&v, 0, sizeof(v));
	if (device != NULL && device_parse(nb, device, dev) == -1)
		return -1;
	if (db_begin(nb) == -1 ||
	    vol_load(nb, volume, "attach", " available ", &v) == -1 ||
	    resource_authorize(nb, &res_server, "show", server, &srv) == -1)
		goto fail;
	if (strcmp(srv.project_id, v.ref.project_id) != 0) {
		nb_seterr(nb, NB_ECONFLICT, "volume '%s' and server '%s' are in "
		    "different projects", volume, server);
		goto fail;
	}
	if ((st = db_prepare(nb, "SELECT vm_state, host_id, task_state, claim"
	    " FROM servers WHERE id = ?1", "s", srv.id)) == NULL)
		goto fail;
	if ((rc = db_step(st)) == 1) {
		state = xstrdup(db_col_text(st, 0));
		host = dup_col(st, 1);
		if (!db_col_isnull(st, 2) && claim_alive(db_col_text(st, 3))) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' is busy (%s)",
			    server, db_col_text(st, 2));
			rc = -1;
		}
	}
	db_finalize(st);
	if (rc != 1 || server_disks_ok(nb, srv.id, server, "attach",
	    " active stopped paused ") == -1)
		goto fail;
	if (host == NULL || strcmp(host, v.host_id) != 0) {
		nb_seterr(nb, NB_ECONFLICT, "volume '%s' is on another host than "
		    "server '%s': a volume moves only with its server", volume,
		    server);
		goto fail;
	}
	if (device == NULL) {
		/* The first device no volume of the server has. */
		char	*taken = db_text(nb, "SELECT ' ' || ifnull(group_concat("
		    "device, ' '), '') || ' ' FROM volumes WHERE server_id = ?1",
		    "s", srv.id);
		char	 want[8];

		if (taken == NULL)
			goto fail;
		for (dev[0] = '\0', want[0] = 'd'; want[0] <= 'z'; want[0]++) {
			char	 word[8];

			snprintf(word, sizeof(word), " vd%c ", want[0]);
			if (strstr(taken, word) == NULL) {
				snprintf(dev, sizeof(dev), "vd%c", want[0]);
				break;
			}
		}
		free(taken);
		if (dev[0] == '\0') {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' has no free "
			    "device (vdd to vdz are taken)", server);
			goto fail;
		}
	}
	snprintf(conflict, sizeof(conflict), "server '%s' has a volume at %s",
	    server, dev);
	if (db_exec(nb, conflict, "UPDATE volumes SET server_id = ?2,"
	    " device = ?3 WHERE id = ?1", "sss", v.ref.id, srv.id, dev) == -1 ||
	    mark(nb, "volumes", v.ref.id, "attaching") == -1 ||
	    db_commit(nb) == -1)
		goto fail;

	/* Act: the disk into the domain, live and in its definition. */
	ok = (virt = virt_open(nb, v.uri)) != NULL &&
	    (xml = disk_xml(virt, v.pool, v.ref.id, dev, v.format)) != NULL &&
	    virt_disk_attach(virt, srv.id, xml) == 0;
	if (!ok) {
		record_failure(nb, "volumes", "volume", v.ref.id, v.ref.name,
		    "attach", "available", "UPDATE volumes SET"
		    " server_id = NULL, device = NULL WHERE id = ?1");
		goto out;
	}
	nb_clearerr(nb);
	crash_point("volume:attach");
	if (record(nb, "volumes", "volume", v.ref.id, v.ref.name, "attach",
	    "in-use", 1, NULL, NULL) == -1)
		goto out;
	rv = 0;
	goto out;
fail:
	event_failed(nb, "volume:attach", "volume", volume);
out:
	virt_close(virt);
	free(xml);
	free(state);
	free(host);
	ref_release(&srv);
	vol_release(&v);
	return rv;
}

/* Wait until the running domain has no disk at target; 0 or -1. */
static int
wait_detached(struct virt *virt, const char *uuid, const char *target)
{
	time_t	 deadline = time(NULL) + DETACH_WAIT;
	int	 has;

	for (;;) {
		if ((has = virt_domain_has_disk(virt, uuid, target, 1)) != 1)
			return has == 0 ? 0 : -1;
		if (time(NULL) >= deadline || nb_interrupted)
			return -1;
		usleep(200000);
	}
}

int
volume_detach(struct nb *nb, const char *volume, const char *server)
{
	struct vol	 v;
	struct virt	*virt = NULL;
	char		*xml = NULL;
	int		 ok, rv = -1;

	memset(&v, 0, sizeof(v));
	if (db_begin(nb) == -1 ||
	    vol_load(nb, volume, "detach", " in-use ", &v) == -1)
		goto fail;
	if (v.server_id == NULL || v.device == NULL) {
		nb_seterr(nb, NB_ECONFLICT, "volume '%s' is attached to no "
		    "server", volume);
		goto fail;
	}
	if (server != NULL && strcmp(server, v.server_id) != 0 &&
	    strcmp(server, v.server_name) != 0) {
		nb_seterr(nb, NB_ECONFLICT, "volume '%s' is attached to server "
		    "'%s', not '%s'", volume, v.server_name, server);
		goto fail;
	}
	if (db_int(nb, 0, "SELECT count(*) FROM servers WHERE id = ?1 AND"
	    " root_volume_id = ?2", "ss", v.server_id, v.ref.id) > 0) {
		nb_seterr(nb, NB_ECONFLICT, "volume '%s' is the root disk of "
		    "server '%s': it goes when the server is deleted", volume,
		    v.server_name);
		goto fail;
	}
	/* A paused or suspended guest cannot give the disk back. */
	if (server_disks_ok(nb, v.server_id, v.server_name, "detach",
	    " active stopped ") == -1)
		goto fail;
	if (mark(nb, "volumes", v.ref.id, "detaching") == -1 ||
	    db_commit(nb) == -1)
		goto fail;

	/*
	 * Act: out of the definition and the running guest, which must
	 * let go of it (ACPI hot-unplug); until it does, it is attached.
	 */
	ok = (virt = virt_open(nb, v.uri)) != NULL &&
	    (xml = disk_xml(virt, v.pool, v.ref.id, v.device, v.format)) != NULL;
	/* Each side that still has it; a retry asks the guest again. */
	if (ok && virt_domain_has_disk(virt, v.server_id, v.device, 0) == 1 &&
	    virt_disk_detach(virt, v.server_id, xml, 0, 1) == -1)
		ok = 0;
	if (ok && virt_domain_active(virt, v.server_id) == 1 &&
	    virt_domain_has_disk(virt, v.server_id, v.device, 1) == 1 &&
	    virt_disk_detach(virt, v.server_id, xml, 1, 0) == -1)
		ok = 0;
	if (ok && virt_domain_active(virt, v.server_id) == 1 &&
	    wait_detached(virt, v.server_id, v.device) == -1) {
		if (nb->errcode == 0)
			nb_seterr(nb, NB_EFAIL, "the guest of server '%s' did "
			    "not let go of %s within %d s", v.server_name,
			    v.device, DETACH_WAIT);
		ok = 0;
	}
	if (!ok) {
		record_failure(nb, "volumes", "volume", v.ref.id, v.ref.name,
		    "detach", "in-use", NULL);
		goto out;
	}
	nb_clearerr(nb);
	if (record(nb, "volumes", "volume", v.ref.id, v.ref.name, "detach",
	    "available", 1, NULL, "UPDATE volumes SET server_id = NULL,"
	    " device = NULL, delete_on_termination = 0 WHERE id = ?1") == -1)
		goto out;
	rv = 0;
	goto out;
fail:
	event_failed(nb, "volume:detach", "volume", volume);
out:
	virt_close(virt);
	free(xml);
	vol_release(&v);
	return rv;
}

int
volume_extend(struct nb *nb, const char *volume, long long size_gb)
{
	struct vol	 v;
	struct virt	*virt = NULL;
	char		 name[96];
	int		 ok, live, rv = -1;

	memset(&v, 0, sizeof(v));
	if (size_gb < 1 || size_gb > 65536)
		return nb_seterr(nb, NB_EUSAGE, "--size %lld: 1 to 65536 GB",
		    size_gb);
	if (db_begin(nb) == -1 ||
	    vol_load(nb, volume, "extend", " available in-use ", &v) == -1)
		goto fail;
	if (size_gb <= v.size_gb) {
		nb_seterr(nb, NB_EUSAGE, "volume '%s' is %lld GB: extend makes "
		    "it larger", volume, v.size_gb);
		goto fail;
	}
	if (quota_check(nb, v.ref.project_id, "gigabytes",
	    size_gb - v.size_gb) == -1 ||
	    mark(nb, "volumes", v.ref.id, "extending") == -1 ||
	    db_commit(nb) == -1)
		goto fail;

	/* Act: a running guest's disk through QEMU, which it then sees. */
	volume_pool_name(name, sizeof(name), v.ref.id);
	live = 0;
	ok = (virt = virt_open(nb, v.uri)) != NULL;
	if (ok && v.server_id != NULL)
		live = virt_domain_active(virt, v.server_id) == 1;
	nb_clearerr(nb);
	if (ok)
		ok = live ? virt_block_resize(virt, v.server_id, v.device,
		    (unsigned long long)size_gb * GIB) == 0 :
		    virt_vol_resize(virt, v.pool, name,
		    (unsigned long long)size_gb * GIB) == 0;
	if (!ok) {
		record_failure(nb, "volumes", "volume", v.ref.id, v.ref.name,
		    "extend", v.status, NULL);
		goto out;
	}
	if (db_begin(nb) == -1 || db_exec(nb, NULL, "UPDATE volumes SET"
	    " size_gb = ?2 WHERE id = ?1", "si", v.ref.id, size_gb) == -1 ||
	    db_commit(nb) == -1) {
		db_rollback(nb);
		goto out;
	}
	if (record(nb, "volumes", "volume", v.ref.id, v.ref.name, "extend",
	    v.status, 1, NULL, NULL) == -1)
		goto out;
	rv = 0;
	goto out;
fail:
	event_failed(nb, "volume:extend", "volume", volume);
out:
	virt_close(virt);
	vol_release(&v);
	return rv;
}

struct table *
snapshot_create(struct nb *nb, const char *name, const char *volume)
{
	struct vol	 v;
	struct virt	*virt = NULL;
	struct table	*t = NULL;
	char		 id[NB_UUID_LEN + 1], from[96], to[96];
	struct nb_error	 keep;

	memset(&v, 0, sizeof(v));
	if (name_valid(nb, "snapshot", name) == -1)
		return NULL;
	uuid_generate(id);
	if (db_begin(nb) == -1 ||
	    policy_check(nb, "snapshot:create", nb->ctx.project_id, NULL) == -1 ||
	    vol_load(nb, volume, "snapshot", " available ", &v) == -1)
		goto fail;
	if (strcmp(v.ref.project_id, nb->ctx.project_id) != 0) {
		nb_seterr(nb, NB_ECONFLICT, "volume '%s' is in another project",
		    volume);
		goto fail;
	}
	if (quota_check(nb, nb->ctx.project_id, "snapshots", 1) == -1 ||
	    quota_check(nb, nb->ctx.project_id, "gigabytes", v.size_gb) == -1 ||
	    db_exec(nb, NULL, "INSERT INTO snapshots (id, name, project_id,"
	    " user_id, volume_id, size_gb, status, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'creating', ?7, ?7)", "sssssii",
	    id, name, nb->ctx.project_id, nb->ctx.user_id, v.ref.id, v.size_gb,
	    (long long)time(NULL)) == -1 ||
	    mark(nb, "snapshots", id, "creating") == -1 ||
	    db_commit(nb) == -1)
		goto fail;

	/* Act: a full copy in the volume's pool. */
	volume_pool_name(from, sizeof(from), v.ref.id);
	snapshot_pool_name(to, sizeof(to), id);
	if ((virt = virt_open(nb, v.uri)) == NULL ||
	    virt_vol_copy(virt, v.pool, from, v.pool, to, v.format) == -1) {
		nb_error_save(nb, &keep);
		if (virt != NULL)
			(void)virt_vol_delete(virt, v.pool, to);
		nb_error_restore(nb, &keep);
		record_failure(nb, "snapshots", "snapshot", id, name, "create",
		    "error", NULL);
		goto out;
	}
	if (record(nb, "snapshots", "snapshot", id, name, "create",
	    "available", 1, NULL, NULL) == -1)
		goto out;
	t = db_table(nb, res_snapshot.show_sql, "s", id);
	goto out;
fail:
	event_failed(nb, "snapshot:create", "snapshot", name);
out:
	virt_close(virt);
	vol_release(&v);
	return t;
}

int
snapshot_delete(struct nb *nb, const char *snapshot)
{
	struct ref	 ref = { 0 };
	struct stmt	*st;
	struct virt	*virt = NULL;
	char		 status[16] = "", name[96];
	char		*uri = NULL, *pool = NULL;
	int		 rc, rv = -1;

	if (db_begin(nb) == -1 ||
	    resource_authorize(nb, &res_snapshot, "delete", snapshot,
	    &ref) == -1)
		goto fail;
	if ((st = db_prepare(nb, "SELECT n.status, n.claim, h.uri, v.pool"
	    " FROM snapshots n JOIN volumes v ON v.id = n.volume_id"
	    " LEFT JOIN hosts h ON h.id = v.host_id WHERE n.id = ?1", "s",
	    ref.id)) == NULL)
		goto fail;
	if ((rc = db_step(st)) == 1) {
		strlcpy(status, db_col_text(st, 0), sizeof(status));
		if (claim_alive(db_col_isnull(st, 1) ? NULL :
		    db_col_text(st, 1))) {
			nb_seterr(nb, NB_ECONFLICT, "snapshot '%s' is busy (%s)",
			    snapshot, status);
			rc = -1;
		}
		uri = dup_col(st, 2);
		pool = dup_col(st, 3);
	}
	db_finalize(st);
	if (rc != 1)
		goto fail;
	if (strcmp(status, "available") != 0 && strcmp(status, "error") != 0 &&
	    strcmp(status, "error_deleting") != 0) {
		nb_seterr(nb, NB_ECONFLICT, "snapshot '%s' is %s: delete needs "
		    "it available or in error", snapshot, status);
		goto fail;
	}
	if (mark(nb, "snapshots", ref.id, "deleting") == -1 ||
	    db_commit(nb) == -1)
		goto fail;
	snapshot_pool_name(name, sizeof(name), ref.id);
	if (uri == NULL || (virt = virt_open(nb, uri)) == NULL ||
	    virt_vol_delete(virt, pool, name) == -1) {
		record_failure(nb, "snapshots", "snapshot", ref.id, ref.name,
		    "delete", "error_deleting", NULL);
		goto out;
	}
	if (forget(nb, "snapshots", "snapshot", ref.id, ref.name,
	    NULL) == -1)
		goto out;
	rv = 0;
	goto out;
fail:
	event_failed(nb, "snapshot:delete", "snapshot", snapshot);
out:
	virt_close(virt);
	free(uri);
	free(pool);
	ref_release(&ref);
	return rv;
}

static void
reconcile_row(struct table *t, const char *kind, const char *id,
    const char *name, const char *was, const char *now, const char *action)
{
	const char	*row[6] = { kind, id, name, was, now, action };

	table_add_row(t, row);
}

/* Settle a row after the fact: status, fault, audit record. */
static int
settle(struct nb *nb, const char *table, const char *kind, const char *id,
    const char *status, const char *fault, const char *extra)
{
	return record(nb, table, kind, id, NULL, "reconcile", status,
	    fault == NULL, fault, extra);
}

static const char vol_reconcile_sql[] =
    "SELECT v.id, v.name, v.status, v.claim, v.deadline, v.pool,"
    " v.server_id, v.device, h.uri, v.size_gb FROM volumes v"
    " JOIN hosts h ON h.id = v.host_id WHERE h.id = ?1";
static const char snap_reconcile_sql[] =
    "SELECT n.id, n.name, n.status, n.claim, n.deadline, v.pool"
    " FROM snapshots n JOIN volumes v ON v.id = n.volume_id"
    " WHERE v.host_id = ?1";

/* One volume whose work died: what libvirt shows decides. */
static int
reconcile_volume(struct nb *nb, struct virt *virt, char **r, int dry_run,
    struct table *t)
{
	const char	*id = r[0], *status = r[2], *pool = r[5];
	const char	*server = r[6], *dev = r[7];
	char		 name[96];
	unsigned long long bytes = 0;
	int		 has = 0, exists;

	volume_pool_name(name, sizeof(name), id);
	exists = virt_vol_capacity(virt, pool, name, &bytes) == 0;
	nb_clearerr(nb);
	if (server != NULL && dev != NULL) {
		has = virt_domain_has_disk(virt, server, dev, 0) == 1 ||
		    virt_domain_has_disk(virt, server, dev, 1) == 1;
		nb_clearerr(nb);
	}
	if (strcmp(status, "creating") == 0) {
		/* A copy may be partial: only a whole volume is trusted. */
		reconcile_row(t, "volume", id, r[1], status, "error",
		    "its create's process is gone: what it made is removed");
		if (dry_run)
			return 0;
		(void)virt_vol_delete(virt, pool, name);
		nb_clearerr(nb);
		return settle(nb, "volumes", "volume", id, "error",
		    "interrupted: the process creating it died", NULL);
	}
	if (strcmp(status, "deleting") == 0) {
		reconcile_row(t, "volume", id, r[1], status, "deleted",
		    "its delete's process is gone: the delete is finished");
		if (dry_run)
			return 0;
		if (virt_vol_delete(virt, pool, name) == -1)
			return settle(nb, "volumes", "volume", id,
			    "error_deleting", nb_errstr(nb), NULL);
		return forget(nb, "volumes", "volume", id, r[1],
		    "delete finished by cloud-reconcile");
	}
	if (!exists) {
		reconcile_row(t, "volume", id, r[1], status, "error",
		    "its volume is gone from the pool");
		return dry_run ? 0 : settle(nb, "volumes", "volume", id,
		    "error", "its volume vanished from the pool", NULL);
	}
	/* An extend may have happened: the pool knows the size. */
	if (strcmp(status, "extending") == 0 && !dry_run &&
	    (db_begin(nb) == -1 || db_exec(nb, NULL, "UPDATE volumes SET"
	    " size_gb = ?2 WHERE id = ?1", "si", id,
	    (long long)(bytes / GIB)) == -1 || db_commit(nb) == -1)) {
		db_rollback(nb);
		return -1;
	}
	/* attaching, detaching, extending: the domain says. */
	if (has) {
		reconcile_row(t, "volume", id, r[1], status, "in-use",
		    "its process is gone; the domain has the disk");
		return dry_run ? 0 : settle(nb, "volumes", "volume", id,
		    "in-use", NULL, NULL);
	}
	reconcile_row(t, "volume", id, r[1], status, "available",
	    "its process is gone; no domain has the disk");
	return dry_run ? 0 : settle(nb, "volumes", "volume", id, "available",
	    NULL, "UPDATE volumes SET server_id = NULL, device = NULL"
	    " WHERE id = ?1");
}

/* The volumes and snapshots of one host. */
static int
reconcile_volume_host(struct nb *nb, const char *host_id, const char *uri,
    int dry_run, int fix, struct table *t)
{
	struct table	*rows = NULL, *snaps = NULL, *pools = NULL;
	struct virt	*virt;
	time_t		 now = time(NULL);
	size_t		 i, j, k, n;
	char		**names;
	int		 rv = -1;

	if ((virt = virt_open(nb, uri)) == NULL)
		return -1;
	if ((rows = db_table(nb, vol_reconcile_sql, "s", host_id)) == NULL ||
	    (snaps = db_table(nb, snap_reconcile_sql, "s", host_id)) == NULL)
		goto out;
	for (i = 0; i < rows->nrows; i++) {
		char	**r = &rows->cells[i * rows->ncols];

		if (r[3] == NULL || strcmp(r[2], "available") == 0 ||
		    strcmp(r[2], "in-use") == 0 || strcmp(r[2], "error") == 0)
			continue;
		/*
		 * A live process may be copying a large volume past its
		 * deadline: it is left alone, only reported.
		 */
		if (claim_alive(r[3])) {
			if (r[4] != NULL && strtoll(r[4], NULL, 10) <= now)
				reconcile_row(t, "volume", r[0], r[1], r[2],
				    r[2], "overdue, but its process is alive: "
				    "left alone");
			continue;
		}
		if (reconcile_volume(nb, virt, r, dry_run, t) == -1)
			goto out;
	}
	for (i = 0; i < snaps->nrows; i++) {
		char	**r = &snaps->cells[i * snaps->ncols], name[96];

		if (r[3] == NULL || claim_alive(r[3]))
			continue;
		if (strcmp(r[2], "creating") != 0 &&
		    strcmp(r[2], "deleting") != 0)
			continue;
		reconcile_row(t, "snapshot", r[0], r[1], r[2], "error",
		    "its process is gone: what it made is removed");
		if (dry_run)
			continue;
		snapshot_pool_name(name, sizeof(name), r[0]);
		(void)virt_vol_delete(virt, r[5], name);
		nb_clearerr(nb);
		if (settle(nb, "snapshots", "snapshot", r[0], "error",
		    "interrupted: the process working on it died", NULL) == -1)
			goto out;
	}
	/* Volumes of ours in the host's pools that no row owns. */
	if ((pools = db_table(nb, "SELECT DISTINCT pool FROM volumes"
	    " WHERE host_id = ?1 UNION SELECT ?2", "ss", host_id,
	    conf_get(nb->conf, "volume", "storage_pool",
	    "nubes-volumes"))) == NULL)
		goto out;
	for (k = 0; k < pools->nrows; k++) {
		const char	*pool = pools->cells[k];

		if (pool == NULL || virt_vol_list(virt, pool, "nubes-",
		    &names, &n) == -1) {
			nb_clearerr(nb);
			continue;
		}
		for (j = 0; j < n; j++) {
			const char	*id = NULL, *kind = NULL;
			long long	 owned;

			if (strncmp(names[j], "nubes-vol-", 10) == 0) {
				id = names[j] + 10;
				kind = "volumes";
			} else if (strncmp(names[j], "nubes-snap-", 11) == 0) {
				id = names[j] + 11;
				kind = "snapshots";
			}
			if (id == NULL)
				continue;
			owned = db_int(nb, 0, strcmp(kind, "volumes") == 0 ?
			    "SELECT count(*) FROM volumes WHERE id = ?1" :
			    "SELECT count(*) FROM snapshots WHERE id = ?1", "s",
			    id);
			if (owned > 0 || nb->errcode != 0)
				continue;
			reconcile_row(t, "pool-volume", id, names[j], pool,
			    fix && !dry_run ? "removed" : "orphan",
			    fix && !dry_run ? "no volume or snapshot owns it: "
			    "deleted" : "no volume or snapshot owns it (--fix "
			    "removes it)");
			if (fix && !dry_run)
				(void)virt_vol_delete(virt, pool, names[j]);
		}
		for (j = 0; j < n; j++)
			free(names[j]);
		free(names);
	}
	nb_clearerr(nb);
	rv = 0;
out:
	table_free(rows);
	table_free(snaps);
	table_free(pools);
	virt_close(virt);
	return rv;
}

int
volume_reconcile(struct nb *nb, int dry_run, int fix, struct table *t)
{
	struct table	*hosts;
	size_t		 i;
	int		 rv = 0;

	if ((hosts = db_table(nb, "SELECT id, uri FROM hosts WHERE id IN"
	    " (SELECT host_id FROM volumes) ORDER BY name", NULL)) == NULL)
		return -1;
	for (i = 0; i < hosts->nrows; i++)
		if (reconcile_volume_host(nb, hosts->cells[i * 2],
		    hosts->cells[i * 2 + 1], dry_run, fix, t) == -1)
			rv = -1;
	table_free(hosts);
	return rv;
}
