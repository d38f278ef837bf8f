/*
 * migrate.c: moving a running server to another host with libvirt's own
 * peer-to-peer live migration, claim -> act -> record (DESIGN.md 4).
 * The claim transaction chooses the destination with the scheduler
 * (the source excluded, the server's group respected) and claims the
 * server's sizes there; the move runs with no transaction open, watched
 * by a thread that reports progress and aborts it past its deadline;
 * the record transaction moves the server's row to the destination only
 * when libvirt reports success.
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

/* Nova's live_migration_completion_timeout: 800 s per GiB of RAM. */
#define COMPLETION_PER_GIB	800

/* The move, as the claim transaction read and chose it. */
struct move {
	struct ref	 ref;
	char		 mig[NB_UUID_LEN + 1];
	char		*src_id, *src_name, *src_uri, *src_pool;
	char		 dst_id[NB_UUID_LEN + 1];
	char		*dst_name, *dst_uri, *dst_pool, *dst_zone;
	long long	 vcpus, ram_mib, disk_gb, ephemeral_gb, swap_mib;
	char		*image_id, *root_volume;
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
    "  AND v.id IS NOT s.root_volume_id)"
    " FROM servers s JOIN hosts h ON h.id = s.host_id WHERE s.id = ?1";

/*
 * Inside the claim transaction: the server must be active, idle, on a
 * host, and hold nothing that cannot follow it: its volumes are in its
 * host's pool.
 */
static int
load_server(struct nb *nb, const char *server, struct move *m,
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
		} else if (strcmp(db_col_text(st, 0), "active") != 0) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' is %s: a live "
			    "migration needs it active", server,
			    db_col_text(st, 0));
			rc = -1;
		} else if (!db_col_isnull(st, 13) || db_col_int(st, 15) > 0) {
			nb_seterr(nb, NB_ECONFLICT, "server '%s' has volumes, "
			    "which stay in their host's pool: detach them "
			    "first", server);
			rc = -1;
		}
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
	}
	db_finalize(st);
	if (rc == 0)
		return nb_seterr(nb, NB_ECONFLICT, "server '%s' is on no host",
		    server);
	return rc == 1 ? 0 : -1;
}

static const char members_sql[] =
    "SELECT s.host_id, count(*) FROM server_group_members g"
    " JOIN servers s ON s.id = g.server_id WHERE g.group_id = ?1"
    " AND s.id <> ?2 AND s.vm_state <> 'error' AND s.host_id IS NOT NULL"
    " GROUP BY s.host_id";

/*
 * Choose the destination among the hosts, the source excluded, with the
 * server's group's policy over its other members.  0 with m->dst_*, or
 * -1 (NB_ENOHOST with every host's reason).
 */
