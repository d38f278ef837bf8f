/*
 * console.c: a server's serial console log.  On a host that is this
 * machine's libvirt, QEMU logs it to a file in the state directory; on
 * a remote host, to a volume of the host's pool (nubes-ID-console.log),
 * made ahead so that its path is known, and read back through libvirt's
 * storage API: no path on another host is assumed visible here.  A move
 * carries the log to the destination, so the guest's history follows.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "auth.h"
#include "resource.h"
#include "server.h"
#include "serverhost.h"
#include "virt.h"

char *
server_console_log(struct nb *nb, struct virt *v, const char *pool,
    const char *id)
{
	char	 name[96], *path = NULL;

	if (virt_is_local(v))
		return server_console_path(nb, id);
	server_volume(name, sizeof(name), id, "console.log");
	if (virt_vol_path(v, pool, name, &path) == 0)
		return path;
	if (nb->errcode != NB_ENOTFOUND)
		return NULL;
	nb_clearerr(nb);
	if (virt_vol_blank(v, pool, name, "raw", 0) == -1 ||
	    virt_vol_path(v, pool, name, &path) == -1)
		return NULL;
	return path;
}

/* A file's bytes, all of them, NUL-terminated; NULL with errno. */
static char *
read_file(const char *path)
{
	struct buf	 b;
	char		 chunk[65536];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	buf_init(&b);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	return buf_release(&b);
}

/* The last lines lines of s (lines > 0), a copy; s is freed. */
static char *
tail(char *s, long lines)
{
	char	*p, *end = s + strlen(s);
	long	 seen;

	for (p = end, seen = 0; p > s; p--)
		if (p[-1] == '\n' && p != end && ++seen == lines)
			break;
	p = xstrdup(p);
	free(s);
	return p;
}

char *
server_console(struct nb *nb, const char *server, long lines)
{
	struct ref	 ref;
	struct table	*h = NULL;
	struct virt	*v = NULL;
	char		 name[96], *s = NULL, *path;
	size_t		 len;

	if (resource_authorize(nb, &res_server, "console", server, &ref) == -1)
		return NULL;
	if ((h = db_table(nb, "SELECT h.uri, h.pool FROM servers s JOIN hosts"
	    " h ON h.id = s.host_id WHERE s.id = ?1", "s", ref.id)) == NULL)
		goto out;
	path = NULL;
	if (h->nrows == 1 && (path = virt_uri_address(h->cells[0])) != NULL) {
		/* A remote host: its pool, through libvirt. */
		free(path);
		server_volume(name, sizeof(name), ref.id, "console.log");
		if ((v = virt_open(nb, h->cells[0])) == NULL)
			goto out;
		virt_pool_refresh(v, h->cells[1]);
		if (virt_vol_read(v, h->cells[1], name, &s, &len) == -1 &&
		    nb->errcode == NB_ENOTFOUND)
			nb_seterr(nb, NB_ENOTFOUND, "server '%s' has no console "
			    "log yet (no volume '%s' in pool '%s' on %s)",
			    server, name, h->cells[1], h->cells[0]);
	} else {
		path = server_console_path(nb, ref.id);
		if ((s = read_file(path)) == NULL)
			nb_seterr(nb, errno == ENOENT ? NB_ENOTFOUND : NB_EFAIL,
			    "server '%s' has no console log yet ('%s': %s)",
			    server, path, strerror(errno));
		free(path);
	}
	if (s != NULL && lines > 0)
		s = tail(s, lines);
out:
	virt_close(v);
	table_free(h);
	ref_release(&ref);
	return s;
}

void
console_carry(struct nb *nb, struct virt *src, const char *src_pool,
    struct virt *dst, const char *dst_pool, const char *id, int shared)
{
	struct nb_error	 keep;
	struct stat	 st;
	char		 name[96], *path, *dir, *data, *vpath = NULL;
	size_t		 len;
	ssize_t		 w;
	int		 fd;

	/* One file: this machine's, or a pool both hosts see. */
	if ((virt_is_local(src) && virt_is_local(dst)) ||
	    (shared && !virt_is_local(src) && !virt_is_local(dst)))
		return;
	nb_error_save(nb, &keep);
	server_volume(name, sizeof(name), id, "console.log");
	path = server_console_path(nb, id);
	if (!virt_is_local(dst)) {
		(void)virt_vol_delete(dst, dst_pool, name);
		if (!virt_is_local(src))
			(void)virt_vol_transfer(src, src_pool, name, dst,
			    dst_pool, "raw");
		else if (stat(path, &st) == 0)
			(void)virt_vol_upload(dst, dst_pool, name, "raw", path,
			    (unsigned long long)st.st_size, &vpath);
	} else if (virt_vol_read(src, src_pool, name, &data, &len) == 0) {
		xasprintf(&dir, "%s/console", nb->state_dir);
		(void)mkdir(dir, 0750);
		free(dir);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0640)) != -1) {
			w = write(fd, data, len);
			(void)w;	/* a history cut short is no failure */
			close(fd);
		}
		free(data);
	}
	free(path);
	free(vpath);
	nb_error_restore(nb, &keep);
}
