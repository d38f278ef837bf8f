/*
 * out.c: the output formats of CLI.md: table, tsv, json and value.
 *
 * value and tsv are the contract scripts parse; columns are only ever
 * added at the end.  table is for people and may change.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nubes.h"

#define MAXCOLS	64

static enum out_format	 format = OUT_DEFAULT;
static const char	*columns[MAXCOLS];
static size_t		 ncolumns;
int			 out_quiet;

int
out_set_format(const char *s)
{
	if (strcmp(s, "table") == 0)
		format = OUT_TABLE;
	else if (strcmp(s, "tsv") == 0)
		format = OUT_TSV;
	else if (strcmp(s, "json") == 0)
		format = OUT_JSON;
	else if (strcmp(s, "value") == 0)
		format = OUT_VALUE;
	else
		return -1;
	return 0;
}

int
out_option(int ch, const char *arg)
{
	switch (ch) {
	case 'f':
		return out_set_format(arg);
	case 'c':
		if (ncolumns == MAXCOLS || *arg == '\0')
			return -1;
		columns[ncolumns++] = arg;
		return 0;
	case 'q':
		out_quiet = 1;
		return 0;
	default:
		return -1;
	}
}

static enum out_format
effective_format(void)
{
	if (format != OUT_DEFAULT)
		return format;
	return isatty(STDOUT_FILENO) ? OUT_TABLE : OUT_VALUE;
}

/* Which table columns to print, in order; -1 with *errp on a bad -c. */
static int
pick_columns(const struct table *t, size_t *idx, size_t *n, char **errp)
{
	size_t	 i, j;

	if (ncolumns == 0) {
		for (i = 0; i < t->ncols; i++)
			idx[i] = i;
		*n = t->ncols;
		return 0;
	}
	for (i = 0; i < ncolumns; i++) {
		for (j = 0; j < t->ncols; j++)
			if (strcmp(columns[i], t->cols[j]) == 0)
				break;
		if (j == t->ncols) {
			struct buf	 b;

			buf_init(&b);
			buf_printf(&b, "unknown column '%s' (columns:",
			    columns[i]);
			for (j = 0; j < t->ncols; j++)
				buf_printf(&b, " %s", t->cols[j]);
			buf_puts(&b, ")");
			*errp = buf_release(&b);
			return -1;
		}
		idx[i] = j;
	}
	*n = ncolumns;
	return 0;
}

