/*
 * t-guest: what a server boots with.  The config drive's JSON parses in
 * Python and gives back names full of quotes and markup intact; the
 * tree and the ISO genisoimage makes of it carry the label cloud-init
 * looks for and the files byte for byte; the domain XML escapes what
 * users gave, passes libvirt's own schema (virt-xml-validate, skipped
 * when not installed) and holds the optional elements only when asked.
 * Everything happens in a temporary directory, removed at the end.
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "guest.h"
#include "tap.h"

#define UUID	"6f1c2a4e-3b5d-4e8f-9a0b-1c2d3e4f5a6b"
#define HOSTILE	"web <1> & \"q\" 'x' \\ caf\xc3\xa9"
#define PUBKEY	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB5o9pTq key\"<&>"
#define USERDATA "#!/bin/sh\necho 'hello <world> & \"you\"' >/dev/console\n"

static struct nb	 nb;
static char		 dir[] = "/tmp/t-guest.XXXXXX";

/* Load stdin as JSON and write the Python expression argv[1] about d. */
static const char	 pyjson[] =
    "import json, sys\n"
    "d = json.load(sys.stdin)\n"
    "sys.stdout.write(str(eval(sys.argv[1])))\n";

/* Parse stdin as XML and write the expression argv[1] about r. */
static const char	 pyxml[] =
    "import sys, xml.etree.ElementTree as E\n"
    "r = E.fromstring(sys.stdin.read())\n"
    "n = {'nubes': 'https://nubes.invalid/xmlns/instance/1'}\n"
    "sys.stdout.write(str(eval(sys.argv[1])))\n";

/*
 * What Python prints for expr about text (script says how text is
 * read), or NULL when it fails; the caller frees it.
 */
static char *
python(const char *script, const char *text, const char *expr)
{
	char	*argv[] = { "python3", "-c", (char *)script, (char *)expr,
		    NULL };
	char	*out;

	if (spawn_ok(&nb, argv, text, &out) == -1)
		return NULL;
	return out;
}

/* The answer about JSON text, kept until the next call. */
static const char *
jq(const char *json, const char *expr)
{
	static char	*last;

	free(last);
	last = json != NULL ? python(pyjson, json, expr) : NULL;
	return last;
}

/* The answer about XML text, kept until the next call. */
static const char *
xq(const char *xml, const char *expr)
{
	static char	*last;

	free(last);
	last = xml != NULL ? python(pyxml, xml, expr) : NULL;
	return last;
}

