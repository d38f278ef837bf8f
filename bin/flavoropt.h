/*
 * flavoropt.h: the options cloud-flavor-create and cloud-flavor-set
 * share.
 */
#ifndef NUBES_FLAVOROPT_H
#define NUBES_FLAVOROPT_H

#include "prog.h"
#include "compute.h"

#define FLAVOROPT_MAX	128

#define FLAVOR_LONGOPTS \
	{ "public", no_argument, NULL, 0x400 }, \
	{ "private", no_argument, NULL, 0x401 }, \
	{ "description", required_argument, NULL, 0x402 }, \
	{ "property", required_argument, NULL, 0x403 }, \
	{ "project", required_argument, NULL, 0x404 }

struct flavoropt {
	struct flavor_spec	 spec;
	struct spec_kv		 props[FLAVOROPT_MAX];
	const char		*add[FLAVOROPT_MAX];
	const char		*remove[FLAVOROPT_MAX];
};

void	flavoropt_init(struct flavoropt *);
/* 1 when ch was one of FLAVOR_LONGOPTS (exits 2 on a bad value). */
int	flavoropt_option(struct flavoropt *, int ch, char *arg);
void	flavoropt_remove_property(struct flavoropt *, const char *key);
void	flavoropt_remove_project(struct flavoropt *, const char *project);

#endif
