/*
 * image.c: the image registry and its store, $STATE/images/ID.
 *
 * An upload is claim -> act -> record (DESIGN.md 4): a short write
 * transaction checks the quota and inserts the row as saving with this
 * process's claim; the bytes stream from stdin into images/.ID.part with
 * no transaction open; the header is inspected (imgformat.c); the file
 * is synced and renamed into place, and a second transaction makes the
 * image active.  cloud-reconcile settles uploads whose process died.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "nubes.h"
#include "auth.h"
#include "identity.h"
#include "image.h"
#include "imgformat.h"
#include "resource.h"

#define IO_CHUNK	(1024 * 1024)
#define WRITEBACK_EVERY	(32 * 1024 * 1024)
#define GIB		(1024ULL * 1024 * 1024)

static int	 image_delete_check(struct nb *, const char *, const char *);
static void	 image_after_delete(struct nb *, const char *);

#define IMAGE_SELECT \
    "SELECT i.id, i.name, i.status, i.disk_format, i.container_format," \
    " i.size AS \"size:n\", i.virtual_size AS \"virtual_size:n\"," \
    " i.os_hash_algo, i.os_hash_value, i.visibility," \
    " i.protected AS \"protected:b\", i.min_disk AS \"min_disk:n\"," \
    " i.min_ram AS \"min_ram:n\", i.owner," \
    " i.created_at AS \"created_at:t\"," \
    " i.updated_at AS \"updated_at:t\"," \
    " (SELECT json_group_object(key, value) FROM image_properties" \
    "  WHERE image_id = i.id) AS \"properties:j\"," \
    " i.kernel_id, i.ramdisk_id" \
    " FROM images i"

static const char image_show_sql[] = IMAGE_SELECT " WHERE i.id = ?1";

/*
 * Visible to project ?2: its own, public ones, shared with it, and
 * community ones by id only, so that nobody's community image can make
 * a public image's name ambiguous or take it over.
 */
#define IMAGE_SCOPE \
    "(owner = ?2 OR visibility = 'public' OR" \
    " (visibility = 'community' AND id = ?1) OR" \
    " (visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m" \
    "  WHERE m.image_id = images.id AND m.member = ?2)))"

const struct resource res_image = {
	.kind = "image",
	.table = "images",
	.name_col = "name",
	.project_col = "owner",
	.show_sql = image_show_sql,
	.scope_sql = IMAGE_SCOPE,
	.delete_check = image_delete_check,
	.after_delete = image_after_delete,
};

static const char *const disk_formats[] = {
	"raw", "qcow2", "vmdk", "vdi", "vhd", "vhdx", "iso", "aki", "ari",
	"ami", NULL
};
static const char *const container_formats[] = {
	"bare", "ovf", "ova", "aki", "ari", "ami", "docker", "compressed",
	NULL
};
static const char *const visibilities[] = {
	"public", "private", "shared", "community", NULL
};
/* Glance's core attributes: not settable as properties. */
static const char *const reserved_keys[] = {
	"id", "name", "status", "owner", "visibility", "protected", "size",
	"virtual_size", "checksum", "os_hash_algo", "os_hash_value",
	"disk_format", "container_format", "min_disk", "min_ram",
	"created_at", "updated_at", "kernel_id", "ramdisk_id", "locations",
	"direct_url", "tags", "schema", "file", "self", "properties", NULL
};

static int
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static int
choice_valid(struct nb *nb, const char *what, const char *const *list,
    const char *s)
{
	struct buf	 b;
	const char	*const *p;

	if (in_list(list, s))
		return 0;
	buf_init(&b);
	for (p = list; *p != NULL; p++)
		buf_printf(&b, "%s%s", p == list ? "" : ", ", *p);
	nb_seterr(nb, NB_EUSAGE, "%s '%s': use one of %s", what, s, b.s);
	buf_free(&b);
	return -1;
}

int
image_prop_parse(struct nb *nb, char *text, struct image_prop *p)
{
	char	*eq = strchr(text, '=');

	if (eq == NULL || eq == text)
		return nb_seterr(nb, NB_EUSAGE, "property '%s': use KEY=VALUE",
		    text);
	*eq = '\0';
	p->key = text;
	p->value = eq + 1;
	if (text_valid(nb, "property key", p->key, 255) == -1 ||
	    text_valid(nb, "property value", p->value, 65535) == -1)
		return -1;
	if (in_list(reserved_keys, p->key))
		return nb_seterr(nb, NB_EUSAGE, "property '%s' is an image "
		    "attribute, not a property: use its own option", p->key);
	return 0;
}

static char *
image_path(struct nb *nb, const char *id, int partial)
{
	char	*p;

	xasprintf(&p, "%s/images/%s%s%s", nb->state_dir, partial ? "." : "",
	    id, partial ? ".part" : "");
	return p;
}

static int
store_dir(struct nb *nb)
{
	char	*d;
	int	 rv = 0;

	xasprintf(&d, "%s/images", nb->state_dir);
	if (mkdir(d, 0750) == -1 && errno != EEXIST)
		rv = nb_seterr(nb, NB_EFAIL, "creating '%s': %s", d,
		    strerror(errno));
	free(d);
	return rv;
}

