/*
 * virt.c: the hypervisor, through libvirt's C API.  The only file that
 * includes libvirt; see virt.h for the contracts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "nubes.h"
#include "virt.h"
#include "xml.h"

#define DEFAULT_URI	"qemu:///system"

struct virt {
	struct nb	*nb;
	virConnectPtr	 conn;
	char		*uri;
};

/* libvirt prints every error to stderr unless told otherwise. */
static void
virt_silent(void *opaque, virErrorPtr error)
{
	(void)opaque;
	(void)error;
}

/*
 * Set an error in v's nb: the message fmt gives, then ": " and libvirt's
 * last error.  The exit code follows libvirt's error: NB_ENOTFOUND for a
 * missing domain, NB_ECONFLICT for an operation invalid in the domain's
 * state, code otherwise.  Returns -1.
 */
static int
virt_seterr(struct virt *v, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
virt_seterr(struct virt *v, int code, const char *fmt, ...)
{
	virErrorPtr	 e;
	va_list		 ap;
	char		 what[512];

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	e = virGetLastError();
	if (e != NULL) {
		if (e->code == VIR_ERR_NO_DOMAIN)
			code = NB_ENOTFOUND;
		else if (e->code == VIR_ERR_OPERATION_INVALID)
			code = NB_ECONFLICT;
	}
	nb_seterr(v->nb, code, "%s: %s", what,
	    e != NULL && e->message != NULL ? e->message : "unknown error");
	virResetLastError();
	return -1;
}

/* 1 when libvirt's last error is code, else 0. */
static int
virt_lasterr_is(int code)
{
	virErrorPtr	 e;

	e = virGetLastError();
	return e != NULL && e->code == code;
}

/*
 * The domain with this UUID, or NULL with NB_EUSAGE for a malformed UUID
 * and NB_ENOTFOUND for a missing domain.  The caller frees it with
 * virDomainFree().
 */
static virDomainPtr
virt_lookup(struct virt *v, const char *uuid)
{
	virDomainPtr	 dom;

	if (uuid == NULL || !uuid_valid(uuid)) {
		nb_seterr(v->nb, NB_EUSAGE, "'%s' is not a UUID",
		    uuid != NULL ? uuid : "");
		return NULL;
	}
	dom = virDomainLookupByUUIDString(v->conn, uuid);
	if (dom == NULL) {
		if (virt_lasterr_is(VIR_ERR_NO_DOMAIN)) {
			virResetLastError();
			nb_seterr(v->nb, NB_ENOTFOUND, "domain '%s' not found",
			    uuid);
		} else
			virt_seterr(v, NB_EFAIL, "cannot look up domain '%s'",
			    uuid);
	}
	return dom;
}

struct virt *
virt_open(struct nb *nb, const char *uri)
{
	static int	 initialized;
	struct virt	*v;

	if (!initialized) {
		if (virInitialize() == -1) {
			nb_seterr(nb, NB_EFAIL, "cannot initialize libvirt");
			return NULL;
		}
		virSetErrorFunc(NULL, virt_silent);
		initialized = 1;
	}
	if (uri == NULL)
		uri = DEFAULT_URI;

	v = xcalloc(1, sizeof(*v));
	v->nb = nb;
	v->uri = xstrdup(uri);
	v->conn = virConnectOpen(uri);
	if (v->conn == NULL) {
		virt_seterr(v, NB_EFAIL, "cannot connect to '%s'", uri);
		virt_close(v);
		return NULL;
	}
	return v;
}

void
virt_close(struct virt *v)
{
	if (v == NULL)
		return;
	if (v->conn != NULL)
		virConnectClose(v->conn);
	free(v->uri);
	free(v);
}

const char *
virt_uri(const struct virt *v)
{
	return v->uri;
}

int
virt_define_start(struct virt *v, const char *xml, char uuid[37])
{
	virDomainPtr	 dom;
	const char	*name;
	int		 rc = -1;

	dom = virDomainDefineXML(v->conn, xml);
	if (dom == NULL) {
		/* A name taken by a domain with another UUID. */
		return virt_seterr(v,
		    virt_lasterr_is(VIR_ERR_OPERATION_FAILED) ||
		    virt_lasterr_is(VIR_ERR_DOM_EXIST) ?
		    NB_ECONFLICT : NB_EFAIL, "cannot define domain");
	}
	name = virDomainGetName(dom);
	if (virDomainGetUUIDString(dom, uuid) == -1) {
		virt_seterr(v, NB_EFAIL, "domain '%s': cannot get UUID",
		    name != NULL ? name : "?");
		goto cleanup;
	}
	/* Redefining a running domain only changes its next boot. */
	if (virDomainIsActive(dom) == 1) {
		nb_seterr(v->nb, NB_ECONFLICT, "domain '%s' is already running",
		    name != NULL ? name : uuid);
		goto cleanup;
	}
	if (virDomainCreate(dom) == -1) {
		virt_seterr(v, NB_EFAIL, "cannot start domain '%s'",
		    name != NULL ? name : uuid);
		/* Keep the first error; the undefine is best effort. */
		virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
		    VIR_DOMAIN_UNDEFINE_NVRAM);
		virResetLastError();
		goto cleanup;
	}
	rc = 0;
cleanup:
	virDomainFree(dom);
	return rc;
}

int
virt_define(struct virt *v, const char *xml)
{
	virDomainPtr	 dom;

	if ((dom = virDomainDefineXML(v->conn, xml)) == NULL)
		return virt_seterr(v,
		    virt_lasterr_is(VIR_ERR_OPERATION_FAILED) ||
		    virt_lasterr_is(VIR_ERR_DOM_EXIST) ?
		    NB_ECONFLICT : NB_EFAIL, "cannot define domain");
	virDomainFree(dom);
	return 0;
}

