/*
 * imgformat.h: disk image format inspection for the image registry:
 * what an uploaded image really is, and whether a hypervisor could be
 * made to read other files of the host through it.  Needs only libc.
 */
#ifndef NUBES_IMGFORMAT_H
#define NUBES_IMGFORMAT_H

#include <stdint.h>

struct img_info {
	char		format[16];	/* raw, qcow2, vmdk ... */
	uint64_t	virtual_size;	/* bytes the guest sees */
	char		reason[256];	/* why it was refused */
};

/*
 * Inspect an image file of size bytes readable at fd, declared as disk
 * format `declared` (raw, qcow2, vmdk, vdi, vhd, vhdx, iso, aki, ari or
 * ami).  Reads with pread only, never at or beyond size, a few hundred
 * KiB at most, in constant memory; no length or offset in the file is
 * trusted.  Returns 0 when the content is a well-formed image of the
 * declared format that names no other file (backing file, external data
 * file, extent, parent): info->format is then the declared format and
 * info->virtual_size the size the guest sees (raw, ami, aki, ari: the
 * file size; iso: its volume size).  Returns -1 otherwise, with
 * info->reason saying why in lower case and info->format naming what
 * the content looks like.  A virtual size over max_virtual_size bytes is
 * refused unless max_virtual_size is 0.
 */
int		 img_inspect(int fd, uint64_t size, const char *declared,
		    uint64_t max_virtual_size, struct img_info *info);

/*
 * The format the content of the size bytes at fd looks like, from its
 * magic numbers alone: one of the names above, "luks" or "qed", or "raw"
 * when none matches.  A static string, for messages.
 */
const char	*img_detect(int fd, uint64_t size);

#endif /* NUBES_IMGFORMAT_H */