/* Checks of a spec that need no database. */
static int
spec_valid(struct nb *nb, const struct image_spec *s)
{
	if (s->name != NULL && name_valid(nb, "image", s->name) == -1)
		return -1;
	if (s->disk_format != NULL &&
	    choice_valid(nb, "disk format", disk_formats, s->disk_format) == -1)
		return -1;
	if (s->container_format != NULL && choice_valid(nb,
	    "container format", container_formats, s->container_format) == -1)
		return -1;
	if (s->visibility != NULL &&
	    choice_valid(nb, "visibility", visibilities, s->visibility) == -1)
		return -1;
	if (s->min_disk < -1 || s->min_ram < -1)
		return nb_seterr(nb, NB_EUSAGE, "--min-disk and --min-ram must "
		    "not be negative");
	return 0;
}

/* aki, ari and ami go with the same container format, as in Glance. */
static int
formats_match(struct nb *nb, const char *disk, const char *container)
{
	int	 d = strcmp(disk, "aki") == 0 || strcmp(disk, "ari") == 0 ||
		    strcmp(disk, "ami") == 0;
	int	 c = strcmp(container, "aki") == 0 ||
		    strcmp(container, "ari") == 0 ||
		    strcmp(container, "ami") == 0;

	if ((d || c) && strcmp(disk, container) != 0)
		return nb_seterr(nb, NB_EUSAGE, "disk format '%s' and container "
		    "format '%s' must be the same for aki, ari and ami", disk,
		    container);
	return 0;
}

/* Resolve a --kernel or --ramdisk image and check it is of kind fmt. */
static int
resolve_boot_image(struct nb *nb, const char *text, const char *fmt,
    struct ref *ref)
{
	char	*have;

	if (resource_resolve(nb, &res_image, text, ref) == -1)
		return -1;
	have = db_text(nb, "SELECT disk_format FROM images WHERE id = ?1",
	    "s", ref->id);
	if (have == NULL || strcmp(have, fmt) != 0) {
		nb_seterr(nb, NB_EUSAGE, "image '%s' is %s, not %s", text,
		    have ? have : "gone", fmt);
		free(have);
		ref_release(ref);
		return -1;
	}
	free(have);
	return 0;
}

static const char prop_set_sql[] =
    "INSERT INTO image_properties (image_id, key, value) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (image_id, key) DO UPDATE SET value = excluded.value";
static const char prop_del_sql[] =
    "DELETE FROM image_properties WHERE image_id = ?1 AND key = ?2";

static int
props_apply(struct nb *nb, const char *id, const struct image_spec *s)
{
	size_t	 i;
	int	 n;

	for (i = 0; i < s->nprops; i++) {
		if (s->props[i].value != NULL)
			n = db_exec(nb, NULL, prop_set_sql, "sss", id,
			    s->props[i].key, s->props[i].value);
		else
			n = db_exec(nb, NULL, prop_del_sql, "ss", id,
			    s->props[i].key);
		if (n == -1)
			return -1;
	}
	return 0;
}

/* Only cloud admins publish; the policy says who else may do what. */
static int
visibility_allowed(struct nb *nb, const char *visibility, const char *owner)
{
	if (visibility != NULL && strcmp(visibility, "public") == 0)
		return policy_check(nb, "image:publicize", owner, NULL);
	return 0;
}

static const char insert_sql[] =
    "INSERT INTO images (id, name, owner, status, disk_format,"
    " container_format, visibility, protected, min_disk, min_ram,"
    " kernel_id, ramdisk_id, claim, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, 'saving', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
    " ?13, ?13)";

/* Transaction 1: quota, row in state saving with our claim. */
static int
upload_claim(struct nb *nb, const char *id, const struct image_spec *s,
    long long *bytes_left)
{
	struct ref	 k = { 0 }, r = { 0 };
	char		 claim[NB_CLAIM_LEN];
	long long	 limit = -1, used;

	proc_claim(claim);
	if (db_begin(nb) == -1)
		return -1;
	if ((s->kernel != NULL &&
	    resolve_boot_image(nb, s->kernel, "aki", &k) == -1) ||
	    (s->ramdisk != NULL &&
	    resolve_boot_image(nb, s->ramdisk, "ari", &r) == -1))
		goto fail;
	if (quota_check(nb, nb->ctx.project_id, "images", 1) == -1 ||
	    quota_limit_of(nb, nb->ctx.project_id, "image_bytes", &limit,
	    &used) == -1)
		goto fail;
	*bytes_left = limit < 0 ? -1 : limit - used;
	if (limit >= 0 && *bytes_left <= 0) {
		nb_seterr(nb, NB_ECONFLICT, "quota exceeded for image_bytes: "
		    "limit %lld bytes, in use %lld", limit, used);
		goto fail;
	}
	if (db_exec(nb, NULL, insert_sql, "ssssssdiisssi", id, s->name,
	    nb->ctx.project_id, s->disk_format, s->container_format,
	    s->visibility, s->protected == 1, s->min_disk < 0 ? 0 : s->min_disk,
	    s->min_ram < 0 ? 0 : s->min_ram, s->kernel ? k.id : NULL,
	    s->ramdisk ? r.id : NULL, claim, (long long)time(NULL)) == -1 ||
	    props_apply(nb, id, s) == -1 || db_commit(nb) == -1)
		goto fail;
	ref_release(&k);
	ref_release(&r);
	return 0;
fail:
	db_rollback(nb);
	ref_release(&k);
	ref_release(&r);
	return -1;
}

/*
 * The store's writer runs in a thread of its own, a few chunks behind
 * the reader, so that hashing (the slow part) and writing overlap: the
 * upload then goes as fast as sha512 alone.  NCHUNKS buffers of IO_CHUNK
 * bytes bound the memory, whatever the image's size.
 */
