/*
 * domainxml.c: the libvirt domain XML for a server.  Pure text: no
 * libvirt here, so it can be made, shown and tested anywhere.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nubes.h"
#include "guest.h"
#include "xml.h"

#define NUBES_XMLNS	"https://nubes.invalid/xmlns/instance/1"

/* pre, then s escaped (NULL: empty), then post. */
static void
put_esc(struct buf *b, const char *pre, const char *s, const char *post)
{
	char	*e;

	e = xml_escape(s != NULL ? s : "");
	buf_puts(b, pre);
	buf_puts(b, e);
	buf_puts(b, post);
	free(e);
}

/* <name>n</name> inside iotune or cputune, when n is set. */
static void
put_num(struct buf *b, const char *indent, const char *name, long long n)
{
	if (n > 0)
		buf_printf(b, "%s<%s>%lld</%s>\n", indent, name, n, name);
}

/*
 * Fill *sp, *cp, *tp with a topology whose product is vcpus, from the
 * set ones (> 0); 0 when there is nothing to say or no such topology.
 */
static int
topology(const struct guest_domain *d, long long *sp, long long *cp,
    long long *tp)
{
	long long	 s, c, t;

	s = d->cpu_sockets;
	c = d->cpu_cores;
	t = d->cpu_threads;
	if ((s <= 0 && c <= 0 && t <= 0) || d->vcpus <= 0)
		return 0;
	/* Each at most vcpus, at most 2^20: no product below overflows. */
	if (d->vcpus > (1 << 20) || s > d->vcpus || c > d->vcpus ||
	    t > d->vcpus)
		return 0;
	if (t <= 0)
		t = 1;
	if (s > 0 && c <= 0)
		c = d->vcpus % (s * t) == 0 ? d->vcpus / (s * t) : 0;
	else if (c <= 0)
		c = 1;
	if (s <= 0 && c > 0)
		s = d->vcpus % (c * t) == 0 ? d->vcpus / (c * t) : 0;
	if (s <= 0 || c <= 0 || s * c * t != d->vcpus)
		return 0;
	*sp = s;
	*cp = c;
	*tp = t;
	return 1;
}

static int
iotune_set(const struct guest_domain *d)
{
	return d->disk_read_bytes_sec > 0 || d->disk_write_bytes_sec > 0 ||
	    d->disk_total_bytes_sec > 0 || d->disk_read_iops_sec > 0 ||
	    d->disk_write_iops_sec > 0 || d->disk_total_iops_sec > 0;
}

/*
 * A disk's opening: a block device (a volume of an LVM or other block
 * pool) is type block with a source dev, which QEMU needs; a file is
 * type file.
 */
static void
put_disk_open(struct buf *b, const char *path, const char *format)
{
	int	 dev = strncmp(path, "/dev/", 5) == 0;

	buf_puts(b, dev ? "    <disk type='block' device='disk'>\n" :
	    "    <disk type='file' device='disk'>\n");
	put_esc(b, "      <driver name='qemu' type='", format,
	    "' cache='none'/>\n");
	put_esc(b, dev ? "      <source dev='" : "      <source file='", path,
	    "'/>\n");
}

/* A virtio disk with the flavor's I/O limits. */
static void
put_disk(struct buf *b, const struct guest_domain *d, const char *path,
    const char *format, const char *target)
{
	const char	*in = "        ";

	put_disk_open(b, path, format);
	buf_printf(b, "      <target dev='%s' bus='virtio'/>\n", target);
	if (iotune_set(d)) {
		buf_puts(b, "      <iotune>\n");
		put_num(b, in, "total_bytes_sec", d->disk_total_bytes_sec);
		put_num(b, in, "read_bytes_sec", d->disk_read_bytes_sec);
		put_num(b, in, "write_bytes_sec", d->disk_write_bytes_sec);
		put_num(b, in, "total_iops_sec", d->disk_total_iops_sec);
		put_num(b, in, "read_iops_sec", d->disk_read_iops_sec);
		put_num(b, in, "write_iops_sec", d->disk_write_iops_sec);
		buf_puts(b, "      </iotune>\n");
	}
	buf_puts(b, "    </disk>\n");
}

