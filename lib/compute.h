/*
 * compute.h: Nova's catalogue: flavors and key pairs.
 */
#ifndef NUBES_COMPUTE_H
#define NUBES_COMPUTE_H

#include "nubes.h"
#include "resource.h"

extern const struct resource	 res_flavor, res_keypair;

/* A key=value pair; value NULL removes the key. */
struct spec_kv {
	const char	*key;
	const char	*value;
};

struct flavor_spec {
	const char		*name;
	long long		 vcpus, ram_mib, disk_gb;	/* -1: unset */
	long long		 ephemeral_gb, swap_mib;
	int			 is_public;			/* -1, 0, 1 */
	const char		*description;
	const struct spec_kv	*props;		/* extra specs */
	size_t			 nprops;
	const char *const	*access_add;	/* projects, names or ids */
	size_t			 naccess_add;
	const char *const	*access_remove;
	size_t			 naccess_remove;
};

/*
 * Split "key=value" into kv (pointing into text, which it modifies) and
 * check it is an extra spec nubes understands or leaves alone: quota:*
 * and hw:cpu_* values are checked (NB_EUSAGE when malformed).
 */
int		 flavor_spec_parse(struct nb *, char *text, struct spec_kv *);
struct table	*flavor_create(struct nb *, const struct flavor_spec *);
struct table	*flavor_set(struct nb *, const char *flavor,
		    const struct flavor_spec *);
/* Public flavors and private ones the project may use; all: every one. */
struct table	*flavor_list(struct nb *, int all);

enum keypair_kind { KEYPAIR_KIND_ED25519, KEYPAIR_KIND_RSA };
/*
 * Generate a key pair for the calling user and store its public half;
 * the table has the private key in its private_key column, which is
 * the only copy there will ever be.
 */
struct table	*keypair_create(struct nb *, const char *name,
		    enum keypair_kind, int bits);
/* Store the public key in text (one OpenSSH line) for the calling user. */
struct table	*keypair_import_public(struct nb *, const char *name,
		    const char *text);
/* The caller's key pairs, or those of user (cloud admins only). */
struct table	*keypair_list(struct nb *, const char *user);

#endif