int
virt_destroy_undefine(struct virt *v, const char *uuid)
{
	virDomainPtr	 dom;
	int		 rc = -1;

	if ((dom = virt_lookup(v, uuid)) == NULL) {
		if (nb_exitcode(v->nb) != NB_ENOTFOUND)
			return -1;
		nb_clearerr(v->nb);
		return 0;
	}

	/* Not running, or stopped since we looked: fine. */
	if (virDomainDestroy(dom) == -1 &&
	    !virt_lasterr_is(VIR_ERR_OPERATION_INVALID) &&
	    !virt_lasterr_is(VIR_ERR_NO_DOMAIN)) {
		virt_seterr(v, NB_EFAIL, "cannot destroy domain '%s'", uuid);
		goto cleanup;
	}
	virResetLastError();

	/* A transient domain vanished with the destroy. */
	if (virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
	    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
	    VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA |
	    VIR_DOMAIN_UNDEFINE_NVRAM) == -1 &&
	    !virt_lasterr_is(VIR_ERR_NO_DOMAIN) &&
	    !virt_lasterr_is(VIR_ERR_OPERATION_INVALID)) {
		virt_seterr(v, NB_EFAIL, "cannot undefine domain '%s'", uuid);
		goto cleanup;
	}
	virResetLastError();
	rc = 0;
cleanup:
	virDomainFree(dom);
	return rc;
}

int
virt_shutdown(struct virt *v, const char *uuid)
{
	virDomainPtr	 dom;
	int		 rc = 0;

	if ((dom = virt_lookup(v, uuid)) == NULL)
		return -1;
	if (virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) ==
	    -1)
		rc = virt_seterr(v, NB_EFAIL, "cannot shut down domain '%s'",
		    uuid);
	virDomainFree(dom);
	return rc;
}

static const char *
virt_state_name(int state)
{
	switch (state) {
	case VIR_DOMAIN_RUNNING:
		return "running";
	case VIR_DOMAIN_BLOCKED:
		return "blocked";
	case VIR_DOMAIN_PAUSED:
		return "paused";
	case VIR_DOMAIN_SHUTDOWN:
		return "shutdown";
	case VIR_DOMAIN_SHUTOFF:
		return "shutoff";
	case VIR_DOMAIN_CRASHED:
		return "crashed";
	case VIR_DOMAIN_PMSUSPENDED:
		return "pmsuspended";
	default:
		return "nostate";
	}
}

int
virt_domain_state(struct virt *v, const char *uuid, char *buf, size_t len)
{
	virDomainPtr	 dom;
	int		 state, reason, rc = 0;

	if ((dom = virt_lookup(v, uuid)) == NULL)
		return -1;
	if (virDomainGetState(dom, &state, &reason, 0) == -1)
		rc = virt_seterr(v, NB_EFAIL,
		    "cannot get the state of domain '%s'", uuid);
	else if ((size_t)snprintf(buf, len, "%s", virt_state_name(state)) >=
	    len)
		rc = nb_seterr(v->nb, NB_EFAIL, "domain state: buffer too small");
	virDomainFree(dom);
	return rc;
}

int
virt_host_info(struct virt *v, struct virt_host_info *h)
{
	virNodeInfo	 ni;
	const char	*type;
	char		*host;
	unsigned long	 lib = 0;

	memset(h, 0, sizeof(*h));
	if (virNodeGetInfo(v->conn, &ni) == -1)
		return virt_seterr(v, NB_EFAIL, "reading the host's CPUs and "
		    "memory from %s", v->uri);
	h->cpus = (int)ni.cpus;
	h->memory_mib = (long long)(ni.memory / 1024);
	snprintf(h->arch, sizeof(h->arch), "%s", ni.model);
	if ((type = virConnectGetType(v->conn)) != NULL)
		snprintf(h->hypervisor, sizeof(h->hypervisor), "%s", type);
	if (virConnectGetLibVersion(v->conn, &lib) == 0)
		snprintf(h->libvirt_version, sizeof(h->libvirt_version),
		    "%lu.%lu.%lu", lib / 1000000, lib / 1000 % 1000,
		    lib % 1000);
	if ((host = virConnectGetHostname(v->conn)) != NULL) {
		snprintf(h->hostname, sizeof(h->hostname), "%s", host);
		free(host);
	}
	virResetLastError();
	return 0;
}

/*
 * The storage pool name on this host, started; a missing one is made a
 * dir pool at path (built, started, autostarted), as nubes' default.
 */
int
virt_pool_ensure(struct virt *v, const char *name, const char *path,
    struct virt_pool_info *p)
{
	virStoragePoolPtr	 pool;
	virStoragePoolInfo	 info;
	char			*xml, *ename, *epath;
	int			 active, rv = -1;