/* Whether prog is an executable somewhere in PATH. */
static int
have(const char *prog)
{
	const char	*path = getenv("PATH");
	char		*copy, *p, *dirp, file[PATH_MAX];
	int		 found = 0;

	if (path == NULL)
		return 0;
	copy = xstrdup(path);
	for (p = copy; !found && (dirp = strsep(&p, ":")) != NULL;) {
		snprintf(file, sizeof(file), "%s/%s",
		    *dirp != '\0' ? dirp : ".", prog);
		found = access(file, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* A file's contents, or NULL; caller frees. */
static char *
slurp(const char *path)
{
	struct buf	 b;
	char		 chunk[4096];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	buf_init(&b);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, n);
	close(fd);
	buf_putc(&b, '\0');	/* an empty file is "", not NULL */
	return buf_release(&b);
}

/* Whether base/rel exists as a regular file with exactly mode. */
static int
file_mode(const char *base, const char *rel, mode_t mode)
{
	struct stat	 st;
	char		*path;
	int		 rc;

	xasprintf(&path, "%s/%s", base, rel);
	rc = stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 07777) == mode;
	free(path);
	return rc;
}

/* A file inside the ISO, by its Rock Ridge path, or NULL. */
static char *
iso_file(const char *iso, const char *path)
{
	char	*argv[] = { "isoinfo", "-i", (char *)iso, "-R", "-x",
		    (char *)path, NULL };
	char	*out;

	if (spawn_ok(&nb, argv, NULL, &out) == -1)
		return NULL;
	return out;
}

/* A volume's disk: a file of a dir pool, a block device of an LVM one. */
static void
test_volume_disk(void)
{
	struct guest_disk	 v = { "/var/lib/nubes/volumes/nubes-vol-1",
				    "qcow2", "vdd", "1234" };
	char			*xml;

	xml = volume_disk_xml(&v);
	ok(strstr(xml, "<disk type='file' device='disk'>") != NULL &&
	    strstr(xml, "<source file='/var/lib/nubes/volumes/nubes-vol-1'/>")
	    != NULL, "a volume in a dir pool is a file disk");
	free(xml);
	v.path = "/dev/vg0/nubes-vol-1";
	v.format = "raw";
	xml = volume_disk_xml(&v);
	ok(strstr(xml, "<disk type='block' device='disk'>") != NULL &&
	    strstr(xml, "<source dev='/dev/vg0/nubes-vol-1'/>") != NULL,
	    "a volume in a block pool is a block disk with a source dev");
	free(xml);
}

/* Write xml to a file and run virt-xml-validate on it. */
static int
validates(const char *xml, const char *name)
{
	char	 path[PATH_MAX];
	char	*argv[] = { "virt-xml-validate", path, "domain", NULL };
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return 0;
	fputs(xml, fp);
	if (fclose(fp) != 0)
		return 0;
	return spawn_ok(&nb, argv, NULL, NULL) == 0;
}

static void
test_meta_json(void)
{
	const struct guest_kv	 kv[] = {
		{ "role", "db <primary> & \"hot\"" }, { "tier", "1" }
	};
	struct guest_meta	 m;
	char			*json;

	memset(&m, 0, sizeof(m));
	m.uuid = UUID;
	m.name = HOSTILE;
	m.hostname = "web-1";
	m.project_id = "p-1";
	m.availability_zone = "nova";
	m.key_name = "my \"key\"";
	m.public_key = PUBKEY;
	m.meta = kv;
	m.nmeta = 2;
	json = configdrive_meta_json(&m);
	ok(json != NULL && jq(json, "1") != NULL,
	    "meta_data.json with hostile names is valid JSON");
	is_str(jq(json, "d['name']"), HOSTILE,
	    "meta_data.json: the name arrives intact");
	is_str(jq(json, "d['uuid']"), UUID, "meta_data.json: uuid");
	is_str(jq(json, "d['hostname'] + ' ' + d['project_id'] + ' ' + "
	    "d['availability_zone'] + ' ' + str(d['launch_index'])"),
	    "web-1 p-1 nova 0",
	    "meta_data.json: hostname, project, zone, launch index");
	is_str(jq(json, "d['public_keys']['my \"key\"']"), PUBKEY,
	    "meta_data.json: public_keys maps the key name to the key");
	is_str(jq(json, "d['keys'][0]['name'] + '|' + d['keys'][0]['type'] + "
	    "'|' + d['keys'][0]['data']"), "my \"key\"|ssh|" PUBKEY,
	    "meta_data.json: keys carries name, type ssh and data");
	is_str(jq(json, "d['meta']['role'] + '|' + d['meta']['tier']"),
	    "db <primary> & \"hot\"|1",
	    "meta_data.json: server properties under meta");
	is_str(jq(json, "len(d['devices'])"), "0",
	    "meta_data.json: devices is an empty list");
	free(json);

	m.key_name = m.public_key = NULL;
	m.nmeta = 0;
	json = configdrive_meta_json(&m);
	is_str(jq(json, "'public_keys' in d or 'keys' in d"), "False",
	    "meta_data.json without a key has no public_keys nor keys");
	is_str(jq(json, "len(d['meta'])"), "0",
	    "meta_data.json without properties has an empty meta");
	free(json);
}

static void
test_network_json(void)
{
	const char *const	 dns[] = { "10.0.0.2", "192.0.2.53" };
	struct guest_meta	 m;
	char			*json;

	memset(&m, 0, sizeof(m));
	m.mac = "fa:16:3e:12:34:56";
	m.ip = "10.0.0.5";
	m.netmask = "255.255.255.0";
	m.gateway = "10.0.0.1";
	m.dns = dns;
	m.ndns = 2;
	json = configdrive_network_json(&m);
	is_str(jq(json, "d['links'][0]['ethernet_mac_address'] + ' ' + "
	    "d['links'][0]['id'] + ' ' + d['links'][0]['type'] + ' ' + "
	    "str(d['links'][0]['mtu'])"), "fa:16:3e:12:34:56 tap0 phy 1500",
	    "network_data.json: the link carries the MAC");
	is_str(jq(json, "' '.join([d['networks'][0][k] for k in "
	    "('type', 'link', 'ip_address', 'netmask', 'network_id')])"),
	    "ipv4 tap0 10.0.0.5 255.255.255.0 network0",
	    "network_data.json: a static IPv4 network on the link");
	is_str(jq(json, "d['networks'][0]['routes']"),
	    "[{'network': '0.0.0.0', 'netmask': '0.0.0.0', "
	    "'gateway': '10.0.0.1'}]",
	    "network_data.json: the default route through the gateway");
	is_str(jq(json, "d['services']"),
	    "[{'type': 'dns', 'address': '10.0.0.2'}, "
	    "{'type': 'dns', 'address': '192.0.2.53'}]",
	    "network_data.json: the name servers as dns services");
	free(json);

	memset(&m, 0, sizeof(m));
	json = configdrive_network_json(&m);
	is_str(jq(json, "d"), "{'links': [], 'networks': [], 'services': []}",
	    "network_data.json without a port is empty lists");
	free(json);
}

static void
test_build(void)
{
	const char *const	 versions[] = { "latest", "2012-08-10" };
	const char *const	 dns[] = { "10.0.0.2" };
	struct guest_meta	 m;
	char			 tree[64], iso[64], rel[PATH_MAX];
	char			*meta, *text, *info;
	char			*argv[] = { "isoinfo", "-d", "-i", iso, NULL };
	size_t			 i;
	int			 files;

	memset(&m, 0, sizeof(m));
	m.uuid = UUID;
	m.name = HOSTILE;
	m.hostname = "web-1";
	m.project_id = "p-1";
	m.availability_zone = "nova";
	m.key_name = "k1";
	m.public_key = PUBKEY;
	m.user_data = USERDATA;
	m.mac = "fa:16:3e:12:34:56";
	m.ip = "10.0.0.5";
	m.netmask = "255.255.255.0";
	m.gateway = "10.0.0.1";
	m.dns = dns;
	m.ndns = 1;
	meta = configdrive_meta_json(&m);

	snprintf(tree, sizeof(tree), "%s/cd", dir);
	snprintf(iso, sizeof(iso), "%s/disk.config", dir);
	mkdir(tree, 0755);
	ok(configdrive_build(&nb, &m, tree, iso) == 0,
	    "configdrive_build succeeds: %s", nb.errbuf);
	for (i = 0; i < 2; i++) {
		files = 0;
		snprintf(rel, sizeof(rel), "openstack/%s/meta_data.json",
		    versions[i]);
		files += file_mode(tree, rel, 0644);
		snprintf(rel, sizeof(rel), "openstack/%s/network_data.json",
		    versions[i]);
		files += file_mode(tree, rel, 0644);
		snprintf(rel, sizeof(rel), "openstack/%s/vendor_data.json",
		    versions[i]);
		files += file_mode(tree, rel, 0644);
		snprintf(rel, sizeof(rel), "openstack/%s/user_data",
		    versions[i]);
		files += file_mode(tree, rel, 0644);
		ok(files == 4, "openstack/%s holds the four files, mode 0644",
		    versions[i]);
	}
	snprintf(rel, sizeof(rel), "%s/openstack/2012-08-10/meta_data.json",
	    tree);
	text = slurp(rel);
	is_str(text, meta, "the tree's meta_data.json is the JSON shown");
	free(text);
	snprintf(rel, sizeof(rel), "%s/openstack/latest/vendor_data.json",
	    tree);
	text = slurp(rel);
	is_str(jq(text, "d"), "{}", "vendor_data.json is an empty object");
	free(text);

	ok(spawn_ok(&nb, argv, NULL, &info) == 0 && info != NULL &&
	    strstr(info, "Volume id: config-2\n") != NULL,
	    "the ISO's volume label is config-2");
	free(info);
	text = iso_file(iso, "/openstack/latest/meta_data.json");
	is_str(text, meta, "meta_data.json extracts from the ISO intact");
	is_str(jq(text, "d['name']"), HOSTILE,
	    "and the guest reads the hostile name back");
	free(text);
	text = iso_file(iso, "/openstack/latest/user_data");
	is_str(text, USERDATA, "user_data extracts from the ISO intact");
	free(text);
	text = iso_file(iso, "/openstack/latest/network_data.json");
	is_str(jq(text, "d['networks'][0]['ip_address']"), "10.0.0.5",
	    "network_data.json in the ISO carries the address");
	free(text);
	free(meta);

	/* No user data, no port. */
	m.user_data = NULL;
	m.mac = NULL;
	snprintf(tree, sizeof(tree), "%s/cd2", dir);
	snprintf(iso, sizeof(iso), "%s/disk2.config", dir);
	mkdir(tree, 0755);
	ok(configdrive_build(&nb, &m, tree, iso) == 0 &&
	    !file_mode(tree, "openstack/latest/user_data", 0644) &&
	    file_mode(tree, "openstack/latest/meta_data.json", 0644),
	    "without user data there is no user_data file");
	text = iso_file(iso, "/openstack/latest/network_data.json");
	is_str(jq(text, "len(d['links']) + len(d['networks'])"), "0",
	    "without a port the ISO's network_data.json has no link");
	free(text);

	/* Failures. */
	nb_clearerr(&nb);
	ok(configdrive_build(&nb, &m, tree, iso) == -1 &&
	    nb.errcode == NB_EFAIL &&
	    strstr(nb.errbuf, "cannot create directory") != NULL,
	    "a directory not empty is refused: %s", nb.errbuf);
	snprintf(tree, sizeof(tree), "%s/cd3", dir);
	snprintf(iso, sizeof(iso), "%s/nosuch/disk.config", dir);
	mkdir(tree, 0755);
	nb_clearerr(&nb);
	ok(configdrive_build(&nb, &m, tree, iso) == -1 &&
	    nb.errcode == NB_EFAIL &&
	    strncmp(nb.errbuf, "genisoimage exited", 18) == 0,
	    "genisoimage's failure is reported: %s", nb.errbuf);
	nb_clearerr(&nb);
}

static void
test_domain(int validate)
{
	struct guest_domain	 d;
	char			*xml;

	memset(&d, 0, sizeof(d));
	d.uuid = UUID;
	d.name = "nubes-" UUID;
	d.display_name = HOSTILE;
	d.project_id = "p-1";
	d.user_id = "u-1";
	d.flavor_name = "m1.<tiny>";
	d.virt_type = "qemu";
	d.vcpus = 1;
	d.ram_mib = 256;
	d.root_path = "/var/lib/nubes/instances/" UUID "/disk";
	d.root_format = "qcow2";
	d.console_log = "/var/lib/nubes/instances/" UUID "/console.log";
	d.cpu_shares = d.cpu_period = d.cpu_quota = -1;
	d.disk_read_bytes_sec = d.disk_write_bytes_sec = -1;
	d.disk_total_bytes_sec = d.disk_read_iops_sec = -1;
	d.disk_write_iops_sec = d.disk_total_iops_sec = -1;

	/* Minimal: no NIC, no config drive, nothing optional. */
	xml = domain_xml(&d);
	ok(xml != NULL && strstr(xml, "<domain type='qemu'>") == xml,
	    "domain XML starts with the virt type");
	ok(strstr(xml, "<title>web &lt;1&gt; &amp; &quot;q&quot; &apos;x&apos;"
	    " \\ caf\xc3\xa9</title>") != NULL && strstr(xml, "<1>") == NULL,
	    "the server's name is escaped in <title>");
	is_str(xq(xml, "r.findtext('title')"), HOSTILE,
	    "an XML parser reads the title back intact");
	is_str(xq(xml, "r.find('metadata/nubes:instance', n).findtext("
	    "'nubes:name', namespaces=n) + '|' + r.findtext("
	    "'metadata/nubes:instance/nubes:flavor', namespaces=n) + '|' + "
	    "r.findtext('metadata/nubes:instance/nubes:project', "
	    "namespaces=n)"), HOSTILE "|m1.<tiny>|p-1",
	    "nubes metadata: name, flavor, project");
	is_str(xq(xml, "r.findtext('name') + ' ' + r.findtext('uuid') + ' ' "
	    "+ r.find('memory').get('unit') + r.findtext('memory') + ' ' + "
	    "r.findtext('vcpu')"), "nubes-" UUID " " UUID " MiB256 1",
	    "name, uuid, memory in MiB, vcpu");
	ok(strstr(xml, "<cputune>") == NULL && strstr(xml, "<iotune>") == NULL
	    && strstr(xml, "<topology") == NULL &&
	    strstr(xml, "<kernel>") == NULL && strstr(xml, "<cpu>") == NULL,
	    "no cputune, iotune, topology or kernel when unset");
	ok(strstr(xml, "<boot dev='hd'/>") != NULL,
	    "without a kernel the disk boots");
	ok(strstr(xml, "<interface") == NULL &&
	    strstr(xml, "device='cdrom'") == NULL &&
	    strstr(xml, "dev='vdb'") == NULL,
	    "no NIC, config drive or ephemeral disk when not given");
	is_str(xq(xml, "r.find('devices/serial/log').get('file')"),
	    d.console_log, "the serial console is logged to the file");
	if (validate)
		ok(validates(xml, "minimal.xml"),
		    "the minimal domain passes virt-xml-validate");
	else
		ok(1, "# SKIP virt-xml-validate not installed");
	free(xml);

	/* Everything. */
	d.virt_type = "kvm";
	d.vcpus = 4;
	d.config_iso_path = "/var/lib/nubes/instances/" UUID "/disk.config";
	d.ephemeral_path = "/var/lib/nubes/instances/" UUID "/disk.eph0";
	d.swap_path = "/var/lib/nubes/instances/" UUID "/disk.swap";
	d.kernel_path = "/var/lib/nubes/kernels/vmlinuz";
	d.ramdisk_path = "/var/lib/nubes/kernels/initrd";
	d.mac = "fa:16:3e:12:34:56";
	d.bridge = "nbr0";
	d.cpu_shares = 2048;
	d.cpu_quota = 50000;
	d.disk_read_bytes_sec = 10485760;
	d.disk_total_iops_sec = 500;
	d.cpu_sockets = 2;
	xml = domain_xml(&d);
	is_str(xq(xml, "r.get('type')"), "kvm", "the domain type is kvm");
	is_str(xq(xml, "r.findtext('cputune/shares') + ' ' + "
	    "r.findtext('cputune/quota') + ' ' + "
	    "str(r.find('cputune/period'))"), "2048 50000 None",
	    "cputune holds shares and quota, no period");
	is_str(xq(xml, "' '.join(e.tag + '=' + e.text for e in "
	    "r.find('devices/disk').find('iotune'))"),
	    "read_bytes_sec=10485760 total_iops_sec=500",
	    "the root disk's iotune holds the set limits only");
	is_str(xq(xml, "' '.join(k + '=' + v for k, v in "
	    "sorted(r.find('cpu/topology').attrib.items()))"),
	    "cores=2 dies=1 sockets=2 threads=1",
	    "topology: 2 sockets of 4 vCPUs derive 2 cores, 1 thread");
	is_str(xq(xml, "r.findtext('os/kernel') + ' ' + r.findtext('os/initrd')"
	    " + ' ' + r.findtext('os/cmdline') + ' ' + "
	    "str(r.find('os/boot'))"),
	    "/var/lib/nubes/kernels/vmlinuz /var/lib/nubes/kernels/initrd "
	    "console=ttyS0 None",
	    "direct kernel boot with the default command line, no boot dev");
	is_str(xq(xml, "' '.join(t.get('dev') + ':' + t.get('bus') for t in "
	    "r.findall('devices/disk/target'))"),
	    "vda:virtio vdb:virtio vdc:virtio hdc:ide",
	    "root, ephemeral, swap on virtio; the config drive on IDE");
	is_str(xq(xml, "[(d.get('device'), d.find('driver').get('type'), "
	    "d.find('readonly') is not None) for d in r.findall('devices/disk')]"
	    "[3]"), "('cdrom', 'raw', True)",
	    "the config drive is a read-only raw cdrom");
	is_str(xq(xml, "r.find('devices/interface/source').get('bridge') + ' '"
	    " + r.find('devices/interface/mac').get('address') + ' ' + "
	    "r.find('devices/interface/model').get('type')"),
	    "nbr0 fa:16:3e:12:34:56 virtio",
	    "the NIC on the bridge with its MAC, virtio");
	is_str(xq(xml, "str(r.find('devices/interface/filterref'))"), "None",
	    "no filter without port security");
	d.filter = "nubes-port-1";
	free(xml);
	xml = domain_xml(&d);
	is_str(xq(xml, "r.find('devices/interface/filterref').get('filter')"),
	    "nubes-port-1", "port security: the NIC goes through its port's "
	    "filter");
	if (validate)
		ok(validates(xml, "full.xml"),
		    "the full domain passes virt-xml-validate");
	else
		ok(1, "# SKIP virt-xml-validate not installed");
	free(xml);

	/*
	 * Topology that cannot make vcpus, a given command line, and
	 * a bridge libvirt would refuse but which must not break the XML.
	 */
	d.cpu_sockets = 3;
	d.cmdline = "root=/dev/vda console=ttyS0 x=<&>";
	d.bridge = "br'<x>";
	xml = domain_xml(&d);
	ok(strstr(xml, "<source bridge='br&apos;&lt;x&gt;'/>") != NULL,
	    "the bridge name is escaped in its attribute");
	ok(strstr(xml, "<cpu>") == NULL,
	    "a topology that cannot make 4 vCPUs is left out");
	is_str(xq(xml, "r.findtext('os/cmdline')"),
	    "root=/dev/vda console=ttyS0 x=<&>",
	    "a given kernel command line arrives intact");
	free(xml);
	d.cpu_sockets = 0;
	d.cpu_threads = 2;
	xml = domain_xml(&d);
	is_str(xq(xml, "' '.join(r.find('cpu/topology').get(k) for k in "
	    "('sockets', 'cores', 'threads'))"), "2 1 2",
	    "topology: 2 threads of 4 vCPUs derive 1 core and 2 sockets");
	free(xml);
}

int
main(void)
{
	char	*rm[] = { "rm", "-rf", dir, NULL };

	memset(&nb, 0, sizeof(nb));
	umask(022);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: cannot create %s\n", dir);
		return 1;
	}
	if (!have("python3") || !have("genisoimage") || !have("isoinfo")) {
		printf("1..0 # SKIP python3, genisoimage or isoinfo missing\n");
		spawn_ok(&nb, rm, NULL, NULL);
		return 0;
	}
	test_meta_json();
	test_network_json();
	test_build();
	test_domain(have("virt-xml-validate"));
	test_volume_disk();
	jq(NULL, NULL);
	xq(NULL, NULL);
	ok(spawn_ok(&nb, rm, NULL, NULL) == 0 && access(dir, F_OK) == -1,
	    "scratch directory removed");
	return done_testing();
}