#define NCHUNKS	4

struct writer {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	unsigned char	*buf[NCHUNKS];
	size_t		 len[NCHUNKS];
	int		 head, count;	/* queued chunks start at head */
	int		 closing;	/* the reader is done */
	int		 error;		/* errno of a failed write */
	int		 fd;
	uint64_t	 written, synced;
};

static void *
writer_run(void *arg)
{
	struct writer	*w = arg;
	size_t		 off;
	ssize_t		 n;
	int		 slot, error = 0;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (w->count == 0 && !w->closing)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->count == 0 || w->error) {
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		slot = w->head;
		pthread_mutex_unlock(&w->mu);
		for (off = 0; off < w->len[slot] && error == 0; off += n)
			if ((n = write(w->fd, w->buf[slot] + off,
			    w->len[slot] - off)) == -1) {
				if (errno == EINTR) {
					n = 0;
					continue;
				}
				error = errno;
			}
		w->written += w->len[slot];
		if (error == 0 && w->written - w->synced >= WRITEBACK_EVERY) {
			(void)sync_file_range(w->fd, (off_t)w->synced,
			    (off_t)(w->written - w->synced),
			    SYNC_FILE_RANGE_WRITE);
			w->synced = w->written;
		}
		pthread_mutex_lock(&w->mu);
		w->head = (w->head + 1) % NCHUNKS;
		w->count--;
		w->error = error;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
}

/* A free buffer for the reader, or -1 once the writer has failed. */
static int
writer_slot(struct writer *w)
{
	int	 slot;

	pthread_mutex_lock(&w->mu);
	while (w->count == NCHUNKS && !w->error)
		pthread_cond_wait(&w->cv, &w->mu);
	slot = w->error ? -1 : (w->head + w->count) % NCHUNKS;
	pthread_mutex_unlock(&w->mu);
	return slot;
}

static void
writer_push(struct writer *w, size_t len)
{
	pthread_mutex_lock(&w->mu);
	w->len[(w->head + w->count) % NCHUNKS] = len;
	w->count++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Let the writer finish what is queued; its errno, or 0. */
static int
writer_close(struct writer *w, pthread_t th)
{
	pthread_mutex_lock(&w->mu);
	w->closing = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(th, NULL);
	return w->error;
}

/*
 * Copy fd into the temporary file, hashing as it goes, in constant
 * memory; writeback starts every 32 MiB so the final sync is short.
 */
static int
upload_stream(struct nb *nb, int in, int out, long long max_bytes,
    uint64_t *sizep, char hash[129], image_progress_fn progress, void *arg)
{
	struct writer	 w;
	pthread_t	 th;
	EVP_MD_CTX	*md;
	unsigned char	 digest[64];
	unsigned int	 dlen;
	uint64_t	 total = 0;
	ssize_t		 n;
	int		 i, slot, error, rv = -1;

	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	w.fd = out;
	for (i = 0; i < NCHUNKS; i++)
		w.buf[i] = xmalloc(IO_CHUNK);
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha512(), NULL) != 1) {
		nb_seterr(nb, NB_EFAIL, "sha512 is not available");
		goto free;
	}
	if ((error = pthread_create(&th, NULL, writer_run, &w)) != 0) {
		nb_seterr(nb, NB_EFAIL, "starting the store's writer: %s",
		    strerror(error));
		goto free;
	}
	for (;;) {
		if ((slot = writer_slot(&w)) == -1)
			break;		/* the write error is reported below */
		if (nb_interrupted) {
			nb_seterr(nb, NB_EFAIL, "interrupted after %llu bytes",
			    (unsigned long long)total);
			goto stop;
		}
		if ((n = read(in, w.buf[slot], IO_CHUNK)) == -1) {
			if (errno == EINTR)
				continue;
			nb_seterr(nb, NB_EFAIL, "reading the image from stdin: "
			    "%s", strerror(errno));
			goto stop;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (max_bytes >= 0 && total > (uint64_t)max_bytes) {
			nb_seterr(nb, NB_ECONFLICT, "the image is larger than "
			    "%lld bytes, which is all that its size limit and "
			    "the project's image_bytes quota allow", max_bytes);
			goto stop;
		}
		EVP_DigestUpdate(md, w.buf[slot], (size_t)n);
		writer_push(&w, (size_t)n);
		if (progress != NULL)
			progress(arg, total, 0);
	}
	if ((error = writer_close(&w, th)) != 0 || fdatasync(out) == -1) {
		nb_seterr(nb, NB_EFAIL, "writing the image to the store: %s",
		    strerror(error ? error : errno));
		goto free;
	}
	EVP_DigestFinal_ex(md, digest, &dlen);
	hex_encode(digest, dlen, hash);
	*sizep = total;
	rv = 0;
	goto free;
stop:
	(void)writer_close(&w, th);
free:
	EVP_MD_CTX_free(md);
	for (i = 0; i < NCHUNKS; i++)
		free(w.buf[i]);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return rv;
}

static const char activate_sql[] =
    "UPDATE images SET status = 'active', size = ?2, virtual_size = ?3,"
    " os_hash_algo = 'sha512', os_hash_value = ?4, claim = NULL,"
    " updated_at = ?5 WHERE id = ?1 AND status = 'saving'";