	memset(p, 0, sizeof(*p));
	if ((pool = virStoragePoolLookupByName(v->conn, name)) == NULL) {
		if (!virt_lasterr_is(VIR_ERR_NO_STORAGE_POOL))
			return virt_seterr(v, NB_EFAIL, "looking up storage "
			    "pool '%s' on %s", name, v->uri);
		virResetLastError();
		ename = xml_escape(name);
		epath = xml_escape(path);
		xasprintf(&xml, "<pool type='dir'><name>%s</name><target>"
		    "<path>%s</path></target></pool>", ename, epath);
		free(ename);
		free(epath);
		pool = virStoragePoolDefineXML(v->conn, xml, 0);
		free(xml);
		/* Another process may have defined it meanwhile. */
		if (pool == NULL &&
		    (pool = virStoragePoolLookupByName(v->conn, name)) != NULL)
			virResetLastError();
		else if (pool == NULL)
			return virt_seterr(v, NB_EFAIL, "defining storage pool "
			    "'%s' at '%s' on %s", name, path, v->uri);
		else if (virStoragePoolBuild(pool, 0) == -1) {
			virt_seterr(v, NB_EFAIL, "building storage pool '%s' "
			    "at '%s' on %s", name, path, v->uri);
			virStoragePoolUndefine(pool);
			goto out;
		}
		else {
			p->created = 1;
			/* Only a pool nubes made starts with the host. */
			(void)virStoragePoolSetAutostart(pool, 1);
		}
	}
	if ((active = virStoragePoolIsActive(pool)) == 0 &&
	    virStoragePoolCreate(pool, 0) == -1 &&
	    virStoragePoolIsActive(pool) != 1) {
		virt_seterr(v, NB_EFAIL, "starting storage pool '%s' on %s",
		    name, v->uri);
		goto out;
	}
	/*
	 * A refresh is refused while another process creates a volume in
	 * the pool ("asynchronous jobs running"); what it would add is only
	 * a fresher free space.
	 */
	(void)virStoragePoolRefresh(pool, 0);
	virResetLastError();
	if (virStoragePoolGetInfo(pool, &info) == -1) {
		virt_seterr(v, NB_EFAIL, "reading storage pool '%s' on %s",
		    name, v->uri);
		goto out;
	}
	p->capacity_gb = (long long)(info.capacity >> 30);
	p->available_gb = (long long)(info.available >> 30);
	rv = 0;
out:
	if (rv == -1 && p->created) {
		(void)virStoragePoolDestroy(pool);
		(void)virStoragePoolUndefine(pool);
		p->created = 0;
	}
	virStoragePoolFree(pool);
	virResetLastError();
	return rv;
}

int
virt_pool_remove(struct virt *v, const char *name)
{
	virStoragePoolPtr	 pool;

	if ((pool = virStoragePoolLookupByName(v->conn, name)) == NULL) {
		virResetLastError();
		return 0;
	}
	(void)virStoragePoolDestroy(pool);
	if (virStoragePoolUndefine(pool) == -1) {
		virStoragePoolFree(pool);
		return virt_seterr(v, NB_EFAIL, "removing storage pool '%s' on "
		    "%s", name, v->uri);
	}
	virStoragePoolFree(pool);
	return 0;
}

static virStoragePoolPtr
pool_lookup(struct virt *v, const char *pool)
{
	virStoragePoolPtr	 p;

	if ((p = virStoragePoolLookupByName(v->conn, pool)) == NULL)
		virt_seterr(v, NB_EFAIL, "storage pool '%s' on %s", pool,
		    v->uri);
	return p;
}

void
virt_pool_refresh(struct virt *v, const char *pool)
{
	virStoragePoolPtr	 p;

	if ((p = virStoragePoolLookupByName(v->conn, pool)) != NULL) {
		(void)virStoragePoolRefresh(p, 0);
		virStoragePoolFree(p);
	}
	virResetLastError();
}

/* Volume name of pool; NULL with NB_ENOTFOUND when it is missing. */
static virStorageVolPtr
vol_lookup(struct virt *v, const char *pool, const char *name)
{
	virStoragePoolPtr	 p;
	virStorageVolPtr	 vol;

	if ((p = pool_lookup(v, pool)) == NULL)
		return NULL;
	if ((vol = virStorageVolLookupByName(p, name)) == NULL) {
		if (virt_lasterr_is(VIR_ERR_NO_STORAGE_VOL)) {
			virResetLastError();
			nb_seterr(v->nb, NB_ENOTFOUND, "no volume '%s' in pool "
			    "'%s' on %s", name, pool, v->uri);
		} else
			virt_seterr(v, NB_EFAIL, "volume '%s' in pool '%s'",
			    name, pool);
	}
	virStoragePoolFree(p);
	return vol;
}

int
virt_vol_path(struct virt *v, const char *pool, const char *name,
    char **path)
{
	virStorageVolPtr	 vol;
	int			 rv = -1;

	*path = NULL;
	if ((vol = vol_lookup(v, pool, name)) == NULL)
		return -1;
	if ((*path = virStorageVolGetPath(vol)) == NULL)
		virt_seterr(v, NB_EFAIL, "path of volume '%s'", name);
	else
		rv = 0;
	virStorageVolFree(vol);
	return rv;
}

/* Create volume name from xml in pool; returns it, or NULL. */
static virStorageVolPtr
vol_create(struct virt *v, virStoragePoolPtr p, const char *name,
    const char *xml)
{
	virStorageVolPtr	 vol;

	if ((vol = virStorageVolCreateXML(p, xml, 0)) == NULL)
		virt_seterr(v, virt_lasterr_is(VIR_ERR_STORAGE_VOL_EXIST) ?
		    NB_ECONFLICT : NB_EFAIL, "creating volume '%s' on %s",
		    name, v->uri);
	return vol;
}

static int
send_file(virStreamPtr st, char *data, size_t n, void *opaque)
{
	int	 fd = *(int *)opaque;

	(void)st;
	return (int)read(fd, data, n);
}

