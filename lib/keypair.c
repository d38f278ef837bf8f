/*
 * keypair.c: SSH key pairs.  Generation uses OpenSSL's EVP interface
 * and writes the private key in OpenSSH's own format ("openssh-key-v1",
 * PROTOCOL.key in OpenSSH's source), unencrypted; the public key and
 * fingerprint are what ssh-keygen -y and ssh-keygen -l print.  Import
 * takes one public key line and checks it as OpenSSH would read it.
 *
 * Wire encodings (RFC 4251): uint32 big-endian; string = uint32 length
 * and bytes; mpint = string of the big-endian two's complement value,
 * with no leading zero byte unless the high bit would be set.  Every
 * buffer that may hold a private key is wiped before it is freed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "keypair.h"

#define AUTH_MAGIC	"openssh-key-v1"	/* with its NUL */
#define PEM_BEGIN	"-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define PEM_END		"-----END OPENSSH PRIVATE KEY-----\n"
#define PEM_WIDTH	70	/* what ssh-keygen writes */
#define BLOCK_NONE	8	/* block size of cipher "none" */
#define ED25519_LEN	32
#define RSA_BITS_DEFAULT 3072
#define RSA_BITS_MIN	2048
#define RSA_BITS_MAX	8192	/* generated */
#define RSA_IMPORT_MAX	16384	/* OpenSSH's SSH_RSA_MAXIMUM_MODULUS_SIZE */
#define BLOB_MAX	(64 * 1024)
#define SHOWN_MAX	32	/* bytes of user text quoted in a message */

/* The key types an import accepts, with their blob's layout. */
static const struct keytype {
	const char	*name;
	const char	*curve;		/* ecdsa: the blob's curve name */
	const char	*group;		/* ecdsa: OpenSSL's group name */
	int		 bits;		/* ed25519, ecdsa: the key size */
} keytypes[] = {
	{ "ssh-ed25519", NULL, NULL, 256 },
	{ "ssh-rsa", NULL, NULL, 0 },
	{ "ecdsa-sha2-nistp256", "nistp256", "P-256", 256 },
	{ "ecdsa-sha2-nistp384", "nistp384", "P-384", 384 },
	{ "ecdsa-sha2-nistp521", "nistp521", "P-521", 521 },
};

/* A growing byte buffer, wiped whenever its memory is given back. */
struct buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 size;
	int		 failed;	/* out of memory: puts do nothing */
};

/* A cursor over a decoded blob. */
struct reader {
	const unsigned char	*p;
	size_t			 left;
};

static void	seterr(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* OpenSSL's reason for the last failure, for a message; clears the queue. */
static const char *
ssl_reason(char *reason, size_t size)
{
	unsigned long	 e;

	if ((e = ERR_peek_last_error()) == 0)
		strlcpy(reason, "unknown error", size);
	else
		ERR_error_string_n(e, reason, size);
	ERR_clear_error();
	return reason;
}

static void
buf_free(struct buf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->size);
		free(b->data);
	}
	memset(b, 0, sizeof(*b));
}

/* Room for n more bytes; the old memory is wiped, never left to realloc. */
static int
buf_reserve(struct buf *b, size_t n)
{
	unsigned char	*p;
	size_t		 size;

	if (b->failed)
		return -1;
	if (n <= b->size - b->len)
		return 0;
	if (n > BLOB_MAX * 4 || b->len > BLOB_MAX * 4) {
		b->failed = 1;
		return -1;
	}
	for (size = b->size ? b->size : 256; size - b->len < n; size *= 2)
		;
	if ((p = malloc(size)) == NULL) {
		b->failed = 1;
		return -1;
	}
	if (b->data != NULL) {
		memcpy(p, b->data, b->len);
		explicit_bzero(b->data, b->size);
		free(b->data);
	}
	b->data = p;
	b->size = size;
	return 0;
}

