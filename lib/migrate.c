/*
 * migrate.c: moving a server to another host, claim -> act -> record
 * (DESIGN.md 4).  The claim transaction chooses the destination with
 * the scheduler (the source excluded, the server's group respected) and
 * claims the server's sizes there; the move runs with no transaction
 * open; the record transaction moves the server's row to the
 * destination only when libvirt shows the domain there.
 *
 * Live: libvirt's own peer-to-peer live migration, watched by a thread
 * that reports progress and aborts it past its deadline.  Cold: the
 * guest is powered off; with shared storage only its definition moves;
 * otherwise it is started paused (no guest code runs) and moved with
 * libvirt's disk copy, so the disks travel over libvirt's connection
 * and nothing assumes a path on another host.  On the destination it
 * boots afresh when it was active.  Confirmed at once: the source's
 * copy goes as soon as the destination holds the server.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"
#include "resource.h"
#include "scheduler.h"
#include "server.h"
#include "serverhost.h"
#include "virt.h"
#include "volume.h"

/* Nova's live_migration_completion_timeout: 800 s per GiB of RAM. */
#define COMPLETION_PER_GIB	800

/* The move, as the claim transaction read and chose it. */
struct move {
	struct ref	 ref;
	char		 mig[NB_UUID_LEN + 1];
	char		*src_id, *src_name, *src_uri, *src_pool;
	char		 dst_id[NB_UUID_LEN + 1];
	char		*dst_name, *dst_uri, *dst_pool, *dst_zone;
	long long	 vcpus, ram_mib, disk_gb, root_gb, ephemeral_gb;
	long long	 swap_mib;
	char		*image_id, *root_volume;
	long long	 nvolumes;		/* attached, and the root one */
	char		 vm_state[16];		/* before the move */
	int		 shared;	/* the destination sees the disks */
					/* (-1: not known yet) */
	const char	*kind;			/* live, block or cold */
};

static void
move_release(struct move *m)
{
	ref_release(&m->ref);
	free(m->src_id);
	free(m->src_name);
	free(m->src_uri);
	free(m->src_pool);
	free(m->dst_name);
	free(m->dst_uri);
	free(m->dst_pool);
	free(m->dst_zone);
	free(m->image_id);
	free(m->root_volume);
}

static char *
dup_col(struct stmt *st, int i)
{
	return db_col_isnull(st, i) ? NULL : xstrdup(db_col_text(st, i));
}

static const char server_sql[] =
    "SELECT s.vm_state, s.task_state, s.claim, s.host_id, h.name, h.uri,"
    " h.pool, s.vcpus, s.ram_mib, s.disk_gb, s.ephemeral_gb, s.swap_mib,"
    " s.image_id, s.root_volume_id,"
    " (SELECT group_id FROM server_group_members WHERE server_id = s.id),"
    " (SELECT count(*) FROM volumes v WHERE v.server_id = s.id"
    "  AND v.id IS NOT s.root_volume_id), s.root_gb"
    " FROM servers s JOIN hosts h ON h.id = s.host_id WHERE s.id = ?1";

/* The server's volumes: attached, and the one it boots from. */
static const char volumes_sql[] =
    "SELECT id, pool, format FROM volumes WHERE server_id = ?1"
    " ORDER BY device";

/*
 * Inside the claim transaction: the server must be active (or, for a
 * cold move, stopped), idle and on a host.
 */
static int
load_server(struct nb *nb, const char *server, int live, struct move *m,
    char **group)
{
	struct stmt	*st;
	int		 rc;

	*group = NULL;
	if (resource_authorize(nb, &res_server, "migrate", server,
	    &m->ref) == -1 || server_check_unlocked(nb, m->ref.id,
	    server) == -1)
		return -1;
	if ((st = db_prepare(nb, server_sql, "s", m->ref.id)) == NULL)
		return -1;
	if ((rc = db_step(st)) == 1) {
		if (!db_col_isnull(st, 1) && claim_alive(db_col_text(st, 2))) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' is busy (%s)",
			    server, db_col_text(st, 1));
			rc = -1;
		} else if (live && strcmp(db_col_text(st, 0), "active") != 0) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' is %s: a live "
			    "migration needs it active", server,
			    db_col_text(st, 0));
			rc = -1;
		} else if (strcmp(db_col_text(st, 0), "active") != 0 &&
		    strcmp(db_col_text(st, 0), "stopped") != 0) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' is %s: a "
			    "migration needs it active or stopped", server,
			    db_col_text(st, 0));
			rc = -1;
		}
		m->root_volume = dup_col(st, 13);
		m->nvolumes = db_col_int(st, 15) + (m->root_volume != NULL);
		strlcpy(m->vm_state, db_col_text(st, 0), sizeof(m->vm_state));
		m->src_id = dup_col(st, 3);
		m->src_name = dup_col(st, 4);
		m->src_uri = dup_col(st, 5);
		m->src_pool = dup_col(st, 6);
		m->vcpus = db_col_int(st, 7);
		m->ram_mib = db_col_int(st, 8);
		m->disk_gb = db_col_int(st, 9);
		m->ephemeral_gb = db_col_int(st, 10);
		m->swap_mib = db_col_int(st, 11);
		m->image_id = dup_col(st, 12);
		*group = dup_col(st, 14);
		m->root_gb = db_col_int(st, 16);
	}
	db_finalize(st);
	if (rc == 0)
		return nb_seterr(nb, NB_ECONFLICT, "server '%s' is on no host",
		    server);
	return rc == 1 ? 0 : -1;
}

/*
 * A move copies volumes, not their snapshots, which would stay behind
 * in the source's pool: refused while a volume of the server has any.
 */