int
virt_vol_upload(struct virt *v, const char *pool, const char *name,
    const char *format, const char *file, unsigned long long size,
    char **path)
{
	virStoragePoolPtr	 p;
	virStorageVolPtr	 vol = NULL;
	virStreamPtr		 st = NULL;
	char			*xml, *ename;
	int			 fd = -1, rv = -1;

	*path = NULL;
	if ((p = pool_lookup(v, pool)) == NULL)
		return -1;
	ename = xml_escape(name);
	xasprintf(&xml, "<volume><name>%s</name><capacity unit='B'>%llu"
	    "</capacity><target><format type='%s'/><permissions><mode>0644"
	    "</mode></permissions></target></volume>", ename, size, format);
	free(ename);
	vol = vol_create(v, p, name, xml);
	free(xml);
	if (vol == NULL)
		goto out;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		nb_seterr(v->nb, NB_EFAIL, "opening '%s': %s", file,
		    strerror(errno));
		goto fail;
	}
	if ((st = virStreamNew(v->conn, 0)) == NULL ||
	    virStorageVolUpload(vol, st, 0, size, 0) == -1 ||
	    virStreamSendAll(st, send_file, &fd) == -1 ||
	    virStreamFinish(st) == -1) {
		virt_seterr(v, NB_EFAIL, "uploading '%s' to volume '%s' on %s",
		    file, name, v->uri);
		if (st != NULL)
			virStreamAbort(st);
		goto fail;
	}
	if ((*path = virStorageVolGetPath(vol)) == NULL) {
		virt_seterr(v, NB_EFAIL, "path of volume '%s'", name);
		goto fail;
	}
	rv = 0;
	goto out;
fail:
	/* A volume half written is no volume. */
	virStorageVolDelete(vol, 0);
out:
	if (fd != -1)
		close(fd);
	if (st != NULL)
		virStreamFree(st);
	if (vol != NULL)
		virStorageVolFree(vol);
	virStoragePoolFree(p);
	return rv;
}

int
virt_vol_overlay(struct virt *v, const char *pool, const char *name,
    const char *backing, const char *backing_format,
    unsigned long long capacity, char **path)
{
	virStoragePoolPtr	 p;
	virStorageVolPtr	 vol;
	char			*xml, *ename, *eback;
	int			 rv = -1;

	*path = NULL;
	if ((p = pool_lookup(v, pool)) == NULL)
		return -1;
	ename = xml_escape(name);
	eback = xml_escape(backing != NULL ? backing : "");
	if (backing == NULL)
		xasprintf(&xml, "<volume><name>%s</name><capacity unit='B'>%llu"
		    "</capacity><target><format type='qcow2'/><permissions>"
		    "<mode>0644</mode></permissions></target></volume>", ename,
		    capacity);
	else
		xasprintf(&xml, "<volume><name>%s</name><capacity unit='B'>"
		    "%llu</capacity><target><format type='qcow2'/>"
		    "<permissions><mode>0644</mode></permissions></target>"
		    "<backingStore><path>%s</path><format type='%s'/>"
		    "</backingStore></volume>", ename, capacity, eback,
		    backing_format);
	free(ename);
	free(eback);
	vol = vol_create(v, p, name, xml);
	free(xml);
	if (vol != NULL) {
		if ((*path = virStorageVolGetPath(vol)) == NULL)
			virt_seterr(v, NB_EFAIL, "path of volume '%s'", name);
		else
			rv = 0;
		if (rv == -1)
			virStorageVolDelete(vol, 0);
		virStorageVolFree(vol);
	}
	virStoragePoolFree(p);
	return rv;
}

int
virt_vol_resize(struct virt *v, const char *pool, const char *name,
    unsigned long long capacity)
{
	virStorageVolPtr	 vol;
	int			 rv = 0;

	if ((vol = vol_lookup(v, pool, name)) == NULL)
		return -1;
	if (virStorageVolResize(vol, capacity, 0) == -1)
		rv = virt_seterr(v, NB_EFAIL, "resizing volume '%s' to %llu "
		    "bytes on %s", name, capacity, v->uri);
	virStorageVolFree(vol);
	return rv;
}

/* The <format> element of a new volume: none for raw. */
static const char *
format_xml(const char *format)
{
	return strcmp(format, "qcow2") == 0 ? "<format type='qcow2'/>" : "";
}

int
virt_pool_vol_format(struct virt *v, const char *pool, char buf[8])
{
	virStoragePoolPtr	 p;
	char			*xml;
	int			 file;

	if ((p = pool_lookup(v, pool)) == NULL)
		return -1;
	xml = virStoragePoolGetXMLDesc(p, 0);
	virStoragePoolFree(p);
	if (xml == NULL)
		return virt_seterr(v, NB_EFAIL, "storage pool '%s' on %s", pool,
		    v->uri);
	/* Pools of files take qcow2; block pools (LVM, RBD...) raw. */
	file = strstr(xml, "<pool type='dir'") != NULL ||
	    strstr(xml, "<pool type='fs'") != NULL ||
	    strstr(xml, "<pool type='netfs'") != NULL;
	free(xml);
	snprintf(buf, 8, "%s", file ? "qcow2" : "raw");
	return 0;
}

int
virt_vol_blank(struct virt *v, const char *pool, const char *name,
    const char *format, unsigned long long capacity)
{
	virStoragePoolPtr	 p;
	virStorageVolPtr	 vol;
	char			*xml, *ename;

	if ((p = pool_lookup(v, pool)) == NULL)
		return -1;
	ename = xml_escape(name);
	xasprintf(&xml, "<volume><name>%s</name><capacity unit='B'>%llu"
	    "</capacity><target>%s<permissions><mode>0644</mode>"
	    "</permissions></target></volume>", ename, capacity,
	    format_xml(format));
	free(ename);
	vol = vol_create(v, p, name, xml);
	free(xml);
	if (vol != NULL)
		virStorageVolFree(vol);
	virStoragePoolFree(p);
	return vol == NULL ? -1 : 0;
}

