/*
 * configdrive.c: the OpenStack config drive (ConfigDrive v2), as Nova
 * writes it: a tree of JSON files made into an ISO 9660 image labelled
 * "config-2" by genisoimage.  Stock cloud-init and the test guest mount
 * it and read openstack/latest/.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "guest.h"

/* The versions we write; "latest" first, the oldest cloud-init knows. */
static const char *const versions[] = { "latest", "2012-08-10" };

/* A JSON string literal, or null for NULL. */
static void
json_str(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		out_json_string(b, s);
}

/* ", \"key\": " and the value: one member after the first. */
static void
json_member(struct buf *b, const char *key, const char *value)
{
	buf_puts(b, ", ");
	out_json_string(b, key);
	buf_puts(b, ": ");
	json_str(b, value);
}

char *
configdrive_meta_json(const struct guest_meta *m)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	buf_puts(&b, "{\"uuid\": ");
	json_str(&b, m->uuid);
	json_member(&b, "name", m->name);
	json_member(&b, "hostname", m->hostname);
	buf_puts(&b, ", \"launch_index\": 0");
	json_member(&b, "availability_zone", m->availability_zone);
	json_member(&b, "project_id", m->project_id);
	if (m->public_key != NULL) {
		/* Nova names an unnamed key "" rather than leaving it out. */
		buf_puts(&b, ", \"public_keys\": {");
		out_json_string(&b, m->key_name != NULL ? m->key_name : "");
		buf_puts(&b, ": ");
		out_json_string(&b, m->public_key);
		buf_puts(&b, "}, \"keys\": [{\"name\": ");
		out_json_string(&b, m->key_name != NULL ? m->key_name : "");
		buf_puts(&b, ", \"type\": \"ssh\", \"data\": ");
		out_json_string(&b, m->public_key);
		buf_puts(&b, "}]");
	}
	buf_puts(&b, ", \"meta\": {");
	for (i = 0; i < m->nmeta; i++) {
		if (i > 0)
			buf_puts(&b, ", ");
		json_str(&b, m->meta[i].key != NULL ? m->meta[i].key : "");
		buf_puts(&b, ": ");
		json_str(&b, m->meta[i].value);
	}
	buf_puts(&b, "}, \"devices\": []}\n");
	return buf_release(&b);
}

char *
configdrive_network_json(const struct guest_meta *m)
{
	struct buf	 b;
	size_t		 i;

	if (m->mac == NULL)
		return xstrdup("{\"links\": [], \"networks\": [], "
		    "\"services\": []}\n");
	buf_init(&b);
	buf_puts(&b, "{\"links\": [{\"id\": \"tap0\", \"type\": \"phy\", "
	    "\"ethernet_mac_address\": ");
	out_json_string(&b, m->mac);
	buf_printf(&b, ", \"mtu\": %lld}], \"networks\": [",
	    m->mtu > 0 ? m->mtu : 1500);
	if (m->ip != NULL && m->dhcp)
		/* The subnet's DHCP server gives the address (Nova's way). */
		buf_puts(&b, "{\"id\": \"network0\", \"type\": "
		    "\"ipv4_dhcp\", \"link\": \"tap0\", \"network_id\": "
		    "\"network0\"}");
	else if (m->ip != NULL) {
		buf_puts(&b, "{\"id\": \"network0\", \"type\": \"ipv4\", "
		    "\"link\": \"tap0\"");
		json_member(&b, "ip_address", m->ip);
		json_member(&b, "netmask", m->netmask);
		buf_puts(&b, ", \"routes\": [");
		if (m->gateway != NULL) {
			buf_puts(&b, "{\"network\": \"0.0.0.0\", "
			    "\"netmask\": \"0.0.0.0\", \"gateway\": ");
			out_json_string(&b, m->gateway);
			buf_puts(&b, "}");
		}
		buf_puts(&b, "], \"network_id\": \"network0\"}");
	}
	buf_puts(&b, "], \"services\": [");
	for (i = 0; i < m->ndns; i++) {
		if (i > 0)
			buf_puts(&b, ", ");
		buf_puts(&b, "{\"type\": \"dns\", \"address\": ");
		json_str(&b, m->dns[i]);
		buf_puts(&b, "}");
	}
	buf_puts(&b, "]}\n");
	return buf_release(&b);
}

/* Create path, which must not exist, holding text; 0644 less umask. */
static int
write_file(struct nb *nb, const char *path, const char *text)
{
	size_t	 len, off = 0;
	ssize_t	 n;
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1)
		return nb_seterr(nb, NB_EFAIL, "cannot create '%s': %s", path,
		    strerror(errno));
	len = strlen(text);
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			nb_seterr(nb, NB_EFAIL, "cannot write '%s': %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		off += n;
	}
	if (close(fd) == -1)
		return nb_seterr(nb, NB_EFAIL, "cannot write '%s': %s", path,
		    strerror(errno));
	return 0;
}

/* mkdir dir/sub with 0755 less umask. */
static int
make_dir(struct nb *nb, const char *dir, const char *sub)
{
	char	*path;
	int	 rc = 0;

	xasprintf(&path, "%s/%s", dir, sub);
	if (mkdir(path, 0755) == -1)
		rc = nb_seterr(nb, NB_EFAIL, "cannot create directory '%s': %s",
		    path, strerror(errno));
	free(path);
	return rc;
}

/* Write one version's files into dir/openstack/version. */
static int
write_version(struct nb *nb, const char *dir, const char *version,
    const char *meta, const char *network, const char *user_data)
{
	static const char *const names[] = {
		"meta_data.json", "network_data.json", "vendor_data.json",
		"user_data"
	};
	const char	*texts[4];
	char		*path;
	size_t		 i;
	int		 rc = 0;

	texts[0] = meta;
	texts[1] = network;
	texts[2] = "{}\n";
	texts[3] = user_data;
	for (i = 0; i < 4 && rc == 0; i++) {
		if (texts[i] == NULL)
			continue;
		xasprintf(&path, "%s/openstack/%s/%s", dir, version, names[i]);
		rc = write_file(nb, path, texts[i]);
		free(path);
	}
	return rc;
}

int
configdrive_build(struct nb *nb, const struct guest_meta *m, const char *dir,
    const char *iso_path)
{
	char	*meta = NULL, *network = NULL, *sub, *dirarg = NULL;
	char	*argv[10];
	size_t	 i;
	int	 rc = -1;

	if (make_dir(nb, dir, "openstack") == -1)
		return -1;
	meta = configdrive_meta_json(m);
	network = configdrive_network_json(m);
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		xasprintf(&sub, "openstack/%s", versions[i]);
		if (make_dir(nb, dir, sub) == -1) {
			free(sub);
			goto cleanup;
		}
		free(sub);
		if (write_version(nb, dir, versions[i], meta, network,
		    m->user_data) == -1)
			goto cleanup;
	}

	/* A directory named "-x" would be read as an option. */
	if (dir[0] == '-')
		xasprintf(&dirarg, "./%s", dir);
	else
		dirarg = xstrdup(dir);
	argv[0] = "genisoimage";
	argv[1] = "-quiet";
	argv[2] = "-J";
	argv[3] = "-r";
	argv[4] = "-V";
	argv[5] = "config-2";
	argv[6] = "-o";
	argv[7] = (char *)iso_path;
	argv[8] = dirarg;
	argv[9] = NULL;
	rc = spawn_ok(nb, argv, NULL, NULL);

cleanup:
	free(dirarg);
	free(network);
	free(meta);
	return rc;
}
