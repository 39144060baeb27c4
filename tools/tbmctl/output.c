/*
 * output.c - tbmctl's tables (column widths measured in display columns, so
 * that Chinese text lines up) and the JSON forms of faults and audit records.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "i18n.h"
#include "tbmtime.h"

/* The narrowest a text column is cut to when a table must fit. */
#define TABLE_MIN_COL 6

struct row {
	char **cells;              /* NULL: a section line, its text in section */
	char *section;
};

struct table {
	struct table_col *cols;
	size_t ncols;
	struct row *rows;
	size_t nrows, cap;
};

struct table *
table_new(const struct table_col *cols, size_t ncols)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if ((t->cols = calloc(ncols, sizeof(*cols))) == NULL) {
		free(t);
		return NULL;
	}
	memcpy(t->cols, cols, ncols * sizeof(*cols));
	/* titles are written N_("...") and read in the language of the messages */
	for (size_t i = 0; i < ncols; i++)
		if (cols[i].title != NULL && cols[i].title[0] != '\0')
			t->cols[i].title = _(cols[i].title);
	t->ncols = ncols;
	return t;
}

static struct row *
new_row(struct table *t)
{
	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		struct row *nr = realloc(t->rows, ncap * sizeof(*nr));
		if (nr == NULL)
			return NULL;
		t->rows = nr;
		t->cap = ncap;
	}
	memset(&t->rows[t->nrows], 0, sizeof(t->rows[0]));
	return &t->rows[t->nrows];
}

