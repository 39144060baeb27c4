/*
 * csvin.c - reads the evaluation's CSV files with libcsv: a UTF-8 BOM as
 * Excel writes it, quoted fields (with commas and line breaks), the header
 * checked by column names, every bad row reported as FILE:LINE. Files that
 * are not UTF-8 are read as GB18030 (which contains GBK and GB2312: what
 * Chinese Excel and WPS save as "CSV"), said once in a notice.
 */
#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmreport.h"

struct rd {
	struct csv_table *t;
	struct diag *d;
	char **fields;             /* the record being read */
	size_t nfields, cap;
	int start_line;            /* where that record began */
	int in_record;
	int header_done;
	int failed;                /* out of memory */
	size_t expect;             /* header's column count */
	int bad_rows;
};

/* The length of the valid UTF-8 prefix (no overlongs, no surrogates):
 * Excel's "CSV" (not "CSV UTF-8") writes the local code page, which we must
 * not misread. */
static size_t
utf8_valid_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		unsigned int cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3, cp = c & 0x07;
		else
			return i;
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return i;
		i += k + 1;
	}
	return n;
}

/* The physical line (1-based) that byte `at` is on. */
static int
line_at(const char *s, size_t at)
{
	int line = 1;

	for (size_t i = 0; i < at; i++)
		if (s[i] == '\n' || (s[i] == '\r' && s[i + 1] != '\n'))
			line++;
	return line;
}

/* GB18030 -> UTF-8 with glibc's iconv, the whole file or nothing. GB18030
 * keeps every ASCII byte as itself and never uses one as a trailing byte
 * of a character, so quotes, commas and line ends stay where they were and
 * line numbers are those of the original file. */
static char *
from_gb18030(const char *in, size_t n, size_t *outlen, size_t *bad)
{
	iconv_t cd = iconv_open("UTF-8", "GB18030");
	size_t cap = n * 2 + 16, left = n, room = cap - 1;
	char *out, *ip = (char *)in, *op;

	*bad = 0;
	if (cd == (iconv_t)-1)
		return NULL;
	if ((out = malloc(cap)) == NULL) {
		iconv_close(cd);
		return NULL;
	}
	op = out;
	/* every GB18030 character of 1, 2 or 4 bytes is at most 4 bytes of
	 * UTF-8, never more than twice its length: one call is enough */
	if (iconv(cd, &ip, &left, &op, &room) == (size_t)-1 || left != 0) {
		*bad = (size_t)(ip - in);
		free(out);
		iconv_close(cd);
		return NULL;
	}
	iconv_close(cd);
	*op = '\0';
	*outlen = (size_t)(op - out);
	return out;
}

static void
free_fields(char **f, size_t n)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(f[i]);
	free(f);
}

static void
on_field(void *s, size_t len, void *arg)
{
	struct rd *r = arg;
	char *v;

	if (r->failed)
		return;
	if (r->nfields == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 8;
		char **nf = realloc(r->fields, ncap * sizeof(*nf));
		if (nf == NULL) {
			r->failed = 1;
			return;
		}
		r->fields = nf;
		r->cap = ncap;
	}
	if ((v = malloc(len + 1)) == NULL) {
		r->failed = 1;
		return;
	}
	if (len)
		memcpy(v, s, len);
	v[len] = '\0';
	r->fields[r->nfields++] = v;
}

static int
all_empty(char **f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (f[i][0] != '\0')
			return 0;
	return 1;
}

static void
on_record(int c, void *arg)
{
	struct rd *r = arg;
	struct csv_table *t = r->t;
	(void)c;

	r->in_record = 0;
	if (r->failed)
		goto drop;
	if (!r->header_done) {
		t->header = r->fields;
		t->ncols = r->expect = r->nfields;
		r->header_done = 1;
		goto reset;
	}
	if (all_empty(r->fields, r->nfields))
		goto drop;
	if (r->nfields != r->expect) {
		diag_add(r->d, t->file, r->start_line, _("this row has %zu fields, the header %zu"),
		    r->nfields, r->expect);
		r->bad_rows++;
		goto drop;
	}
	{
		struct csv_row *nr = realloc(t->rows, (t->nrows + 1) * sizeof(*nr));
		if (nr == NULL) {
			r->failed = 1;
			goto drop;
		}
		t->rows = nr;
		nr[t->nrows].line = r->start_line;
		nr[t->nrows].f = r->fields;
		t->nrows++;
	}
	goto reset;
drop:
	free_fields(r->fields, r->nfields);
reset:
	r->fields = NULL;
	r->nfields = r->cap = 0;
}

/* The length of the physical line at s, with its end: LF, CRLF, or a bare
 * CR (old Mac files; libcsv ends records there too). */
static size_t
line_length(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			return i + 1;
		if (s[i] == '\r')
			return i + 1 < n && s[i + 1] == '\n' ? i + 2 : i + 1;
	}
	return n;
}

static int
blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0;

	if (fp == NULL)
		return NULL;
	for (;;) {
		size_t got;
		if (len + 4096 + 1 > cap) {
			char *nb;
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(fp);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len - 1, fp);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		int e = errno;
		free(buf);
		fclose(fp);
		errno = e ? e : EIO;
		return NULL;
	}
	fclose(fp);
	buf[len] = '\0';
	*n = len;
	return buf;
}

/* A money header's unit: "全年预算数（万元）" is 全年预算数 in 10^4 元. */
static const struct {
	const char *suffix;
	int wan;
} units[] = {
	{ "（万元）", 1 }, { "(万元)", 1 }, { "（元）", 0 }, { "(元)", 0 },
};

/* The header's name without spaces around it and, with CSVIN_UNITS, without
 * its unit; *wan tells which unit it was. */
