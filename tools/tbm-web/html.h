/*
 * html.h - building pages: a growing buffer, the one HTML escaping function
 * every string from the configuration or from people goes through, and the
 * page frame (head, navigation, the stylesheet's link).
 */
#ifndef TBMWEB_HTML_H
#define TBMWEB_HTML_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	char *s;
	size_t len, cap;
	int oom;                   /* an allocation failed: the page is unusable */
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_add(struct buf *b, const char *s, size_t n);
/* buf_put: literal markup (never text from people or config). */
void buf_put(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* buf_esc: text escaped for HTML content and double-quoted attributes
 * (& < > " '). NULL adds nothing. */
void buf_esc(struct buf *b, const char *s);
/* buf_url: one URL path segment or query value, percent-encoded. */
void buf_url(struct buf *b, const char *s);

/* The stylesheet served at /style.css. */
extern const char web_css[];

struct page_ctx {
	const char *title;         /* plain text, escaped here */
	const char *site_name;     /* from the configuration, escaped here */
	const char *user_display;  /* NULL: not logged in */
	const char *role;          /* role's Chinese name */
	int manager;
	const char *csrf;          /* for the logout form */
};
void page_begin(struct buf *b, const struct page_ctx *c);
void page_end(struct buf *b);

/* Local time "2023-11-02 14:05" (site zone), "—" for none. */
void buf_time(struct buf *b, int64_t ms);

#endif
