/*
 * imgformat.c: disk image inspection before the registry accepts an
 * image (Glance's format_inspector, OSSA-2024-001/002): find what the
 * content is from its magic numbers, insist that it is what was
 * declared, and refuse any image through which QEMU or qemu-img could be
 * made to open another file of the host: a qcow2 backing file or
 * external data file, vmdk extents and parents, vdi, vhd and vhdx
 * parents.  Truncated or inconsistent headers are refused too.
 *
 * Every read is a pread of a few bytes to 64 KiB, checked against the
 * file size first; no length or offset read from the file is trusted.
 * The formats: QEMU's docs/interop/qcow2.txt, VMware's Virtual Disk
 * Format 5.0, VirtualBox's VDI header, Microsoft's VHD and MS-VHDX
 * specifications, ECMA-119.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imgformat.h"

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define HEAD_SIZE	2048	/* what QEMU looks at to probe a format */
#define SHOWN_MAX	120	/* bytes of a file name quoted in a reason */

/* What the content matches, from magic numbers. */
#define M_QCOW2		0x001
#define M_QED		0x002
#define M_VMDK		0x004	/* KDMV, COWD or a text descriptor */
#define M_VDI		0x008
#define M_VHDX		0x010
#define M_LUKS		0x020
#define M_VHD_HEAD	0x040	/* "conectix" at 0: what QEMU probes */
#define M_VHD_TAIL	0x080	/* "conectix" in the last 512 bytes */
#define M_ISO		0x100
#define M_AKI		0x200
#define M_ARI		0x400
#define M_VHD		(M_VHD_HEAD | M_VHD_TAIL)
/* What a hypervisor could take the image for from its first bytes. */
#define M_PROBED	(M_QCOW2 | M_QED | M_VMDK | M_VDI | M_VHDX | M_LUKS | \
			    M_VHD_HEAD)
/* What a raw image must not look like. */
#define M_NOT_RAW	(M_PROBED | M_VHD_TAIL)

struct reader {
	int		 fd;
	uint64_t	 size;
	uint64_t	 max_virtual_size;
	unsigned	 mask;			/* what the content matches */
	unsigned char	 head[HEAD_SIZE];	/* the first bytes */
	size_t		 headlen;
};

static int	check_qcow2(struct reader *, struct img_info *);
static int	check_vmdk(struct reader *, struct img_info *);
static int	check_vdi(struct reader *, struct img_info *);
static int	check_vhd(struct reader *, struct img_info *);
static int	check_vhdx(struct reader *, struct img_info *);
static int	check_iso(struct reader *, struct img_info *);

/* Names for masks, in order of precedence. */
static const struct {
	unsigned	 mask;
	const char	*name;
} magics[] = {
	{ M_QCOW2, "qcow2" }, { M_QED, "qed" }, { M_VMDK, "vmdk" },
	{ M_VDI, "vdi" }, { M_VHDX, "vhdx" }, { M_LUKS, "luks" },
	{ M_VHD, "vhd" }, { M_ISO, "iso" }, { M_AKI, "aki" }, { M_ARI, "ari" },
};

/*
 * The formats an image may be declared as, what its content must then
 * match (0: raw, which must match none of M_NOT_RAW) and the check of
 * its headers, which sets the virtual size (NULL: the file size).
 */
static const struct {
	const char	*name;
	unsigned	 mask;
	int		(*check)(struct reader *, struct img_info *);
} formats[] = {
	{ "raw", 0, NULL },
	{ "ami", 0, NULL },
	{ "qcow2", M_QCOW2, check_qcow2 },
	{ "vmdk", M_VMDK, check_vmdk },
	{ "vdi", M_VDI, check_vdi },
	{ "vhd", M_VHD, check_vhd },
	{ "vhdx", M_VHDX, check_vhdx },
	{ "iso", M_ISO, check_iso },
	{ "aki", M_AKI, NULL },
	{ "ari", M_ARI, NULL },
};

static uint16_t
le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t
be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | (uint64_t)be32(p + 4);
}

/*
 * Whether the 16 bytes at p are the GUID d1-d2-d3-d4 in the on-disk
 * order of VHDX: the first three parts little-endian, the last as is.
 */
static int
guid_is(const unsigned char *p, uint32_t d1, uint16_t d2, uint16_t d3,
    uint64_t d4)
{
	return le32(p) == d1 && le16(p + 4) == d2 && le16(p + 6) == d3 &&
	    be64(p + 8) == d4;
}

static int
all_zero(const unsigned char *p, size_t len)
{
	while (len > 0)
		if (p[--len] != 0)
			return 0;
	return 1;
}

/*
 * Read len bytes at off into buf.  Returns 0, or -1 when they do not
 * all lie within the image or cannot be read.
 */