/* Bytes a JSON string escapes: controls, quote and backslash. */
static const unsigned char json_escaped[256] = {
	[0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1,
	[0x0d] = 1, [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1,
	[0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1,
	[0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1,
	[0x1f] = 1, ['"'] = 1, ['\\'] = 1
};

void
out_json_string(struct buf *b, const char *s)
{
	const unsigned char	*p, *run;

	buf_putc(b, '"');
	/* Copy runs of characters that need no escape in one go. */
	for (p = run = (const unsigned char *)s; *p != '\0'; p++) {
		if (!json_escaped[*p])
			continue;
		buf_add(b, (const char *)run, p - run);
		run = p + 1;
		switch (*p) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		default:
			buf_printf(b, "\\u%04x", *p);
		}
	}
	buf_add(b, (const char *)run, p - run);
	buf_putc(b, '"');
}

static void
json_value(struct buf *b, enum col_type type, const char *v)
{
	if (v == NULL) {
		buf_puts(b, "null");
		return;
	}
	switch (type) {
	case COL_BOOL:
		buf_puts(b, strcmp(v, "0") != 0 && *v != '\0' ? "true" :
		    "false");
		break;
	case COL_NUM:
	case COL_JSON:
		buf_puts(b, *v != '\0' ? v : "null");
		break;
	default:
		out_json_string(b, v);
	}
}

/* The text of a cell in the value, tsv and table formats. */
static const char *
text_value(enum col_type type, const char *v)
{
	if (v == NULL)
		return "";
	if (type == COL_BOOL)
		return strcmp(v, "0") != 0 && *v != '\0' ? "True" : "False";
	return v;
}

/*
 * One object; keys[i] is column idx[i]'s name already quoted, with its
 * separator ("{\"id\": " first, ", \"name\": " after), made once a table.
 */
static void
json_object(struct buf *b, const struct table *t, size_t row,
    const size_t *idx, size_t n, struct buf *keys)
{
	size_t	 i, c;

	for (i = 0; i < n; i++) {
		c = idx[i];
		buf_add(b, keys[i].s, keys[i].len);
		json_value(b, t->types[c], t->cells[row * t->ncols + c]);
	}
	buf_puts(b, n ? "}" : "{}");
}

static struct buf *
json_keys(const struct table *t, const size_t *idx, size_t n)
{
	struct buf	*keys;
	size_t		 i;

	keys = xcalloc(n ? n : 1, sizeof(*keys));
	for (i = 0; i < n; i++) {
		buf_init(&keys[i]);
		buf_puts(&keys[i], i ? ", " : "{");
		out_json_string(&keys[i], t->cols[idx[i]]);
		buf_puts(&keys[i], ": ");
	}
	return keys;
}

static void
json_keys_free(struct buf *keys, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		buf_free(&keys[i]);
	free(keys);
}

/* Display width of UTF-8 text: code points, not bytes. */
static size_t
width(const char *s)
{
	size_t	 w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void
pad(FILE *fp, const char *s, size_t w, int last)
{
	size_t	 n = width(s);

	fputs(s, fp);
	if (last)
		return;
	while (n++ < w + 2)
		fputc(' ', fp);
}

/* Aligned columns under a header; the last column is not padded. */
static void
print_aligned(FILE *fp, size_t nrows, size_t ncols, const char **hdr,
    const char **cells)
{
	size_t	*w, r, c;

	w = xcalloc(ncols, sizeof(*w));
	for (c = 0; c < ncols; c++) {
		w[c] = width(hdr[c]);
		for (r = 0; r < nrows; r++)
			if (width(cells[r * ncols + c]) > w[c])
				w[c] = width(cells[r * ncols + c]);
	}
	for (c = 0; c < ncols; c++)
		pad(fp, hdr[c], w[c], c + 1 == ncols);
	fputc('\n', fp);
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < ncols; c++)
			pad(fp, cells[r * ncols + c], w[c], c + 1 == ncols);
		fputc('\n', fp);
	}
	free(w);
}

int
out_check_columns(const struct table *t, char **errp)
{
	size_t	 idx[MAXCOLS], n;

	*errp = NULL;
	return t->ncols > MAXCOLS ? -1 : pick_columns(t, idx, &n, errp);
}

int
out_list(FILE *fp, const struct table *t, char **errp)
{
	size_t		 idx[MAXCOLS], n, r, i;
	struct buf	 b, *keys;
	const char	**hdr, **cells;

	*errp = NULL;
	if (t->ncols > MAXCOLS || pick_columns(t, idx, &n, errp) == -1)
		return -1;
	switch (effective_format()) {
	case OUT_JSON:
		/* A row at a time, reusing one buffer: constant memory. */
		keys = json_keys(t, idx, n);
		buf_init(&b);
		fputc('[', fp);
		for (r = 0; r < t->nrows; r++) {
			b.len = 0;
			buf_puts(&b, r ? ",\n " : "");
			json_object(&b, t, r, idx, n, keys);
			fwrite(b.s, 1, b.len, fp);
		}
		fputs("]\n", fp);
		buf_free(&b);
		json_keys_free(keys, n);
		break;
	case OUT_TSV:
		for (i = 0; i < n; i++)
			fprintf(fp, "%s%s", i ? "\t" : "", t->cols[idx[i]]);
		fputc('\n', fp);
		/* FALLTHROUGH */
	case OUT_VALUE:
		for (r = 0; r < t->nrows; r++) {
			for (i = 0; i < n; i++)
				fprintf(fp, "%s%s", i ? "\t" : "",
				    text_value(t->types[idx[i]],
				    t->cells[r * t->ncols + idx[i]]));
			fputc('\n', fp);
		}
		break;
	default:
		hdr = xcalloc(n, sizeof(*hdr));
		cells = xcalloc(t->nrows * n + 1, sizeof(*cells));
		for (i = 0; i < n; i++)
			hdr[i] = t->cols[idx[i]];
		for (r = 0; r < t->nrows; r++)
			for (i = 0; i < n; i++)
				cells[r * n + i] = text_value(t->types[idx[i]],
				    t->cells[r * t->ncols + idx[i]]);
		print_aligned(fp, t->nrows, n, hdr, cells);
		free(hdr);
		free(cells);
		break;
	}
	return 0;
}

int
out_object(FILE *fp, const struct table *t, char **errp)
{
	size_t		 idx[MAXCOLS], n, i;
	struct buf	 b, *keys;
	const char	*hdr[2] = { "field", "value" }, **cells;
	enum out_format	 f = effective_format();

	*errp = NULL;
	if (t->nrows == 0)
		return 0;
	if (t->ncols > MAXCOLS || pick_columns(t, idx, &n, errp) == -1)
		return -1;
	if (f == OUT_JSON) {
		keys = json_keys(t, idx, n);
		buf_init(&b);
		json_object(&b, t, 0, idx, n, keys);
		json_keys_free(keys, n);
		buf_putc(&b, '\n');
		fputs(b.s, fp);
		buf_free(&b);
		return 0;
	}
	if (f == OUT_VALUE) {
		for (i = 0; i < n; i++)
			fprintf(fp, "%s\n", text_value(t->types[idx[i]],
			    t->cells[idx[i]]));
		return 0;
	}
	cells = xcalloc(2 * n + 1, sizeof(*cells));
	for (i = 0; i < n; i++) {
		cells[2 * i] = t->cols[idx[i]];
		cells[2 * i + 1] = text_value(t->types[idx[i]],
		    t->cells[idx[i]]);
	}
	if (f == OUT_TSV) {
		fputs("field\tvalue\n", fp);
		for (i = 0; i < n; i++)
			fprintf(fp, "%s\t%s\n", cells[2 * i], cells[2 * i + 1]);
	} else
		print_aligned(fp, n, 2, hdr, cells);
	free(cells);
	return 0;
}