static int
no_snapshots(struct nb *nb, const struct move *m)
{
	char	*snaps;

	if (m->nvolumes == 0)
		return 0;
	if ((snaps = db_text(nb, "SELECT group_concat(s.name, ', ') FROM"
	    " snapshots s JOIN volumes v ON v.id = s.volume_id"
	    " WHERE v.server_id = ?1", "s", m->ref.id)) == NULL)
		return nb->errcode == 0 ? 0 : -1;
	nb_seterr(nb, NB_ECONFLICT, "server '%s' has volumes with snapshots "
	    "(%s), which would stay in its host's pool: delete them first",
	    m->ref.name, snaps);
	free(snaps);
	return -1;
}

static const char members_sql[] =
    "SELECT s.host_id, count(*) FROM server_group_members g"
    " JOIN servers s ON s.id = g.server_id WHERE g.group_id = ?1"
    " AND s.id <> ?2 AND s.vm_state <> 'error' AND s.host_id IS NOT NULL"
    " GROUP BY s.host_id";

/*
 * Choose the destination among the loaded hosts, the source excluded,
 * with the server's group's policy over its other members.  Returns
 * the host's index, or -1 (NB_ENOHOST with every host's reason).
 */
static int
choose_in(struct nb *nb, struct host_set *hs, const char *force_host,
    const struct move *m, const char *group, char **explain)
{
	struct sched_request	 rq;
	struct sched_result	 res = { -1, NULL, NULL };
	const char		*avoid[1];
	struct stmt		*st;
	char			*policy = NULL;
	size_t			 i;
	int			 rc, chosen = -1;

	memset(&rq, 0, sizeof(rq));
	for (i = 0; i < hs->n; i++)
		hs->hosts[i].group_members = 0;
	if (group != NULL) {
		if ((policy = db_text(nb, "SELECT policy FROM server_groups"
		    " WHERE id = ?1", "s", group)) == NULL ||
		    (st = db_prepare(nb, members_sql, "ss", group,
		    m->ref.id)) == NULL)
			goto out;
		while ((rc = db_step(st)) == 1) {
			rq.group_size += (int)db_col_int(st, 1);
			for (i = 0; i < hs->n; i++)
				if (strcmp(hs->hosts[i].id,
				    db_col_text(st, 0)) == 0)
					hs->hosts[i].group_members =
					    (int)db_col_int(st, 1);
		}
		db_finalize(st);
		if (rc == -1)
			goto out;
	}
	avoid[0] = m->src_id;
	rq.vcpus = m->vcpus;
	rq.ram_mib = m->ram_mib;
	rq.disk_gb = m->disk_gb;
	rq.force_host = force_host;
	rq.different_host = avoid;
	rq.ndifferent_host = 1;
	rq.group_policy = policy;
	rq.explain = explain != NULL;
	if (sched_select(hs->hosts, hs->n, &rq, NULL, &res) == -1)
		nb_seterr(nb, NB_ENOHOST, "no host can take server '%s':\n%s",
		    m->ref.name, res.reasons);
	else
		chosen = res.chosen;
out:
	if (explain != NULL && res.explain != NULL)
		*explain = xstrdup(res.explain);
	sched_result_free(&res);
	free(policy);
	return chosen;
}

/* choose_in() over every host, into m->dst_*. */
static int
choose(struct nb *nb, const struct migrate_spec *ms, struct move *m,
    const char *group, char **explain)
{
	struct host_set	 hs;
	int		 i;

	if (host_set_load(nb, NULL, &hs) == -1)
		return -1;
	if ((i = choose_in(nb, &hs, ms->host, m, group, explain)) >= 0) {
		strlcpy(m->dst_id, hs.hosts[i].id, sizeof(m->dst_id));
		m->dst_name = xstrdup(hs.hosts[i].name);
		m->dst_zone = xstrdup(hs.hosts[i].zone);
		m->dst_uri = xstrdup(hs.uri[i]);
		m->dst_pool = xstrdup(hs.pool[i]);
	}
	host_set_free(&hs);
	return i >= 0 ? 0 : -1;
}

int
migrate_plan(struct nb *nb, struct host_set *hs, const char *server,
    int live, char **dest)
{
	struct move	 m;
	char		*group = NULL;
	int		 i = -1;

	*dest = NULL;
	memset(&m, 0, sizeof(m));
	if (load_server(nb, server, live, &m, &group) == 0 &&
	    no_snapshots(nb, &m) == 0 &&
	    (i = choose_in(nb, hs, NULL, &m, group, NULL)) >= 0) {
		/* The move counted, for the next server's choice. */
		hs->hosts[i].vcpus_used += m.vcpus;
		hs->hosts[i].ram_used_mib += m.ram_mib;
		hs->hosts[i].disk_used_gb += m.disk_gb;
		hs->hosts[i].servers++;
		*dest = xstrdup(hs->hosts[i].name);
	}
	free(group);
	move_release(&m);
	return i >= 0 ? 0 : -1;
}

/*
 * The server's disks on the destination: its image as a base in the
 * pool, an overlay on it for the root disk, blank ephemeral and swap
 * disks, and its config drive.  With src (a move), the root overlay is
 * the size of the source's and stays empty (libvirt copies the disks'
 * contents, the guest running or paused), and the config drive, which
 * is read-only and not copied by libvirt, is streamed across.  Without
 * (a rebuild elsewhere), the overlay has the root disk's size and the
 * config drive is made again from the server's row.
 */