static size_t
header_name(const char *h, int flags, const char **start, int *wan)
{
	size_t n;

	while (*h == ' ' || *h == '\t')
		h++;
	n = strlen(h);
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	*start = h;
	*wan = 0;
	if (!(flags & CSVIN_UNITS))
		return n;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t k = strlen(units[i].suffix);
		if (n > k && memcmp(h + n - k, units[i].suffix, k) == 0) {
			*wan = units[i].wan;
			n -= k;
			while (n > 0 && h[n - 1] == ' ')
				n--;
			break;
		}
	}
	return n;
}

static int
check_header(struct csv_table *t, const char *const *need, size_t nneed, const char *const *opt,
    size_t nopt, int flags, int *col, struct diag *d)
{
	int rc = 0;

	if ((t->wan = calloc(t->ncols ? t->ncols : 1, sizeof(*t->wan))) == NULL) {
		diag_add(d, t->file, 0, "%s", _("out of memory"));
		return -1;
	}
	for (size_t i = 0; i < nneed + nopt; i++)
		col[i] = -1;
	for (size_t c = 0; c < t->ncols; c++) {
		const char *h;
		size_t hn = header_name(t->header[c], flags, &h, &t->wan[c]);
		int known = 0;
		for (size_t i = 0; i < nneed + nopt; i++) {
			const char *name = i < nneed ? need[i] : opt[i - nneed];
			if (strlen(name) != hn || memcmp(h, name, hn) != 0)
				continue;
			known = 1;
			if (col[i] >= 0) {
				diag_add(d, t->file, 1, _("column '%s' appears twice"), name);
				rc = -1;
			}
			col[i] = (int)c;
		}
		if (!known && !(flags & CSVIN_EXTRA_OK)) {
			diag_add(d, t->file, 1, _("unknown column '%s'"), t->header[c]);
			rc = -1;
		}
	}
	for (size_t i = 0; i < nneed; i++)
		if (col[i] < 0) {
			diag_add(d, t->file, 1, _("column '%s' is missing"), need[i]);
			rc = -1;
		}
	return rc;
}

/* Decodes buf in place of itself: UTF-8 as it is, else GB18030. */
static int
decode(const char *path, char **buf, size_t *n, int bom, struct csv_table *t, struct diag *d)
{
	size_t ok = utf8_valid_prefix((const unsigned char *)*buf, *n), len, bad = 0;
	char *u = NULL;

	if (ok == *n)
		return 0;
	if (bom || (u = from_gb18030(*buf, *n, &len, &bad)) == NULL) {
		/* where the more plausible reading of the two broke down */
		diag_add(d, path, line_at(*buf, bad > ok ? bad : ok), "%s",
		    _("neither UTF-8 nor GB18030 (GBK) text (in Excel, save it as \"CSV UTF-8\")"));
		return -1;
	}
	free(*buf);
	*buf = u;
	*n = len;
	t->encoding = "GB18030";
	diag_note(d, path, 0, "%s", _("not UTF-8: read as GB18030 (GBK)"));
	return 0;
}

int
csvin_read(const char *path, const char *const *need, size_t nneed, const char *const *opt,
    size_t nopt, int flags, struct csv_table *t, int *col, struct diag *d)
{
	struct csv_parser p;
	struct rd r;
	char *buf = NULL, *s;
	size_t n = 0;
	int line = 0, rc = -1, parser = 0, bom = 0;

	memset(t, 0, sizeof(*t));
	memset(&r, 0, sizeof(r));
	t->file = path;
	r.t = t;
	r.d = d;
	if ((buf = slurp(path, &n)) == NULL) {
		diag_add(d, path, 0, "%s", strerror(errno));
		goto out;
	}
	if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		memmove(buf, buf + 3, n - 2);
		n -= 3;
		bom = 1;
	}
	if (decode(path, &buf, &n, bom, t, d) != 0)
		goto out;
	s = buf;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		diag_add(d, path, 0, "%s", _("out of memory"));
		goto out;
	}
	parser = 1;
	/* One physical line at a time, so that every record knows where it began. */
	while (n > 0) {
		size_t len = line_length(s, n);
		line++;
		if (!r.in_record && !blank_line(s, len)) {
			r.in_record = 1;
			r.start_line = line;
		}
		if (csv_parse(&p, s, len, on_field, on_record, &r) != len) {
			diag_add(d, path, line, "%s", _("unbalanced quotes (a quote inside an unquoted "
			    "field, or text after a closing quote)"));
			goto out;
		}
		if (r.failed) {
			diag_add(d, path, line, "%s", _("out of memory"));
			goto out;
		}
		s += len;
		n -= len;
	}
	if (csv_fini(&p, on_field, on_record, &r) != 0) {
		diag_add(d, path, r.start_line, "%s", _("a quoted field does not end (its closing quote is missing)"));
		goto out;
	}
	if (r.failed) {
		diag_add(d, path, line, "%s", _("out of memory"));
		goto out;
	}
	if (!r.header_done) {
		diag_add(d, path, 0, "%s", _("empty file (a header row is needed)"));
		goto out;
	}
	if (check_header(t, need, nneed, opt, nopt, flags, col, d) != 0)
		goto out;
	rc = 0;
out:
	if (parser)
		csv_free(&p);
	free_fields(r.fields, r.nfields);
	free(buf);
	if (rc != 0)
		csvin_free(t);
	return rc;
}

void
csvin_free(struct csv_table *t)
{
	if (t == NULL)
		return;
	free_fields(t->header, t->ncols);
	for (size_t i = 0; i < t->nrows; i++)
		free_fields(t->rows[i].f, t->ncols);
	free(t->rows);
	free(t->wan);
	t->wan = NULL;
	t->header = NULL;
	t->rows = NULL;
	t->nrows = t->ncols = 0;
}