static void
put_bytes(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void
put_u32(struct buf *b, uint32_t v)
{
	unsigned char	 p[4];

	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
	put_bytes(b, p, sizeof(p));
}

static void
put_string(struct buf *b, const void *p, size_t n)
{
	put_u32(b, (uint32_t)n);
	put_bytes(b, p, n);
}

static void
put_cstring(struct buf *b, const char *s)
{
	put_string(b, s, strlen(s));
}

/* An mpint from a non-negative BIGNUM; the scratch copy is wiped. */
static void
put_mpint(struct buf *b, const BIGNUM *bn)
{
	unsigned char	*p;
	int		 n;

	if (b->failed)
		return;
	n = BN_num_bytes(bn);
	if ((p = malloc((size_t)n + 1)) == NULL) {
		b->failed = 1;
		return;
	}
	p[0] = 0;
	BN_bn2bin(bn, p + 1);
	if (n > 0 && (p[1] & 0x80) != 0)
		put_string(b, p, (size_t)n + 1);
	else
		put_string(b, p + 1, (size_t)n);
	explicit_bzero(p, (size_t)n + 1);
	free(p);
}

static int
get_u32(struct reader *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

static int
get_string(struct reader *r, const unsigned char **p, size_t *n)
{
	uint32_t	 len;

	if (get_u32(r, &len) == -1 || len > r->left)
		return -1;
	*p = r->p;
	*n = len;
	r->p += len;
	r->left -= len;
	return 0;
}

/* A string that must equal s. */
static int
get_match(struct reader *r, const char *s)
{
	const unsigned char	*p;
	size_t			 n;

	if (get_string(r, &p, &n) == -1)
		return -1;
	return n == strlen(s) && memcmp(p, s, n) == 0 ? 0 : -1;
}

/*
 * An mpint as OpenSSH writes it: positive and without a redundant
 * leading zero, since ssh-keygen fingerprints its own re-encoding.
 */
static int
get_mpint(struct reader *r, const unsigned char **p, size_t *n)
{
	if (get_string(r, p, n) == -1 || *n == 0 || ((*p)[0] & 0x80) != 0)
		return -1;
	if ((*p)[0] == 0 && (*n == 1 || ((*p)[1] & 0x80) == 0))
		return -1;
	return 0;
}

/* Base64 of n bytes, padded, NUL-terminated; NULL when out of memory. */
static char *
base64_encode(const unsigned char *p, size_t n)
{
	char	*s;

	if (n > BLOB_MAX * 4 || (s = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

/*
 * Decode padded base64 of exactly len characters (no white space, as in
 * a key line) into a new buffer.  Returns -1 on any other character,
 * padding in the wrong place, or a length that is not a multiple of 4.
 */
static int
base64_decode(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char	*p;
	size_t		 i, pad = 0;
	int		 n;

	if (len == 0 || len % 4 != 0 || len > BLOB_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '=') {
			if (i < len - 2)
				return -1;
			pad++;
		} else if (pad > 0 || strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/", s[i]) == NULL ||
		    s[i] == '\0')
			return -1;
	}
	if ((p = malloc(len / 4 * 3)) == NULL)
		return -1;
	if ((n = EVP_DecodeBlock(p, (const unsigned char *)s, (int)len)) < 0 ||
	    (size_t)n < pad) {
		free(p);
		return -1;
	}
	*out = p;
	*outlen = (size_t)n - pad;
	return 0;
}

/* "SHA256:" and the unpadded base64 of the blob's digest. */
static int
fingerprint(const struct buf *blob, char *fp, size_t fplen)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	char		*s, *eq;

	if (EVP_Digest(blob->data, blob->len, md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		return -1;
	if ((s = base64_encode(md, mdlen)) == NULL)
		return -1;
	if ((eq = strchr(s, '=')) != NULL)
		*eq = '\0';
	snprintf(fp, fplen, "SHA256:%s", s);
	free(s);
	return 0;
}

/* "TYPE BASE64" and " COMMENT" unless comment is "". */
static char *
public_line(const char *type, const struct buf *blob, const char *comment)
{
	char	*b64, *line;
	size_t	 n;

	if ((b64 = base64_encode(blob->data, blob->len)) == NULL)
		return NULL;
	n = strlen(type) + 1 + strlen(b64) + 1 + strlen(comment) + 1;
	if ((line = malloc(n)) != NULL)
		snprintf(line, n, "%s %s%s%s", type, b64,
		    *comment != '\0' ? " " : "", comment);
	free(b64);
	return line;
}

/* A comment must stay on its line and print as it is. */
static int
check_comment(const char *comment, char *err, size_t errlen)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)comment; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f) {
			seterr(err, errlen,
			    "comment holds a control character");
			return -1;
		}
	if (p - (const unsigned char *)comment > KEYPAIR_IMPORT_MAX / 2) {
		seterr(err, errlen, "comment is longer than %d bytes",
		    KEYPAIR_IMPORT_MAX / 2);
		return -1;
	}
	return 0;
}

/*
 * An ed25519 key: its public blob and the key-specific part of the
 * private section (type, public key, seed and public key).
 */
static int
make_ed25519(struct buf *pub, struct buf *priv, char *err, size_t errlen)
{
	EVP_PKEY	*pkey;
	unsigned char	 pk[ED25519_LEN], sk[2 * ED25519_LEN];
	char		 reason[128];
	size_t		 pklen = sizeof(pk), sklen = ED25519_LEN;
	int		 rc = -1;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
		seterr(err, errlen, "cannot generate an ed25519 key: %s",
		    ssl_reason(reason, sizeof(reason)));
		return -1;
	}
	if (EVP_PKEY_get_raw_public_key(pkey, pk, &pklen) != 1 ||
	    EVP_PKEY_get_raw_private_key(pkey, sk, &sklen) != 1 ||
	    pklen != ED25519_LEN || sklen != ED25519_LEN) {
		seterr(err, errlen, "cannot read the ed25519 key: %s",
		    ssl_reason(reason, sizeof(reason)));
		goto cleanup;
	}
	memcpy(sk + ED25519_LEN, pk, ED25519_LEN);
	put_cstring(pub, "ssh-ed25519");
	put_string(pub, pk, sizeof(pk));
	put_cstring(priv, "ssh-ed25519");
	put_string(priv, pk, sizeof(pk));
	put_string(priv, sk, sizeof(sk));
	rc = 0;
cleanup:
	explicit_bzero(sk, sizeof(sk));
	EVP_PKEY_free(pkey);
	return rc;
}

/*
 * An RSA key: public blob (e, n) and private part (n, e, d, iqmp, p,
 * q), where iqmp is q^-1 mod p, OpenSSL's first CRT coefficient.
 */
static int
make_rsa(int bits, struct buf *pub, struct buf *priv, int *gotbits,
    char *err, size_t errlen)
{
	static const char *const names[] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
	};
	enum { N, E, D, IQMP, P, Q, NPARAMS };
	EVP_PKEY	*pkey;
	BIGNUM		*bn[NPARAMS] = { NULL };
	char		 reason[128];
	size_t		 i;
	int		 rc = -1;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits)) ==
	    NULL) {
		seterr(err, errlen, "cannot generate a %d-bit rsa key: %s",
		    bits, ssl_reason(reason, sizeof(reason)));
		return -1;
	}
	for (i = 0; i < NPARAMS; i++)
		if (EVP_PKEY_get_bn_param(pkey, names[i], &bn[i]) != 1) {
			seterr(err, errlen, "cannot read the rsa key's %s: %s",
			    names[i], ssl_reason(reason, sizeof(reason)));
			goto cleanup;
		}
	*gotbits = EVP_PKEY_get_bits(pkey);
	put_cstring(pub, "ssh-rsa");
	put_mpint(pub, bn[E]);
	put_mpint(pub, bn[N]);
	put_cstring(priv, "ssh-rsa");
	put_mpint(priv, bn[N]);
	put_mpint(priv, bn[E]);
	put_mpint(priv, bn[D]);
	put_mpint(priv, bn[IQMP]);
	put_mpint(priv, bn[P]);
	put_mpint(priv, bn[Q]);
	rc = 0;
