/*
 * virt.c: the hypervisor, through libvirt's C API.  The only file that
 * includes libvirt; see virt.h for the contracts.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		if (pool == NULL)
			return virt_seterr(v, NB_EFAIL, "defining storage pool "
			    "'%s' at '%s' on %s", name, path, v->uri);
		if (virStoragePoolBuild(pool, 0) == -1) {
			virt_seterr(v, NB_EFAIL, "building storage pool '%s' "
			    "at '%s' on %s", name, path, v->uri);
			virStoragePoolUndefine(pool);
			goto out;
		}
		p->created = 1;
		/* Only a pool nubes made is set to start with the host. */
		(void)virStoragePoolSetAutostart(pool, 1);
	}
	if ((active = virStoragePoolIsActive(pool)) == 0 &&
	    virStoragePoolCreate(pool, 0) == -1) {
		virt_seterr(v, NB_EFAIL, "starting storage pool '%s' on %s",
		    name, v->uri);
		goto out;
	}
	if (virStoragePoolRefresh(pool, 0) == -1 ||
	    virStoragePoolGetInfo(pool, &info) == -1) {
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