int
virt_vol_copy(struct virt *v, const char *from_pool, const char *from,
    const char *pool, const char *name, const char *format)
{
	virStoragePoolPtr	 p, fp = NULL;
	virStorageVolPtr	 src = NULL, vol = NULL;
	char			*xml, *ename;
	int			 rv = -1;

	if ((p = pool_lookup(v, pool)) == NULL)
		return -1;
	if ((fp = pool_lookup(v, from_pool)) == NULL)
		goto out;
	if ((src = virStorageVolLookupByName(fp, from)) == NULL) {
		virt_seterr(v, NB_EFAIL, "volume '%s' in pool '%s'", from,
		    from_pool);
		goto out;
	}
	ename = xml_escape(name);
	xasprintf(&xml, "<volume><name>%s</name><capacity unit='B'>0"
	    "</capacity><target>%s<permissions><mode>0644</mode>"
	    "</permissions></target></volume>", ename, format_xml(format));
	free(ename);
	if ((vol = virStorageVolCreateXMLFrom(p, xml, src, 0)) == NULL)
		virt_seterr(v, virt_lasterr_is(VIR_ERR_STORAGE_VOL_EXIST) ?
		    NB_ECONFLICT : NB_EFAIL, "copying volume '%s' to '%s' on %s",
		    from, name, v->uri);
	else {
		rv = 0;
		virStorageVolFree(vol);
	}
	free(xml);
out:
	if (src != NULL)
		virStorageVolFree(src);
	if (fp != NULL)
		virStoragePoolFree(fp);
	virStoragePoolFree(p);
	return rv;
}

int
virt_vol_capacity(struct virt *v, const char *pool, const char *name,
    unsigned long long *bytes)
{
	virStorageVolPtr	 vol;
	virStorageVolInfo	 info;
	int			 rv = -1;

	if ((vol = vol_lookup(v, pool, name)) == NULL)
		return -1;
	if (virStorageVolGetInfo(vol, &info) == -1)
		virt_seterr(v, NB_EFAIL, "volume '%s'", name);
	else {
		*bytes = info.capacity;
		rv = 0;
	}
	virStorageVolFree(vol);
	return rv;
}

int
virt_vol_list(struct virt *v, const char *pool, const char *prefix,
    char ***names, size_t *n)
{
	virStoragePoolPtr	 p;
	virStorageVolPtr	*vols = NULL;
	int			 nv, i;

	*names = NULL;
	*n = 0;
	if ((p = pool_lookup(v, pool)) == NULL)
		return -1;
	(void)virStoragePoolRefresh(p, 0);
	if ((nv = virStoragePoolListAllVolumes(p, &vols, 0)) < 0) {
		virStoragePoolFree(p);
		return virt_seterr(v, NB_EFAIL, "listing pool '%s'", pool);
	}
	*names = xcalloc((size_t)nv + 1, sizeof(**names));
	for (i = 0; i < nv; i++) {
		const char	*name = virStorageVolGetName(vols[i]);

		if (name != NULL && strncmp(name, prefix, strlen(prefix)) == 0)
			(*names)[(*n)++] = xstrdup(name);
		virStorageVolFree(vols[i]);
	}
	free(vols);
	virStoragePoolFree(p);
	return 0;
}

/* CONFIG always; LIVE as well when the domain runs. */
static unsigned int
affect_flags(virDomainPtr d)
{
	return VIR_DOMAIN_AFFECT_CONFIG |
	    (virDomainIsActive(d) == 1 ? VIR_DOMAIN_AFFECT_LIVE : 0);
}

int
virt_disk_attach(struct virt *v, const char *uuid, const char *xml)
{
	virDomainPtr	 d;
	int		 rc;

	if ((d = virt_lookup(v, uuid)) == NULL)
		return -1;
	if ((rc = virDomainAttachDeviceFlags(d, xml, affect_flags(d))) == -1)
		virt_seterr(v, NB_EFAIL, "attaching a disk to domain %s on %s",
		    uuid, v->uri);
	virDomainFree(d);
	return rc == -1 ? -1 : 0;
}

int
virt_disk_detach(struct virt *v, const char *uuid, const char *xml, int live,
    int config)
{
	virDomainPtr	 d;
	int		 rc;

	if ((d = virt_lookup(v, uuid)) == NULL)
		return -1;
	if ((rc = virDomainDetachDeviceFlags(d, xml,
	    (live ? VIR_DOMAIN_AFFECT_LIVE : 0) |
	    (config ? VIR_DOMAIN_AFFECT_CONFIG : 0))) == -1)
		virt_seterr(v, NB_EFAIL, "detaching a disk from domain %s on %s",
		    uuid, v->uri);
	virDomainFree(d);
	return rc == -1 ? -1 : 0;
}

int
virt_domain_has_disk(struct virt *v, const char *uuid, const char *target,
    int live)
{
	virDomainPtr	 d;
	char		*xml, want[64];
	int		 rv;

	if ((d = virt_lookup(v, uuid)) == NULL)
		return -1;
	xml = virDomainGetXMLDesc(d, live ? 0 : VIR_DOMAIN_XML_INACTIVE);
	virDomainFree(d);
	if (xml == NULL)
		return virt_seterr(v, NB_EFAIL, "XML of domain %s", uuid);
	/* libvirt writes the target as <target dev='vdd' bus='virtio'/>. */
	snprintf(want, sizeof(want), "<target dev='%s'", target);
	rv = strstr(xml, want) != NULL;
	free(xml);
	return rv;
}

int
virt_block_resize(struct virt *v, const char *uuid, const char *target,
    unsigned long long bytes)
{
	virDomainPtr	 d;
	int		 rc;

	if ((d = virt_lookup(v, uuid)) == NULL)
		return -1;
	if ((rc = virDomainBlockResize(d, target, bytes,
	    VIR_DOMAIN_BLOCK_RESIZE_BYTES)) == -1)
		virt_seterr(v, NB_EFAIL, "resizing disk %s of domain %s on %s",
		    target, uuid, v->uri);
	virDomainFree(d);
	return rc == -1 ? -1 : 0;
}