cleanup:
	for (i = 0; i < NPARAMS; i++)
		BN_clear_free(bn[i]);
	EVP_PKEY_free(pkey);
	return rc;
}

/*
 * The openssh-key-v1 text for one unencrypted key: the public blob, and
 * the private section made of two equal check words, the key-specific
 * part, the comment and padding 1, 2, 3 ... to the block size.
 */
static char *
private_pem(const struct buf *pub, const struct buf *keypart,
    const char *comment)
{
	struct buf	 sect = { 0 }, all = { 0 }, pem = { 0 };
	uint32_t	 check;
	unsigned char	 pad;
	char		*b64 = NULL, *text = NULL;
	size_t		 i, n;

	if (RAND_bytes((unsigned char *)&check, sizeof(check)) != 1)
		return NULL;
	put_u32(&sect, check);
	put_u32(&sect, check);
	put_bytes(&sect, keypart->data, keypart->len);
	put_cstring(&sect, comment);
	for (pad = 1; sect.len % BLOCK_NONE != 0; pad++)
		put_bytes(&sect, &pad, 1);

	put_bytes(&all, AUTH_MAGIC, sizeof(AUTH_MAGIC));
	put_cstring(&all, "none");		/* cipher */
	put_cstring(&all, "none");		/* kdf */
	put_string(&all, "", 0);		/* kdf options */
	put_u32(&all, 1);			/* number of keys */
	put_string(&all, pub->data, pub->len);
	put_string(&all, sect.data, sect.len);
	if (sect.failed || all.failed ||
	    (b64 = base64_encode(all.data, all.len)) == NULL)
		goto cleanup;

	put_bytes(&pem, PEM_BEGIN, strlen(PEM_BEGIN));
	for (i = 0, n = strlen(b64); i < n; i += PEM_WIDTH) {
		put_bytes(&pem, b64 + i, n - i < PEM_WIDTH ? n - i : PEM_WIDTH);
		put_bytes(&pem, "\n", 1);
	}
	put_bytes(&pem, PEM_END, sizeof(PEM_END));	/* and the NUL */
	if (!pem.failed) {
		text = (char *)pem.data;
		pem.data = NULL;
	}
cleanup:
	if (b64 != NULL) {
		explicit_bzero(b64, strlen(b64));
		free(b64);
	}
	explicit_bzero(&check, sizeof(check));
	buf_free(&sect);
	buf_free(&all);
	buf_free(&pem);
	return text;
}