int
table_add(struct table *t, const char *const *cells)
{
	struct row *r = new_row(t);

	if (r == NULL || (r->cells = calloc(t->ncols, sizeof(char *))) == NULL)
		return -1;
	for (size_t i = 0; i < t->ncols; i++) {
		if ((r->cells[i] = strdup(cells[i] ? cells[i] : "")) == NULL) {
			for (size_t j = 0; j < i; j++)
				free(r->cells[j]);
			free(r->cells);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

int
table_add_section(struct table *t, const char *title)
{
	struct row *r = new_row(t);

	if (r == NULL || (r->section = strdup(title ? title : "")) == NULL)
		return -1;
	t->nrows++;
	return 0;
}

static int
print_line(const struct table *t, FILE *fp, const char *indent, char *const *cells,
    const size_t *width)
{
	size_t last = t->ncols;

	/* no trailing blanks: the line ends with its last non-empty cell */
	while (last > 0 && *cells[last - 1] == '\0')
		last--;
	if (indent != NULL && fputs(indent, fp) == EOF)
		return -1;
	for (size_t i = 0; i < last; i++) {
		int final = i + 1 == last && t->cols[i].align == TEXT_LEFT;
		size_t w = width[i];
		if (i > 0 && fputs("  ", fp) == EOF)
			return -1;
		if (final) {
			/* the last cell is not padded, only cut to its column's limit */
			size_t cw = text_width(cells[i]);
			w = cw < w ? cw : w;
		}
		if (text_print_cell(fp, cells[i], w, t->cols[i].align) < 0)
			return -1;
	}
	return putc('\n', fp) == EOF ? -1 : 0;
}

/* How wide the output may be: the terminal's width, $COLUMNS, or 80 (a
 * technician's terminal, a mail, a ticket). */
static size_t
output_columns(FILE *fp)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");
	long n;

	if (isatty(fileno(fp)) && ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	if (c != NULL && (n = strtol(c, NULL, 10)) >= 40 && n <= 1000)
		return (size_t)n;
	return 80;
}

/* Narrows the widest text columns, one column at a time, until a line fits
 * in `cols` (numbers and times are never cut). */
static void
fit_widths(const struct table *t, size_t *width, size_t indent, size_t cols)
{
	for (;;) {
		size_t total = indent, widest = t->ncols;
		for (size_t c = 0; c < t->ncols; c++) {
			total += width[c] + (c > 0 ? 2 : 0);
			if (t->cols[c].align == TEXT_LEFT && t->cols[c].shrink && width[c] > TABLE_MIN_COL &&
			    (widest == t->ncols || width[c] > width[widest]))
				widest = c;
		}
		if (total <= cols || widest == t->ncols)
			return;
		width[widest]--;
	}
}

int
table_print(const struct table *t, FILE *fp, const char *indent)
{
	size_t *width;
	char **titles;
	int rc = -1;

	width = calloc(t->ncols, sizeof(*width));
	titles = calloc(t->ncols, sizeof(*titles));
	if (width == NULL || titles == NULL)
		goto out;
	for (size_t c = 0; c < t->ncols; c++) {
		titles[c] = (char *)(t->cols[c].title ? t->cols[c].title : "");
		width[c] = text_width(titles[c]);
	}
	for (size_t r = 0; r < t->nrows; r++) {
		if (t->rows[r].cells == NULL)
			continue;
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = text_width(t->rows[r].cells[c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	for (size_t c = 0; c < t->ncols; c++)
		if (t->cols[c].max && width[c] > t->cols[c].max)
			width[c] = t->cols[c].max;
	fit_widths(t, width, indent ? text_width(indent) : 0, output_columns(fp));
	if (print_line(t, fp, indent, titles, width) != 0)
		goto out;
	for (size_t r = 0; r < t->nrows; r++) {
		if (t->rows[r].cells == NULL) {
			if (fprintf(fp, "%s\n", t->rows[r].section) < 0)
				goto out;
		} else if (print_line(t, fp, indent, t->rows[r].cells, width) != 0)
			goto out;
	}
	rc = 0;
out:
	free(width);
	free(titles);
	return rc;
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t r = 0; r < t->nrows; r++) {
		if (t->rows[r].cells != NULL)
			for (size_t c = 0; c < t->ncols; c++)
				free(t->rows[r].cells[c]);
		free(t->rows[r].cells);
		free(t->rows[r].section);
	}
	free(t->rows);
	free(t->cols);
	free(t);
}

const char *
out_local_bound(int64_t ms, char *buf, size_t len)
{
	size_t n;

	time_format_local(ms, buf, len);
	n = strlen(buf);
	if (n > 9 && strcmp(buf + n - 9, " 00:00:00") == 0)
		buf[n - 9] = '\0';
	return buf;
}

const char *
out_kind(enum fault_kind k)
{
	static const char *const words[FK_COUNT] = {
		[FK_FAULT] = N_("fault"), [FK_COMM] = N_("comm"), [FK_SAFETY] = N_("safety"),
	};

	return (unsigned)k < FK_COUNT ? _(words[k]) : "?";
}

const char *
out_status(const struct fault *f)
{
	/* fault_status()'s words, for the catalog */
	static const char *const words[] = { N_("open"), N_("acknowledged"), N_("cleared"),
		N_("repaired"), N_("dismissed") };
	const char *s = fault_status(f);

	(void)words;
	return _(s);
}

const char *
out_class(const char *stored)
{
	int c = stored ? safety_class_parse(stored) : -1;

	if (c < 0)
		return stored ? stored : "";
	/* people read 事故/未遂/演练/非事件 in Chinese; the stored word otherwise */
	return i18n_chinese() ? safety_class_label(c) : stored;
}

const char *
out_local_time(int64_t ms, char *buf, size_t len)
{
	if (ms == STORE_NOTIME)
		snprintf(buf, len, "%s", "");
	else
		time_format_local(ms, buf, len);
	return buf;
}

const char *
out_code(const struct fault *f, char *buf, size_t len)
{
	if (f->has_code)
		snprintf(buf, len, "%.15g", f->code);
	else
		snprintf(buf, len, "%s", "");
	return buf;
}

int
json_print(const cJSON *v, FILE *fp)
{
	char *s = cJSON_Print(v);
	int rc;

	if (s == NULL)
		return -1;
	rc = fprintf(fp, "%s\n", s) < 0 ? -1 : 0;
	cJSON_free(s);
	return rc;
}