static int
dest_disks(struct nb *nb, struct virt *src, struct virt *dst,
    const struct move *m)
{
	char		 name[96], *base = NULL, *fmt = NULL, *path = NULL;
	char		*dfmt = NULL;
	unsigned long long bytes = (unsigned long long)m->root_gb * GIB;
	long long	 size;
	int		 rv = -1;

	if (m->root_volume != NULL)
		goto rest;	/* its disk is a volume: dest_volumes() */
	if ((dfmt = db_text(nb, "SELECT disk_format FROM images WHERE id = ?1",
	    "s", m->image_id)) == NULL)
		goto out;
	size = db_int(nb, 0, "SELECT size FROM images WHERE id = ?1", "s",
	    m->image_id);
	if ((base = base_volume(nb, dst, m->dst_id, m->dst_pool, m->image_id,
	    dfmt, size, &fmt)) == NULL)
		goto out;
	server_volume(name, sizeof(name), m->ref.id, "disk");
	if ((src != NULL && virt_vol_capacity(src, m->src_pool, name,
	    &bytes) == -1) || virt_vol_overlay(dst, m->dst_pool, name, base,
	    fmt, bytes, &path) == -1)
		goto out;
rest:
	server_volume(name, sizeof(name), m->ref.id, "ephemeral");
	if (m->ephemeral_gb > 0 && virt_vol_blank(dst, m->dst_pool, name,
	    "qcow2", (unsigned long long)m->ephemeral_gb * GIB) == -1)
		goto out;
	server_volume(name, sizeof(name), m->ref.id, "swap");
	if (m->swap_mib > 0 && virt_vol_blank(dst, m->dst_pool, name, "qcow2",
	    (unsigned long long)m->swap_mib * 1024 * 1024) == -1)
		goto out;
	server_volume(name, sizeof(name), m->ref.id, "config");
	rv = src != NULL ? virt_vol_transfer(src, m->src_pool, name, dst,
	    m->dst_pool, "raw") : server_config_drive(nb, dst, m->ref.id,
	    m->dst_pool);
out:
	free(dfmt);
	free(base);
	free(fmt);
	free(path);
	return rv;
}

/* Every 'from' (a quoted attribute value) in *xml becomes 'to'. */
static void
swap_path(char **xml, const char *from, const char *to)
{
	struct buf	 b;
	char		*q, *p, *hit;
	size_t		 n;

	if (strcmp(from, to) == 0)
		return;
	xasprintf(&q, "'%s'", from);
	n = strlen(q);
	buf_init(&b);
	for (p = *xml; (hit = strstr(p, q)) != NULL; p = hit + n) {
		buf_add(&b, p, (size_t)(hit - p));
		buf_printf(&b, "'%s'", to);
	}
	buf_puts(&b, p);
	free(q);
	free(*xml);
	*xml = buf_release(&b);
}

/* The volume name of pool on both hosts: its source path, swapped. */
static void
swap_volume(struct nb *nb, char **xml, struct virt *src, const char *spool,
    struct virt *dst, const char *dpool, const char *name)
{
	char	*a = NULL, *b = NULL;

	if (virt_vol_path(src, spool, name, &a) == 0 &&
	    virt_vol_path(dst, dpool, name, &b) == 0)
		swap_path(xml, a, b);
	nb_clearerr(nb);
	free(a);
	free(b);
}

/*
 * The domain as the destination runs it: the source's own XML as a
 * migration carries it (device addresses and all, which libvirt needs
 * unchanged), each disk, volume, image base and the console log at its
 * path on the destination.  To free; NULL with the error set.
 */
static char *
dest_xml(struct nb *nb, struct virt *src, struct virt *dst,
    const struct move *m)
{
	struct table	*t;
	char		 name[96], *xml, *a, *b;
	size_t		 i;

	if ((xml = virt_domain_migratable_xml(src, m->ref.id)) == NULL)
		return NULL;
	for (i = 0; server_volumes[i] != NULL; i++) {
		server_volume(name, sizeof(name), m->ref.id, server_volumes[i]);
		swap_volume(nb, &xml, src, m->src_pool, dst, m->dst_pool, name);
	}
	if (m->image_id != NULL) {
		snprintf(name, sizeof(name), "nubes-image-%s", m->image_id);
		swap_volume(nb, &xml, src, m->src_pool, dst, m->dst_pool, name);
	}
	if ((t = db_table(nb, volumes_sql, "s", m->ref.id)) != NULL) {
		for (i = 0; i < t->nrows; i++) {
			volume_pool_name(name, sizeof(name),
			    t->cells[i * t->ncols]);
			swap_volume(nb, &xml, src, t->cells[i * t->ncols + 1],
			    dst, t->cells[i * t->ncols + 1], name);
		}
		table_free(t);
	}
	/* A log on this machine, or in a remote host's pool. */
	if ((a = server_console_log(nb, src, m->src_pool, m->ref.id)) != NULL &&
	    (b = server_console_log(nb, dst, m->dst_pool, m->ref.id)) != NULL) {
		swap_path(&xml, a, b);
		free(b);
	}
	free(a);
	nb_clearerr(nb);
	return xml;
}

/* The server's own volumes on one host, out of its pool. */
static void
remove_disks(struct nb *nb, struct virt *v, const char *pool, const char *id)
{
	struct nb_error	 keep;
	char		 name[96];
	size_t		 i;

	if (v == NULL)
		return;
	nb_error_save(nb, &keep);
	for (i = 0; server_volumes[i] != NULL; i++) {
		server_volume(name, sizeof(name), id, server_volumes[i]);
		(void)virt_vol_delete(v, pool, name);
	}
	nb_error_restore(nb, &keep);
}

/* What the watcher thread shares with the migrating one. */
struct watch {
	struct virt	*v;		/* its own connection to the source */
	const char	*id;
	time_t		 deadline;
	int		 progress;	/* print progress on stderr */
	pthread_mutex_t	 lock;		/* over done */
	pthread_cond_t	 wake;		/* done is set */
	int		 done;
	int		 timed_out;
};

