/*
 * t-out: the output formats of CLI.md on one small table.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nubes.h"
#include "tap.h"

static char *
render(const struct table *t, int object)
{
	char	*s = NULL, *err = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&s, &len);

	if ((object ? out_object(fp, t, &err) : out_list(fp, t, &err)) == -1) {
		fclose(fp);
		free(s);
		return err;
	}
	fclose(fp);
	return s;
}

int
main(void)
{
	static const char *const cols[] = {
		"id", "name", "enabled:b", "size:n", "props:j"
	};
	const char	*r1[] = { "1", "a \"q\"\t", "1", "10", "{\"k\": 1}" };
	const char	*r2[] = { "2", "b", "0", NULL, NULL };
	struct table	*t = table_new(5, cols);
	char		*s;

	table_add_row(t, r1);
	table_add_row(t, r2);
	is_str(t->cols[2], "enabled", "type suffix is stripped");
	ok(t->types[2] == COL_BOOL && t->types[3] == COL_NUM &&
	    t->types[4] == COL_JSON && t->types[0] == COL_STR,
	    "type suffixes give column types");
	is_str(table_get(t, 1, "name"), "b", "table_get finds a cell");

	out_set_format("json");
	s = render(t, 0);
	is_str(s, "[{\"id\": \"1\", \"name\": \"a \\\"q\\\"\\t\", "
	    "\"enabled\": true, \"size\": 10, \"props\": {\"k\": 1}},\n"
	    " {\"id\": \"2\", \"name\": \"b\", \"enabled\": false, "
	    "\"size\": null, \"props\": null}]\n",
	    "json list: escaped strings, booleans, numbers, raw json, null");
	free(s);
	s = render(t, 1);
	ok(s != NULL && strncmp(s, "{\"id\": \"1\"", 10) == 0 &&
	    s[strlen(s) - 2] == '}', "json object is one object");
	free(s);

	out_set_format("value");
	s = render(t, 0);
	is_str(s, "1\ta \"q\"\t\tTrue\t10\t{\"k\": 1}\n2\tb\tFalse\t\t\n",
	    "value list: tab-separated, no header");
	free(s);
	out_option('c', "name");
	out_option('c', "id");
	s = render(t, 1);
	is_str(s, "a \"q\"\t\n1\n", "value object: one field a line, -c order");
	free(s);

	out_set_format("tsv");
	s = render(t, 0);
	is_str(s, "name\tid\na \"q\"\t\t1\nb\t2\n", "tsv list has a header");
	free(s);

	out_set_format("table");
	s = render(t, 0);
	is_str(s, "name    id\na \"q\"\t  1\nb       2\n",
	    "table aligns columns under a header");
	free(s);

	out_option('c', "nosuch");
	s = render(t, 0);
	ok(s != NULL && strstr(s, "unknown column 'nosuch'") != NULL,
	    "an unknown -c column is an error naming the columns");
	free(s);
	table_free(t);
	return done_testing();
}