int
keypair_generate(enum keypair_type type, int bits, const char *comment,
    struct keypair *kp, char *err, size_t errlen)
{
	struct buf	 pub = { 0 }, keypart = { 0 };
	int		 rc = -1;

	memset(kp, 0, sizeof(*kp));
	if (comment == NULL)
		comment = "";
	if (check_comment(comment, err, errlen) == -1)
		return -1;
	switch (type) {
	case KEYPAIR_ED25519:
		if (make_ed25519(&pub, &keypart, err, errlen) == -1)
			goto cleanup;
		strlcpy(kp->type, "ssh-ed25519", sizeof(kp->type));
		kp->bits = 256;
		break;
	case KEYPAIR_RSA:
		if (bits == 0)
			bits = RSA_BITS_DEFAULT;
		if (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX ||
		    bits % 8 != 0) {
			seterr(err, errlen, "rsa key size %d is not a multiple "
			    "of 8 from %d to %d", bits, RSA_BITS_MIN,
			    RSA_BITS_MAX);
			goto cleanup;
		}
		if (make_rsa(bits, &pub, &keypart, &kp->bits, err,
		    errlen) == -1)
			goto cleanup;
		strlcpy(kp->type, "ssh-rsa", sizeof(kp->type));
		break;
	default:
		seterr(err, errlen, "unknown key type %d", (int)type);
		goto cleanup;
	}
	if (pub.failed || keypart.failed ||
	    fingerprint(&pub, kp->fingerprint, sizeof(kp->fingerprint)) ==
	    -1 ||
	    (kp->public_key = public_line(kp->type, &pub, comment)) == NULL ||
	    (kp->private_key = private_pem(&pub, &keypart, comment)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto cleanup;
	}
	rc = 0;
cleanup:
	buf_free(&pub);
	buf_free(&keypart);
	if (rc == -1)
		keypair_free(kp);
	return rc;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_white(char c)
{
	return is_space(c) || c == '\n' || c == '\r';
}

static const struct keytype *
find_type(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++)
		if (strlen(keytypes[i].name) == n &&
		    memcmp(keytypes[i].name, s, n) == 0)
			return &keytypes[i];
	return NULL;
}

/* Whether s holds "TYPE AAAA" for a known TYPE: a second key. */
static int
holds_key(const char *s)
{
	const char	*p;
	size_t		 i;

	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++)
		for (p = s; (p = strstr(p, keytypes[i].name)) != NULL; p++) {
			p += strlen(keytypes[i].name);
			if (is_space(*p) && strncmp(p + 1, "AAAA", 4) == 0)
				return 1;
		}
	return 0;
}

