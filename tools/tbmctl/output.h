/*
 * output.h - how tbmctl prints: text tables whose columns line up by display
 * width (Chinese labels take two columns a character), and the JSON forms of
 * faults, audit records and times (keys as in DESIGN.md).
 */
#ifndef TBMCTL_OUTPUT_H
#define TBMCTL_OUTPUT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jsonout.h"
#include "store.h"
#include "textwidth.h"

struct table_col {
	const char *title;
	size_t max;                /* widest the column may get (cut with "…"); 0: no limit */
	enum text_align align;
	int shrink;                /* may be cut further so that a line fits 80 columns */
};

struct table;
/* table_new: the columns are copied; NULL when out of memory. */
struct table *table_new(const struct table_col *cols, size_t ncols);
/* table_add: one row of ncols cells (copied; NULL is an empty cell). 0 or -1. */
int table_add(struct table *t, const char *const *cells);
/* table_add_section: a heading line of its own between rows (e.g. a lab). */
int table_add_section(struct table *t, const char *title);
/* table_print: header and rows, columns two spaces apart, each row indented by
 * `indent` (NULL: none); sections are not indented. 0, or -1 on write error. */
int table_print(const struct table *t, FILE *fp, const char *indent);
void table_free(struct table *t);

/* Human times in the site's zone; "" for an absent time. */
const char *out_local_time(int64_t ms, char *buf, size_t len);
/* A period's bound: its day when it is a local midnight, else the time. */
const char *out_local_bound(int64_t ms, char *buf, size_t len);
/* A fault's kind and status in the language of the messages. */
const char *out_kind(enum fault_kind k);
const char *out_status(const struct fault *f);
/* A safety classification for people: "accident (事故)" style in English,
 * the Chinese word in Chinese; "" for none. */
const char *out_class(const char *stored);
/* A fault's code as people read it ("3", "91.5"), "" when it has none. */
const char *out_code(const struct fault *f, char *buf, size_t len);

/* json_print: the value, formatted, and a newline. 0, or -1 on error. */
int json_print(const cJSON *v, FILE *fp);

#endif
