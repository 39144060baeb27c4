/*
 * labels.c - QR stickers: /labels is a printable sheet with one sticker per
 * configured device (its name, lab and id), each QR code an SVG image served
 * at /qr/DEVICE.svg (libqrencode) that encodes base_url/devices/DEVICE, the
 * page a technician's phone opens in front of the machine.
 */
#include <qrencode.h>
#include <stdio.h>
#include <string.h>

#include "web.h"

#define QR_QUIET 4                 /* modules of white border the standard asks for */

/* The symbol as one SVG path, a horizontal run of dark modules per segment. */
static int
qr_svg(struct buf *b, const char *text)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int n;

	if (q == NULL)
		return -1;
	n = q->width + 2 * QR_QUIET;
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		      "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		      "<path fill=\"#000\" d=\"", n, n, n, n);
	for (int y = 0; y < q->width; y++) {
		for (int x = 0; x < q->width;) {
			int run = 0;

			while (x + run < q->width && (q->data[y * q->width + x + run] & 1))
				run++;
			if (run > 0) {
				buf_printf(b, "M%d %dh%dv1h-%dz", x + QR_QUIET, y + QR_QUIET, run, run);
				x += run;
			} else
				x++;
		}
	}
	buf_put(b, "\"/></svg>\n");
	QRcode_free(q);
	return 0;
}

/* GET /qr/DEVICE.svg */
void
page_qr(struct req *r, const char *file)
{
	char id[CONF_ID_MAX + 8];
	size_t n = strlen(file);
	struct buf url;

	if (n < 5 || n >= sizeof(id) || strcmp(file + n - 4, ".svg") != 0) {
		req_error(r, 404, "没有这个二维码。");
		return;
	}
	memcpy(id, file, n - 4);
	id[n - 4] = '\0';
	if (config_device(r->w->cf, id) == NULL) {
		req_error(r, 404, "没有这台设备。");
		return;
	}
	buf_init(&url);
	req_base_url(r, &url);
	buf_put(&url, "/devices/");
	buf_url(&url, id);
	if (url.oom || qr_svg(&r->out, url.s) < 0) {
		buf_free(&url);
		req_error(r, 500, "生成二维码失败。");
		return;
	}
	buf_free(&url);
	r->ctype = "image/svg+xml";
	r->no_store = 0;
}

/* The labs, each a link to its sheet. */
static void
lab_links(struct req *r)
{
	const struct web_index *x = &r->w->index;

	buf_put(&r->out, "<div class=\"grid\">");
	for (size_t k = 0; k < x->nlabs; k++) {
		int n = 0;

		for (size_t i = 0; i < x->n; i++)
			n += x->lab_of[i] == k;
		buf_put(&r->out, "<a class=\"card\" href=\"/labels?lab=");
		buf_url(&r->out, x->labs[k]);
		buf_put(&r->out, "\"><span class=\"t\">");
		buf_esc(&r->out, x->labs[k][0] ? x->labs[k] : "（未分实训室）");
		buf_printf(&r->out, "</span><br><span class=\"mut\">%d 张</span></a>", n);
	}
	buf_put(&r->out, "</div>");
}

void
page_labels(struct req *r)
{
	struct page_ctx c;
	struct buf *b = &r->out;
	const struct config *cf = r->w->cf;
	const char *lab = web_form_get(&r->query, "lab");

	req_ctx(r, lab ? lab : "设备二维码", &c);
	page_begin(b, &c);
	if (lab == NULL && cf->ndevices > WEB_DEVICES_ONE_PAGE) {
		buf_put(b, "<p class=\"mut\">选择实训室，打印它的二维码。</p>");
		lab_links(r);
		page_end(b);
		return;
	}
	buf_put(b, "<p class=\"noprint mut\">打印本页，剪下贴在设备上；用手机扫码即可打开该设备的页面上报故障。</p>"
		   "<div class=\"labels\">");
	for (size_t i = 0; i < cf->ndevices; i++) {
		const struct conf_device *d = cf->devices[i];

		if (lab != NULL && strcmp(d->lab ? d->lab : "", lab) != 0)
			continue;
		buf_put(b, "<div class=\"label\"><img width=\"150\" height=\"150\" alt=\"二维码\" src=\"/qr/");
		buf_url(b, d->id);
		buf_put(b, ".svg\"><br><strong>");
		buf_esc(b, d->name ? d->name : d->id);
		buf_put(b, "</strong><br><span class=\"mut\">");
		buf_esc(b, d->lab);
		buf_put(b, " · ");
		buf_esc(b, d->id);
		buf_put(b, "</span></div>\n");
	}
	buf_put(b, "</div>");
	page_end(b);
}
