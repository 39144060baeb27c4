/*
 * html.c - the page buffer, HTML escaping and the frame of every page. The
 * pages are small, server-rendered and work without JavaScript; the only
 * style is web_css, served by tbm-web itself (CSP default-src 'self').
 */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tbmtime.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_free(struct buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static int
grow(struct buf *b, size_t need)
{
	size_t cap;
	char *s;

	if (b->oom)
		return -1;
	if (b->len + need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + need + 1)
		cap *= 2;
	if ((s = realloc(b->s, cap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (grow(b, n) < 0)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_put(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_esc(struct buf *b, const char *s)
{
	const char *run = s;

	if (s == NULL)
		return;
	for (; *s; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_add(b, run, (size_t)(s - run));
		buf_put(b, rep);
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
}

void
buf_url(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf_add(b, (const char *)&c, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };

			buf_add(b, e, 3);
		}
	}
}

void
buf_time(struct buf *b, int64_t ms)
{
	char t[64];

	if (ms == 0) {
		buf_put(b, "—");
		return;
	}
	time_format_local(ms, t, sizeof(t));
	/* "2023-11-02 14:05:09" -> minutes are enough on a phone */
	if (strlen(t) >= 16)
		t[16] = '\0';
	buf_esc(b, t);
}

const char web_css[] =
	":root{--fg:#1b1f24;--mut:#5b6470;--bd:#d4d8de;--bg:#f6f7f9;--acc:#0b5cad;--bad:#b3261e;"
	"--ok:#1e7b34;--warn:#9a6700}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:16px/1.5 system-ui,\"Noto Sans CJK SC\",\"PingFang SC\",\"Microsoft YaHei\","
	"sans-serif;color:var(--fg);background:var(--bg)}\n"
	"header{background:#12324f;color:#fff;padding:.5rem .75rem}\n"
	"header a{color:#fff}\n"
	"header .site{font-size:.85rem;opacity:.85}\n"
	"nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem;margin-top:.3rem}\n"
	"nav a{text-decoration:none;padding:.35rem 0}\n"
	"nav form{margin:0}\n"
	"nav button{background:none;border:0;color:#fff;text-decoration:underline;padding:.35rem 0;"
	"margin:0;font:inherit;min-height:0;width:auto}\n"
	"main{padding:.75rem;max-width:60rem;margin:0 auto}\n"
	"h1{font-size:1.3rem;margin:.3rem 0 .75rem}\n"
	"h2{font-size:1.1rem;margin:1.2rem 0 .5rem}\n"
	"a{color:var(--acc)}\n"
	".card{display:block;background:#fff;border:1px solid var(--bd);border-radius:.5rem;"
	"padding:.7rem .8rem;margin:.5rem 0;color:inherit;text-decoration:none;overflow-wrap:anywhere}\n"
	"a.card{min-height:3rem}\n"
	".card .t{font-weight:600}\n"
	".mut{color:var(--mut);font-size:.9rem}\n"
	".tag{display:inline-block;border-radius:1rem;padding:0 .5rem;font-size:.8rem;border:1px solid}\n"
	".s-open{color:var(--bad)}.s-acknowledged{color:var(--warn)}.s-cleared{color:var(--warn)}"
	".s-repaired{color:var(--ok)}.s-dismissed{color:var(--mut)}\n"
	"form.act{background:#fff;border:1px solid var(--bd);border-radius:.5rem;padding:.7rem .8rem;"
	"margin:.6rem 0}\n"
	"label{display:block;margin:.4rem 0 .15rem;font-size:.95rem}\n"
	"input,select,textarea{width:100%;font:inherit;padding:.55rem;border:1px solid var(--bd);"
	"border-radius:.35rem;background:#fff}\n"
	"textarea{min-height:4.5rem}\n"
	"button{font:inherit;min-height:2.9rem;padding:.5rem 1.2rem;margin-top:.6rem;border:0;"
	"border-radius:.4rem;background:var(--acc);color:#fff;width:100%}\n"
	"button.sec{background:#fff;color:var(--bad);border:1px solid var(--bad)}\n"
	".msg{padding:.6rem .8rem;border-radius:.4rem;margin:.5rem 0;background:#e8f3ea;"
	"border:1px solid #9ccaa6}\n"
	".err{background:#fbeaea;border-color:#e0a3a0}\n"
	"table{border-collapse:collapse;width:100%;font-size:.92rem;background:#fff}\n"
	"th,td{border-bottom:1px solid var(--bd);padding:.4rem .35rem;text-align:left;vertical-align:top;"
	"overflow-wrap:anywhere}\n"
	".scroll{overflow-x:auto}\n"
	"ol.hist{padding-left:1.2rem}ol.hist li{margin:.4rem 0;overflow-wrap:anywhere}\n"
	".big{font-size:1.6rem;font-weight:700}\n"
	".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.5rem}\n"
	"svg{max-width:100%;height:auto}\n"
	".labels{display:grid;grid-template-columns:repeat(auto-fill,minmax(6cm,1fr));gap:4mm}\n"
	".label{border:1px dashed #999;padding:3mm;text-align:center;background:#fff;break-inside:avoid}\n"
	".label svg{width:38mm;height:38mm}\n"
	"@media print{header,nav,.noprint{display:none}body{background:#fff}main{max-width:none;padding:0}}\n";

void
page_begin(struct buf *b, const struct page_ctx *c)
{
	buf_put(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		   "<link rel=\"stylesheet\" href=\"/style.css\"><title>");
	buf_esc(b, c->title);
	buf_put(b, " · tbmon</title></head><body><header><div class=\"site\">");
	buf_esc(b, c->site_name ? c->site_name : "tbmon");
	if (c->user_display != NULL) {
		buf_put(b, " · ");
		buf_esc(b, c->user_display);
		if (c->role != NULL) {
			buf_put(b, "（");
			buf_esc(b, c->role);
			buf_put(b, "）");
		}
	}
	buf_put(b, "</div>");
	if (c->user_display != NULL) {
		buf_put(b, "<nav><a href=\"/\">我的工作</a><a href=\"/safety\">安全事件</a>"
			   "<a href=\"/indicators\">指标</a><a href=\"/devices\">设备</a>"
			   "<a href=\"/labels\">二维码</a>");
		if (c->manager)
			buf_put(b, "<a href=\"/users\">账号</a>");
		buf_put(b, "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"");
		buf_esc(b, c->csrf);
		buf_put(b, "\"><button type=\"submit\">退出</button></form></nav>");
	}
	buf_put(b, "</header><main><h1>");
	buf_esc(b, c->title);
	buf_put(b, "</h1>\n");
}

void
page_end(struct buf *b)
{
	buf_put(b, "</main></body></html>\n");
}
