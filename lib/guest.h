/*
 * guest.h: what a server boots with, made without libvirt or the
 * database: the OpenStack config drive (ConfigDrive v2, read by stock
 * cloud-init and by the test guest) and the libvirt domain XML.
 */
#ifndef NUBES_GUEST_H
#define NUBES_GUEST_H

#include <stddef.h>

struct nb;

/* One server property, for the config drive's "meta". */
struct guest_kv {
	const char	*key, *value;
};

/*
 * What the guest learns about itself.  All strings are borrowed UTF-8;
 * NULL strings other than those marked optional come out as JSON null.
 */
struct guest_meta {
	const char	*uuid, *name, *hostname, *project_id, *availability_zone;
	const char	*key_name, *public_key;	/* NULL: none */
	const char	*user_data;		/* NULL: none; raw bytes as text */
	const struct guest_kv *meta;		/* server properties */
	size_t		 nmeta;
	/*
	 * Network: one static IPv4 port, or none (NULL mac).  A NULL ip
	 * leaves the link without an address; a NULL gateway, without a
	 * default route.
	 */
	const char	*mac, *ip, *netmask, *gateway;
	const char *const *dns;			/* name server addresses */
	size_t		 ndns;
	long long	 mtu;			/* 0: 1500 */
	int		 dhcp;			/* ipv4_dhcp, as Nova writes */
};

/*
 * Write the ConfigDrive v2 tree under dir, which exists and is empty:
 * openstack/latest/ and openstack/2012-08-10/, each with meta_data.json,
 * user_data (only when given), network_data.json and vendor_data.json
 * (files 0644, directories 0755, less the umask), then make the ISO 9660
 * image iso_path, volume label "config-2", with genisoimage.  Returns 0,
 * or -1 with an NB_EFAIL error in nb naming the file that could not be
 * written or carrying genisoimage's stderr.  On failure dir may hold
 * part of the tree and iso_path part of an image; the caller removes
 * them.
 */
int	 configdrive_build(struct nb *nb, const struct guest_meta *,
	    const char *dir, const char *iso_path);

/*
 * The meta_data.json text alone, as configdrive_build writes it, for
 * tests and for showing; the caller frees it.
 */
char	*configdrive_meta_json(const struct guest_meta *);

/* The network_data.json text alone, likewise; the caller frees it. */
char	*configdrive_network_json(const struct guest_meta *);

/* A volume attached to a server (Cinder's). */
struct guest_disk {
	const char	*path;		/* on the host */
	const char	*format;	/* "qcow2" */
	const char	*target;	/* "vdd" */
	const char	*serial;	/* the volume id, as the guest sees it */
};

/*
 * The <disk> element of a volume, for the domain XML and for attaching
 * and detaching it; the caller frees it.  The serial is cut to the 20
 * characters virtio-blk keeps, as Nova does.
 */
char	*volume_disk_xml(const struct guest_disk *);

/*
 * A server as libvirt should run it.  Strings are borrowed; every one
 * is escaped in the XML.
 */
struct guest_domain {
	const char	*uuid;		/* server id, also the domain's UUID */
	const char	*name;		/* libvirt domain name, "nubes-<uuid>" */
	const char	*display_name;	/* the server's name: <title>, metadata */
	const char	*project_id, *user_id, *flavor_name;
	const char	*virt_type;	/* "kvm" or "qemu" */
	long long	 vcpus, ram_mib;
	const char	*root_path, *root_format; /* image on the host, "qcow2" */
	const char	*config_iso_path;	/* NULL: no config drive */
	const char	*ephemeral_path, *swap_path; /* NULL: none (qcow2) */
	const struct guest_disk *volumes;	/* attached volumes */
	size_t		 nvolumes;
	/* Direct kernel boot (ami); NULL kernel_path: boot the disk. */
	const char	*kernel_path, *ramdisk_path, *cmdline;
	const char	*console_log;	/* serial console logged to this file */
	const char	*mac, *bridge;	/* NULL bridge: no NIC */
	/*
	 * Port security: the nwfilter the NIC's traffic goes through (its
	 * port's: anti-spoofing and security groups); NULL: none.
	 */
	const char	*filter;
	/* Flavor extra specs, already validated; <= 0: unset. */
	long long	 cpu_shares, cpu_period, cpu_quota;
	long long	 disk_read_bytes_sec, disk_write_bytes_sec;
	long long	 disk_total_bytes_sec;
	long long	 disk_read_iops_sec, disk_write_iops_sec;
	long long	 disk_total_iops_sec;
	int		 cpu_sockets, cpu_cores, cpu_threads;	/* 0: unset */
};

/*
 * The libvirt domain XML for d; the caller frees it.  <cputune> and the
 * disks' <iotune> appear only when one of their values is set, <cpu>
 * only when one of the topology values is: the unset ones are derived
 * (threads 1, then cores or sockets) so that sockets * cores * threads
 * is vcpus, and a topology that cannot reach vcpus that way is left out
 * for libvirt's default.  A NULL cmdline with a kernel means
 * "console=ttyS0".  Dies on OOM like xmalloc; never fails otherwise.
 */
char	*domain_xml(const struct guest_domain *d);

#endif /* NUBES_GUEST_H */