/* Progress on stderr, and an abort past the deadline or on a signal. */
static void *
watcher(void *arg)
{
	struct watch	*w = arg;
	struct virt_job	 j;
	struct timespec	 ts;
	int		 done;

	for (;;) {
		/* A quarter second, or until the move is over. */
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		(void)pthread_mutex_lock(&w->lock);
		if (!w->done)
			(void)pthread_cond_timedwait(&w->wake, &w->lock, &ts);
		done = w->done;
		(void)pthread_mutex_unlock(&w->lock);
		if (done)
			break;
		if (time(NULL) > w->deadline || nb_interrupted) {
			w->timed_out = time(NULL) > w->deadline;
			(void)virt_job_abort(w->v, w->id);
			break;
		}
		if (w->progress && virt_job_progress(w->v, w->id, 0, &j) == 0 &&
		    j.active && j.total > 0)
			fprintf(stderr, "\rmigrating: %llu of %llu MiB, %llu "
			    "MiB left, %llu s  ", j.processed >> 20,
			    j.total >> 20, j.remaining >> 20,
			    j.elapsed_ms / 1000);
	}
	if (w->progress)
		fputs("\r\033[K", stderr);
	return NULL;
}

static const char insert_sql[] =
    "INSERT INTO migrations (id, server_id, server_name, kind, status,"
    " source_host_id, dest_host_id, vcpus, ram_mib, disk_gb, user_id,"
    " claim, deadline, started_at, shared) VALUES (?1, ?2, ?3, ?4,"
    " 'running', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

/*
 * The record transaction: the move's outcome, the server's host and,
 * when vm_state is not NULL (a cold move), its state.
 */
static int
record(struct nb *nb, const struct move *m, const char *status,
    const char *fault, time_t started, const struct virt_job *j,
    const char *vm_state)
{
	char	 msg[512];
	time_t	 now = time(NULL);
	int	 ok = strcmp(status, "completed") == 0;

	if (ok)
		snprintf(msg, sizeof(msg), "%s -> %s in %lld s, downtime %llu "
		    "ms, %llu MiB", m->src_name, m->dst_name,
		    (long long)(now - started), j->downtime_ms,
		    j->processed >> 20);
	else
		snprintf(msg, sizeof(msg), "%s -> %s: %s", m->src_name,
		    m->dst_name, fault);
	if (db_begin(nb) == -1 ||
	    db_exec(nb, NULL, "UPDATE migrations SET status = ?2, claim = NULL,"
	    " deadline = NULL, finished_at = ?3, downtime_ms = ?4, bytes = ?5,"
	    " fault = ?6 WHERE id = ?1", "ssiiis", m->mig, status,
	    (long long)now, ok ? (long long)j->downtime_ms : (long long)0,
	    ok ? (long long)j->processed : (long long)0, fault) == -1 ||
	    (ok && db_exec(nb, NULL, "UPDATE servers SET host_id = ?2,"
	    " zone = ?3 WHERE id = ?1", "sss", m->ref.id, m->dst_id,
	    m->dst_zone) == -1) ||
	    (ok && db_exec(nb, NULL, "UPDATE ports SET host_id = ?2"
	    " WHERE device_id = ?1", "ss", m->ref.id, m->dst_id) == -1) ||
	    (ok && db_exec(nb, NULL, "UPDATE volumes SET host_id = ?2"
	    " WHERE server_id = ?1", "ss", m->ref.id, m->dst_id) == -1) ||
	    db_exec(nb, NULL, "UPDATE servers SET task_state = NULL,"
	    " claim = NULL, deadline = NULL, updated_at = ?2,"
	    " vm_state = ifnull(?3, vm_state), power_state = CASE ?3"
	    "  WHEN 'active' THEN 'running' WHEN 'stopped' THEN 'shutdown'"
	    "  ELSE power_state END WHERE id = ?1", "sis", m->ref.id,
	    (long long)now, vm_state) == -1 ||
	    server_event(nb, m->ref.id, strcmp(m->kind, "evacuation") == 0 ?
	    "evacuate" : strcmp(m->kind, "cold") == 0 ? "migrate" :
	    "live-migration", started, ok, msg) == -1 ||
	    event_record(nb, strcmp(m->kind, "evacuation") == 0 ?
	    "server:evacuate" : "server:migrate", "server", m->ref.id,
	    m->ref.name, ok, msg) == -1 || db_commit(nb) == -1) {
		db_rollback(nb);
		return -1;
	}
	return 0;
}

/*
 * Does host v see volume name of pool (rescanned first: another host
 * may have made it there)?  Errors are not kept.
 */
static int
sees(struct nb *nb, struct virt *v, const char *pool, const char *name)
{
	struct nb_error	 keep;
	char		*path;
	int		 seen;

	nb_error_save(nb, &keep);
	virt_pool_refresh(v, pool);
	if ((seen = virt_vol_path(v, pool, name, &path) == 0))
		free(path);
	nb_error_restore(nb, &keep);
	return seen;
}

/*
 * A volume pool on the destination, ready for a volume: the default one
 * made when missing (at its configured path), a type's one there.
 */
static int
pool_ready(struct nb *nb, struct virt *v, const char *pool)
{
	char	 fmt[8];

	if (strcmp(pool, conf_get(nb->conf, "volume", "storage_pool",
	    "nubes-volumes")) == 0)
		return volume_pool_ensure(nb, v, pool);
	return virt_pool_vol_format(v, pool, fmt);
}

/* Does the destination see the server's disk already: shared storage? */
static int
sees_disks(struct nb *nb, struct virt *dst, const struct move *m)
{
	char	 name[96], *vpool;
	int	 seen;

	if (m->root_volume == NULL) {
		server_volume(name, sizeof(name), m->ref.id, "disk");
		return sees(nb, dst, m->dst_pool, name);
	}
	/* Booted from a volume: that one is its disk. */
	volume_pool_name(name, sizeof(name), m->root_volume);
	if ((vpool = db_text(nb, "SELECT pool FROM volumes WHERE id = ?1", "s",
	    m->root_volume)) == NULL) {
		nb_clearerr(nb);
		return 0;
	}
	seen = sees(nb, dst, vpool, name);
	free(vpool);
	return seen;
}

/*
 * The server's volumes (attached, and the one it boots from), made
 * blank on the destination in pools of the same names for libvirt to
 * copy into; each must be seen by the destination exactly as the
 * server's disk is (all shared, or none).  0, or -1.
 */
