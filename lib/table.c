/*
 * table.c: rows of named, typed columns, the one shape every program
 * hands to the output formatter.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "nubes.h"

/* "enabled:b" is a boolean column named enabled; see nubes.h. */
static enum col_type
split_type(const char *name, char **base)
{
	const char	*colon = strrchr(name, ':');

	if (colon != NULL && colon[1] != '\0' && colon[2] == '\0') {
		*base = xstrndup(name, colon - name);
		switch (colon[1]) {
		case 'b':
			return COL_BOOL;
		case 'j':
			return COL_JSON;
		case 'n':
			return COL_NUM;
		case 't':
			return COL_TIME;
		default:
			break;
		}
		free(*base);
	}
	*base = xstrdup(name);
	return COL_STR;
}

struct table *
table_new(size_t ncols, const char *const *cols)
{
	struct table	*t;
	size_t		 i;

	t = xcalloc(1, sizeof(*t));
	t->ncols = ncols;
	t->cols = xcalloc(ncols, sizeof(*t->cols));
	t->types = xcalloc(ncols, sizeof(*t->types));
	for (i = 0; i < ncols; i++)
		t->types[i] = split_type(cols[i], &t->cols[i]);
	return t;
}

void
table_add_row(struct table *t, const char *const *cells)
{
	size_t	 i, base;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xreallocarray(t->cells, t->cap * t->ncols,
		    sizeof(*t->cells));
	}
	base = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		if (cells[i] == NULL)
			t->cells[base + i] = NULL;
		else if (t->types[i] == COL_TIME) {
			char		 when[32];
			long long	 epoch = strtoll(cells[i], NULL, 10);

			/* Times are kept as epoch seconds, shown in RFC 3339. */
			time_rfc3339((time_t)epoch, when);
			t->cells[base + i] = xstrdup(when);
		} else
			t->cells[base + i] = xstrdup(cells[i]);
	}
	t->nrows++;
}

void
table_add_column(struct table *t, const char *col, const char *value)
{
	char	**cells;
	size_t	  r, c, n = t->ncols + 1;

	cells = xreallocarray(NULL, t->nrows ? t->nrows * n : 1,
	    sizeof(*cells));
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			cells[r * n + c] = t->cells[r * t->ncols + c];
		cells[r * n + t->ncols] = value ? xstrdup(value) : NULL;
	}
	free(t->cells);
	t->cells = cells;
	t->cap = t->nrows;
	t->cols = xreallocarray(t->cols, n, sizeof(*t->cols));
	t->types = xreallocarray(t->types, n, sizeof(*t->types));
	t->types[t->ncols] = split_type(col, &t->cols[t->ncols]);
	t->ncols = n;
}

const char *
table_get(const struct table *t, size_t row, const char *col)
{
	size_t	 i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], col) == 0)
			return t->cells[row * t->ncols + i];
	return NULL;
}

void
table_free(struct table *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cells);
	free(t->cols);
	free(t->types);
	free(t);
}