static int
choose(struct nb *nb, const struct migrate_spec *ms, struct move *m,
    const char *group, char **explain)
{
	struct host_set		 hs;
	struct sched_request	 rq;
	struct sched_result	 res = { -1, NULL, NULL };
	const char		*avoid[1];
	struct stmt		*st;
	char			*policy = NULL;
	size_t			 i;
	int			 rc, rv = -1;

	if (host_set_load(nb, NULL, &hs) == -1)
		return -1;
	memset(&rq, 0, sizeof(rq));
	if (group != NULL) {
		if ((policy = db_text(nb, "SELECT policy FROM server_groups"
		    " WHERE id = ?1", "s", group)) == NULL ||
		    (st = db_prepare(nb, members_sql, "ss", group,
		    m->ref.id)) == NULL)
			goto out;
		while ((rc = db_step(st)) == 1) {
			rq.group_size += (int)db_col_int(st, 1);
			for (i = 0; i < hs.n; i++)
				if (strcmp(hs.hosts[i].id,
				    db_col_text(st, 0)) == 0)
					hs.hosts[i].group_members =
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
	rq.force_host = ms->host;
	rq.different_host = avoid;
	rq.ndifferent_host = 1;
	rq.group_policy = policy;
	rq.explain = explain != NULL;
	if (sched_select(hs.hosts, hs.n, &rq, NULL, &res) == -1) {
		nb_seterr(nb, NB_ENOHOST, "no host can take server '%s':\n%s",
		    m->ref.name, res.reasons);
		goto out;
	}
	i = (size_t)res.chosen;
	strlcpy(m->dst_id, hs.hosts[i].id, sizeof(m->dst_id));
	m->dst_name = xstrdup(hs.hosts[i].name);
	m->dst_zone = xstrdup(hs.hosts[i].zone);
	m->dst_uri = xstrdup(hs.uri[i]);
	m->dst_pool = xstrdup(hs.pool[i]);
	rv = 0;
out:
	if (explain != NULL && res.explain != NULL)
		*explain = xstrdup(res.explain);
	sched_result_free(&res);
	free(policy);
	host_set_free(&hs);
	return rv;
}

/*
 * The server's disks on the destination, ahead of the move: its image
 * as a base in the pool, an empty overlay on it for the root disk's
 * top layer, blank ephemeral and swap disks (libvirt copies the disks'
 * contents while the guest runs), and the config drive, which is
 * read-only and not copied by libvirt, streamed across.
 */
static int
prepare_disks(struct nb *nb, struct virt *src, struct virt *dst,
    const struct move *m)
{
	char		 name[96], *base = NULL, *fmt = NULL, *path = NULL;
	char		*dfmt = NULL;
	unsigned long long bytes;
	long long	 size;
	int		 rv = -1;

	if ((dfmt = db_text(nb, "SELECT disk_format FROM images WHERE id = ?1",
	    "s", m->image_id)) == NULL)
		goto out;
	size = db_int(nb, 0, "SELECT size FROM images WHERE id = ?1", "s",
	    m->image_id);
	if ((base = base_volume(nb, dst, m->dst_id, m->dst_pool, m->image_id,
	    dfmt, size, &fmt)) == NULL)
		goto out;
	server_volume(name, sizeof(name), m->ref.id, "disk");
	if (virt_vol_capacity(src, m->src_pool, name, &bytes) == -1 ||
	    virt_vol_overlay(dst, m->dst_pool, name, base, fmt, bytes,
	    &path) == -1)
		goto out;
	server_volume(name, sizeof(name), m->ref.id, "ephemeral");
	if (m->ephemeral_gb > 0 && virt_vol_blank(dst, m->dst_pool, name,
	    "qcow2", (unsigned long long)m->ephemeral_gb * GIB) == -1)
		goto out;
	server_volume(name, sizeof(name), m->ref.id, "swap");
	if (m->swap_mib > 0 && virt_vol_blank(dst, m->dst_pool, name, "qcow2",
	    (unsigned long long)m->swap_mib * 1024 * 1024) == -1)
		goto out;
	server_volume(name, sizeof(name), m->ref.id, "config");
	if (virt_vol_transfer(src, m->src_pool, name, dst, m->dst_pool,
	    "raw") == -1)
		goto out;
	rv = 0;
out:
	free(dfmt);
	free(base);
	free(fmt);
	free(path);
	return rv;
}

/* The server's own volumes on one host, out of its pool. */
static void
remove_disks(struct nb *nb, struct virt *v, const char *pool, const char *id)
{
	struct nb_error	 keep;
	char		 name[96];
	size_t		 i;

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
	volatile int	 done;
	int		 timed_out;
};

/* Progress on stderr, and an abort past the deadline or on a signal. */
static void *
watcher(void *arg)
{
	struct watch	*w = arg;
	struct virt_job	 j;

	while (!w->done) {
		usleep(250000);
		if (w->done)
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
    " claim, deadline, started_at) VALUES (?1, ?2, ?3, ?4, 'running', ?5,"
    " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

/* The record transaction: the move's outcome, and the server's host. */
static int
record(struct nb *nb, const struct move *m, const char *status,
    const char *fault, time_t started, const struct virt_job *j)
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
	    db_exec(nb, NULL, "UPDATE servers SET task_state = NULL,"
	    " claim = NULL, deadline = NULL, updated_at = ?2 WHERE id = ?1",
	    "si", m->ref.id, (long long)now) == -1 ||
	    server_event(nb, m->ref.id, "live-migration", started, ok,
	    msg) == -1 ||
	    event_record(nb, "server:migrate", "server", m->ref.id,
	    m->ref.name, ok, msg) == -1 || db_commit(nb) == -1) {
		db_rollback(nb);
		return -1;
	}
	return 0;
}

/* The address to migrate to: the host part of the destination's URI. */
static char *
uri_address(const char *uri)
{
	const char	*p = strstr(uri, "://"), *end;

	if (p == NULL || p[3] == '/' || p[3] == '\0')
		return NULL;	/* qemu:///system: this machine */
	p += 3;
	if ((end = strpbrk(p, ":/?")) == NULL)
		end = p + strlen(p);
	if (strchr(p, '@') != NULL && strchr(p, '@') < end)
		p = strchr(p, '@') + 1;
	return xstrndup(p, (size_t)(end - p));
}

int
server_migrate(struct nb *nb, const struct migrate_spec *ms, char **explain)
{
	struct move	 m;
	struct virt	*src = NULL, *dst = NULL, *wv = NULL;
	struct virt_job	 j;
	struct watch	 w;
	pthread_t	 th;
	char		 claim[NB_CLAIM_LEN], msg[sizeof(nb->errbuf)];
	char		*group = NULL, *xml = NULL, *addr = NULL, state[16];
	time_t		 started = time(NULL);
	long long	 timeout;
	struct nb_error	 keep;
	int		 rc, ok, rv = -1, threaded = 0, tried = 0;

	if (explain != NULL)
		*explain = NULL;
	memset(&m, 0, sizeof(m));
	memset(&j, 0, sizeof(j));
	if (!ms->live)
		return nb_seterr(nb, NB_EUSAGE, "this release migrates running "
		    "servers live: give --live");
	proc_claim(claim);
	uuid_generate(m.mig);
	if (db_begin(nb) == -1 ||
	    load_server(nb, ms->server, &m, &group) == -1 ||
	    (ms->host != NULL &&
	    policy_check(nb, "server:migrate_to_host", NULL, NULL) == -1) ||
	    choose(nb, ms, &m, group, explain) == -1)
		goto fail;
	timeout = ms->timeout > 0 ? ms->timeout :
	    COMPLETION_PER_GIB * ((m.ram_mib + 1023) / 1024);
	if (db_exec(nb, NULL, insert_sql, "ssssssiiissii", m.mig, m.ref.id,
	    m.ref.name, ms->block ? "block" : "live", m.src_id, m.dst_id,
	    m.vcpus, m.ram_mib, m.disk_gb, nb->ctx.user_id, claim,
	    (long long)(started + timeout + BUILD_DEADLINE),
	    (long long)started) == -1 ||
	    db_exec(nb, NULL, "UPDATE servers SET task_state = 'migrating',"
	    " claim = ?2, deadline = ?3 WHERE id = ?1", "ssi", m.ref.id, claim,
	    (long long)(started + timeout + BUILD_DEADLINE)) == -1 ||
	    db_commit(nb) == -1)
		goto fail;

	/* Act: the disks ahead on the destination, then libvirt's move. */
	ok = (src = virt_open(nb, m.src_uri)) != NULL &&
	    (dst = virt_open(nb, m.dst_uri)) != NULL &&
	    (wv = virt_open(nb, m.src_uri)) != NULL;
	if (ok && ms->block)
		ok = prepare_disks(nb, src, dst, &m) == 0;
	if (ok && !ms->block) {
		/* Shared storage: the destination must see the disk. */
		char	 name[96], *path;

		server_volume(name, sizeof(name), m.ref.id, "disk");
		if (virt_vol_path(dst, m.dst_pool, name, &path) == -1) {
			nb_seterr(nb, NB_EFAIL, "host '%s' does not see the "
			    "disks of server '%s' in pool '%s': its storage is "
			    "not shared, use --block-migration", m.dst_name,
			    m.ref.name, m.dst_pool);
			ok = 0;
		} else
			free(path);
	}
	if (ok)
		ok = (xml = server_xml(nb, dst, m.ref.id, m.dst_id, m.dst_pool,
		    0)) != NULL;
	crash_point("migrate:before");
	if (ok) {
		memset(&w, 0, sizeof(w));
		w.v = wv;
		w.id = m.ref.id;
		w.deadline = time(NULL) + timeout;
		w.progress = ms->progress;
		threaded = pthread_create(&th, NULL, watcher, &w) == 0;
		addr = uri_address(m.dst_uri);
		tried = 1;
		ok = virt_migrate_live(src, m.ref.id, m.dst_uri, addr, xml,
		    ms->block, ms->auto_converge) == 0;
		w.done = 1;
		if (threaded)
			(void)pthread_join(th, NULL);
		if (!ok && w.timed_out)
			nb_seterr(nb, NB_EFAIL, "the migration did not complete "
			    "within %lld s: aborted", timeout);
	}
	crash_point("migrate:after");
	/* Only what libvirt shows counts: where does the domain run now? */
	nb_error_save(nb, &keep);
	if (tried && virt_domain_state(dst, m.ref.id, state,
	    sizeof(state)) == 0 && strcmp(state, "running") == 0 &&
	    (src == NULL || virt_domain_state(src, m.ref.id, state,
	    sizeof(state)) == -1))
		ok = 1;
	else
		nb_error_restore(nb, &keep);
	if (ok) {
		nb_clearerr(nb);
		(void)virt_job_progress(dst, m.ref.id, 1, &j);
		nb_clearerr(nb);
		if (record(nb, &m, "completed", NULL, started, &j) == -1)
			goto out;
		remove_disks(nb, src, m.src_pool, m.ref.id);
		rv = 0;
		goto out;
	}
	strlcpy(msg, nb_errstr(nb), sizeof(msg));
	rc = nb->errcode;
	if (dst != NULL && ms->block)
		remove_disks(nb, dst, m.dst_pool, m.ref.id);
	(void)record(nb, &m, rc == NB_ECONFLICT ? "aborted" : "failed", msg,
	    started, &j);
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
	free(addr);
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
    " m.started_at FROM migrations m JOIN hosts sh ON sh.id ="
    " m.source_host_id JOIN hosts dh ON dh.id = m.dest_host_id"
    " WHERE m.status = 'running'";

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
		char		 state[16];
		const char	*row[6];
		int		 there;

		if (claim_alive(r[3]))
			continue;
		if ((src = virt_open(nb, r[4])) == NULL ||
		    (dst = virt_open(nb, r[6])) == NULL) {
			virt_close(src);
			rv = -1;
			continue;
		}
		/* Nothing runs twice: the domain is where libvirt runs it. */
		there = virt_domain_state(dst, r[1], state, sizeof(state)) == 0 &&
		    strcmp(state, "running") == 0;
		nb_clearerr(nb);
		row[0] = "migration";
		row[1] = r[1];
		row[2] = r[2];
		row[3] = "running";
		row[4] = there ? "completed" : "failed";
		row[5] = there ? "its process is gone; the domain runs on the "
		    "destination: the server is there" : "its process is gone; "
		    "the domain is not on the destination: the server stays";
		table_add_row(t, row);
		if (!dry_run) {
			memset(&m, 0, sizeof(m));
			memset(&j, 0, sizeof(j));
			strlcpy(m.mig, r[0], sizeof(m.mig));
			strlcpy(m.ref.id, r[1], sizeof(m.ref.id));
			m.ref.name = r[2];
			strlcpy(m.dst_id, r[8], sizeof(m.dst_id));
			m.dst_zone = r[9];
			m.src_name = r[11];
			m.dst_name = r[12];
			if (there) {
				/* The source's definition, if it stayed. */
				(void)virt_destroy_undefine(src, r[1]);
				remove_disks(nb, src, r[5], r[1]);
			} else if (strcmp(r[10], "block") == 0) {
				(void)virt_destroy_undefine(dst, r[1]);
				remove_disks(nb, dst, r[7], r[1]);
			}
			nb_clearerr(nb);
			if (record(nb, &m, there ? "completed" : "failed",
			    there ? NULL : "interrupted: the process moving it "
			    "died", (time_t)strtoll(r[13], NULL, 10), &j) == -1)
				rv = -1;
		}
		virt_close(src);
		virt_close(dst);
	}
	table_free(rows);
	return rv;
}