int
virt_domain_active(struct virt *v, const char *uuid)
{
	virDomainPtr	 d;
	int		 rc;

	if ((d = virt_lookup(v, uuid)) == NULL)
		return -1;
	rc = virDomainIsActive(d);
	virDomainFree(d);
	return rc == -1 ? virt_seterr(v, NB_EFAIL, "domain %s", uuid) : rc;
}

int
virt_vol_delete(struct virt *v, const char *pool, const char *name)
{
	virStoragePoolPtr	 p;
	virStorageVolPtr	 vol;
	int			 rv = 0;

	/* No pool, no volume: what was to go is not there. */
	if ((p = virStoragePoolLookupByName(v->conn, pool)) == NULL) {
		if (virt_lasterr_is(VIR_ERR_NO_STORAGE_POOL)) {
			virResetLastError();
			return 0;
		}
		return virt_seterr(v, NB_EFAIL, "storage pool '%s' on %s",
		    pool, v->uri);
	}
	if ((vol = virStorageVolLookupByName(p, name)) == NULL)
		virResetLastError();
	else {
		/* Still being made (its maker gone): NB_ECONFLICT. */
		if (virStorageVolDelete(vol, 0) == -1)
			rv = virt_seterr(v, virt_lasterr_is(
			    VIR_ERR_OPERATION_INVALID) ? NB_ECONFLICT : NB_EFAIL,
			    "deleting volume '%s' on %s", name, v->uri);
		virStorageVolFree(vol);
	}
	virStoragePoolFree(p);
	return rv;
}

int
virt_list_domains(struct virt *v, const char *prefix,
    struct virt_domain_info **out, size_t *nout)
{
	virDomainPtr	*doms = NULL;
	int		 n, i, state, reason;
	size_t		 k = 0;
	const char	*name;

