/*
 * t-crypto: encodings, password hashes, Fernet tokens and key rotation
 * against a scratch state directory.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "tap.h"

static struct nb *
scratch(char *dir)
{
	struct nb	*nb;
	char		*err, conf[300];
	int		 code;
	FILE		*fp;

	snprintf(conf, sizeof(conf), "%s/nubes.conf", dir);
	fp = fopen(conf, "w");
	fprintf(fp, "[identity]\nmax_active_keys = 4\n");
	fclose(fp);
	setenv("CLOUD_CONFIG", conf, 1);
	setenv("CLOUD_STATE_DIR", dir, 1);
	if ((nb = nb_open("t-crypto", NB_CREATE, &err, &code)) == NULL) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	return nb;
}

int
main(void)
{
	char		 dir[] = "/tmp/t-crypto.XXXXXX", *h, *tok, *enc;
	char		*rm[] = { "rm", "-rf", dir, NULL };
	unsigned char	*dec, raw[5] = { 0xfb, 0xff, 0x00, 0x10, 0x7e };
	struct token	 t, back;
	struct nb	*nb;
	size_t		 len;
	int		 n, i;
	char		 saved;

	if (mkdtemp(dir) == NULL)
		return 1;
	nb = scratch(dir);

	enc = b64url_encode(raw, sizeof(raw));
	is_str(enc, "-_8AEH4", "base64url without padding");
	dec = b64url_decode(enc, &len);
	ok(dec != NULL && len == 5 && memcmp(dec, raw, 5) == 0,
	    "base64url round trip");
	free(enc);
	free(dec);
	ok(b64url_decode("ab+c", &len) == NULL, "standard base64 is refused");

	h = password_hash(nb, "correct horse");
	ok(h != NULL && strncmp(h, "$scrypt$ln=16,r=8,p=1$", 22) == 0,
	    "password hash is scrypt with Keystone's cost");
	ok(password_verify(nb, "correct horse", h) == 1, "right password");
	ok(password_verify(nb, "correct horsE", h) == 0, "wrong password");
	ok(password_verify(nb, "x", "$scrypt$garbage") == -1,
	    "a malformed hash is an error, not a match");
	free(h);

	ok(keys_setup(nb) == 0, "key repository set up");
	memset(&t, 0, sizeof(t));
	strlcpy(t.id, "0123456789abcdef0123456789abcdef", sizeof(t.id));
	uuid_generate(t.user_id);
	uuid_generate(t.project_id);
	t.roles = ROLE_MEMBER | ROLE_READER;
	t.issued_at = time(NULL);
	t.expires_at = t.issued_at + 3600;
	tok = token_encode(nb, &t);
	ok(tok != NULL && tok[0] == 'g', "token encoded (Fernet 0x80)");
	ok(token_decode(nb, tok, &back) == 0 &&
	    strcmp(back.user_id, t.user_id) == 0 &&
	    strcmp(back.project_id, t.project_id) == 0 &&
	    back.roles == t.roles && back.expires_at == t.expires_at,
	    "token decodes to what was encoded");
	/* Flip one character in the middle: the MAC must catch it. */
	saved = tok[40];
	tok[40] = saved == 'A' ? 'B' : 'A';
	ok(token_decode(nb, tok, &back) == -1 && nb->errcode == NB_EAUTH,
	    "a tampered token is refused");
	tok[40] = saved;
	ok(token_decode(nb, "gAAAA", &back) == -1 && nb->errcode == NB_EAUTH,
	    "a truncated token is refused");

	for (i = 1; i <= 2; i++) {
		ok(keys_rotate(nb, &n) == 0 && n == 2 + (i < 2 ? i : 2),
		    "rotation %d keeps %d keys", i, n);
		ok(token_decode(nb, tok, &back) == 0,
		    "token still valid after rotation %d", i);
	}
	ok(keys_rotate(nb, &n) == 0 && n == 4, "third rotation keeps 4 keys");
	ok(token_decode(nb, tok, &back) == -1 &&
	    strstr(nb->errbuf, "rotated") != NULL,
	    "token invalid after its key is rotated out");
	free(tok);

	t.expires_at = time(NULL) - 1;
	tok = token_encode(nb, &t);
	ok(token_decode(nb, tok, &back) == -1 &&
	    strstr(nb->errbuf, "expired") != NULL, "an expired token is refused");
	free(tok);

	ok(spawn_ok(nb, rm, NULL, NULL) == 0, "scratch directory removed");
	nb_close(nb);
	return done_testing();
}
