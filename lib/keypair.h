/*
 * keypair.h: SSH key pairs for servers (Nova's keypairs): generate one
 * with OpenSSL and write its private key in OpenSSH's format, or check
 * and normalize a public key a user imports.  Needs only libc and
 * libcrypto; no database.
 */
#ifndef NUBES_KEYPAIR_H
#define NUBES_KEYPAIR_H

#include <stddef.h>

#define KEYPAIR_IMPORT_MAX	16384	/* bytes of an imported key */

enum keypair_type {
	KEYPAIR_ED25519,
	KEYPAIR_RSA
};

struct keypair {
	/* "ssh-ed25519 AAAA... COMMENT": one line, no newline. */
	char	*public_key;
	/* "-----BEGIN OPENSSH PRIVATE KEY-----" text; NULL after import. */
	char	*private_key;
	/* "SHA256:" and the unpadded base64 of the blob's SHA-256. */
	char	 fingerprint[64];
	char	 type[24];	/* "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-..." */
	int	 bits;		/* 256 for ed25519, modulus bits for RSA */
};

/*
 * Generate a key into *kp, which need not be initialized.  bits is for
 * RSA (2048 to 8192, a multiple of 8; 0 means 3072) and ignored for
 * ed25519.  comment goes into both keys; it may be "" or NULL (no
 * comment) but holds no control characters.  The private key is
 * unencrypted openssh-key-v1 text; the caller shows it once and calls
 * keypair_free(), which wipes it.  Returns 0, or -1 with *kp empty and a
 * message (lower case, no full stop) in err[errlen].
 */
int	 keypair_generate(enum keypair_type, int bits, const char *comment,
	    struct keypair *kp, char *err, size_t errlen);

/*
 * Parse and validate one OpenSSH public key line, "TYPE BASE64
 * [COMMENT]", as imported from stdin; surrounding white space and blank
 * lines are ignored.  TYPE is ssh-ed25519, ssh-rsa (2048 to 16384 bits)
 * or ecdsa-sha2-nistp256, -nistp384 or -nistp521, and the type inside
 * the decoded blob must match it.  Refused: other types, base64 that
 * does not decode, a malformed blob or one with trailing bytes, more
 * than one key, a private key, text over KEYPAIR_IMPORT_MAX bytes.  On
 * success returns 0 and fills *kp: public_key normalized to "TYPE
 * BASE64" plus " COMMENT", where COMMENT is the comment argument when
 * not NULL (none when "") and the line's own otherwise; fingerprint,
 * type and bits; private_key is NULL.  The caller calls keypair_free().
 * Returns -1 with *kp empty and a message in err[errlen] otherwise.
 */
int	 keypair_import(const char *text, const char *comment,
	    struct keypair *kp, char *err, size_t errlen);

/* Wipe and free what *kp holds and zero it; a zeroed struct is fine. */
void	 keypair_free(struct keypair *kp);

#endif /* NUBES_KEYPAIR_H */