/* Transaction 2: the quota on bytes, then active. */
static int
upload_record(struct nb *nb, const char *id, const char *name, uint64_t size,
    uint64_t vsize, const char *hash)
{
	long long	 limit, used;

	if (db_begin(nb) == -1)
		return -1;
	if (quota_limit_of(nb, nb->ctx.project_id, "image_bytes", &limit,
	    &used) == -1)
		goto fail;
	if (limit >= 0 && used + (long long)size > limit) {
		nb_seterr(nb, NB_ECONFLICT, "quota exceeded for image_bytes: "
		    "limit %lld bytes, in use %lld, this image %llu", limit,
		    used, (unsigned long long)size);
		goto fail;
	}
	switch (db_exec(nb, NULL, activate_sql, "siisi", id, (long long)size,
	    (long long)vsize, hash, (long long)time(NULL))) {
	case -1:
		goto fail;
	case 0:
		nb_seterr(nb, NB_ECONFLICT, "the image was deleted, or its "
		    "upload settled by cloud-reconcile, while it uploaded");
		goto fail;
	}
	if (event_record(nb, "image:add", "image", id, name, 1, NULL) == -1 ||
	    db_commit(nb) == -1)
		goto fail;
	return 0;
fail:
	db_rollback(nb);
	return -1;
}

/*
 * After a failure: a refused image leaves no row, an interrupted or
 * failed upload a killed one; the error in nb is kept either way.
 */
static void
upload_abandon(struct nb *nb, const char *id, const char *name, int refused)
{
	struct nb_error	 keep;

	nb_error_save(nb, &keep);
	if (db_begin(nb) == 0) {
		if ((refused ? db_exec(nb, NULL, "DELETE FROM images WHERE id = "
		    "?1", "s", id) : db_exec(nb, NULL, "UPDATE images SET status ="
		    " 'killed', claim = NULL, updated_at = ?2 WHERE id = ?1",
		    "si", id, (long long)time(NULL))) == -1 ||
		    event_record(nb, "image:add", "image", id, name, 0,
		    keep.msg) == -1 || db_commit(nb) == -1)
			db_rollback(nb);
	}
	nb_error_restore(nb, &keep);
}

struct table *
image_add(struct nb *nb, const struct image_spec *spec, int in,
    image_progress_fn progress, void *arg)
{
	struct image_spec	 s = *spec;
	struct img_info		 info;
	char			 id[NB_UUID_LEN + 1], hash[129];
	char			*part = NULL, *final = NULL;
	long long		 max_gb, max_vgb, left, max_bytes;
	uint64_t		 size = 0;
	int			 out = -1, refused = 0;

	if (s.container_format == NULL)
		s.container_format = s.disk_format != NULL &&
		    (strcmp(s.disk_format, "aki") == 0 ||
		    strcmp(s.disk_format, "ari") == 0 ||
		    strcmp(s.disk_format, "ami") == 0) ? s.disk_format : "bare";
	if (s.visibility == NULL)
		s.visibility = "shared";
	if (spec_valid(nb, &s) == -1 ||
	    formats_match(nb, s.disk_format, s.container_format) == -1)
		return NULL;
	if (conf_num(nb, "image", "max_size_gb", 1024, 1, 1 << 20,
	    &max_gb) == -1 || conf_num(nb, "image", "max_virtual_size_gb",
	    16384, 1, 1 << 24, &max_vgb) == -1)
		return NULL;
	if (policy_check(nb, "image:add", nb->ctx.project_id, NULL) == -1 ||
	    visibility_allowed(nb, s.visibility, nb->ctx.project_id) == -1) {
		event_failed(nb, "image:add", "image", s.name);
		return NULL;
	}
	if (store_dir(nb) == -1)
		return NULL;
	uuid_generate(id);
	if (upload_claim(nb, id, &s, &left) == -1) {
		event_failed(nb, "image:add", "image", s.name);
		return NULL;
	}
	part = image_path(nb, id, 1);
	final = image_path(nb, id, 0);
	if ((out = open(part, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640)) == -1) {
		nb_seterr(nb, NB_EFAIL, "creating '%s': %s", part,
		    strerror(errno));
		goto fail;
	}
	max_bytes = max_gb * (long long)GIB;
	if (left >= 0 && left < max_bytes)
		max_bytes = left;
	if (upload_stream(nb, in, out, max_bytes, &size, hash, progress,
	    arg) == -1)
		goto fail;
	if (img_inspect(out, size, s.disk_format, (uint64_t)max_vgb * GIB,
	    &info) == -1) {
		nb_seterr(nb, NB_EUSAGE, "image refused: %s", info.reason);
		refused = 1;
		goto fail;
	}
	if (close(out) == -1) {
		out = -1;
		nb_seterr(nb, NB_EFAIL, "writing '%s': %s", part,
		    strerror(errno));
		goto fail;
	}
	out = -1;
	if (rename(part, final) == -1) {
		nb_seterr(nb, NB_EFAIL, "renaming '%s': %s", part,
		    strerror(errno));
		goto fail;
	}
	if (upload_record(nb, id, s.name, size, info.virtual_size,
	    hash) == -1) {
		unlink(final);
		goto fail;
	}
	free(part);
	free(final);
	return db_table(nb, res_image.show_sql, "s", id);
fail:
	if (out != -1)
		close(out);
	unlink(part);
	upload_abandon(nb, id, s.name, refused);
	free(part);
	free(final);
	return NULL;
}