static int
rd(const struct reader *r, uint64_t off, void *buf, size_t len)
{
	unsigned char	*p = buf;
	ssize_t		 n;

	if (off > r->size || len > r->size - off)
		return -1;
	while (len > 0) {
		n = pread(r->fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int __attribute__((format(printf, 2, 3)))
refuse(struct img_info *info, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(info->reason, sizeof(info->reason), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Copy a name found in an image (len bytes at src, ending early at a
 * NUL) into dst, fit to quote in a reason: bytes outside printable
 * ASCII become '?', and a name longer than SHOWN_MAX is cut with "...".
 */
static void
shown(char dst[SHOWN_MAX + 4], const void *src, size_t len)
{
	const unsigned char	*s = src;
	size_t			 i;

	for (i = 0; i < len && i < SHOWN_MAX && s[i] != '\0'; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	if (i == SHOWN_MAX && len > SHOWN_MAX && s[i] != '\0') {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

/*
 * Whether the first len bytes at p are a vmdk text descriptor: one
 * that says so, or what QEMU probes as one: comment and blank lines,
 * then "version=1", 2 or 3.
 */
static int
vmdk_text(const unsigned char *p, size_t len)
{
	size_t	i = 0;

	if (len >= 21 && memcmp(p, "# Disk DescriptorFile", 21) == 0)
		return 1;
	while (i < len) {
		if (p[i] == '#') {
			while (i < len && p[i] != '\n')
				i++;
			i++;
		} else if (p[i] == ' ') {
			while (i < len && p[i] == ' ')
				i++;
			if (i < len && p[i] == '\r')
				i++;
			if (i == len || p[i] != '\n')
				return 0;
			i++;
		} else
			break;
	}
	if (i >= len || len - i < 10 || memcmp(p + i, "version=", 8) != 0 ||
	    p[i + 8] < '1' || p[i + 8] > '3')
		return 0;
	return p[i + 9] == '\n' ||
	    (len - i >= 11 && p[i + 9] == '\r' && p[i + 10] == '\n');
}

/* Whether the first len bytes at p start an initramfs. */
static int
ramdisk(const unsigned char *p, size_t len)
{
	return (len >= 2 && memcmp(p, "\x1f\x8b", 2) == 0) ||
	    (len >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0) ||
	    (len >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0) ||
	    (len >= 4 && memcmp(p, "\x02\x21\x4c\x18", 4) == 0) ||
	    (len >= 6 && (memcmp(p, "070701", 6) == 0 ||
	    memcmp(p, "070702", 6) == 0));
}

/*
 * Set up r to read the image and find what its content matches.
 * Returns -1 when its first bytes cannot be read.
 */
static int
reader_open(struct reader *r, int fd, uint64_t size)
{
	const unsigned char	*h = r->head;
	unsigned char		 b[8];
	size_t			 n;
	unsigned		 m = 0;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->size = size;
	n = r->headlen = size < HEAD_SIZE ? (size_t)size : HEAD_SIZE;
	if (rd(r, 0, r->head, n) == -1)
		return -1;
	if (n >= 4 && memcmp(h, "QFI\xfb", 4) == 0)
		m |= M_QCOW2;
	if (n >= 4 && memcmp(h, "QED\0", 4) == 0)
		m |= M_QED;
	if ((n >= 4 && (memcmp(h, "KDMV", 4) == 0 ||
	    memcmp(h, "COWD", 4) == 0)) || vmdk_text(h, n))
		m |= M_VMDK;
	if (n >= 0x44 && le32(h + 0x40) == 0xbeda107f)
		m |= M_VDI;
	if (n >= 8 && memcmp(h, "vhdxfile", 8) == 0)
		m |= M_VHDX;
	if (n >= 6 && memcmp(h, "LUKS\xba\xbe", 6) == 0)
		m |= M_LUKS;
	if (n >= 8 && memcmp(h, "conectix", 8) == 0)
		m |= M_VHD_HEAD;
	if (size >= 512 && rd(r, size - 512, b, 8) == 0 &&
	    memcmp(b, "conectix", 8) == 0)
		m |= M_VHD_TAIL;
	if (rd(r, 0x8001, b, 5) == 0 && memcmp(b, "CD001", 5) == 0)
		m |= M_ISO;
	if (n >= 0x206 && memcmp(h + 0x202, "HdrS", 4) == 0)
		m |= M_AKI;
	if (ramdisk(h, n))
		m |= M_ARI;
	r->mask = m;
	return 0;
}

/* The name of the first format in mask, "raw" when none. */
static const char *
first_format(unsigned mask)
{
	size_t	i;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (mask & magics[i].mask)
			return magics[i].name;
	return "raw";
}

const char *
img_detect(int fd, uint64_t size)
{
	struct reader	r;

	if (size > INT64_MAX)
		size = INT64_MAX;
	if (reader_open(&r, fd, size) == -1)
		return "raw";
	return first_format(r.mask);
}

int
img_inspect(int fd, uint64_t size, const char *declared,
    uint64_t max_virtual_size, struct img_info *info)
{
	struct reader	 r;
	char		 name[SHOWN_MAX + 4];
	size_t		 i, nformats = sizeof(formats) / sizeof(formats[0]);
	unsigned	 other;

	memset(info, 0, sizeof(*info));
	for (i = 0; i < nformats; i++)
		if (declared != NULL && strcmp(declared, formats[i].name) == 0)
			break;
	if (i == nformats) {
		shown(name, declared != NULL ? declared : "",
		    declared != NULL ? strlen(declared) : 0);
		return refuse(info, "unknown disk format '%s'", name);
	}
	if (size > INT64_MAX)
		return refuse(info, "image size %" PRIu64 " is out of range",
		    size);
	if (reader_open(&r, fd, size) == -1)
		return refuse(info, "cannot read the first %zu bytes of the "
		    "image", r.headlen);
	r.max_virtual_size = max_virtual_size;
	snprintf(info->format, sizeof(info->format), "%s",
	    first_format(r.mask));

	if (formats[i].mask == 0) {
		/*
		 * Raw may hold an iso, a partitioned disk, anything but
		 * what a hypervisor would probe as a format of its own,
		 * or a vhd footer that some tools look for at the end.
		 */
		if (r.mask & M_NOT_RAW)
			return refuse(info, "declared %s, but the content is "
			    "%s", formats[i].name,
			    first_format(r.mask & M_NOT_RAW));
	} else {
		if ((r.mask & formats[i].mask) == 0)
			return refuse(info, "declared %s, but the content is "
			    "%s", formats[i].name, info->format);
		/* A file that two drivers read differently is refused. */
		other = r.mask & M_PROBED & ~formats[i].mask;
		if (other != 0)
			return refuse(info, "declared %s, but the content is "
			    "also %s", formats[i].name, first_format(other));
	}
	info->virtual_size = size;
	if (formats[i].check != NULL && formats[i].check(&r, info) == -1) {
		info->virtual_size = 0;
		return -1;
	}
	if (max_virtual_size != 0 && info->virtual_size > max_virtual_size) {
		refuse(info, "virtual size %" PRIu64 " exceeds the limit %"
		    PRIu64, info->virtual_size, max_virtual_size);
		info->virtual_size = 0;
		return -1;
	}
	snprintf(info->format, sizeof(info->format), "%s", formats[i].name);
	return 0;
}

/*
 * qcow2 (QEMU's docs/interop/qcow2.txt).  All fields are big-endian.
 */
#define QCOW2_BAD		"truncated or inconsistent qcow2 header: "
#define QCOW2_DIRTY		0x01
#define QCOW2_CORRUPT		0x02
#define QCOW2_DATA_FILE		0x04
#define QCOW2_COMPRESSION	0x08
#define QCOW2_EXTENDED_L2	0x10
#define QCOW2_KNOWN		0x1f
#define QCOW2_EXT_END		0x00000000
#define QCOW2_EXT_DATA_FILE	0x44415441
#define QCOW2_MAX_EXTENSIONS	1024
#define QCOW2_MAX_L1_ENTRIES	(32 * MIB / 8)	/* QEMU's limits */
#define QCOW2_MAX_REFTABLE	(8 * MIB)
#define QCOW2_MAX_SNAPSHOTS	65536
#define QCOW2_SNAPSHOT_MIN	40		/* fixed part of an entry */

struct qcow2_ext {
	int	 data_file;			/* an external data file */
	char	 data_name[SHOWN_MAX + 4];	/* its name, if readable */
	char	 bad[96];			/* why the list is broken */
};

/*
 * Walk the header extensions from off up to end, the first cluster,
 * noting an external data file name into x.  Returns -1 with x->bad set
 * when the list runs past the cluster or the file.
 */
static int
qcow2_extensions(const struct reader *r, uint64_t off, uint64_t end,
    struct qcow2_ext *x)
{
	unsigned char	 e[8], name[SHOWN_MAX + 1];
	uint32_t	 type, len;
	int		 n;

	for (n = 0; off < end; n++) {
		if (n == QCOW2_MAX_EXTENSIONS) {
			snprintf(x->bad, sizeof(x->bad), "more than %d header "
			    "extensions", QCOW2_MAX_EXTENSIONS);
			return -1;
		}
		if (end - off < 8 || rd(r, off, e, 8) == -1) {
			snprintf(x->bad, sizeof(x->bad), "header extension "
			    "at %" PRIu64 " is cut short", off);
			return -1;
		}
		type = be32(e);
		len = be32(e + 4);
		off += 8;
		if (type == QCOW2_EXT_END)
			return 0;
		if (len > end - off) {
			snprintf(x->bad, sizeof(x->bad), "header extension "
			    "0x%08" PRIx32 " runs past the first cluster",
			    type);
			return -1;
		}
		if (type == QCOW2_EXT_DATA_FILE && !x->data_file) {
			x->data_file = 1;
			if (rd(r, off, name, len < sizeof(name) ? len :
			    sizeof(name)) == 0)
				shown(x->data_name, name, len);
		}
		off += ((uint64_t)len + 7) & ~7ULL;
	}
	return 0;
}

static int
check_qcow2(struct reader *r, struct img_info *info)
{
	unsigned char	 h[104], name[SHOWN_MAX + 1];
	char		 shown_name[SHOWN_MAX + 4];
	struct qcow2_ext x;
	uint64_t	 cluster, incompat, vsize, shift, l1_need, off;
	uint32_t	 version, bits, hlen, len, l1_size, clusters, nb;
	int		 walked;

	if (rd(r, 0, h, 72) == -1)
		return refuse(info, QCOW2_BAD "the file is shorter than the "
		    "72 bytes of a header");
	version = be32(h + 4);
	if (version != 2 && version != 3)
		return refuse(info, "unsupported qcow2 version %" PRIu32,
		    version);

	/* The name may be absolute, relative or json:{...}: all refused. */
	if ((off = be64(h + 8)) != 0) {
		len = be32(h + 16);
		if (rd(r, off, name, len < sizeof(name) ? len : sizeof(name))
		    == -1)
			return refuse(info, "qcow2 image has a backing file: "
			    "refused");
		shown(shown_name, name, len);
		return refuse(info, "qcow2 image has a backing file ('%s'): "
		    "refused", shown_name);
	}

	bits = be32(h + 20);
	if (bits < 9 || bits > 21)
		return refuse(info, QCOW2_BAD "cluster_bits %" PRIu32 " is "
		    "not within 9..21", bits);
	cluster = 1ULL << bits;
	incompat = 0;
	hlen = 72;
	if (version == 3) {
		if (rd(r, 0, h, 104) == -1)
			return refuse(info, QCOW2_BAD "the file is shorter "
			    "than the 104 bytes of a version 3 header");
		incompat = be64(h + 72);
		if (be32(h + 96) > 6)
			return refuse(info, QCOW2_BAD "refcount_order %"
			    PRIu32 " is over 6", be32(h + 96));
		hlen = be32(h + 100);
		if (hlen < 104 || hlen > cluster)
			return refuse(info, QCOW2_BAD "header_length %" PRIu32
			    " is not within 104..%" PRIu64, hlen, cluster);
	}

	memset(&x, 0, sizeof(x));
	walked = qcow2_extensions(r, hlen, cluster, &x);
	if ((incompat & QCOW2_DATA_FILE) || x.data_file) {
		if (x.data_name[0] != '\0')
			return refuse(info, "qcow2 image has an external data "
			    "file ('%s'): refused", x.data_name);
		return refuse(info, "qcow2 image has an external data file: "
		    "refused");
	}
	if (be32(h + 32) != 0)
		return refuse(info, "qcow2 image is encrypted (method %" PRIu32
		    "): refused", be32(h + 32));
	if (incompat & QCOW2_CORRUPT)
		return refuse(info, "qcow2 image is marked corrupt: refused");
	if (incompat & ~(uint64_t)QCOW2_KNOWN)
		return refuse(info, "qcow2 image has an unknown incompatible "
		    "feature (0x%" PRIx64 "): refused",
		    incompat & ~(uint64_t)QCOW2_KNOWN);
	if (walked == -1)
		return refuse(info, QCOW2_BAD "%s", x.bad);

	vsize = be64(h + 24);
	if (r->max_virtual_size != 0 && vsize > r->max_virtual_size)
		return refuse(info, "virtual size %" PRIu64 " exceeds the "
		    "limit %" PRIu64, vsize, r->max_virtual_size);

	/* An L1 entry maps an L2 table of 8-byte (16: extended) entries. */
	shift = 2 * bits - (incompat & QCOW2_EXTENDED_L2 ? 4 : 3);
	l1_need = (vsize >> shift) + ((vsize & ((1ULL << shift) - 1)) != 0);
	l1_size = be32(h + 36);
	off = be64(h + 40);
	if (l1_size < l1_need)
		return refuse(info, QCOW2_BAD "an l1 table of %" PRIu32
		    " entries cannot address %" PRIu64 " bytes", l1_size,
		    vsize);
	if (l1_size > QCOW2_MAX_L1_ENTRIES)
		return refuse(info, QCOW2_BAD "an l1 table of %" PRIu32
		    " entries is too large", l1_size);
	if (l1_size > 0 && (off < cluster || off % cluster != 0))
		return refuse(info, QCOW2_BAD "the l1 table offset %" PRIu64
		    " is inside the header or not cluster aligned", off);
	if (l1_size > 0 && (off > r->size ||
	    (uint64_t)l1_size * 8 > r->size - off))
		return refuse(info, QCOW2_BAD "the l1 table lies beyond the "
		    "end of the file");

	clusters = be32(h + 56);
	off = be64(h + 48);
	if (clusters == 0 || clusters > QCOW2_MAX_REFTABLE >> bits)
		return refuse(info, QCOW2_BAD "refcount_table_clusters %"
		    PRIu32 " is out of range", clusters);
	if (off < cluster || off % cluster != 0)
		return refuse(info, QCOW2_BAD "the refcount table offset %"
		    PRIu64 " is inside the header or not cluster aligned", off);
	if (off > r->size || (uint64_t)clusters << bits > r->size - off)
		return refuse(info, QCOW2_BAD "the refcount table lies beyond "
		    "the end of the file");

	nb = be32(h + 60);
	off = be64(h + 64);
	if (nb > QCOW2_MAX_SNAPSHOTS)
		return refuse(info, QCOW2_BAD "nb_snapshots %" PRIu32 " is "
		    "out of range", nb);
	if (nb > 0 && (off < cluster || off % cluster != 0))
		return refuse(info, QCOW2_BAD "the snapshot table offset %"
		    PRIu64 " is inside the header or not cluster aligned", off);
	if (nb > 0 && (off > r->size ||
	    (uint64_t)nb * QCOW2_SNAPSHOT_MIN > r->size - off))
		return refuse(info, QCOW2_BAD "the snapshot table lies beyond "
		    "the end of the file");

	info->virtual_size = vsize;
	return 0;
}

/*
 * vmdk (VMware Virtual Disk Format 5.0).  The sparse header is
 * little-endian; its text descriptor names the extents, the files that
 * hold the data.  Only a single file holding its own data is accepted:
 * a monolithicSparse or streamOptimized disk whose descriptor names one
 * SPARSE extent (itself) and no parent.
 */
#define VMDK_BAD		"truncated or inconsistent vmdk header: "
#define VMDK_DESC_MAX		(64 * KIB)
#define VMDK_QEMU_DESC_AT	512	/* where QEMU looks for a parent */
#define VMDK_QEMU_DESC_SIZE	(20 * 512)
#define VMDK_GD_AT_END		0xffffffffffffffffULL
#define VMDK_MARKER_FOOTER	3
#define VMDK_MAX_GRAIN		(1ULL << 21)	/* sectors; QEMU's limit */

static const char *
skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\v' || *p == '\f'))
		p++;
	return p;
}

static const char *
skip_word(const char *p, const char *end)
{
	while (p < end && *p != ' ' && *p != '\t' && *p != '\r' &&
	    *p != '\v' && *p != '\f')
		p++;
	return p;
}

/*
 * Parse the value of `key = "value"` from p: copied into value (cut at
 * size - 1 bytes), with or without its quotes.  Returns -1 with value
 * empty when p does not hold key and an equals sign.
 */
static int
desc_value(const char *p, const char *end, const char *key, char *value,
    size_t size)
{
	size_t	klen = strlen(key), n = 0;
	int	quoted;

	value[0] = '\0';
	if ((size_t)(end - p) < klen || memcmp(p, key, klen) != 0)
		return -1;
	p = skip_blank(p + klen, end);
	if (p == end || *p != '=')
		return -1;
	p = skip_blank(p + 1, end);
	if ((quoted = p < end && *p == '"'))
		p++;
	while (p < end && (quoted ? *p != '"' : *p != ' ' && *p != '\t' &&
	    *p != '\r')) {
		if (n + 1 < size)
			value[n++] = *p;
		p++;
	}
	value[n] = '\0';
	return 0;
}

/*
 * Check a vmdk text descriptor (NUL-terminated).  standalone: a
 * descriptor file, which always names other files.  Returns 0 or -1
 * with the reason set.
 */
static int
vmdk_descriptor(struct img_info *info, const char *text, int standalone)
{
	const char	*p, *q, *end, *next, *name;
	char		 word[12], value[SHOWN_MAX + 4];
	size_t		 namelen;
	int		 extents = 0, create_type = 0;

	if ((p = strstr(text, "parentFileNameHint")) != NULL) {
		end = strchr(p, '\n');
		if (end == NULL)
			end = p + strlen(p);
		if (desc_value(p, end, "parentFileNameHint", value,
		    sizeof(value)) == -1 || value[0] == '\0')
			return refuse(info, "vmdk image has a parent: refused");
		shown(value, value, strlen(value));
		return refuse(info, "vmdk image has a parent ('%s'): refused",
		    value);
	}
	for (p = text; *p != '\0'; p = next) {
		if ((end = strchr(p, '\n')) == NULL)
			end = p + strlen(p);
		next = *end == '\n' ? end + 1 : end;
		p = skip_blank(p, end);

		if (!standalone && desc_value(p, end, "createType", value,
		    sizeof(value)) == 0) {
			if (strcmp(value, "monolithicSparse") != 0 &&
			    strcmp(value, "streamOptimized") != 0) {
				shown(value, value, strlen(value));
				return refuse(info, "vmdk create type '%s' is "
				    "not monolithicSparse or streamOptimized: "
				    "refused", value);
			}
			create_type = 1;
			continue;
		}

		/* Extents: RW|RDONLY|NOACCESS sectors TYPE ["file" [offset]] */
		q = skip_word(p, end);
		if (!((q - p == 2 && memcmp(p, "RW", 2) == 0) ||
		    (q - p == 6 && memcmp(p, "RDONLY", 6) == 0) ||
		    (q - p == 8 && memcmp(p, "NOACCESS", 8) == 0)))
			continue;
		extents++;
		p = skip_blank(q, end);
		for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
			;
		if (q == p || (q < end && skip_blank(q, end) == q))
			return refuse(info, "vmdk descriptor has a malformed "
			    "extent line: refused");
		p = skip_blank(q, end);
		q = skip_word(p, end);
		if (q == p)
			return refuse(info, "vmdk descriptor has a malformed "
			    "extent line: refused");
		snprintf(word, sizeof(word), "%.*s", (int)(q - p > 10 ? 10 :
		    q - p), p);
		p = skip_blank(q, end);
		name = NULL;
		namelen = 0;
		if (p < end && *p == '"') {
			name = ++p;
			while (p < end && *p != '"')
				p++;
			if (p == end)
				return refuse(info, "vmdk descriptor has a "
				    "malformed extent line: refused");
			namelen = (size_t)(p - name);
		}
		if (standalone || extents > 1 || strcmp(word, "SPARSE") != 0) {
			if (name == NULL) {
				shown(value, word, strlen(word));
				return refuse(info, "vmdk descriptor has an "
				    "extent of type %s: refused", value);
			}
			shown(value, name, namelen);
			return refuse(info, "vmdk descriptor names extent file "
			    "'%s': refused", value);
		}
	}
	if (standalone)
		return refuse(info, "vmdk descriptor file without an extent: "
		    "refused");
	if (extents == 0)
		return refuse(info, "vmdk descriptor names no extent: refused");
	if (!create_type)
		return refuse(info, "vmdk descriptor has no createType: "
		    "refused");
	return 0;
}

/*
 * Read the text at off, at most max bytes and never past the image,
 * into buf (max + 1 bytes), NUL-terminated at its first NUL.  Returns
 * the bytes read, or -1.
 */
static int
read_text(const struct reader *r, uint64_t off, size_t max, char *buf)
{
	size_t	n;

	if (off >= r->size)
		return -1;
	n = r->size - off < max ? (size_t)(r->size - off) : max;
	if (rd(r, off, buf, n) == -1)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

static int
check_vmdk(struct reader *r, struct img_info *info)
{
	unsigned char	 h[77], marker[16], eos[16];
	char		*text;
	uint64_t	 capacity, grain, desc_off, desc_sectors, gd_off;
	uint32_t	 version;
	int		 n, rc = -1;

	if (memcmp(r->head, "COWD", 4) == 0)
		return refuse(info, "vmdk image is a hosted sparse extent "
		    "(COWD), which is not supported: refused");
	if ((text = malloc(VMDK_DESC_MAX + 1)) == NULL)
		return refuse(info, "out of memory");
	if (memcmp(r->head, "KDMV", 4) != 0) {
		/* A descriptor file: nothing but names of other files. */
		if (read_text(r, 0, VMDK_DESC_MAX, text) == -1)
			refuse(info, "cannot read the vmdk descriptor");
		else
			vmdk_descriptor(info, text, 1);
		goto done;
	}

	if (rd(r, 0, h, sizeof(h)) == -1) {
		refuse(info, VMDK_BAD "the file is shorter than a header");
		goto done;
	}
	version = le32(h + 4);
	capacity = le64(h + 12);
	grain = le64(h + 20);
	desc_off = le64(h + 28);
	desc_sectors = le64(h + 36);
	gd_off = le64(h + 56);
	if (version < 1 || version > 3) {
		refuse(info, "unsupported vmdk version %" PRIu32, version);
		goto done;
	}
	/* QEMU opens the extents of the descriptor of a disk without one. */
	if (capacity == 0) {
		refuse(info, "vmdk image has no capacity of its own, only its "
		    "descriptor's: refused");
		goto done;
	}
	/*
	 * A stream-optimized disk written in one pass has its grain
	 * directory "at the end" and its header again in a footer, the
	 * middle of its last three sectors (a footer marker, the footer,
	 * an end-of-stream marker); QEMU then reads the capacity and the
	 * grain directory from the footer.
	 */
	if (gd_off == VMDK_GD_AT_END) {
		if (r->size % 512 != 0 || r->size < 2048 ||
		    rd(r, r->size - 1536, marker, sizeof(marker)) == -1 ||
		    rd(r, r->size - 1024, h, sizeof(h)) == -1 ||
		    rd(r, r->size - 512, eos, sizeof(eos)) == -1 ||
		    le32(marker + 8) != 0 ||
		    le32(marker + 12) != VMDK_MARKER_FOOTER ||
		    memcmp(h, "KDMV", 4) != 0 || !all_zero(eos, sizeof(eos))) {
			refuse(info, VMDK_BAD "the grain directory is at the "
			    "end, but there is no footer");
			goto done;
		}
		capacity = le64(h + 12);
		grain = le64(h + 20);
		gd_off = le64(h + 56);
		if (capacity == 0 || gd_off == VMDK_GD_AT_END) {
			refuse(info, VMDK_BAD "the footer has no capacity or "
			    "no grain directory");
			goto done;
		}
	}
	if (capacity > UINT64_MAX / 512) {
		refuse(info, VMDK_BAD "capacity %" PRIu64 " sectors is out of "
		    "range", capacity);
		goto done;
	}
	if (grain == 0 || grain > VMDK_MAX_GRAIN || (grain & (grain - 1))) {
		refuse(info, VMDK_BAD "grain size %" PRIu64 " is not a power "
		    "of two up to %llu", grain, VMDK_MAX_GRAIN);
		goto done;
	}
	if (gd_off != VMDK_GD_AT_END && (gd_off == 0 ||
	    gd_off > (r->size - 1) / 512)) {
		refuse(info, VMDK_BAD "the grain directory lies beyond the end "
		    "of the file");
		goto done;
	}
	if (desc_off == 0 || desc_sectors == 0) {
		refuse(info, "vmdk image has no embedded descriptor: refused");
		goto done;
	}
	if (desc_sectors > VMDK_DESC_MAX / 512) {
		refuse(info, "vmdk descriptor of %" PRIu64 " sectors is larger "
		    "than %llu KiB: refused", desc_sectors,
		    VMDK_DESC_MAX / KIB);
		goto done;
	}
	if (desc_off > r->size / 512 ||
	    desc_sectors * 512 > r->size - desc_off * 512 ||
	    read_text(r, desc_off * 512, desc_sectors * 512, text) == -1) {
		refuse(info, VMDK_BAD "the descriptor lies beyond the end of "
		    "the file");
		goto done;
	}
	if (vmdk_descriptor(info, text, 0) == -1)
		goto done;
	/* QEMU looks for a parent at 512, whatever the header says. */
	n = read_text(r, VMDK_QEMU_DESC_AT, VMDK_QEMU_DESC_SIZE, text);
	if (n != -1 && strstr(text, "parentFileNameHint") != NULL) {
		vmdk_descriptor(info, text, 0);
		goto done;
	}
	info->virtual_size = capacity * 512;
	rc = 0;
done:
	free(text);
	return rc;
}

/*
 * vdi (VirtualBox): a little-endian header at 0x40; version 1.1, the
 * only one QEMU reads, with 512-byte sectors and 1 MiB blocks.
 */
#define VDI_BAD		"truncated or inconsistent vdi header: "
#define VDI_DYNAMIC	1
#define VDI_FIXED	2
#define VDI_DIFFERENCING 4

static int
check_vdi(struct reader *r, struct img_info *info)
{
	unsigned char	 h[512];
	uint64_t	 disk_size;
	uint32_t	 version, type, bmap, data, block, blocks;

	if (rd(r, 0, h, sizeof(h)) == -1)
		return refuse(info, VDI_BAD "the file is shorter than a "
		    "header");
	version = le32(h + 0x44);
	if (version != 0x00010001)
		return refuse(info, "unsupported vdi version %" PRIu32 ".%"
		    PRIu32, version >> 16, version & 0xffff);
	type = le32(h + 0x4c);
	if (type == VDI_DIFFERENCING)
		return refuse(info, "vdi image is a differencing image: "
		    "refused");
	if (type != VDI_DYNAMIC && type != VDI_FIXED)
		return refuse(info, "vdi image type %" PRIu32 " is neither "
		    "dynamic nor fixed: refused", type);
	if (!all_zero(h + 0x1a8, 32))
		return refuse(info, "vdi image has a parent: refused");
	bmap = le32(h + 0x154);
	data = le32(h + 0x158);
	disk_size = le64(h + 0x170);
	block = le32(h + 0x178);
	blocks = le32(h + 0x180);
	if (le32(h + 0x168) != 512)
		return refuse(info, VDI_BAD "sector size %" PRIu32 " is not "
		    "512", le32(h + 0x168));
	if (block != MIB)
		return refuse(info, VDI_BAD "block size %" PRIu32 " is not "
		    "1 MiB", block);
	if (bmap < sizeof(h) || bmap % 512 != 0 || data % 512 != 0)
		return refuse(info, VDI_BAD "the block map or data offset is "
		    "inside the header or not sector aligned");
	if ((uint64_t)blocks * block < disk_size)
		return refuse(info, VDI_BAD "%" PRIu32 " blocks cannot hold "
		    "%" PRIu64 " bytes", blocks, disk_size);
	if (bmap > r->size || (uint64_t)blocks * 4 > r->size - bmap)
		return refuse(info, VDI_BAD "the block map lies beyond the end "
		    "of the file");
	if (data > r->size || (type == VDI_FIXED &&
	    disk_size > r->size - data))
		return refuse(info, VDI_BAD "the data lies beyond the end of "
		    "the file");
	info->virtual_size = disk_size;
	return 0;
}

/*
 * vhd (Microsoft Virtual Hard Disk): a big-endian 512-byte footer at the
 * end, with a copy at 0 for dynamic disks (which QEMU reads first).
 */
#define VHD_BAD		"truncated or inconsistent vhd image: "
#define VHD_FIXED	2
#define VHD_DYNAMIC	3
#define VHD_DIFFERENCING 4

static int
check_vhd(struct reader *r, struct img_info *info)
{
	unsigned char	 foot[2][512], dyn[40], *f;
	uint64_t	 cur, off;
	uint32_t	 type, entries, block;
	int		 i, n = 0;

	if (r->mask & M_VHD_HEAD) {
		if (rd(r, 0, foot[n], 512) == -1)
			return refuse(info, VHD_BAD "the footer copy at the "
			    "start is cut short");
		n++;
	}
	if ((r->mask & M_VHD_TAIL) && rd(r, r->size - 512, foot[n], 512) == 0)
		n++;
	for (i = 0; i < n; i++) {
		type = be32(foot[i] + 60);
		if (type == VHD_DIFFERENCING)
			return refuse(info, "vhd image is a differencing "
			    "image (it has a parent): refused");
		if (type != VHD_FIXED && type != VHD_DYNAMIC)
			return refuse(info, "vhd disk type %" PRIu32 " is "
			    "neither fixed nor dynamic: refused", type);
	}
	if (n == 2 && (be32(foot[0] + 60) != be32(foot[1] + 60) ||
	    be64(foot[0] + 48) != be64(foot[1] + 48)))
		return refuse(info, VHD_BAD "its two footers disagree");
	f = foot[0];
	cur = be64(f + 48);
	if (be32(f + 60) == VHD_FIXED) {
		if (!(r->mask & M_VHD_TAIL) || cur > r->size - 512)
			return refuse(info, VHD_BAD "a fixed disk of %" PRIu64
			    " bytes does not fit in the file", cur);
		info->virtual_size = cur;
		return 0;
	}
	off = be64(f + 16);
	if (off > r->size || r->size - off < 1024 ||
	    rd(r, off, dyn, sizeof(dyn)) == -1 ||
	    memcmp(dyn, "cxsparse", 8) != 0)
		return refuse(info, VHD_BAD "no dynamic disk header");
	off = be64(dyn + 16);
	entries = be32(dyn + 28);
	block = be32(dyn + 32);
	if (block < 512 || (block & (block - 1)) != 0)
		return refuse(info, VHD_BAD "block size %" PRIu32 " is not a "
		    "power of two of at least 512", block);
	if (off > r->size || (uint64_t)entries * 4 > r->size - off)
		return refuse(info, VHD_BAD "the block allocation table lies "
		    "beyond the end of the file");
	if ((uint64_t)entries * block < cur)
		return refuse(info, VHD_BAD "%" PRIu32 " blocks cannot hold "
		    "%" PRIu64 " bytes", entries, cur);
	info->virtual_size = cur;
	return 0;
}

/*
 * vhdx (MS-VHDX): little-endian; a region table at 192 KiB locates
 * the metadata region, whose table of items holds the virtual disk size,
 * and for a differencing disk a parent locator.
 */
#define VHDX_BAD		"truncated or inconsistent vhdx header: "
#define VHDX_REGIONS_AT		(192 * KIB)
#define VHDX_MAX_ENTRIES	2047
#define VHDX_REQUIRED		0x1	/* region entry */
#define VHDX_ITEM_REQUIRED	0x4	/* metadata item entry */
#define VHDX_HAS_PARENT		0x2	/* file parameters flags */

#define GUID_BAT		0x2dc27766, 0xf623, 0x4200, 0x9d64115e9bfd4a08
#define GUID_METADATA		0x8b7ca206, 0x4790, 0x4b9a, 0xb8fe575f050f886e
#define GUID_FILE_PARAMETERS	0xcaa16737, 0xfa36, 0x4d43, 0xb3b633f0aa44e76b
#define GUID_VIRTUAL_DISK_SIZE	0x2fa54224, 0xcd1b, 0x4876, 0xb2115dbed83bf4b8
#define GUID_PAGE_83		0xbeca12ab, 0xb2e6, 0x4523, 0x93efc309e000c746
#define GUID_LOGICAL_SECTOR	0x8141bf1d, 0xa96f, 0x4709, 0xba47f233a8faab5f
#define GUID_PHYSICAL_SECTOR	0xcda348c7, 0x445d, 0x4471, 0x9cc9e9885251c556
#define GUID_PARENT_LOCATOR	0xa8d35f2d, 0xb30b, 0x454d, 0xabf7d3d84834ab0c

static int
check_vhdx(struct reader *r, struct img_info *info)
{
	unsigned char	 e[32], b[8];
	uint64_t	 at, meta = 0, off, vsize = 0;
	uint32_t	 count, i, meta_len = 0, len;
	int		 have_size = 0;

	/* Like QEMU, trust the first region table only. */
	at = VHDX_REGIONS_AT;
	if (rd(r, at, b, 4) == -1 || memcmp(b, "regi", 4) != 0)
		return refuse(info, VHDX_BAD "no region table at 192 KiB");
	if (rd(r, at + 8, b, 4) == -1 ||
	    (count = le32(b)) > VHDX_MAX_ENTRIES)
		return refuse(info, VHDX_BAD "the region table is cut short "
		    "or too large");
	for (i = 0; i < count; i++) {
		if (rd(r, at + 16 + 32 * i, e, 32) == -1)
			return refuse(info, VHDX_BAD "the region table is cut "
			    "short");
		off = le64(e + 16);
		len = le32(e + 24);
		if (guid_is(e, GUID_METADATA)) {
			if (meta != 0)
				return refuse(info, VHDX_BAD "two metadata "
				    "regions");
			meta = off;
			meta_len = len;
		} else if (!guid_is(e, GUID_BAT) &&
		    (le32(e + 28) & VHDX_REQUIRED))
			return refuse(info, "vhdx image has an unknown "
			    "required region: refused");
		if (off > r->size || len > r->size - off)
			return refuse(info, VHDX_BAD "a region lies beyond the "
			    "end of the file");
	}
	if (meta == 0 || meta_len < 32)
		return refuse(info, VHDX_BAD "no metadata region");

	if (rd(r, meta, e, 32) == -1 || memcmp(e, "metadata", 8) != 0)
		return refuse(info, VHDX_BAD "no metadata table");
	count = le16(e + 10);
	if (count > VHDX_MAX_ENTRIES || 32 + 32 * count > meta_len)
		return refuse(info, VHDX_BAD "the metadata table is too large");
	for (i = 0; i < count; i++) {
		if (rd(r, meta + 32 + 32 * i, e, 32) == -1)
			return refuse(info, VHDX_BAD "the metadata table is "
			    "cut short");
		off = le32(e + 16);
		len = le32(e + 20);
		if (guid_is(e, GUID_PARENT_LOCATOR))
			return refuse(info, "vhdx image is a differencing "
			    "image (it has a parent locator): refused");
		if (off > meta_len || len > meta_len - off)
			return refuse(info, VHDX_BAD "a metadata item lies "
			    "beyond its region");
		if (guid_is(e, GUID_VIRTUAL_DISK_SIZE)) {
			if (len < 8 || rd(r, meta + off, b, 8) == -1)
				return refuse(info, VHDX_BAD "the virtual disk "
				    "size is cut short");
			vsize = le64(b);
			have_size = 1;
		} else if (guid_is(e, GUID_FILE_PARAMETERS)) {
			if (len < 8 || rd(r, meta + off, b, 8) == -1)
				return refuse(info, VHDX_BAD "the file "
				    "parameters are cut short");
			if (le32(b + 4) & VHDX_HAS_PARENT)
				return refuse(info, "vhdx image is a "
				    "differencing image (it has a parent): "
				    "refused");
		} else if (!guid_is(e, GUID_PAGE_83) &&
		    !guid_is(e, GUID_LOGICAL_SECTOR) &&
		    !guid_is(e, GUID_PHYSICAL_SECTOR) &&
		    (le32(e + 24) & VHDX_ITEM_REQUIRED))
			return refuse(info, "vhdx image has an unknown "
			    "required metadata item: refused");
	}
	if (!have_size)
		return refuse(info, VHDX_BAD "no virtual disk size");
	info->virtual_size = vsize;
	return 0;
}

/*
 * iso (ECMA-119): the primary volume descriptor at sector 16 gives the
 * volume size as blocks of a logical block size, both little-endian
 * halves of both-endian fields.
 */
#define ISO_BAD		"truncated or inconsistent iso image: "
#define ISO_PVD_AT	0x8000

static int
check_iso(struct reader *r, struct img_info *info)
{
	unsigned char	 d[0x84];
	uint64_t	 vsize;
	uint32_t	 blocks;
	uint16_t	 block;

	if (rd(r, ISO_PVD_AT, d, sizeof(d)) == -1)
		return refuse(info, ISO_BAD "the volume descriptor is cut "
		    "short");
	if (d[0] != 1)
		return refuse(info, ISO_BAD "no primary volume descriptor at "
		    "sector 16");
	blocks = le32(d + 0x50);
	block = le16(d + 0x80);
	if (block != 512 && block != 1024 && block != 2048)
		return refuse(info, ISO_BAD "logical block size %u",
		    (unsigned)block);
	vsize = (uint64_t)blocks * block;
	if (vsize == 0 || vsize > r->size)
		return refuse(info, ISO_BAD "a volume of %" PRIu64 " bytes in "
		    "a file of %" PRIu64, vsize, r->size);
	info->virtual_size = vsize;
	return 0;
}