/* Bytes from a blob made printable for a message, at most SHOWN_MAX. */
static const char *
shown(const unsigned char *p, size_t n, char *s, size_t size)
{
	size_t	 i;

	for (i = 0; i < n && i < size - 1; i++)
		s[i] = p[i] > 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	s[i] = '\0';
	return s;
}

/* Whether an ECDSA point is on its curve, by having OpenSSL load it. */
static int
ec_point_valid(const char *group, const unsigned char *q, size_t qlen)
{
	EVP_PKEY_CTX	*ctx = NULL, *check = NULL;
	EVP_PKEY	*pkey = NULL;
	OSSL_PARAM	 params[3];
	int		 ok = 0;

	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    (void *)q, qlen);
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1 &&
	    (check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) != NULL &&
	    EVP_PKEY_public_check(check) == 1)
		ok = 1;
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/*
 * Check the decoded blob of a key of type kt; set *bits.  The blob must
 * be exactly what OpenSSH would write for the key it holds.
 */
static int
check_blob(const struct keytype *kt, const unsigned char *blob, size_t len,
    int *bits, char *err, size_t errlen)
{
	struct reader		 r = { blob, len };
	const unsigned char	*p, *e, *n;
	size_t			 plen, elen, nlen;
	char			 name[SHOWN_MAX + 1];
	unsigned char		 top;
	int			 nbits;

	if (get_string(&r, &p, &plen) == -1) {
		seterr(err, errlen, "malformed %s key", kt->name);
		return -1;
	}
	if (plen != strlen(kt->name) || memcmp(p, kt->name, plen) != 0) {
		seterr(err, errlen, "key of type '%s' is labelled '%s'",
		    shown(p, plen, name, sizeof(name)), kt->name);
		return -1;
	}
	if (strcmp(kt->name, "ssh-ed25519") == 0) {
		if (get_string(&r, &p, &plen) == -1 || plen != ED25519_LEN) {
			seterr(err, errlen, "malformed %s key", kt->name);
			return -1;
		}
		*bits = kt->bits;
	} else if (strcmp(kt->name, "ssh-rsa") == 0) {
		if (get_mpint(&r, &e, &elen) == -1 ||
		    get_mpint(&r, &n, &nlen) == -1 ||
		    (e[elen - 1] & 1) == 0 || (elen == 1 && e[0] == 1) ||
		    (n[nlen - 1] & 1) == 0) {
			seterr(err, errlen, "malformed %s key", kt->name);
			return -1;
		}
		if (n[0] == 0) {
			n++;
			nlen--;
		}
		if (nlen > RSA_IMPORT_MAX / 8) {
			seterr(err, errlen, "%s key of over %d bits is too "
			    "large", kt->name, RSA_IMPORT_MAX);
			return -1;
		}
		for (nbits = (int)nlen * 8, top = n[0]; (top & 0x80) == 0;
		    top <<= 1)
			nbits--;
		if (nbits < RSA_BITS_MIN) {
			seterr(err, errlen, "%s key of %d bits is too small: "
			    "the minimum is %d", kt->name, nbits, RSA_BITS_MIN);
			return -1;
		}
		*bits = nbits;
	} else {
		if (get_match(&r, kt->curve) == -1 ||
		    get_string(&r, &p, &plen) == -1 ||
		    plen != 1 + 2 * (size_t)((kt->bits + 7) / 8) ||
		    p[0] != 0x04 || !ec_point_valid(kt->group, p, plen)) {
			seterr(err, errlen, "malformed %s key", kt->name);
			return -1;
		}
		*bits = kt->bits;
	}
	if (r.left != 0) {
		seterr(err, errlen, "%zu bytes of trailing data in the %s key",
		    r.left, kt->name);
		return -1;
	}
	return 0;
}