static const char list_sql[] =
    " WHERE (?1 IS NULL OR i.owner = ?1 OR i.visibility = 'public'"
    "  OR (i.visibility = 'community' AND ?3 = 'community')"
    "  OR (i.visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m"
    "   WHERE m.image_id = i.id AND m.member = ?1 AND m.status = 'accepted')))"
    " AND (?2 IS NULL OR i.status = ?2)"
    " AND (?3 IS NULL OR i.visibility = ?3)"
    " AND (?4 IS NULL OR i.name = ?4)";
static const char list_prop_sql[] =
    " AND EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = i.id"
    " AND p.key = ?%zu AND p.value = ?%zu)";

/*
 * What a project sees: its own images, public ones, shared ones it
 * accepted, and community ones when it asks for them; cloud admins with
 * all_projects see every image.  Newest first, as Glance.
 */
struct table *
image_list(struct nb *nb, const struct image_filter *f)
{
	struct stmt	*st;
	struct buf	 sql;
	const char	*scope = nb->ctx.project_id;
	size_t		 i;
	int		 ok = 0;

	if (f->status != NULL && strcmp(f->status, "queued") != 0 &&
	    strcmp(f->status, "saving") != 0 &&
	    strcmp(f->status, "active") != 0 &&
	    strcmp(f->status, "killed") != 0 &&
	    strcmp(f->status, "deactivated") != 0) {
		nb_seterr(nb, NB_EUSAGE, "status '%s': use queued, saving, "
		    "active, killed or deactivated", f->status);
		return NULL;
	}
	if (f->visibility != NULL && choice_valid(nb, "visibility",
	    visibilities, f->visibility) == -1)
		return NULL;
	if (policy_check(nb, "image:list", nb->ctx.project_id, NULL) == -1)
		return NULL;
	if (f->all_projects) {
		if (!is_cloud_admin(nb)) {
			nb_seterr(nb, NB_EAUTH, "forbidden: --all-projects is "
			    "for cloud admins");
			return NULL;
		}
		scope = NULL;
	}
	buf_init(&sql);
	buf_puts(&sql, IMAGE_SELECT);
	buf_puts(&sql, list_sql);
	for (i = 0; i < f->nprops; i++)
		buf_printf(&sql, list_prop_sql, 5 + 2 * i, 6 + 2 * i);
	buf_puts(&sql, " ORDER BY i.created_at DESC, i.rowid DESC");
	st = db_prepare(nb, sql.s, "ssss", scope, f->status, f->visibility,
	    f->name);
	buf_free(&sql);
	if (st == NULL)
		return NULL;
	for (i = 0; i < f->nprops && ok == 0; i++)
		ok = db_bind_text(st, 5 + 2 * (int)i, f->props[i].key) |
		    db_bind_text(st, 6 + 2 * (int)i, f->props[i].value);
	if (ok != 0) {
		db_finalize(st);
		return NULL;
	}
	return db_table_stmt(st);
}

static const char update_sql[] =
    "UPDATE images SET name = ifnull(?2, name),"
    " visibility = ifnull(?3, visibility),"
    " protected = CASE WHEN ?4 < 0 THEN protected ELSE ?4 END,"
    " min_disk = CASE WHEN ?5 < 0 THEN min_disk ELSE ?5 END,"
    " min_ram = CASE WHEN ?6 < 0 THEN min_ram ELSE ?6 END,"
    " kernel_id = ifnull(?7, kernel_id), ramdisk_id = ifnull(?8, ramdisk_id),"
    " updated_at = ?9 WHERE id = ?1";