static int
dest_volumes(struct nb *nb, struct virt *src, struct virt *dst,
    const struct move *m)
{
	struct table		*t;
	char			 name[96];
	unsigned long long	 bytes;
	size_t			 i;
	int			 rv = -1, seen;

	if (m->nvolumes == 0)
		return 0;
	if ((t = db_table(nb, volumes_sql, "s", m->ref.id)) == NULL)
		return -1;
	for (i = 0; i < t->nrows; i++) {
		char	**r = &t->cells[i * t->ncols];

		volume_pool_name(name, sizeof(name), r[0]);
		if ((seen = sees(nb, dst, r[1], name)) != (m->shared == 1)) {
			nb_seterr(nb, NB_ECONFLICT, "host '%s' %s volume %s of "
			    "server '%s' but %s its disk: a move needs its "
			    "storage all shared or all local", m->dst_name,
			    seen ? "sees" : "does not see", r[0], m->ref.name,
			    seen ? "not" : "sees");
			goto out;
		}
		if (seen)
			continue;
		if (pool_ready(nb, dst, r[1]) == -1 ||
		    virt_vol_capacity(src, r[1], name, &bytes) == -1 ||
		    virt_vol_blank(dst, r[1], name, r[2], bytes) == -1)
			goto out;
	}
	rv = 0;
out:
	table_free(t);
	return rv;
}

/* The copies of the server's volumes on one host, out of their pools. */
static void
remove_volumes(struct nb *nb, struct virt *v, const char *id)
{
	struct nb_error	 keep;
	struct table	*t;
	char		 name[96];
	size_t		 i;

	if (v == NULL)
		return;
	nb_error_save(nb, &keep);
	if ((t = db_table(nb, volumes_sql, "s", id)) != NULL)
		for (i = 0; i < t->nrows; i++) {
			volume_pool_name(name, sizeof(name),
			    t->cells[i * t->ncols]);
			(void)virt_vol_delete(v, t->cells[i * t->ncols + 1],
			    name);
		}
	table_free(t);
	nb_error_restore(nb, &keep);
}

/*
 * libvirt's move of the domain, watched: progress on stderr, an abort
 * past the deadline.  0, or -1 (NB_ECONFLICT when aborted).
 */
static int
move_domain(struct nb *nb, struct virt *src, struct virt *wv,
    const struct move *m, const char *xml, unsigned int how,
    long long timeout, int progress)
{
	struct watch	 w;
	pthread_t	 th;
	char		*addr;
	int		 threaded, rv;

	memset(&w, 0, sizeof(w));
	w.v = wv;
	w.id = m->ref.id;
	w.deadline = time(NULL) + timeout;
	w.progress = progress;
	(void)pthread_mutex_init(&w.lock, NULL);
	(void)pthread_cond_init(&w.wake, NULL);
	threaded = pthread_create(&th, NULL, watcher, &w) == 0;
	addr = virt_uri_address(m->dst_uri);
	rv = virt_migrate_live(src, m->ref.id, m->dst_uri, addr, xml, how);
	(void)pthread_mutex_lock(&w.lock);
	w.done = 1;
	(void)pthread_cond_signal(&w.wake);
	(void)pthread_mutex_unlock(&w.lock);
	if (threaded)
		(void)pthread_join(th, NULL);
	(void)pthread_mutex_destroy(&w.lock);
	(void)pthread_cond_destroy(&w.wake);
	if (rv == -1 && w.timed_out)
		nb_seterr(nb, NB_EFAIL, "the migration did not complete "
		    "within %lld s: aborted", timeout);
	free(addr);
	return rv;
}

/*
 * Cold: power off, then the definition alone (shared storage) or the
 * paused domain with its disks (not shared), left off on the
 * destination.  The caller starts it there.
 */
static int
cold_move(struct nb *nb, struct virt *src, struct virt *dst,
    struct virt *wv, const struct move *m, long long timeout)
{
	char	*xml;
	int	 rv = -1;

	if (server_power_off(nb, src, m->ref.id, 1) == -1)
		return -1;
	crash_point("migrate:stopped");
	if (m->shared) {
		console_carry(nb, src, m->src_pool, dst, m->dst_pool,
		    m->ref.id, 1);
		if (server_define(nb, dst, m->ref.id, m->dst_id, m->dst_pool,
		    0) == -1)
			return -1;
		return virt_destroy_undefine(src, m->ref.id);
	}
	console_carry(nb, src, m->src_pool, dst, m->dst_pool, m->ref.id, 0);
	if (dest_disks(nb, src, dst, m) == -1 ||
	    dest_volumes(nb, src, dst, m) == -1 ||
	    virt_domain_op(src, m->ref.id, VIRT_START_PAUSED) == -1)
		return -1;
	if ((xml = dest_xml(nb, src, dst, m)) != NULL &&
	    move_domain(nb, src, wv, m, xml, VIRT_MIG_BLOCK | VIRT_MIG_PAUSED,
	    timeout, 0) == 0 &&
	    server_power_off(nb, dst, m->ref.id, 0) == 0)
		rv = 0;
	free(xml);
	return rv;
}

/* A live move, the domain running throughout? */
static int
is_live(const struct move *m)
{
	return strcmp(m->kind, "live") == 0 || strcmp(m->kind, "block") == 0;
}

/*
 * Where libvirt has the domain: 1 on the destination only (running,
 * for a live move), else 0.  src NULL: the source is down.
 */
static int
moved(struct nb *nb, struct virt *src, struct virt *dst, const struct move *m)
{
	struct nb_error	 keep;
	char		 state[16];
	int		 there;

	nb_error_save(nb, &keep);
	there = dst != NULL && virt_domain_state(dst, m->ref.id, state,
	    sizeof(state)) == 0 && (!is_live(m) ||
	    strcmp(state, "running") == 0) && (src == NULL ||
	    virt_domain_state(src, m->ref.id, state, sizeof(state)) == -1);
	nb_error_restore(nb, &keep);
	return there;
}