char *
domain_xml(const struct guest_domain *d)
{
	struct buf	 b;
	long long	 s, c, t;
	size_t		 i;

	buf_init(&b);
	put_esc(&b, "<domain type='",
	    d->virt_type != NULL ? d->virt_type : "qemu", "'>\n");
	put_esc(&b, "  <name>", d->name, "</name>\n");
	put_esc(&b, "  <uuid>", d->uuid, "</uuid>\n");
	put_esc(&b, "  <title>", d->display_name, "</title>\n");
	buf_puts(&b, "  <metadata>\n"
	    "    <nubes:instance xmlns:nubes=\"" NUBES_XMLNS "\">\n");
	put_esc(&b, "      <nubes:id>", d->uuid, "</nubes:id>\n");
	put_esc(&b, "      <nubes:project>", d->project_id,
	    "</nubes:project>\n");
	put_esc(&b, "      <nubes:user>", d->user_id, "</nubes:user>\n");
	put_esc(&b, "      <nubes:name>", d->display_name, "</nubes:name>\n");
	put_esc(&b, "      <nubes:flavor>", d->flavor_name,
	    "</nubes:flavor>\n");
	buf_puts(&b, "    </nubes:instance>\n  </metadata>\n");
	buf_printf(&b, "  <memory unit='MiB'>%lld</memory>\n", d->ram_mib);
	buf_printf(&b, "  <vcpu>%lld</vcpu>\n", d->vcpus);
	if (d->cpu_shares > 0 || d->cpu_period > 0 || d->cpu_quota > 0) {
		buf_puts(&b, "  <cputune>\n");
		put_num(&b, "    ", "shares", d->cpu_shares);
		put_num(&b, "    ", "period", d->cpu_period);
		put_num(&b, "    ", "quota", d->cpu_quota);
		buf_puts(&b, "  </cputune>\n");
	}

	buf_puts(&b, "  <os>\n"
	    "    <type arch='x86_64' machine='pc'>hvm</type>\n");
	if (d->kernel_path != NULL) {
		put_esc(&b, "    <kernel>", d->kernel_path, "</kernel>\n");
		if (d->ramdisk_path != NULL)
			put_esc(&b, "    <initrd>", d->ramdisk_path,
			    "</initrd>\n");
		put_esc(&b, "    <cmdline>",
		    d->cmdline != NULL ? d->cmdline : "console=ttyS0",
		    "</cmdline>\n");
	} else
		buf_puts(&b, "    <boot dev='hd'/>\n");
	buf_puts(&b, "  </os>\n"
	    "  <features>\n    <acpi/>\n    <apic/>\n  </features>\n");
	if (topology(d, &s, &c, &t))
		buf_printf(&b, "  <cpu>\n    <topology sockets='%lld' "
		    "dies='1' cores='%lld' threads='%lld'/>\n  </cpu>\n",
		    s, c, t);
	buf_puts(&b, "  <on_poweroff>destroy</on_poweroff>\n"
	    "  <on_reboot>restart</on_reboot>\n"
	    "  <on_crash>destroy</on_crash>\n");

	buf_puts(&b, "  <devices>\n");
	put_disk(&b, d, d->root_path,
	    d->root_format != NULL ? d->root_format : "qcow2", "vda");
	if (d->ephemeral_path != NULL)
		put_disk(&b, d, d->ephemeral_path, "qcow2", "vdb");
	if (d->swap_path != NULL)
		put_disk(&b, d, d->swap_path, "qcow2", "vdc");
	for (i = 0; i < d->nvolumes; i++) {
		char	*disk = volume_disk_xml(&d->volumes[i]);

		buf_puts(&b, disk);
		free(disk);
	}
	/* IDE: the pc machine's ata_piix, which the test guest has. */
	if (d->config_iso_path != NULL) {
		buf_puts(&b, "    <disk type='file' device='cdrom'>\n"
		    "      <driver name='qemu' type='raw'/>\n");
		put_esc(&b, "      <source file='", d->config_iso_path,
		    "'/>\n");
		buf_puts(&b, "      <target dev='hdc' bus='ide'/>\n"
		    "      <readonly/>\n    </disk>\n");
	}
	if (d->bridge != NULL) {
		buf_puts(&b, "    <interface type='bridge'>\n");
		put_esc(&b, "      <source bridge='", d->bridge, "'/>\n");
		if (d->mac != NULL)
			put_esc(&b, "      <mac address='", d->mac, "'/>\n");
		if (d->filter != NULL)
			put_esc(&b, "      <filterref filter='", d->filter,
			    "'/>\n");
		buf_puts(&b, "      <model type='virtio'/>\n"
		    "    </interface>\n");
	}
	buf_puts(&b, "    <serial type='pty'>\n");
	if (d->console_log != NULL)
		put_esc(&b, "      <log file='", d->console_log,
		    "' append='on'/>\n");
	buf_puts(&b, "      <target port='0'/>\n    </serial>\n"
	    "    <console type='pty'>\n"
	    "      <target type='serial' port='0'/>\n    </console>\n"
	    "    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>\n"
	    "    <memballoon model='virtio'/>\n"
	    "  </devices>\n</domain>\n");
	return buf_release(&b);
}

char *
volume_disk_xml(const struct guest_disk *v)
{
	struct buf	 b;
	char		 serial[21];

	buf_init(&b);
	put_disk_open(&b, v->path, v->format);
	put_esc(&b, "      <target dev='", v->target, "' bus='virtio'/>\n");
	if (v->serial != NULL) {
		snprintf(serial, sizeof(serial), "%s", v->serial);
		put_esc(&b, "      <serial>", serial, "</serial>\n");
	}
	buf_puts(&b, "    </disk>\n");
	return buf_release(&b);
}
