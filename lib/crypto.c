/*
 * crypto.c: randomness, encodings and password hashing with OpenSSL.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "nubes.h"

/*
 * scrypt parameters.  Keystone's scrypt defaults are N = 2^16, r = 8,
 * p = 1: 64 MiB and about a tenth of a second a hash.  The cost is read
 * back from each stored hash, so raising it later keeps old ones valid.
 */
#define SCRYPT_LN_MIN	16
#define SCRYPT_R	8
#define SCRYPT_P	1
#define SALT_LEN	16
#define DK_LEN		32
#define SCRYPT_MAXMEM(ln, r)	((uint64_t)256 * (r) << (ln))

/*
 * Initialize libcrypto without reading openssl.cnf and without its exit
 * handler: a short-lived program needs neither, and together they are a
 * fifth of a token check's start-up cost.
 */
void
crypto_init(void)
{
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG |
	    OPENSSL_INIT_NO_ATEXIT, NULL);
}

int
random_bytes(void *p, size_t n)
{
	/* OpenSSL's DRBG; a failure here is not recoverable. */
	if (RAND_bytes(p, (int)n) != 1)
		abort();
	return 0;
}

void
hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* base64url without padding (RFC 4648 section 5). */
char *
b64url_encode(const unsigned char *p, size_t n)
{
	char	*out, *c;
	int	 len;

	out = xmalloc(4 * ((n + 2) / 3) + 1);
	len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (c = out; *c != '\0'; c++) {
		if (*c == '+')
			*c = '-';
		else if (*c == '/')
			*c = '_';
	}
	return out;
}

unsigned char *
b64url_decode(const char *s, size_t *lenp)
{
	size_t		 n = strlen(s), padded, i;
	char		*in;
	unsigned char	*out;
	int		 len;

	if (n == 0 || n % 4 == 1 || n > 65536)
		return NULL;
	padded = (n + 3) / 4 * 4;
	in = xmalloc(padded + 1);
	for (i = 0; i < n; i++) {
		char	 c = s[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (c == '+' || c == '/' || c == '=') {
			free(in);
			return NULL;
		}
		in[i] = c;
	}
	for (; i < padded; i++)
		in[i] = '=';
	in[padded] = '\0';
	out = xmalloc(padded / 4 * 3 + 1);
	len = EVP_DecodeBlock(out, (unsigned char *)in, (int)padded);
	free(in);
	if (len < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	len -= (int)(padded - n);
	*lenp = (size_t)len;
	return out;
}

int
consttime_eq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

static int
scrypt(const char *pw, const unsigned char *salt, size_t saltlen, int ln,
    int r, int p, unsigned char *dk, size_t dklen)
{
	return EVP_PBE_scrypt(pw, strlen(pw), salt, saltlen, (uint64_t)1 << ln,
	    r, p, SCRYPT_MAXMEM(ln, r), dk, dklen) == 1 ? 0 : -1;
}

char *
password_hash(struct nb *nb, const char *pw)
{
	unsigned char	 salt[SALT_LEN], dk[DK_LEN];
	char		*s64, *d64, *out;
	long long	 ln;

	if (conf_num(nb, "identity", "scrypt_ln", SCRYPT_LN_MIN, SCRYPT_LN_MIN,
	    22, &ln) == -1)
		return NULL;
	random_bytes(salt, sizeof(salt));
	if (scrypt(pw, salt, sizeof(salt), (int)ln, SCRYPT_R, SCRYPT_P, dk,
	    sizeof(dk)) == -1) {
		nb_seterr(nb, NB_EFAIL, "scrypt failed");
		return NULL;
	}
	s64 = b64url_encode(salt, sizeof(salt));
	d64 = b64url_encode(dk, sizeof(dk));
	xasprintf(&out, "$scrypt$ln=%lld,r=%d,p=%d$%s$%s", ln, SCRYPT_R,
	    SCRYPT_P, s64, d64);
	explicit_bzero(dk, sizeof(dk));
	free(s64);
	free(d64);
	return out;
}

int
password_verify(struct nb *nb, const char *pw, const char *stored)
{
	char		 s64[64], d64[128];
	unsigned char	*salt = NULL, *want = NULL, dk[64];
	size_t		 saltlen, wantlen;
	int		 ln, r, p, rv = -1;

	if (sscanf(stored, "$scrypt$ln=%d,r=%d,p=%d$%63[^$]$%127s", &ln, &r,
	    &p, s64, d64) != 5 || ln < 10 || ln > 24 || r < 1 || r > 32 ||
	    p < 1 || p > 16)
		goto bad;
	if ((salt = b64url_decode(s64, &saltlen)) == NULL ||
	    (want = b64url_decode(d64, &wantlen)) == NULL ||
	    wantlen == 0 || wantlen > sizeof(dk))
		goto bad;
	if (scrypt(pw, salt, saltlen, ln, r, p, dk, wantlen) == -1) {
		nb_seterr(nb, NB_EFAIL, "scrypt failed");
		goto out;
	}
	rv = consttime_eq(dk, want, wantlen);
	explicit_bzero(dk, sizeof(dk));
	goto out;
bad:
	nb_seterr(nb, NB_EFAIL, "stored password hash is malformed");
out:
	free(salt);
	free(want);
	return rv;
}

void
password_dummy_verify(struct nb *nb, const char *pw)
{
	unsigned char	 salt[SALT_LEN] = { 0 }, dk[DK_LEN];
	long long	 ln;

	if (conf_num(nb, "identity", "scrypt_ln", SCRYPT_LN_MIN, SCRYPT_LN_MIN,
	    22, &ln) == -1)
		ln = SCRYPT_LN_MIN;
	(void)scrypt(pw, salt, sizeof(salt), (int)ln, SCRYPT_R, SCRYPT_P, dk,
	    sizeof(dk));
}