/*
 * A move that did not happen, undone: the destination's copies go (not
 * disks that may be shared: they are the server's own).  A cold move's
 * guest, once its source was touched, is powered off there and runs
 * again when it was active.  Returns the vm_state to record, or NULL.
 */
static const char *
undo(struct nb *nb, struct virt *src, struct virt *dst, const struct move *m,
    int touched)
{
	struct nb_error	 keep;
	const char	*vm = NULL;

	nb_error_save(nb, &keep);
	if (dst != NULL && strcmp(m->kind, "live") != 0) {
		(void)virt_destroy_undefine(dst, m->ref.id);
		if (m->shared == 0) {
			remove_disks(nb, dst, m->dst_pool, m->ref.id);
			if (strcmp(m->kind, "evacuation") != 0)
				remove_volumes(nb, dst, m->ref.id);
		}
	}
	if (strcmp(m->kind, "cold") == 0 && touched && src != NULL) {
		vm = "stopped";
		if (server_power_off(nb, src, m->ref.id, 0) == 0 &&
		    strcmp(m->vm_state, "active") == 0 &&
		    virt_domain_op(src, m->ref.id, VIRT_START) == 0)
			vm = "active";
	}
	nb_error_restore(nb, &keep);
	return vm;
}

int
server_migrate(struct nb *nb, const struct migrate_spec *ms, char **explain)
{
	struct move	 m;
	struct virt	*src = NULL, *dst = NULL, *wv = NULL;
	struct virt_job	 j;
	struct server_nic nic = { 0 };
	char		 claim[NB_CLAIM_LEN], msg[sizeof(nb->errbuf)];
	char		*group = NULL, *xml = NULL;
	const char	*vm = NULL;
	time_t		 started = time(NULL);
	long long	 timeout;
	int		 rc, ok, rv = -1, tried = 0, block = ms->block;

	if (explain != NULL)
		*explain = NULL;
	memset(&m, 0, sizeof(m));
	memset(&j, 0, sizeof(j));
	m.shared = -1;
	if (!ms->live && (ms->block > 0 || ms->auto_converge))
		return nb_seterr(nb, NB_EUSAGE, "--block-migration and "
		    "--auto-converge go with --live");
	proc_claim(claim);
	uuid_generate(m.mig);
	/*
	 * Claim.  The kind is known only once both hosts answer; the
	 * claim is the same for every kind.
	 */
	m.kind = ms->live ? (block > 0 ? "block" : "live") : "cold";
	if (db_begin(nb) == -1 ||
	    load_server(nb, ms->server, ms->live, &m, &group) == -1 ||
	    no_snapshots(nb, &m) == -1 ||
	    (ms->host != NULL &&
	    policy_check(nb, "server:migrate_to_host", NULL, NULL) == -1) ||
	    choose(nb, ms, &m, group, explain) == -1)
		goto fail;
	timeout = ms->timeout > 0 ? ms->timeout :
	    COMPLETION_PER_GIB * ((m.ram_mib + 1023) / 1024);
	if (db_exec(nb, NULL, insert_sql, "ssssssiiissiii", m.mig, m.ref.id,
	    m.ref.name, m.kind, m.src_id, m.dst_id, m.vcpus, m.ram_mib,
	    m.disk_gb, nb->ctx.user_id, claim,
	    (long long)(started + timeout + BUILD_DEADLINE),
	    (long long)started, (long long)-1) == -1 ||
	    db_exec(nb, NULL, "UPDATE servers SET task_state = 'migrating',"
	    " claim = ?2, deadline = ?3 WHERE id = ?1", "ssi", m.ref.id, claim,
	    (long long)(started + timeout + BUILD_DEADLINE)) == -1 ||
	    db_commit(nb) == -1)
		goto fail;

	/* Act: what the storage allows, then libvirt's move. */
	ok = (src = virt_open(nb, m.src_uri)) != NULL &&
	    (dst = virt_open(nb, m.dst_uri)) != NULL &&
	    (wv = virt_open(nb, m.src_uri)) != NULL;
	if (ok) {
		m.shared = sees_disks(nb, dst, &m);
		if (block < 0)
			block = !m.shared;
		m.kind = ms->live ? (block ? "block" : "live") : "cold";
		(void)db_exec(nb, NULL, "UPDATE migrations SET shared = ?2,"
		    " kind = ?3 WHERE id = ?1", "sis", m.mig,
		    (long long)m.shared, m.kind);
		if (m.shared && block) {
			nb_seterr(nb, NB_ECONFLICT, "host '%s' shares the "
			    "storage of server '%s': migrate it without "
			    "--block-migration", m.dst_name, m.ref.name);
			ok = 0;
		} else if (!m.shared && ms->live && !block) {
			nb_seterr(nb, NB_EFAIL, "host '%s' does not see the "
			    "disks of server '%s' in pool '%s': its storage is "
			    "not shared, use --block-migration", m.dst_name,
			    m.ref.name, m.dst_pool);
			ok = 0;
		}
	}
	/* Its network's bridge, there before the domain. */
	if (ok)
		ok = server_nets_ensure(nb, dst, m.ref.id) == 0;
	if (ok && ms->live) {
		console_carry(nb, src, m.src_pool, dst, m.dst_pool, m.ref.id,
		    m.shared != 0);
		ok = (!block || (dest_disks(nb, src, dst, &m) == 0 &&
		    dest_volumes(nb, src, dst, &m) == 0)) &&
		    (xml = dest_xml(nb, src, dst, &m)) != NULL;
		crash_point("migrate:before");
		if (ok) {
			tried = 1;
			ok = move_domain(nb, src, wv, &m, xml, (block ?
			    VIRT_MIG_BLOCK : 0) | (ms->auto_converge ?
			    VIRT_MIG_AUTO_CONVERGE : 0), timeout,
			    ms->progress) == 0;
		}
	} else if (ok) {
		tried = 1;
		ok = cold_move(nb, src, dst, wv, &m, timeout) == 0;
	}
	crash_point("migrate:after");
	/* Only what libvirt shows counts: where is the domain now? */
	if (tried && moved(nb, src, dst, &m))
		ok = 1;
	if (ok) {
		nb_clearerr(nb);
		(void)virt_job_progress(dst, m.ref.id, 1, &j);
		nb_clearerr(nb);
		if (strcmp(m.kind, "cold") == 0) {
			vm = "stopped";
			if (strcmp(m.vm_state, "active") == 0 &&
			    virt_domain_op(dst, m.ref.id, VIRT_START) == 0)
				vm = "active";
			nb_clearerr(nb);
		}
		if (record(nb, &m, "completed", NULL, started, &j, vm) == -1)
			goto out;
		if (m.shared == 0) {
			remove_disks(nb, src, m.src_pool, m.ref.id);
			remove_volumes(nb, src, m.ref.id);
		}
		if (server_nic_load(nb, m.ref.id, &nic) == 1) {
			if (nic.port_security)
				virt_nwfilter_undefine(src, nic.filter);
			host_net_prune(nb, src, m.src_id, nic.bridge);
		}
		server_nic_free(&nic);
		nb_clearerr(nb);
		rv = 0;
		goto out;
	}
	strlcpy(msg, nb_errstr(nb), sizeof(msg));
	rc = nb->errcode;
	vm = undo(nb, src, dst, &m, tried);
	(void)record(nb, &m, rc == NB_ECONFLICT && tried ? "aborted" :
	    "failed", msg, started, &j, vm);
	nb_seterr(nb, rc ? rc : NB_EFAIL, "%s", msg);
	goto out;
fail:
	event_failed(nb, "server:migrate", "server", ms->server);
out:
	virt_close(wv);
	virt_close(src);
	virt_close(dst);
	free(group);
	free(xml);
	move_release(&m);
	return rv;
}