int
keypair_import(const char *text, const char *comment, struct keypair *kp,
    char *err, size_t errlen)
{
	const struct keytype	*kt;
	const char		*p, *end, *b64, *line_end, *c;
	unsigned char		*blob = NULL;
	size_t			 len, bloblen;
	struct buf		 pub = { 0 };
	char			*own = NULL;
	int			 rc = -1;

	memset(kp, 0, sizeof(*kp));
	if (text == NULL)
		text = "";
	if ((len = strnlen(text, KEYPAIR_IMPORT_MAX + 1)) >
	    KEYPAIR_IMPORT_MAX) {
		seterr(err, errlen, "public key is longer than %d bytes",
		    KEYPAIR_IMPORT_MAX);
		return -1;
	}
	if (comment != NULL && check_comment(comment, err, errlen) == -1)
		return -1;
	if (strstr(text, "PRIVATE KEY-----") != NULL) {
		seterr(err, errlen, "this is a private key: give the public "
		    "key instead");
		return -1;
	}
	for (p = text; is_white(*p); p++)
		;
	for (end = text + len; end > p && is_white(end[-1]); end--)
		;
	if (p == end) {
		seterr(err, errlen, "no public key");
		return -1;
	}
	for (line_end = p; line_end < end && *line_end != '\n'; line_end++)
		;
	if (line_end < end) {
		seterr(err, errlen, holds_key(line_end) ?
		    "more than one public key" : "text after the public key");
		return -1;
	}
	for (c = p; c < end; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t') {
			seterr(err, errlen, "public key holds a control "
			    "character");
			return -1;
		}

	/* The type. */
	for (c = p; c < end && !is_space(*c); c++)
		;
	if ((kt = find_type(p, (size_t)(c - p))) == NULL) {
		seterr(err, errlen, "unsupported key type '%.*s'",
		    (int)(c - p < SHOWN_MAX ? c - p : SHOWN_MAX), p);
		return -1;
	}
	for (; c < end && is_space(*c); c++)
		;
	/* The base64 blob. */
	for (b64 = c; c < end && !is_space(*c); c++)
		;
	if (c == b64) {
		seterr(err, errlen, "no key after the type '%s'", kt->name);
		return -1;
	}
	if (base64_decode(b64, (size_t)(c - b64), &blob, &bloblen) == -1) {
		seterr(err, errlen, "the %s key is not valid base64",
		    kt->name);
		return -1;
	}
	/* The comment: the rest of the line. */
	for (; c < end && is_space(*c); c++)
		;
	if (holds_key(c)) {
		seterr(err, errlen, "more than one public key");
		goto cleanup;
	}
	if (check_blob(kt, blob, bloblen, &kp->bits, err, errlen) == -1)
		goto cleanup;
	if (comment == NULL) {
		if ((own = strndup(c, (size_t)(end - c))) == NULL) {
			seterr(err, errlen, "out of memory");
			goto cleanup;
		}
		comment = own;
	}
	put_bytes(&pub, blob, bloblen);
	strlcpy(kp->type, kt->name, sizeof(kp->type));
	if (pub.failed ||
	    fingerprint(&pub, kp->fingerprint, sizeof(kp->fingerprint)) ==
	    -1 ||
	    (kp->public_key = public_line(kt->name, &pub, comment)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(blob);
	free(own);
	buf_free(&pub);
	if (rc == -1)
		keypair_free(kp);
	return rc;
}

void
keypair_free(struct keypair *kp)
{
	if (kp == NULL)
		return;
	free(kp->public_key);
	if (kp->private_key != NULL) {
		explicit_bzero(kp->private_key, strlen(kp->private_key));
		free(kp->private_key);
	}
	explicit_bzero(kp, sizeof(*kp));
}