	*out = NULL;
	*nout = 0;
	if ((n = virConnectListAllDomains(v->conn, &doms, 0)) < 0)
		return virt_seterr(v, NB_EFAIL, "listing the domains of %s",
		    v->uri);
	*out = xcalloc(n ? (size_t)n : 1, sizeof(**out));
	for (i = 0; i < n; i++) {
		name = virDomainGetName(doms[i]);
		if (name != NULL && strncmp(name, prefix, strlen(prefix)) == 0 &&
		    virDomainGetUUIDString(doms[i], (*out)[k].uuid) == 0 &&
		    virDomainGetState(doms[i], &state, &reason, 0) == 0) {
			snprintf((*out)[k].name, sizeof((*out)[k].name), "%s",
			    name);
			snprintf((*out)[k].state, sizeof((*out)[k].state), "%s",
			    virt_state_name(state));
			k++;
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	virResetLastError();
	*nout = k;
	return 0;
}

int
virt_domain_op(struct virt *v, const char *uuid, enum virt_op op)
{
	virDomainPtr	 d;
	int		 rc = -1;

	if ((d = virt_lookup(v, uuid)) == NULL)
		return -1;
	switch (op) {
	case VIRT_START:
		rc = virDomainCreate(d);	/* restores a managed save */
		break;
	case VIRT_START_PAUSED:
		rc = virDomainCreateWithFlags(d, VIR_DOMAIN_START_PAUSED);
		break;
	case VIRT_SHUTDOWN:
		rc = virDomainShutdown(d);
		break;
	case VIRT_DESTROY:
		rc = virDomainDestroy(d);
		break;
	case VIRT_REBOOT:
		rc = virDomainReboot(d, 0);
		break;
	case VIRT_RESET:
		rc = virDomainReset(d, 0);
		break;
	case VIRT_PAUSE:
		rc = virDomainSuspend(d);
		break;
	case VIRT_UNPAUSE:
		rc = virDomainResume(d);
		break;
	case VIRT_SAVE:
		rc = virDomainManagedSave(d, 0);
		break;
	}
	if (rc == -1)
		virt_seterr(v, NB_EFAIL, "domain %s on %s", uuid, v->uri);
	virDomainFree(d);
	return rc == -1 ? -1 : 0;
}

int
virt_vol_read(struct virt *v, const char *pool, const char *name,
    char **data, size_t *len)
{
	virStorageVolPtr	 vol;
	virStreamPtr		 st = NULL;
	struct buf		 b;
	char			 chunk[64 * 1024];
	int			 n, rv = -1;

	*data = NULL;
	*len = 0;
	if ((vol = vol_lookup(v, pool, name)) == NULL)
		return -1;
	buf_init(&b);
	if ((st = virStreamNew(v->conn, 0)) == NULL ||
	    virStorageVolDownload(vol, st, 0, 0, 0) == -1) {
		virt_seterr(v, NB_EFAIL, "reading volume '%s' from %s", name,
		    v->uri);
		goto out;
	}
	while ((n = virStreamRecv(st, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	if (n < 0 || virStreamFinish(st) == -1) {
		virt_seterr(v, NB_EFAIL, "reading volume '%s' from %s", name,
		    v->uri);
		virStreamAbort(st);
		goto out;
	}
	*len = b.len;
	*data = buf_release(&b);
	rv = 0;
out:
	if (rv == -1)
		buf_free(&b);
	if (st != NULL)
		virStreamFree(st);
	virStorageVolFree(vol);
	return rv;
}

int
virt_net_ensure(struct virt *v, const char *bridge, long long mtu)
{
	virNetworkPtr	 n;
	char		*xml, *e;
	int		 rv = -1;

	if ((n = virNetworkLookupByName(v->conn, bridge)) == NULL) {
		virResetLastError();
		/* No <forward>, no <ip>: an isolated bridge, no dnsmasq. */
		e = xml_escape(bridge);
		xasprintf(&xml, "<network><name>%s</name><bridge name='%s'"
		    " stp='off' delay='0'/><mtu size='%lld'/></network>", e, e,
		    mtu);
		free(e);
		n = virNetworkDefineXML(v->conn, xml);
		free(xml);
		if (n == NULL) {
			virt_seterr(v, NB_EFAIL, "defining network bridge %s "
			    "on %s", bridge, v->uri);
			return -1;
		}
	}
	if (virNetworkIsActive(n) != 1 && virNetworkCreate(n) == -1) {
		/*
		 * The bridge is there already, made by the admin (or by
		 * another libvirt on this kernel): used as it is, libvirt
		 * neither making nor removing it.
		 */
		(void)virNetworkUndefine(n);
		virNetworkFree(n);
		e = xml_escape(bridge);
		xasprintf(&xml, "<network><name>%s</name><forward mode="
		    "'bridge'/><bridge name='%s'/></network>", e, e);
		free(e);
		n = virNetworkDefineXML(v->conn, xml);
		free(xml);
		if (n == NULL || virNetworkCreate(n) == -1) {
			virt_seterr(v, NB_EFAIL, "starting network bridge %s "
			    "on %s", bridge, v->uri);
			if (n != NULL)
				(void)virNetworkUndefine(n);
			goto out;
		}
		virResetLastError();
	}
	(void)virNetworkSetAutostart(n, 1);
	rv = 0;
out:
	if (n != NULL)
		virNetworkFree(n);
	return rv;
}

int
virt_net_remove(struct virt *v, const char *bridge)
{
	virNetworkPtr	 n;

	if ((n = virNetworkLookupByName(v->conn, bridge)) == NULL) {
		virResetLastError();
		return 0;
	}
	if (virNetworkIsActive(n) == 1)
		(void)virNetworkDestroy(n);
	(void)virNetworkUndefine(n);
	virNetworkFree(n);
	virResetLastError();
	return 0;
}

char *
virt_domain_migratable_xml(struct virt *v, const char *uuid)
{
	virDomainPtr	 d;
	char		*xml;

	if ((d = virt_lookup(v, uuid)) == NULL)
		return NULL;
	if ((xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_MIGRATABLE |
	    VIR_DOMAIN_XML_SECURE)) == NULL)
		virt_seterr(v, NB_EFAIL, "reading domain %s on %s", uuid,
		    v->uri);
	virDomainFree(d);
	return xml;
}

int
virt_nwfilter_define(struct virt *v, const char *name, const char *rules)
{
	virNWFilterPtr	 f;
	char		 uuid[VIR_UUID_STRING_BUFLEN] = "", *xml, *e;

	/* A redefinition must carry the filter's UUID. */
	if ((f = virNWFilterLookupByName(v->conn, name)) != NULL) {
		if (virNWFilterGetUUIDString(f, uuid) == -1)
			uuid[0] = '\0';
		virNWFilterFree(f);
	}
	virResetLastError();
	e = xml_escape(name);
	xasprintf(&xml, "<filter name='%s' chain='root'>\n%s%s%s%s</filter>\n",
	    e, *uuid != '\0' ? "  <uuid>" : "", uuid,
	    *uuid != '\0' ? "</uuid>\n" : "", rules);
	free(e);
	f = virNWFilterDefineXML(v->conn, xml);
	free(xml);
	if (f == NULL)
		return virt_seterr(v, NB_EFAIL, "defining traffic filter %s "
		    "on %s", name, v->uri);
	virNWFilterFree(f);
	return 0;
}

void
virt_nwfilter_undefine(struct virt *v, const char *name)
{
	virNWFilterPtr	 f;

	if ((f = virNWFilterLookupByName(v->conn, name)) != NULL) {
		(void)virNWFilterUndefine(f);
		virNWFilterFree(f);
	}
	virResetLastError();
}

char *
virt_uri_address(const char *uri)
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
virt_is_local(const struct virt *v)
{
	const char	*p = strstr(v->uri, "://");

	return p == NULL || p[3] == '/' || p[3] == '\0';
}

int
virt_vol_transfer(struct virt *from, const char *from_pool, const char *name,
    struct virt *to, const char *to_pool, const char *format)
{
	virStoragePoolPtr	 fp = NULL, tp = NULL;
	virStorageVolPtr	 src = NULL, dst = NULL;
	virStreamPtr		 in = NULL, out = NULL;
	virStorageVolInfo	 info;
	char			*xml = NULL, *ename, buf[256 * 1024];
	int			 n, rv = -1;

	if ((fp = pool_lookup(from, from_pool)) == NULL ||
	    (tp = pool_lookup(to, to_pool)) == NULL)
		goto out;
	if ((src = virStorageVolLookupByName(fp, name)) == NULL ||
	    virStorageVolGetInfo(src, &info) == -1) {
		virt_seterr(from, NB_EFAIL, "volume '%s' in pool '%s'", name,
		    from_pool);
		goto out;
	}
	ename = xml_escape(name);
	xasprintf(&xml, "<volume><name>%s</name><capacity unit='B'>%llu"
	    "</capacity><target><format type='%s'/><permissions><mode>0644"
	    "</mode></permissions></target></volume>", ename, info.capacity,
	    format);
	free(ename);
	if ((dst = vol_create(to, tp, name, xml)) == NULL)
		goto out;
	/* The bytes as they are on disk, from one host's stream to the other's. */
	if ((in = virStreamNew(from->conn, 0)) == NULL ||
	    virStorageVolDownload(src, in, 0, 0, 0) == -1) {
		virt_seterr(from, NB_EFAIL, "downloading volume '%s' from %s",
		    name, from->uri);
		goto fail;
	}
	if ((out = virStreamNew(to->conn, 0)) == NULL ||
	    virStorageVolUpload(dst, out, 0, 0, 0) == -1) {
		virt_seterr(to, NB_EFAIL, "uploading volume '%s' to %s", name,
		    to->uri);
		goto fail;
	}
	while ((n = virStreamRecv(in, buf, sizeof(buf))) > 0) {
		int	 off, w;

		for (off = 0; off < n; off += w)
			if ((w = virStreamSend(out, buf + off,
			    (size_t)(n - off))) <= 0) {
				virt_seterr(to, NB_EFAIL, "uploading volume "
				    "'%s' to %s", name, to->uri);
				goto fail;
			}
	}
	if (n < 0 || virStreamFinish(in) == -1) {
		virt_seterr(from, NB_EFAIL, "downloading volume '%s' from %s",
		    name, from->uri);
		goto fail;
	}
	in = (virStreamFree(in), NULL);
	if (virStreamFinish(out) == -1) {
		virt_seterr(to, NB_EFAIL, "uploading volume '%s' to %s", name,
		    to->uri);
		goto fail;
	}
	rv = 0;
	goto out;
fail:
	if (in != NULL)
		virStreamAbort(in);
	if (out != NULL)
		virStreamAbort(out);
	virStorageVolDelete(dst, 0);
out:
	if (in != NULL)
		virStreamFree(in);
	if (out != NULL)
		virStreamFree(out);
	if (src != NULL)
		virStorageVolFree(src);
	if (dst != NULL)
		virStorageVolFree(dst);
	if (fp != NULL)
		virStoragePoolFree(fp);
	if (tp != NULL)
		virStoragePoolFree(tp);
	free(xml);
	return rv;
}

int
virt_migrate_live(struct virt *v, const char *uuid, const char *dest_uri,
    const char *address, const char *dest_xml, unsigned int how)
{
	virDomainPtr		 d;
	virTypedParameterPtr	 params = NULL;
	char			*muri = NULL;
	int			 np = 0, maxp = 0, rc = -1;
	unsigned int		 flags;

	if ((d = virt_lookup(v, uuid)) == NULL)
		return -1;
	flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER |
	    VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE |
	    (how & VIRT_MIG_BLOCK ? VIR_MIGRATE_NON_SHARED_INC : 0) |
	    (how & VIRT_MIG_AUTO_CONVERGE ? VIR_MIGRATE_AUTO_CONVERGE : 0) |
	    (how & VIRT_MIG_PAUSED ? VIR_MIGRATE_PAUSED : 0);
	/*
	 * The destination's address, given: libvirt would offer the
	 * destination's hostname, which need not resolve from the source.
	 */
	if (address != NULL) {
		xasprintf(&muri, "tcp://%s", address);
		if (virTypedParamsAddString(&params, &np, &maxp,
		    VIR_MIGRATE_PARAM_URI, muri) == -1 ||
		    virTypedParamsAddString(&params, &np, &maxp,
		    VIR_MIGRATE_PARAM_LISTEN_ADDRESS, address) == -1) {
			virt_seterr(v, NB_EFAIL, "migration parameters");
			goto out;
		}
	}
	if (dest_xml != NULL && virTypedParamsAddString(&params, &np, &maxp,
	    VIR_MIGRATE_PARAM_DEST_XML, dest_xml) == -1) {
		virt_seterr(v, NB_EFAIL, "migration parameters");
		goto out;
	}
	if ((rc = virDomainMigrateToURI3(d, dest_uri, params, (unsigned)np,
	    flags)) == -1)
		virt_seterr(v, virt_lasterr_is(VIR_ERR_OPERATION_ABORTED) ?
		    NB_ECONFLICT : NB_EFAIL, "migrating domain %s from %s to %s",
		    uuid, v->uri, dest_uri);
out:
	virTypedParamsFree(params, np);
	free(muri);
	virDomainFree(d);
	return rc == -1 ? -1 : 0;
}

int
virt_job_progress(struct virt *v, const char *uuid, int completed,
    struct virt_job *j)
{
	virDomainPtr		 d;
	virTypedParameterPtr	 params = NULL;
	int			 type, np = 0, rc;
	unsigned long long	 u;

	memset(j, 0, sizeof(*j));
	if ((d = virt_lookup(v, uuid)) == NULL)
		return -1;
	rc = virDomainGetJobStats(d, &type, &params, &np,
	    completed ? VIR_DOMAIN_JOB_STATS_COMPLETED : 0);
	virDomainFree(d);
	if (rc == -1)
		return virt_seterr(v, NB_EFAIL, "job of domain %s", uuid);
	j->active = type != VIR_DOMAIN_JOB_NONE;
	if (virTypedParamsGetULLong(params, np, VIR_DOMAIN_JOB_TIME_ELAPSED,
	    &u) == 1)
		j->elapsed_ms = u;
	if (virTypedParamsGetULLong(params, np, VIR_DOMAIN_JOB_DOWNTIME,
	    &u) == 1)
		j->downtime_ms = u;
	if (virTypedParamsGetULLong(params, np, VIR_DOMAIN_JOB_DATA_PROCESSED,
	    &u) == 1)
		j->processed = u;
	if (virTypedParamsGetULLong(params, np, VIR_DOMAIN_JOB_DATA_TOTAL,
	    &u) == 1)
		j->total = u;
	if (virTypedParamsGetULLong(params, np, VIR_DOMAIN_JOB_DATA_REMAINING,
	    &u) == 1)
		j->remaining = u;
	virTypedParamsFree(params, np);
	return 0;
}

int
virt_job_abort(struct virt *v, const char *uuid)
{
	virDomainPtr	 d;
	int		 rc;

	if ((d = virt_lookup(v, uuid)) == NULL)
		return -1;
	if ((rc = virDomainAbortJob(d)) == -1)
		virt_seterr(v, NB_ECONFLICT, "aborting the job of domain %s on "
		    "%s", uuid, v->uri);
	virDomainFree(d);
	return rc == -1 ? -1 : 0;
}