/* Does the destination see the server's config drive: a shared pool? */
static int
sees_config(struct nb *nb, struct virt *dst, const struct move *m)
{
	char	 name[96];

	server_volume(name, sizeof(name), m->ref.id, "config");
	return sees(nb, dst, m->dst_pool, name);
}

/* Does the destination see every volume of the server (shared pools)? */
static int
sees_volumes(struct nb *nb, struct virt *dst, const struct move *m)
{
	struct table	*t;
	char		 name[96];
	size_t		 i;
	int		 all = 1;

	if ((t = db_table(nb, volumes_sql, "s", m->ref.id)) == NULL)
		return 0;
	for (i = 0; i < t->nrows && all; i++) {
		volume_pool_name(name, sizeof(name), t->cells[i * t->ncols]);
		/* The default pool at its path is shared when that is. */
		all = pool_ready(nb, dst, t->cells[i * t->ncols + 1]) == 0 &&
		    sees(nb, dst, t->cells[i * t->ncols + 1], name);
	}
	table_free(t);
	nb_clearerr(nb);
	return all;
}

int
server_evacuate(struct nb *nb, const char *server, char **explain)
{
	struct migrate_spec	 ms;
	struct move		 m;
	struct virt		*dst = NULL;
	struct virt_job		 j;
	char			 claim[NB_CLAIM_LEN], msg[sizeof(nb->errbuf)];
	char			*group = NULL;
	const char		*vm;
	time_t			 started = time(NULL);
	int			 rc, ok, rv = -1;

	if (explain != NULL)
		*explain = NULL;
	memset(&ms, 0, sizeof(ms));
	memset(&m, 0, sizeof(m));
	memset(&j, 0, sizeof(j));
	m.shared = -1;
	m.kind = "evacuation";
	proc_claim(claim);
	uuid_generate(m.mig);
	if (db_begin(nb) == -1 ||
	    load_server(nb, server, 0, &m, &group) == -1)
		goto fail;
	if (db_int(nb, 0, "SELECT down FROM hosts WHERE id = ?1", "s",
	    m.src_id) != 1) {
		if (nb->errcode == 0)
			nb_seterr(nb, NB_ECONFLICT, "host '%s' is not marked "
			    "down (cloud-host-disable --down): migrate server "
			    "'%s' instead", m.src_name, m.ref.name);
		goto fail;
	}
	if (m.image_id == NULL && m.root_volume == NULL) {
		nb_seterr(nb, NB_ECONFLICT, "server '%s' has no image to be "
		    "rebuilt from", m.ref.name);
		goto fail;
	}
	if (choose(nb, &ms, &m, group, explain) == -1 ||
	    db_exec(nb, NULL, insert_sql, "ssssssiiissiii", m.mig, m.ref.id,
	    m.ref.name, m.kind, m.src_id, m.dst_id, m.vcpus, m.ram_mib,
	    m.disk_gb, nb->ctx.user_id, claim,
	    (long long)(started + BUILD_DEADLINE), (long long)started,
	    (long long)-1) == -1 ||
	    db_exec(nb, NULL, "UPDATE servers SET task_state = 'migrating',"
	    " claim = ?2, deadline = ?3 WHERE id = ?1", "ssi", m.ref.id, claim,
	    (long long)(started + BUILD_DEADLINE)) == -1 ||
	    db_commit(nb) == -1)
		goto fail;

	/*
	 * Act, on the destination alone: with shared storage the disks are
	 * there already; otherwise made afresh from the image.
	 */
	ok = (dst = virt_open(nb, m.dst_uri)) != NULL;
	if (ok) {
		/* Its own disks: the compute pool, shared or not. */
		m.shared = sees_config(nb, dst, &m);
		(void)db_exec(nb, NULL, "UPDATE migrations SET shared = ?2"
		    " WHERE id = ?1", "si", m.mig, (long long)m.shared);
		if (m.nvolumes > 0 && !sees_volumes(nb, dst, &m)) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' has volumes "
			    "that host '%s' does not see: they stay in the down "
			    "host's pools, and it cannot be rebuilt elsewhere",
			    m.ref.name, m.dst_name);
			ok = 0;
		} else
			ok = (m.shared || dest_disks(nb, NULL, dst, &m) == 0) &&
			    server_nets_ensure(nb, dst, m.ref.id) == 0 &&
			    server_define(nb, dst, m.ref.id, m.dst_id,
			    m.dst_pool, 0) == 0;
	}
	crash_point("evacuate:defined");
	if (ok) {
		vm = "stopped";
		if (strcmp(m.vm_state, "active") == 0) {
			if (virt_domain_op(dst, m.ref.id, VIRT_START) == -1)
				goto undo;
			vm = "active";
		}
		if (record(nb, &m, "completed", NULL, started, &j, vm) == -1)
			goto out;
		rv = 0;
		goto out;
	}
