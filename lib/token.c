/*
 * token.c: Fernet tokens and their key repository, as Keystone keeps
 * them: $STATE/fernet-keys/N, each 32 random bytes in base64url (16 to
 * sign with HMAC-SHA256, 16 to encrypt with AES-128-CBC).  The highest
 * number is the primary key that signs new tokens, 0 is the staged key
 * that becomes primary at the next rotation, the others only validate.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* SHA256_* and AES_* are the 1.1.1 API, deprecated but kept in 3.x. */
#define OPENSSL_API_COMPAT	0x10101000L
#include <openssl/aes.h>
#include <openssl/sha.h>

#include "nubes.h"

#define KEY_DIR		"fernet-keys"
#define MAX_KEYS	64
#define FERNET_VERSION	0x80
#define HDR_LEN		(1 + 8 + 16)
#define MAC_LEN		32

struct key {
	int		 num;
	unsigned char	 bytes[32];
};

static char *
key_dir(struct nb *nb)
{
	char	*d;

	xasprintf(&d, "%s/%s", nb->state_dir, KEY_DIR);
	return d;
}

static int
key_cmp_desc(const void *a, const void *b)
{
	const struct key	*ka = a, *kb = b;

	return (kb->num > ka->num) - (kb->num < ka->num);
}

/* Read the repository, primary first, staged (0) last. */
static int
keys_load(struct nb *nb, struct key *keys, int *nkeys)
{
	DIR		*dir;
	struct dirent	*de;
	char		*d, path[4096], text[128];
	unsigned char	*raw;
	size_t		 rawlen;
	const char	*errstr;
	ssize_t		 n;
	int		 fd, num;

	*nkeys = 0;
	d = key_dir(nb);
	if ((dir = opendir(d)) == NULL) {
		nb_seterr(nb, NB_EFAIL, "token keys '%s': %s (run "
		    "cloud-bootstrap)", d, strerror(errno));
		free(d);
		return -1;
	}
	while ((de = readdir(dir)) != NULL && *nkeys < MAX_KEYS) {
		num = (int)strtonum(de->d_name, 0, 1000000000, &errstr);
		if (errstr != NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (n <= 0)
			continue;
		text[n] = '\0';
		text[strcspn(text, "=\r\n")] = '\0';
		if ((raw = b64url_decode(text, &rawlen)) == NULL)
			continue;
		if (rawlen == 32) {
			keys[*nkeys].num = num;
			memcpy(keys[*nkeys].bytes, raw, 32);
			(*nkeys)++;
		}
		explicit_bzero(raw, rawlen);
		free(raw);
	}
	closedir(dir);
	explicit_bzero(text, sizeof(text));
	qsort(keys, *nkeys, sizeof(*keys), key_cmp_desc);
	if (*nkeys < 2 || keys[*nkeys - 1].num != 0) {
		nb_seterr(nb, NB_EFAIL, "token key repository '%s' is "
		    "incomplete (run cloud-bootstrap)", d);
		free(d);
		return -1;
	}
	free(d);
	return 0;
}

static int
key_write(struct nb *nb, const char *dir, int num)
{
	unsigned char	 raw[32];
	char		*text, tmp[4096], path[4096];
	int		 fd, ok;

	random_bytes(raw, sizeof(raw));
	text = b64url_encode(raw, sizeof(raw));
	explicit_bzero(raw, sizeof(raw));
	snprintf(tmp, sizeof(tmp), "%s/.tmp.%d", dir, num);
	snprintf(path, sizeof(path), "%s/%d", dir, num);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok = fd != -1 && write(fd, text, strlen(text)) ==
	    (ssize_t)strlen(text) && fsync(fd) == 0;
	if (fd != -1)
		close(fd);
	explicit_bzero(text, strlen(text));
	free(text);
	if (!ok || rename(tmp, path) == -1) {
		nb_seterr(nb, NB_EFAIL, "writing token key '%s': %s", path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
lock_dir(struct nb *nb, const char *dir)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    flock(fd, LOCK_EX) == -1) {
		nb_seterr(nb, NB_EFAIL, "locking '%s': %s", dir,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

int
keys_setup(struct nb *nb)
{
	char		*d = key_dir(nb), path[4096];
	int		 fd = -1, rv = -1;

	if (mkdir(d, 0700) == -1 && errno != EEXIST) {
		nb_seterr(nb, NB_EFAIL, "creating '%s': %s", d,
		    strerror(errno));
		goto out;
	}
	if (chmod(d, 0700) == -1 || (fd = lock_dir(nb, d)) == -1)
		goto out;
	snprintf(path, sizeof(path), "%s/0", d);
	if (access(path, F_OK) == -1 && key_write(nb, d, 0) == -1)
		goto unlock;
	snprintf(path, sizeof(path), "%s/1", d);
	if (access(path, F_OK) == -1) {
		struct key	 keys[MAX_KEYS];
		int		 n;

		/* Only a new repository gets a first primary key. */
		if (keys_load(nb, keys, &n) == -1) {
			nb_clearerr(nb);
			if (key_write(nb, d, 1) == -1)
				goto unlock;
		}
		explicit_bzero(keys, sizeof(keys));
	}
	rv = 0;
unlock:
	close(fd);
out:
	free(d);
	return rv;
}

/*
 * Rotate: the staged key becomes the primary, a new staged key is made,
 * and the oldest keys beyond [identity] max_active_keys are removed.
 */
int
keys_rotate(struct nb *nb, int *nkeys)
{
	struct key	 keys[MAX_KEYS];
	char		*d = key_dir(nb), from[4096], to[4096];
	long long	 max;
	int		 fd, n, i, rv = -1;

	if (conf_num(nb, "identity", "max_active_keys", 4, 3, MAX_KEYS,
	    &max) == -1)
		goto out;
	if ((fd = lock_dir(nb, d)) == -1)
		goto out;
	if (keys_load(nb, keys, &n) == -1)
		goto unlock;
	/*
	 * The staged key becomes the primary under a second name, then a
	 * new staged key replaces "0" in one rename: readers always find a
	 * complete repository.
	 */
	snprintf(from, sizeof(from), "%s/0", d);
	snprintf(to, sizeof(to), "%s/%d", d, keys[0].num + 1);
	if (link(from, to) == -1) {
		nb_seterr(nb, NB_EFAIL, "rotating '%s': %s", from,
		    strerror(errno));
		goto unlock;
	}
	if (key_write(nb, d, 0) == -1) {
		unlink(to);
		goto unlock;
	}
	/* keys[0 .. n-2] are the old primary and secondaries, newest first. */
	for (i = (int)max - 2; i < n - 1; i++) {
		snprintf(from, sizeof(from), "%s/%d", d, keys[i].num);
		if (unlink(from) == -1) {
			nb_seterr(nb, NB_EFAIL, "removing '%s': %s", from,
			    strerror(errno));
			goto unlock;
		}
	}
	n = 2 + (n - 1 < (int)max - 2 ? n - 1 : (int)max - 2);
	*nkeys = n;
	rv = 0;
unlock:
	explicit_bzero(keys, sizeof(keys));
	close(fd);
out:
	free(d);
	return rv;
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

static uint64_t
get_be64(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static const char *const role_bit_names[] = { "reader", "member", "admin" };

const char *
role_names(unsigned int roles, char *buf, size_t len)
{
	size_t	 i;

	buf[0] = '\0';
	for (i = 3; i-- > 0;)
		if (roles & (1u << i)) {
			if (buf[0] != '\0')
				strlcat(buf, ",", len);
			strlcat(buf, role_bit_names[i], len);
		}
	return buf;
}

/*
 * HMAC-SHA256 (RFC 2104) with a 16-byte key.  SHA-256 and AES below
 * use OpenSSL's low-level functions, not EVP: in a process that lives a
 * few milliseconds, EVP's algorithm fetching costs three times what the
 * whole rest of a token check does (10.5 million instructions against
 * 2.6 for the same work done low-level).
 */
static void
hmac_sha256(const unsigned char key[16], const unsigned char *msg,
    size_t len, unsigned char out[MAC_LEN])
{
	SHA256_CTX	 c;
	unsigned char	 pad[SHA256_CBLOCK], inner[MAC_LEN];
	size_t		 i;

	memset(pad, 0x36, sizeof(pad));
	for (i = 0; i < 16; i++)
		pad[i] ^= key[i];
	SHA256_Init(&c);
	SHA256_Update(&c, pad, sizeof(pad));
	SHA256_Update(&c, msg, len);
	SHA256_Final(inner, &c);
	memset(pad, 0x5c, sizeof(pad));
	for (i = 0; i < 16; i++)
		pad[i] ^= key[i];
	SHA256_Init(&c);
	SHA256_Update(&c, pad, sizeof(pad));
	SHA256_Update(&c, inner, sizeof(inner));
	SHA256_Final(out, &c);
	explicit_bzero(pad, sizeof(pad));
	explicit_bzero(inner, sizeof(inner));
	explicit_bzero(&c, sizeof(c));
}

char *
token_encode(struct nb *nb, const struct token *t)
{
	struct key	 keys[MAX_KEYS];
	unsigned char	*msg, iv[16], padded[272];
	char		 payload[256];
	AES_KEY		 aes;
	size_t		 plen, clen;
	int		 n;
	char		*out;

	if (keys_load(nb, keys, &n) == -1)
		return NULL;
	plen = (size_t)snprintf(payload, sizeof(payload), "1 %s %s %s %u %lld",
	    t->id, t->user_id, t->project_id, t->roles,
	    (long long)t->expires_at);
	/* PKCS #7 padding to whole AES blocks, as Fernet. */
	clen = (plen / 16 + 1) * 16;
	memcpy(padded, payload, plen);
	memset(padded + plen, (int)(clen - plen), clen - plen);
	msg = xmalloc(HDR_LEN + clen + MAC_LEN);
	msg[0] = FERNET_VERSION;
	put_be64(msg + 1, (uint64_t)t->issued_at);
	random_bytes(msg + 9, 16);
	memcpy(iv, msg + 9, 16);
	AES_set_encrypt_key(keys[0].bytes + 16, 128, &aes);
	AES_cbc_encrypt(padded, msg + HDR_LEN, clen, &aes, iv, AES_ENCRYPT);
	hmac_sha256(keys[0].bytes, msg, HDR_LEN + clen, msg + HDR_LEN + clen);
	out = b64url_encode(msg, HDR_LEN + clen + MAC_LEN);
	explicit_bzero(keys, sizeof(keys));
	explicit_bzero(&aes, sizeof(aes));
	explicit_bzero(payload, sizeof(payload));
	explicit_bzero(padded, sizeof(padded));
	free(msg);
	return out;
}

/* Verify the MAC with each key in turn; decrypt with the one that fits. */
int
token_decode(struct nb *nb, const char *text, struct token *t)
{
	struct key	 keys[MAX_KEYS];
	unsigned char	*msg, mac[MAC_LEN], plain[256], iv[16];
	char		 payload[257], idbuf[64], ubuf[64], pbuf[64];
	AES_KEY		 aes;
	size_t		 len, clen, padlen, j;
	unsigned int	 roles;
	long long	 exp;
	int		 n, i, rv = -1;

	if ((msg = b64url_decode(text, &len)) == NULL || len < HDR_LEN +
	    16 + MAC_LEN || len > HDR_LEN + sizeof(plain) + MAC_LEN ||
	    msg[0] != FERNET_VERSION || (len - HDR_LEN - MAC_LEN) % 16 != 0) {
		free(msg);
		return nb_seterr(nb, NB_EAUTH, "the token is malformed");
	}
	if (keys_load(nb, keys, &n) == -1) {
		free(msg);
		return -1;
	}
	for (i = 0; i < n; i++) {
		hmac_sha256(keys[i].bytes, msg, len - MAC_LEN, mac);
		if (consttime_eq(mac, msg + len - MAC_LEN, MAC_LEN))
			break;
	}
	if (i == n) {
		nb_seterr(nb, NB_EAUTH, "the token is not valid: no key "
		    "signed it (forged, tampered, or its key was rotated "
		    "out)");
		goto out;
	}
	/* The MAC is good, so the padding is ours: no oracle to fear. */
	clen = len - HDR_LEN - MAC_LEN;
	memcpy(iv, msg + 9, 16);
	AES_set_decrypt_key(keys[i].bytes + 16, 128, &aes);
	AES_cbc_encrypt(msg + HDR_LEN, plain, clen, &aes, iv, AES_DECRYPT);
	padlen = plain[clen - 1];
	for (j = 0; padlen >= 1 && padlen <= 16 && j < padlen; j++)
		if (plain[clen - 1 - j] != padlen)
			break;
	if (padlen < 1 || padlen > 16 || j != padlen) {
		nb_seterr(nb, NB_EAUTH, "the token cannot be decrypted");
		goto out;
	}
	memcpy(payload, plain, clen - padlen);
	payload[clen - padlen] = '\0';
	if (sscanf(payload, "1 %32s %36s %36s %u %lld", idbuf, ubuf, pbuf,
	    &roles, &exp) != 5) {
		nb_seterr(nb, NB_EAUTH, "the token payload is malformed");
		goto out;
	}
	memset(t, 0, sizeof(*t));
	strlcpy(t->id, idbuf, sizeof(t->id));
	strlcpy(t->user_id, ubuf, sizeof(t->user_id));
	strlcpy(t->project_id, pbuf, sizeof(t->project_id));
	t->roles = roles;
	t->issued_at = (time_t)get_be64(msg + 1);
	t->expires_at = (time_t)exp;
	if (t->expires_at <= time(NULL)) {
		char	 when[32];

		time_rfc3339(t->expires_at, when);
		nb_seterr(nb, NB_EAUTH, "the token expired at %s", when);
		goto out;
	}
	rv = 0;
out:
	explicit_bzero(keys, sizeof(keys));
	explicit_bzero(&aes, sizeof(aes));
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(payload, sizeof(payload));
	free(msg);
	return rv;
}
