/*
 * imageopt.h: the options cloud-image-add and cloud-image-set share.
 */
#ifndef NUBES_IMAGEOPT_H
#define NUBES_IMAGEOPT_H

#include "prog.h"
#include "image.h"

#define IMAGEOPT_MAXPROPS	128

/* Long options both take; values are IMAGEOPT_* below. */
#define IMAGE_LONGOPTS \
	{ "public", no_argument, NULL, 0x300 }, \
	{ "private", no_argument, NULL, 0x301 }, \
	{ "shared", no_argument, NULL, 0x302 }, \
	{ "community", no_argument, NULL, 0x303 }, \
	{ "min-disk", required_argument, NULL, 0x304 }, \
	{ "min-ram", required_argument, NULL, 0x305 }, \
	{ "property", required_argument, NULL, 0x306 }, \
	{ "kernel", required_argument, NULL, 0x307 }, \
	{ "ramdisk", required_argument, NULL, 0x308 }, \
	{ "protected", no_argument, NULL, 0x309 }

struct imageopt {
	struct image_spec	 spec;
	struct image_prop	 props[IMAGEOPT_MAXPROPS];
};

void	imageopt_init(struct imageopt *);
/* 1 when ch was one of IMAGE_LONGOPTS (exits 2 on a bad value), else 0. */
int	imageopt_option(struct imageopt *, int ch, char *arg);
/* Add a property removal (cloud-image-set --remove-property). */
void	imageopt_remove(struct imageopt *, const char *key);

#endif
