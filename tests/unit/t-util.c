/*
 * t-util: UUIDs, times, input validation, operands, growable strings.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"
#include "tap.h"

int
main(void)
{
	struct nb	 nb;
	struct buf	 b;
	struct operands	 ops;
	char		 u1[NB_UUID_LEN + 1], u2[NB_UUID_LEN + 1], ts[32];
	char		*argv[] = { "a", "b" }, longname[300];
	long long	 n;
	time_t		 t;

	memset(&nb, 0, sizeof(nb));
	uuid_generate(u1);
	uuid_generate(u2);
	ok(uuid_valid(u1), "a generated uuid is valid: %s", u1);
	ok(strcmp(u1, u2) != 0, "two uuids differ");
	ok(u1[14] == '4', "uuid is version 4");
	ok(strchr("89ab", u1[19]) != NULL, "uuid has the RFC 4122 variant");
	ok(!uuid_valid("not-a-uuid"), "a malformed uuid is refused");
	ok(!uuid_valid("0123456789ab-cdef-0123-4567-89abcdef0123"),
	    "dashes in the wrong place are refused");

	time_rfc3339(0, ts);
	is_str(ts, "1970-01-01T00:00:00Z", "epoch in RFC 3339");
	ok(time_parse("2026-12-03T10:00:00Z", &t) == 0 && t == 1796292000,
	    "RFC 3339 time parses");
	ok(time_parse("2026-12-03", &t) == 0 && t == 1796256000,
	    "a date parses as midnight UTC");
	ok(time_parse("1700000000", &t) == 0 && t == 1700000000,
	    "epoch seconds parse");
	ok(time_parse("yesterday", &t) == -1, "nonsense is refused");

	ok(name_valid(&nb, "user", "alice") == 0, "a plain name is valid");
	ok(name_valid(&nb, "user", "") == -1 && nb.errcode == NB_EUSAGE,
	    "an empty name is a usage error");
	memset(longname, 'x', 256);
	longname[256] = '\0';
	ok(name_valid(&nb, "user", longname) == -1 &&
	    strstr(nb.errbuf, "too long") != NULL, "256 bytes is too long");
	longname[255] = '\0';
	ok(name_valid(&nb, "user", longname) == 0, "255 bytes is fine");
	ok(name_valid(&nb, "user", "a\tb") == -1 &&
	    strstr(nb.errbuf, "control") != NULL,
	    "control characters are refused");
	ok(name_valid(&nb, "user", "<b>&\"'") == 0,
	    "XML metacharacters are allowed in names");
	ok(email_valid(&nb, "a.b@example.org") == 0, "a good email passes");
	ok(email_valid(&nb, "a@b") == -1, "an email without a dot fails");
	ok(email_valid(&nb, "@example.org") == -1, "an empty local part fails");
	ok(email_valid(&nb, "a@@example.org") == -1, "two @ fail");
	ok(email_valid(&nb, "a b@example.org") == -1, "a space fails");
	ok(num_parse(&nb, "--ram", "512", 1, 1024, &n) == 0 && n == 512,
	    "a number in range parses");
	ok(num_parse(&nb, "--ram", "2048", 1, 1024, &n) == -1 &&
	    strstr(nb.errbuf, "too large") != NULL, "too large is refused");
	ok(num_parse(&nb, "--ram", "12x", 1, 1024, &n) == -1,
	    "trailing garbage is refused");

	buf_init(&b);
	buf_puts(&b, "abc");
	buf_printf(&b, "%d", 42);
	buf_putc(&b, '!');
	is_str(b.s, "abc42!", "buf collects text");
	buf_free(&b);

	operands_init(&ops, 2, argv);
	ok(!ops.from_stdin, "operands come from argv when given");
	is_str(operands_next(&ops), "a", "first operand");
	is_str(operands_next(&ops), "b", "second operand");
	ok(operands_next(&ops) == NULL, "then none");
	operands_free(&ops);

	{
		struct arena	*a = arena_new();
		char		*first, *p = NULL, big[300000], num[32];
		int		 i, kept = 1;

		ok(arena_strdup(a, NULL) == NULL, "arena: NULL stays NULL");
		first = arena_strdup(a, "first");
		/* Many strings across chunks: none overwrites another. */
		for (i = 0; i < 100000; i++) {
			snprintf(num, sizeof(num), "host%06d", i);
			p = arena_strdup(a, num);
			if (strcmp(p, num) != 0)
				kept = 0;
		}
		ok(kept && strcmp(p, "host099999") == 0,
		    "arena: 100,000 strings kept");
		is_str(first, "first", "arena: the first is intact");
		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		p = arena_strdup(a, big);
		ok(strlen(p) == sizeof(big) - 1 && p != big,
		    "arena: a string larger than a chunk");
		is_str(first, "first", "arena: the first is still intact");
		arena_free(a);
		arena_free(NULL);
	}
	return done_testing();
}