undo:
	strlcpy(msg, nb_errstr(nb), sizeof(msg));
	rc = nb->errcode;
	(void)undo(nb, NULL, dst, &m, 0);
	(void)record(nb, &m, "failed", msg, started, &j, NULL);
	nb_seterr(nb, rc ? rc : NB_EFAIL, "%s", msg);
	goto out;
fail:
	event_failed(nb, "server:evacuate", "server", server);
out:
	virt_close(dst);
	free(group);
	move_release(&m);
	return rv;
}

int
server_migrate_abort(struct nb *nb, const char *server)
{
	struct ref	 ref = { 0 };
	struct virt	*v = NULL;
	char		*uri = NULL;
	int		 rv = -1;

	if (resource_authorize(nb, &res_server, "migrate", server, &ref) == -1)
		goto out;
	if ((uri = db_text(nb, "SELECT h.uri FROM migrations m JOIN hosts h"
	    " ON h.id = m.source_host_id WHERE m.server_id = ?1"
	    " AND m.status = 'running' ORDER BY m.started_at DESC LIMIT 1",
	    "s", ref.id)) == NULL) {
		nb_seterr(nb, NB_ECONFLICT, "server '%s' is not migrating",
		    server);
		goto out;
	}
	if ((v = virt_open(nb, uri)) == NULL ||
	    virt_job_abort(v, ref.id) == -1)
		goto out;
	rv = 0;
out:
	virt_close(v);
	free(uri);
	ref_release(&ref);
	return rv;
}

static const char stuck_sql[] =
    "SELECT m.id, m.server_id, m.server_name, m.claim, sh.uri, sh.pool,"
    " dh.uri, dh.pool, m.dest_host_id, dh.zone, m.kind, sh.name, dh.name,"
    " m.started_at, m.shared FROM migrations m JOIN hosts sh ON sh.id ="
    " m.source_host_id JOIN hosts dh ON dh.id = m.dest_host_id"
    " WHERE m.status = 'running'";

/*
 * A cold move or an evacuation settled: the guest stays off wherever
 * it is (its process died with it between states), for the admin to
 * start.
 */
int
migration_reconcile(struct nb *nb, int dry_run, struct table *t)
{
	struct table	*rows;
	size_t		 i;
	int		 rv = 0;

	if ((rows = db_table(nb, stuck_sql, NULL)) == NULL)
		return -1;
	for (i = 0; i < rows->nrows; i++) {
		char		**r = &rows->cells[i * rows->ncols];
		struct virt	*src, *dst;
		struct move	 m;
		struct virt_job	 j;
		const char	*row[6], *vm = NULL;
		int		 there;

		if (claim_alive(r[3]))
			continue;
		/* An evacuation's source is down: not asked. */
		src = NULL;
		if ((strcmp(r[10], "evacuation") != 0 &&
		    (src = virt_open(nb, r[4])) == NULL) ||
		    (dst = virt_open(nb, r[6])) == NULL) {
			virt_close(src);
			rv = -1;
			continue;
		}
		memset(&m, 0, sizeof(m));
		memset(&j, 0, sizeof(j));
		strlcpy(m.mig, r[0], sizeof(m.mig));
		strlcpy(m.ref.id, r[1], sizeof(m.ref.id));
		m.ref.name = r[2];
		strlcpy(m.dst_id, r[8], sizeof(m.dst_id));
		m.src_pool = r[5];
		m.dst_pool = r[7];
		m.dst_zone = r[9];
		m.kind = r[10];
		m.src_name = r[11];
		m.dst_name = r[12];
		m.shared = (int)strtol(r[14], NULL, 10);
		/* Nothing runs twice: the domain is where libvirt has it. */
		there = moved(nb, src, dst, &m);
		row[0] = "migration";
		row[1] = r[1];
		row[2] = r[2];
		row[3] = "running";
		row[4] = there ? "completed" : "failed";
		row[5] = there ? "its process is gone; the domain is on the "
		    "destination: the server is there" : "its process is gone; "
		    "the domain is not on the destination: the server stays";
		table_add_row(t, row);
		if (!dry_run) {
			if (there && !is_live(&m)) {
				vm = "stopped";
				(void)server_power_off(nb, dst, r[1], 0);
			}
			if (there && m.shared == 0 && src != NULL) {
				/* The source's definition, if it stayed. */
				(void)virt_destroy_undefine(src, r[1]);
				remove_disks(nb, src, r[5], r[1]);
				remove_volumes(nb, src, r[1]);
			} else if (!there)
				vm = undo(nb, src, dst, &m, 1);
			nb_clearerr(nb);
			if (record(nb, &m, there ? "completed" : "failed",
			    there ? NULL : "interrupted: the process moving it "
			    "died", (time_t)strtoll(r[13], NULL, 10), &j,
			    vm) == -1)
				rv = -1;
		}
		virt_close(src);
		virt_close(dst);
	}
	table_free(rows);
	return rv;
}
