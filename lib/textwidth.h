/*
 * textwidth.h - how many terminal columns UTF-8 text takes (a Chinese
 * character takes two), so that tables of labels and lab names line up;
 * padding and truncation ("…") to a display width.
 */
#ifndef TBM_TEXTWIDTH_H
#define TBM_TEXTWIDTH_H

#include <stddef.h>
#include <stdio.h>

/* text_init_locale: selects a UTF-8 LC_CTYPE (the environment's if it is one,
 * else C.UTF-8) so that mbrtowc/wcwidth know the characters. Returns 1 when a
 * UTF-8 locale is active; 0 when none is, and widths then come from a small
 * built-in table of the wide (CJK) ranges. */
int text_init_locale(void);

/* Display width of s in columns. Invalid UTF-8 bytes count one column each,
 * control characters one (they are shown as a replacement when printed). */
size_t text_width(const char *s);

/* text_fit: the length in bytes of the longest prefix of s, cut at a
 * character boundary, that fits in `width` columns; *used (if not NULL)
 * gets that prefix's width. */
size_t text_fit(const char *s, size_t width, size_t *used);

/* text_truncate: s cut to at most `width` columns, ending in "…" when it
 * was cut, into buf (always NUL-terminated). Returns the result's width. */
size_t text_truncate(const char *s, size_t width, char *buf, size_t len);

enum text_align { TEXT_LEFT = 0, TEXT_RIGHT };
/* text_print_cell: prints s in exactly `width` columns: truncated with "…"
 * when wider, padded with spaces otherwise. Control characters are printed
 * as spaces so that a stray newline cannot break a table. Returns the
 * number of columns written, or -1 on an output error. */
int text_print_cell(FILE *fp, const char *s, size_t width, enum text_align align);

#endif