struct table *
image_set(struct nb *nb, const char *image, const struct image_spec *s)
{
	struct ref	 ref = { 0 }, k = { 0 }, r = { 0 };
	struct table	*t = NULL;

	if (spec_valid(nb, s) == -1)
		return NULL;
	if (db_begin(nb) == -1)
		goto fail;
	if (resource_authorize(nb, &res_image, "set", image, &ref) == -1 ||
	    visibility_allowed(nb, s->visibility, ref.project_id) == -1)
		goto fail;
	if ((s->kernel != NULL &&
	    resolve_boot_image(nb, s->kernel, "aki", &k) == -1) ||
	    (s->ramdisk != NULL &&
	    resolve_boot_image(nb, s->ramdisk, "ari", &r) == -1))
		goto fail;
	if (db_exec(nb, NULL, update_sql, "sssdiissi", ref.id, s->name,
	    s->visibility, s->protected, s->min_disk, s->min_ram,
	    s->kernel ? k.id : NULL, s->ramdisk ? r.id : NULL,
	    (long long)time(NULL)) == -1 || props_apply(nb, ref.id, s) == -1 ||
	    event_record(nb, "image:set", "image", ref.id, ref.name, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	t = db_table(nb, res_image.show_sql, "s", ref.id);
	goto out;
fail:
	event_failed(nb, "image:set", "image", image);
out:
	ref_release(&ref);
	ref_release(&k);
	ref_release(&r);
	return t;
}

static int
image_delete_check(struct nb *nb, const char *id, const char *name)
{
	char	*user;

	long long	 protected;

	protected = db_int(nb, 0, "SELECT protected FROM images WHERE id = ?1",
	    "s", id);
	if (nb->errcode != 0)
		return -1;
	if (protected != 0)
		return nb_seterr(nb, NB_ECONFLICT, "image '%s' is protected: "
		    "cloud-image-set --unprotected first", name);
	user = db_text(nb, "SELECT name || ' (' || id || ')' FROM images"
	    " WHERE kernel_id = ?1 OR ramdisk_id = ?1 LIMIT 1", "s", id);
	if (nb->errcode != 0)
		return -1;
	if (user != NULL) {
		nb_seterr(nb, NB_ECONFLICT, "image '%s' is the kernel or "
		    "ramdisk of image %s", name, user);
		free(user);
		return -1;
	}
	return 0;
}

/* The row is gone: its file goes too (cloud-reconcile if this fails). */
static void
image_after_delete(struct nb *nb, const char *id)
{
	char	*path = image_path(nb, id, 0);

	(void)unlink(path);
	free(path);
}

int
image_activate(struct nb *nb, const char *image, int active)
{
	const char	*action = active ? "image:reactivate" :
			    "image:deactivate";
	struct ref	 ref = { 0 };
	char		*status = NULL;
	int		 n;

	if (db_begin(nb) == -1)
		goto fail;
	if (resource_authorize(nb, &res_image, active ? "reactivate" :
	    "deactivate", image, &ref) == -1)
		goto fail;
	status = db_text(nb, "SELECT status FROM images WHERE id = ?1", "s",
	    ref.id);
	if (status == NULL || (strcmp(status, "active") != 0 &&
	    strcmp(status, "deactivated") != 0)) {
		nb_seterr(nb, NB_ECONFLICT, "image '%s' is %s: only active and "
		    "deactivated images can be %s", image,
		    status ? status : "gone", active ? "reactivated" :
		    "deactivated");
		goto fail;
	}
	n = db_exec(nb, NULL, "UPDATE images SET status = ?2, updated_at = ?3"
	    " WHERE id = ?1", "ssi", ref.id, active ? "active" : "deactivated",
	    (long long)time(NULL));
	if (n == -1 || event_record(nb, action, "image", ref.id, ref.name, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	free(status);
	ref_release(&ref);
	return 0;
fail:
	free(status);
	event_failed(nb, action, "image", image);
	ref_release(&ref);
	return -1;
}

int
image_download(struct nb *nb, const char *image, int out,
    image_progress_fn progress, void *arg)
{
	struct ref	 ref;
	struct stmt	*st;
	EVP_MD_CTX	*md = NULL;
	unsigned char	*chunk = NULL, digest[64];
	char		*path = NULL, status[16], want[129], got[129];
	unsigned int	 dlen;
	uint64_t	 total = 0, size = 0;
	ssize_t		 n, w, off;
	int		 in = -1, rv = -1;

	if (resource_authorize(nb, &res_image, "download", image, &ref) == -1)
		return -1;
	if ((st = db_prepare(nb, "SELECT status, os_hash_value, size FROM"
	    " images WHERE id = ?1", "s", ref.id)) == NULL)
		goto out;
	status[0] = want[0] = '\0';
	if (db_step(st) == 1) {
		strlcpy(status, db_col_text(st, 0), sizeof(status));
		strlcpy(want, db_col_text(st, 1), sizeof(want));
		size = (uint64_t)db_col_int(st, 2);
	}
	db_finalize(st);
	if (strcmp(status, "deactivated") == 0 && !is_cloud_admin(nb)) {
		nb_seterr(nb, NB_ECONFLICT, "image '%s' is deactivated: only "
		    "cloud admins may download it", image);
		goto out;
	}
	if (strcmp(status, "active") != 0 &&
	    strcmp(status, "deactivated") != 0) {
		nb_seterr(nb, NB_ECONFLICT, "image '%s' is %s: it has no data",
		    image, status[0] ? status : "gone");
		goto out;
	}
	path = image_path(nb, ref.id, 0);
	if ((in = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		nb_seterr(nb, NB_EFAIL, "image '%s': its file '%s' is missing: "
		    "%s", image, path, strerror(errno));
		goto out;
	}
	chunk = xmalloc(IO_CHUNK);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha512(), NULL) != 1) {
		nb_seterr(nb, NB_EFAIL, "sha512 is not available");
		goto out;
	}
	(void)posix_fadvise(in, 0, 0, POSIX_FADV_SEQUENTIAL);
	while ((n = read(in, chunk, IO_CHUNK)) != 0) {
		if (n == -1 || nb_interrupted) {
			if (n == -1 && errno == EINTR && !nb_interrupted)
				continue;
			nb_seterr(nb, NB_EFAIL, "reading image '%s': %s", image,
			    nb_interrupted ? "interrupted" : strerror(errno));
			goto out;
		}
		EVP_DigestUpdate(md, chunk, (size_t)n);
		for (off = 0; off < n; off += w)
			if ((w = write(out, chunk + off, n - off)) == -1) {
				if (errno == EINTR && !nb_interrupted) {
					w = 0;
					continue;
				}
				nb_seterr(nb, NB_EFAIL, "writing image '%s': %s",
				    image, strerror(errno));
				goto out;
			}
		total += (uint64_t)n;
		if (progress != NULL)
			progress(arg, total, size);
	}
	EVP_DigestFinal_ex(md, digest, &dlen);
	hex_encode(digest, dlen, got);
	if (total != size || !consttime_eq(got, want, sizeof(got))) {
		nb_seterr(nb, NB_EFAIL, "image '%s' is corrupt in the store: "
		    "%llu bytes with sha512 %.16s..., recorded %llu bytes with "
		    "%.16s...; the bytes written are not the image", image,
		    (unsigned long long)total, got, (unsigned long long)size,
		    want);
		goto out;
	}
	rv = 0;
out:
	EVP_MD_CTX_free(md);
	free(chunk);
	free(path);
	if (in != -1)
		close(in);
	ref_release(&ref);
	return rv;
}

/*
 * Any project, by name or id, not only those the caller can see: an
 * owner shares with projects it is not part of.
 */
static int
find_project(struct nb *nb, const char *text, char id[NB_UUID_LEN + 1])
{
	char	*have;

	have = db_text(nb, "SELECT id FROM projects WHERE id = ?1 OR"
	    " name = ?1 ORDER BY id = ?1 DESC LIMIT 1", "s", text);
	if (have == NULL)
		return nb->errcode != 0 ? -1 : nb_seterr(nb, NB_ENOTFOUND,
		    "project '%s' not found", text);
	strlcpy(id, have, NB_UUID_LEN + 1);
	free(have);
	return 0;
}

/* The image, which must be shared and owned by the caller's project. */
static int
member_image(struct nb *nb, const char *verb, const char *image,
    struct ref *ref)
{
	char	*vis;

	if (resource_authorize(nb, &res_image, verb, image, ref) == -1)
		return -1;
	vis = db_text(nb, "SELECT visibility FROM images WHERE id = ?1", "s",
	    ref->id);
	if (vis == NULL || strcmp(vis, "shared") != 0) {
		nb_seterr(nb, NB_ECONFLICT, "image '%s' is %s: only shared "
		    "images have members (cloud-image-set --shared)", image,
		    vis ? vis : "gone");
		free(vis);
		ref_release(ref);
		return -1;
	}
	free(vis);
	return 0;
}

int
image_member_add(struct nb *nb, const char *image, const char *project)
{
	static const char sql[] =
	    "INSERT INTO image_members (image_id, member, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?3)";
	struct ref	 ref = { 0 }, p = { 0 };
	char		 msg[600], target[600];

	snprintf(target, sizeof(target), "%s %s", image, project);
	if (db_begin(nb) == -1 ||
	    member_image(nb, "member_add", image, &ref) == -1)
		goto fail;
	/* Any project may be named, not only those the caller can see. */
	if (find_project(nb, project, p.id) == -1)
		goto fail;
	if (strcmp(p.id, ref.project_id) == 0) {
		nb_seterr(nb, NB_EUSAGE, "project '%s' owns image '%s'",
		    project, image);
		goto fail;
	}
	snprintf(msg, sizeof(msg), "project '%s' is already a member of "
	    "image '%s'", project, image);
	if (db_exec(nb, msg, sql, "ssi", ref.id, p.id,
	    (long long)time(NULL)) == -1 ||
	    event_record(nb, "image:member_add", "image", ref.id, target, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	ref_release(&ref);
	return 0;
fail:
	event_failed(nb, "image:member_add", "image", target);
	ref_release(&ref);
	return -1;
}

int
image_member_remove(struct nb *nb, const char *image, const char *project)
{
	static const char sql[] =
	    "DELETE FROM image_members WHERE image_id = ?1 AND member IN"
	    " (SELECT id FROM projects WHERE id = ?2 OR name = ?2)";
	struct ref	 ref = { 0 };
	char		 target[600];
	int		 n;

	snprintf(target, sizeof(target), "%s %s", image, project);
	/* Members stay when an image stops being shared: removable too. */
	if (db_begin(nb) == -1 || resource_authorize(nb, &res_image,
	    "member_remove", image, &ref) == -1)
		goto fail;
	if ((n = db_exec(nb, NULL, sql, "ss", ref.id, project)) == -1)
		goto fail;
	if (n == 0) {
		nb_seterr(nb, NB_ENOTFOUND, "project '%s' is not a member of "
		    "image '%s'", project, image);
		goto fail;
	}
	if (event_record(nb, "image:member_remove", "image", ref.id, target,
	    1, NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	ref_release(&ref);
	return 0;
fail:
	event_failed(nb, "image:member_remove", "image", target);
	ref_release(&ref);
	return -1;
}

int
image_member_set(struct nb *nb, const char *image, const char *project,
    const char *status)
{
	static const char sql[] =
	    "UPDATE image_members SET status = ?3, updated_at = ?4"
	    " WHERE image_id = ?1 AND member = ?2";
	struct ref	 ref = { 0 };
	char		 member[NB_UUID_LEN + 1], target[600];
	int		 n;

	snprintf(target, sizeof(target), "%s %s", image, status);
	if (strcmp(status, "accepted") != 0 && strcmp(status, "rejected") != 0 &&
	    strcmp(status, "pending") != 0) {
		nb_seterr(nb, NB_EUSAGE, "member status '%s': use accepted, "
		    "rejected or pending", status);
		return -1;
	}
	if (project != NULL && !is_cloud_admin(nb)) {
		nb_seterr(nb, NB_EAUTH, "forbidden: only cloud admins answer "
		    "for another project");
		goto fail;
	}
	if (db_begin(nb) == -1)
		goto fail;
	if (project == NULL)
		strlcpy(member, nb->ctx.project_id, sizeof(member));
	else if (find_project(nb, project, member) == -1)
		goto fail;
	if (resource_resolve(nb, &res_image, image, &ref) == -1 ||
	    policy_check(nb, "image:member_set", member, NULL) == -1)
		goto fail;
	if ((n = db_exec(nb, NULL, sql, "sssi", ref.id, member, status,
	    (long long)time(NULL))) == -1)
		goto fail;
	if (n == 0) {
		nb_seterr(nb, NB_ENOTFOUND, "image '%s' is not shared with "
		    "project '%s'", image, project ? project :
		    nb->ctx.project_name);
		goto fail;
	}
	if (event_record(nb, "image:member_set", "image", ref.id, target, 1,
	    NULL) == -1 || db_commit(nb) == -1)
		goto fail;
	ref_release(&ref);
	return 0;
fail:
	event_failed(nb, "image:member_set", "image", target);
	ref_release(&ref);
	return -1;
}

struct table *
image_member_list(struct nb *nb, const char *image)
{
	static const char sql[] =
	    "SELECT p.name AS member, m.status, m.member AS member_id,"
	    " m.image_id, m.created_at AS \"created_at:t\","
	    " m.updated_at AS \"updated_at:t\""
	    " FROM image_members m JOIN projects p ON p.id = m.member"
	    " WHERE m.image_id = ?1"
	    " AND (?2 IS NULL OR m.member = ?2 OR ?3 = ?2)"
	    " ORDER BY p.name";
	struct ref	 ref;
	struct table	*t;
	const char	*caller = is_cloud_admin(nb) ? NULL :
			    nb->ctx.project_id;

	if (resource_authorize(nb, &res_image, "member_list", image,
	    &ref) == -1)
		return NULL;
	/* The owner sees every member, a member only itself. */
	t = db_table(nb, sql, "sss", ref.id, caller, ref.project_id);
	ref_release(&ref);
	return t;
}

static void
reconcile_row(struct table *t, const char *id, const char *name,
    const char *was, const char *now, const char *action)
{
	const char	*row[6] = { "image", id, name, was, now, action };

	table_add_row(t, row);
}

/*
 * Uploads whose process is gone, then files no row owns.  The dead
 * uploads are collected first and repaired after the query is done: a
 * write transaction must not wait behind our own open read.
 */
int
image_reconcile(struct nb *nb, int dry_run, struct table *t)
{
	static const char *const cols[] = { "id", "name" };
	struct stmt	*st;
	struct dirent	*de;
	struct table	*dead;
	DIR		*dir;
	char		*d, *path, id[NB_UUID_LEN + 1];
	const char	*f;
	size_t		 i;
	int		 rc;

	if ((st = db_prepare(nb, "SELECT id, name, claim FROM images"
	    " WHERE status = 'saving'", NULL)) == NULL)
		return -1;
	dead = table_new(2, cols);
	while ((rc = db_step(st)) == 1)
		if (!claim_alive(db_col_text(st, 2))) {
			const char	*row[2] = {
				db_col_text(st, 0), db_col_text(st, 1)
			};

			table_add_row(dead, row);
		}
	db_finalize(st);
	for (i = 0; rc != -1 && i < dead->nrows; i++) {
		const char	*did = dead->cells[2 * i];
		const char	*dname = dead->cells[2 * i + 1];

		reconcile_row(t, did, dname, "saving", "killed",
		    "its upload's process is gone: killed, partial file "
		    "removed");
		if (dry_run)
			continue;
		/* Both names: it may have died between rename and record. */
		path = image_path(nb, did, 1);
		(void)unlink(path);
		free(path);
		path = image_path(nb, did, 0);
		(void)unlink(path);
		free(path);
		if (db_begin(nb) == -1 ||
		    db_exec(nb, NULL, "UPDATE images SET status = 'killed',"
		    " claim = NULL, updated_at = ?2 WHERE id = ?1 AND"
		    " status = 'saving'", "si", did, (long long)time(NULL)) == -1 ||
		    event_record(nb, "cloud:reconcile", "image", did, dname, 1,
		    "upload process gone: image killed") == -1 ||
		    db_commit(nb) == -1) {
			db_rollback(nb);
			rc = -1;
		}
	}
	table_free(dead);
	if (rc == -1)
		return -1;

	xasprintf(&d, "%s/images", nb->state_dir);
	if ((dir = opendir(d)) == NULL) {
		free(d);
		return errno == ENOENT ? 0 : nb_seterr(nb, NB_EFAIL,
		    "reading the image store: %s", strerror(errno));
	}
	while ((de = readdir(dir)) != NULL) {
		int	 partial = de->d_name[0] == '.';

		f = de->d_name + partial;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		strlcpy(id, f, sizeof(id));
		/*
		 * A live upload's files (partial, or renamed and about to be
		 * recorded) and an image's file stay.
		 */
		if (uuid_valid(id) && db_int(nb, 0, partial ?
		    "SELECT count(*) FROM images WHERE id = ?1 AND"
		    " status = 'saving'" :
		    "SELECT count(*) FROM images WHERE id = ?1 AND"
		    " status IN ('saving', 'active', 'deactivated')", "s",
		    id) > 0)
			continue;
		reconcile_row(t, uuid_valid(id) ? id : "", de->d_name, "file",
		    "removed", "no image owns this file in the store");
		if (dry_run)
			continue;
		xasprintf(&path, "%s/%s", d, de->d_name);
		if (unlink(path) == 0 && db_begin(nb) == 0) {
			if (event_record(nb, "cloud:reconcile", "file", NULL,
			    path, 1, "no image owns it: removed") == -1 ||
			    db_commit(nb) == -1)
				db_rollback(nb);
		}
		free(path);
	}
	closedir(dir);
	free(d);
	return 0;
}
