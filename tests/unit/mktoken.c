/*
 * mktoken: a test tool, not a test: encode a token for USER_ID and
 * PROJECT_ID that expires SECONDS from now (negative: already expired),
 * signed with the keys of $CLOUD_STATE_DIR.  Tests use it to make
 * expired tokens and tokens from another cloud's keys.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nubes.h"

int
main(int argc, char *argv[])
{
	struct token	 t;
	struct nb	*nb;
	const char	*errstr;
	unsigned char	 raw[16];
	char		*err, *tok;
	long long	 delta;
	int		 code;

	if (argc != 4) {
		fprintf(stderr, "usage: mktoken USER_ID PROJECT_ID SECONDS\n");
		return 2;
	}
	delta = strtonum(argv[3], -1000000, 1000000, &errstr);
	if (errstr != NULL)
		return 2;
	if ((nb = nb_open("mktoken", 0, &err, &code)) == NULL) {
		fprintf(stderr, "mktoken: %s\n", err);
		return code;
	}
	memset(&t, 0, sizeof(t));
	random_bytes(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), t.id);
	strlcpy(t.user_id, argv[1], sizeof(t.user_id));
	strlcpy(t.project_id, argv[2], sizeof(t.project_id));
	t.roles = ROLE_ADMIN | ROLE_MEMBER | ROLE_READER;
	t.issued_at = time(NULL) - (delta < 0 ? 3600 : 0);
	t.expires_at = time(NULL) + delta;
	if ((tok = token_encode(nb, &t)) == NULL) {
		fprintf(stderr, "mktoken: %s\n", nb_errstr(nb));
		return 1;
	}
	puts(tok);
	free(tok);
	nb_close(nb);
	return 0;
}
