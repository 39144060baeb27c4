/*
 * pages.c - the read-only pages: my work / the status board, a fault with
 * its history and the forms this account may use, a device (what its QR
 * sticker opens), the device list, the safety events, the login page.
 * Every text from the configuration or from people goes through buf_esc.
 */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "cache.h"
#include "indicators.h"
#include "tbmtime.h"
#include "web.h"

#define LIST_MAX 50                /* cards on one page: a phone, a weak Wi-Fi */

struct label {
	const char *name, *text;
};

/* The Chinese text of a name from a table; the name itself when not in it. */
static const char *
label_of(const struct label *t, const char *name)
{
	for (; name != NULL && t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t->text;
	return name;
}

const char *
status_label(const char *s)
{
	static const struct label t[] = { { "open", "待处理" }, { "acknowledged", "已接单" },
		{ "cleared", "已消除（未维修）" }, { "repaired", "已维修" }, { "dismissed", "已排除" },
		{ NULL, NULL } };

	return label_of(t, s);
}

const char *
kind_label(enum fault_kind k)
{
	return k == FK_SAFETY ? "安全事件" : k == FK_COMM ? "通信中断" : "故障";
}

const char *
class_label(const char *c)
{
	static const struct label t[] = { { "accident", "事故" }, { "near-miss", "未遂" },
		{ "drill", "演练" }, { "none", "非事件" }, { NULL, NULL } };

	return c == NULL ? "未分类" : label_of(t, c);
}

static long index_find(const struct web_index *x, const char *id);

const char *
device_name(const struct req *r, const char *id)
{
	long i = index_find(&r->w->index, id);
	const struct conf_device *d = i < 0 ? NULL : r->w->index.by_id[i];

	return d && d->name ? d->name : id;
}

static void
db_error(struct req *r, const char *what)
{
	log_warnx("%s: %s", what, store_errmsg(r->w->st));
	req_error(r, 500, "读取数据库出错，请稍后再试。");
}

void
fault_card(struct req *r, const struct fault *f, const char *dname)
{
	const char *st = fault_status(f);
	struct buf *b = &r->out;

	buf_printf(b, "<a class=\"card\" href=\"/faults/%lld\"><span class=\"t\">", (long long)f->id);
	buf_esc(b, dname ? dname : f->device);
	buf_put(b, "</span> <span class=\"tag s-");
	buf_esc(b, st);
	buf_put(b, "\">");
	buf_esc(b, status_label(st));
	buf_put(b, "</span><br>");
	buf_esc(b, kind_label(f->kind));
	buf_put(b, "：");
	buf_esc(b, f->label ? f->label : f->point);
	if (f->kind == FK_SAFETY)
		buf_printf(b, "（%s）", class_label(f->classification));
	buf_put(b, "<br><span class=\"mut\">#");
	buf_printf(b, "%lld · ", (long long)f->id);
	buf_esc(b, f->lab);
	buf_put(b, " · ");
	buf_time(b, f->opened_at);
	buf_put(b, "</span></a>\n");
}

/* ---- the devices of the configuration, indexed once ---- */

static int
cmp_dev_id(const void *a, const void *b)
{
	return strcmp((*(const struct conf_device *const *)a)->id,
	    (*(const struct conf_device *const *)b)->id);
}

int
web_index_build(struct web *w)
{
	const struct config *cf = w->cf;
	struct web_index *x = &w->index;

	memset(x, 0, sizeof(*x));
	x->n = cf->ndevices;
	if (x->n == 0)
		return 0;
	if ((x->by_id = calloc(x->n, sizeof(*x->by_id))) == NULL ||
	    (x->lab_of = calloc(x->n, sizeof(*x->lab_of))) == NULL ||
	    (x->labs = calloc(x->n, sizeof(*x->labs))) == NULL)
		return -1;
	memcpy(x->by_id, cf->devices, x->n * sizeof(*x->by_id));
	qsort(x->by_id, x->n, sizeof(*x->by_id), cmp_dev_id);
	/* the labs in the order the configuration first names them */
	for (size_t i = 0; i < cf->ndevices; i++) {
		const char *lab = cf->devices[i]->lab ? cf->devices[i]->lab : "";
		size_t k;

		for (k = 0; k < x->nlabs && strcmp(x->labs[k], lab) != 0; k++)
			;
		if (k == x->nlabs)
			x->labs[x->nlabs++] = lab;
	}
	for (size_t i = 0; i < x->n; i++) {
		const char *lab = x->by_id[i]->lab ? x->by_id[i]->lab : "";

		for (size_t k = 0; k < x->nlabs; k++)
			if (strcmp(x->labs[k], lab) == 0)
				x->lab_of[i] = k;
	}
	return 0;
}

void
web_index_free(struct web *w)
{
	free(w->index.by_id);
	free(w->index.lab_of);
	free(w->index.labs);
	memset(&w->index, 0, sizeof(w->index));
}

/* The position of a configured device in the index, -1 when none. */
static long
index_find(const struct web_index *x, const char *id)
{
	size_t lo = 0, hi = x->n;

	while (id != NULL && lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(x->by_id[mid]->id, id);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * The board: every configured device (in the index's order) with its state
 * from the unresolved faults, and each lab's totals.
 */
static const struct board_dev *
board_find(const struct req *r, const struct board *bd, const char *id)
{
	long i = index_find(&r->w->index, id);

	return i < 0 ? NULL : &bd->v[i];
}

/* Counts the unresolved faults into a fresh board. 0 or -1 (out of memory). */
static int
board_fill(const struct web_index *x, struct board *bd)
{
	if (x->n > 0 && ((bd->v = calloc(x->n, sizeof(*bd->v))) == NULL ||
	    (bd->labs = calloc(x->nlabs, sizeof(*bd->labs))) == NULL))
		return -1;
	for (size_t i = 0; i < bd->nfaults; i++) {
		const struct fault *f = &bd->faults[i];
		long k = index_find(x, f->device);

		if (k < 0 || f->cleared_at != 0)
			continue;
		if (f->kind == FK_COMM) {
			if (bd->v[k].offline_since == 0 || f->opened_at < bd->v[k].offline_since)
				bd->v[k].offline_since = f->opened_at;
		} else
			bd->v[k].alarms++;
	}
	for (size_t i = 0; i < x->n; i++) {
		struct board_lab *l = &bd->labs[x->lab_of[i]];

		l->devs++;
		l->offline += bd->v[i].offline_since != 0;
		l->alarms += bd->v[i].alarms;
	}
	return 0;
}

static void
board_free(struct board *bd)
{
	if (bd == NULL)
		return;
	free(bd->v);
	free(bd->labs);
	memset(bd, 0, sizeof(*bd));
}

/* The board as of the cached unresolved list: counted again only when that
 * list was read again. 0, or -1 after answering 500. */
static int
board_load(struct req *r, const struct board **out)
{
	struct web *w = r->w;
	struct board *bd = &w->board;
	const struct fault *v;
	size_t n;

	if (cache_unresolved(&w->cache, w->st, &v, &n) != 0) {
		db_error(r, "reading open faults");
		return -1;
	}
	if (w->board_seq != w->cache.unresolved.seq || bd->faults != v) {
		board_free(bd);
		w->board_seq = -1;
		bd->faults = v;
		bd->nfaults = n;
		if (board_fill(&w->index, bd) != 0) {
			board_free(bd);
			req_error(r, 500, "内存不足。");
			return -1;
		}
		w->board_seq = w->cache.unresolved.seq;
	}
	*out = bd;
	return 0;
}

void
web_board_free(struct web *w)
{
	board_free(&w->board);
	w->board_seq = -1;
}

/* A lab's tile: its name and counts, a link to its devices. */
static void
lab_tile(struct req *r, const struct board *bd, size_t k)
{
	const char *lab = r->w->index.labs[k];
	const struct board_lab *l = &bd->labs[k];

	buf_put(&r->out, "<a class=\"card\" href=\"/devices?lab=");
	buf_url(&r->out, lab);
	buf_put(&r->out, "\"><span class=\"t\">");
	buf_esc(&r->out, lab[0] ? lab : "（未分实训室）");
	buf_printf(&r->out, "</span><br><span class=\"mut\">%d 台设备</span><br>"
			    "<span class=\"%s\">%d 台离线</span> · <span class=\"%s\">%d 个报警</span></a>",
	    l->devs, l->offline ? "s-open" : "s-repaired", l->offline, l->alarms ? "s-open" : "s-repaired",
	    l->alarms);
}

static void
lab_tiles(struct req *r, const struct board *bd)
{
	buf_put(&r->out, "<div class=\"grid\">");
	for (size_t k = 0; k < r->w->index.nlabs; k++)
		lab_tile(r, bd, k);
	buf_put(&r->out, "</div>\n");
}

/* Whether anyone is watching: without tbmond no new fault is seen, and the
 * states below are as it last recorded them (ind_watching's rule). */
static void
watching_banner(struct req *r)
{
	struct run_row run;
	int64_t since;
	char t[40];
	int found = store_last_run(r->w->st, &run);

	if (found < 0) {
		buf_put(&r->out, "<p class=\"msg err\" role=\"alert\">读不到 tbmond 的运行记录。</p>");
		return;
	}
	if (found == 0) {
		buf_put(&r->out, "<p class=\"msg err\" role=\"alert\">tbmond 还没有运行过：设备没有监测。</p>");
		return;
	}
	if (ind_watching(&run, r->now, &since))
		return;
	time_format_local(since, t, sizeof(t));
	buf_printf(&r->out, "<p class=\"msg err\" role=\"alert\">tbmond 自 %s 起没有运行（%s）：新的故障不会被发现，"
	    "这段时间也不计入监测覆盖率；下面的设备状态是那时的记录。</p>", t,
	    run.stopped_at != STORE_NOTIME ? "已停止" : "没有心跳，可能已崩溃或断电");
}

void
page_home(struct req *r)
{
	const struct board *bd;
	const struct fault *v;
	size_t n, shown = 0;
	struct page_ctx c;
	int tech = r->acct.role == ROLE_TECHNICIAN;

	/* a technician's page is the list; the board is for the others */
	if (cache_unresolved(&r->w->cache, r->w->st, &v, &n) != 0) {
		db_error(r, "reading open faults");
		return;
	}
	if (!tech && board_load(r, &bd) != 0)
		return;
	req_ctx(r, tech ? "我的工作" : "设备状态", &c);
	page_begin(&r->out, &c);
	req_flash(r);
	watching_banner(r);
	if (!tech)
		lab_tiles(r, bd);
	buf_put(&r->out, tech ? "<h2>我负责的待办（最新在前）</h2>\n" : "<h2>待处理的故障和事件（最新在前）</h2>\n");
	for (size_t i = 0; i < n && shown < LIST_MAX; i++) {
		if (!auth_in_lab(&r->acct, v[i].lab))
			continue;
		fault_card(r, &v[i], device_name(r, v[i].device));
		shown++;
	}
	if (shown == 0)
		buf_put(&r->out, "<p class=\"mut\">没有待处理的故障。</p>\n");
	else if (shown == LIST_MAX)
		buf_printf(&r->out, "<p class=\"mut\">只列出最新的 %d 条。</p>\n", LIST_MAX);
	page_end(&r->out);
}

/* One history entry's people-readable fields from its audit detail. */
static void
detail_fields(struct buf *b, const char *detail)
{
	static const struct { const char *key, *label; } keys[] = {
		{ "ack_note", "备注" }, { "action", "维修内容" }, { "parts", "更换部件" },
		{ "repaired_at", "维修时间" }, { "dismiss_reason", "排除原因" },
		{ "classification", "分类" }, { "note", "备注" }, { "reason", "原因" },
		{ "code", "代码" }, { "old", "原值" },
	};
	cJSON *o = detail ? cJSON_Parse(detail) : NULL, *it, *who;

	if (o == NULL)
		return;
	who = cJSON_GetObjectItemCaseSensitive(o, "who");
	if (cJSON_IsObject(who)) {
		const char *ch = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(who, "channel"));
		const char *addr = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(who, "address"));
		const char *os = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(who, "os_user"));
		const char *via = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(who, "via"));

		buf_put(b, " <span class=\"mut\">（");
		buf_esc(b, ch && strcmp(ch, "web") == 0 ? "网页" : ch && strcmp(ch, "cli") == 0 ? "命令行" : ch);
		if (addr || os) {
			buf_put(b, " ");
			buf_esc(b, addr ? addr : os);
		}
		if (via) {
			buf_put(b, "，由 ");
			buf_esc(b, via);
			buf_put(b, " 代办");
		}
		buf_put(b, "）</span>");
	}
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		it = cJSON_GetObjectItemCaseSensitive(o, keys[k].key);
		if (it == NULL || cJSON_IsNull(it))
			continue;
		buf_put(b, "<br><span class=\"mut\">");
		buf_esc(b, keys[k].label);
		buf_put(b, "：</span>");
		if (cJSON_IsString(it)) {
			if (strcmp(keys[k].key, "classification") == 0)
				buf_esc(b, class_label(it->valuestring));
			else
				buf_esc(b, it->valuestring);
		} else if (cJSON_IsNumber(it)) {
			if (strcmp(keys[k].key, "repaired_at") == 0)
				buf_time(b, (int64_t)it->valuedouble);
			else
				buf_printf(b, "%.15g", it->valuedouble);
		} else {
			char *s = cJSON_PrintUnformatted(it);

			buf_esc(b, s);
			cJSON_free(s);
		}
	}
	cJSON_Delete(o);
}

static const char *
action_label(const char *a)
{
	static const struct label t[] = { { "open", "报警出现" }, { "clear", "报警消除" },
		{ "ack", "接单" }, { "repair", "维修" }, { "dismiss", "排除（误报）" },
		{ "classify", "分类" }, { "report", "人工上报" }, { "amend", "更正" },
		{ "reopen", "重新打开" }, { NULL, NULL } };

	return label_of(t, a);
}

static void
field(struct buf *b, const char *label, const char *v)
{
	buf_put(b, "<tr><th>");
	buf_esc(b, label);
	buf_put(b, "</th><td>");
	buf_esc(b, v && v[0] ? v : "—");
	buf_put(b, "</td></tr>");
}

static void
field_time(struct buf *b, const char *label, int64_t ms)
{
	buf_put(b, "<tr><th>");
	buf_esc(b, label);
	buf_put(b, "</th><td>");
	buf_time(b, ms);
	buf_put(b, "</td></tr>");
}

/* The forms of a fault page, each only when this account may use it. */
static void
fault_forms(struct req *r, const struct fault *f)
{
	struct buf *b = &r->out;
	char why[200], now[32], t[64], action[40];

	snprintf(action, sizeof(action), "/faults/%lld", (long long)f->id);

	time_format_local(r->now, t, sizeof(t));
	/* datetime-local wants "2023-11-02T14:05" */
	snprintf(now, sizeof(now), "%.10sT%.5s", t, t + 11);
	if (auth_may(&r->acct, RIGHT_ACK, f, f->lab, r->now, why, sizeof(why)) == 0 && f->acked_at == 0 &&
	    f->repaired_at == 0 && f->dismissed_at == 0) {
		form_begin(r, action, "ack");
		buf_put(b, "<label for=\"ack-note\">备注（可不填）</label>"
			   "<input id=\"ack-note\" name=\"note\" maxlength=\"500\">"
			   "<button type=\"submit\" id=\"do-ack\">接单（我来处理）</button></form>\n");
	}
	if (auth_may(&r->acct, RIGHT_REPAIR, f, f->lab, r->now, why, sizeof(why)) == 0 &&
	    f->repaired_at == 0 && f->dismissed_at == 0 && f->kind != FK_COMM) {
		form_begin(r, action, "repair");
		buf_put(b, "<label for=\"rep-action\">维修内容（必填）</label>"
			   "<textarea id=\"rep-action\" name=\"action\" required maxlength=\"2000\"></textarea>"
			   "<label for=\"rep-parts\">更换部件</label>"
			   "<input id=\"rep-parts\" name=\"parts\" maxlength=\"500\">"
			   "<label for=\"rep-at\">修好的时间</label>");
		/* at_shown: the time as shown; sent back unchanged it means "now" */
		buf_printf(b, "<input id=\"rep-at\" name=\"at\" type=\"datetime-local\" value=\"%s\">"
			      "<input type=\"hidden\" name=\"at_shown\" value=\"%s\">", now, now);
		buf_put(b, "<button type=\"submit\" id=\"do-repair\">记录维修</button></form>\n");
	}
	if (f->kind == FK_SAFETY &&
	    auth_may(&r->acct, RIGHT_CLASSIFY, f, f->lab, r->now, why, sizeof(why)) == 0) {
		form_begin(r, action, "classify");
		buf_put(b, "<label for=\"cls\">安全事件分类</label><select id=\"cls\" name=\"class\">"
			   "<option value=\"accident\">事故</option><option value=\"near-miss\">未遂</option>"
			   "<option value=\"drill\">演练</option><option value=\"none\">非事件</option></select>"
			   "<label for=\"cls-note\">说明</label><input id=\"cls-note\" name=\"note\" maxlength=\"500\">"
			   "<button type=\"submit\" id=\"do-classify\">分类</button></form>\n");
	}
	if ((f->acked_at || f->repaired_at) &&
	    auth_may(&r->acct, RIGHT_AMEND, f, f->lab, r->now, why, sizeof(why)) == 0) {
		form_begin(r, action, "amend");
		buf_put(b, "<p class=\"mut\">更正：只填要改的项，原记录保留在历史里。</p>"
			   "<label for=\"am-action\">维修内容</label><input id=\"am-action\" name=\"action\" maxlength=\"2000\">"
			   "<label for=\"am-parts\">更换部件</label><input id=\"am-parts\" name=\"parts\" maxlength=\"500\">"
			   "<label for=\"am-note\">备注</label><input id=\"am-note\" name=\"note\" maxlength=\"500\">"
			   "<label for=\"am-at\">修好的时间</label><input id=\"am-at\" name=\"at\" type=\"datetime-local\">"
			   "<label for=\"am-reason\">更正原因（必填）</label><input id=\"am-reason\" name=\"reason\" required maxlength=\"500\">"
			   "<button type=\"submit\" id=\"do-amend\">记录更正</button></form>\n");
	}
	if (f->dismissed_at == 0 &&
	    auth_may(&r->acct, RIGHT_DISMISS, f, f->lab, r->now, why, sizeof(why)) == 0) {
		form_begin(r, action, "dismiss");
		buf_put(b, "<label for=\"dis-reason\">排除原因（误报，必填）</label>"
			   "<input id=\"dis-reason\" name=\"reason\" required maxlength=\"500\">"
			   "<button type=\"submit\" class=\"sec\" id=\"do-dismiss\">作为误报排除</button></form>\n");
	}
	if ((f->acked_at || f->repaired_at || f->dismissed_at) &&
	    auth_may(&r->acct, RIGHT_REOPEN, f, f->lab, r->now, why, sizeof(why)) == 0) {
		form_begin(r, action, "reopen");
		buf_put(b, "<label for=\"ro-reason\">重新打开的原因（必填）</label>"
			   "<input id=\"ro-reason\" name=\"reason\" required maxlength=\"500\">"
			   "<button type=\"submit\" class=\"sec\" id=\"do-reopen\">重新打开</button></form>\n");
	}
}

void
page_fault(struct req *r, int64_t id)
{
	struct fault f;
	struct audit_rec *a = NULL;
	size_t na = 0;
	struct page_ctx c;
	struct buf *b = &r->out;
	char title[64], code[64];
	int found = store_fault_get(r->w->st, id, &f);

	if (found < 0) {
		db_error(r, "reading a fault");
		return;
	}
	if (found == 0) {
		req_error(r, 404, "没有这个编号的故障。");
		return;
	}
	if (store_audit_for(r->w->st, id, &a, &na) != 0) {
		fault_clear(&f);
		db_error(r, "reading the audit trail");
		return;
	}
	snprintf(title, sizeof(title), "%s #%lld", kind_label(f.kind), (long long)id);
	req_ctx(r, title, &c);
	page_begin(b, &c);
	req_flash(r);
	buf_put(b, "<table>");
	buf_put(b, "<tr><th>设备</th><td><a href=\"/devices/");
	buf_url(b, f.device);
	buf_put(b, "\">");
	buf_esc(b, device_name(r, f.device));
	buf_put(b, "</a></td></tr>");
	field(b, "实训室", f.lab);
	field(b, "报警", f.label ? f.label : f.point);
	if (f.has_code) {
		snprintf(code, sizeof(code), "%.15g", f.code);
		field(b, "代码", code);
	}
	field(b, "状态", status_label(fault_status(&f)));
	if (f.kind == FK_SAFETY)
		field(b, "分类", class_label(f.classification));
	field(b, "来源", f.source && strcmp(f.source, "manual") == 0 ? "人工上报" : "自动检测");
	field_time(b, "出现", f.opened_at);
	field_time(b, "消除", f.cleared_at);
	if (f.acked_at) {
		field_time(b, "接单", f.acked_at);
		field(b, "接单人", f.acked_by);
	}
	if (f.repaired_at) {
		field_time(b, "维修时间", f.repaired_at);
		field(b, "维修人", f.repaired_by);
		field(b, "维修内容", f.action);
		field(b, "更换部件", f.parts);
	}
	if (f.dismissed_at) {
		field_time(b, "排除", f.dismissed_at);
		field(b, "排除原因", f.dismiss_reason);
	}
	if (f.repeat_of)
		buf_printf(b, "<tr><th>重复</th><td><a href=\"/faults/%lld\">#%lld 维修后 7 天内再次出现</a></td></tr>",
		    (long long)f.repeat_of, (long long)f.repeat_of);
	buf_put(b, "</table>\n");
	fault_forms(r, &f);
	buf_put(b, "<h2>历史</h2><ol class=\"hist\">");
	for (size_t i = 0; i < na; i++) {
		buf_put(b, "<li>");
		buf_time(b, a[i].at);
		buf_put(b, " <strong>");
		buf_esc(b, action_label(a[i].action));
		buf_put(b, "</strong> ");
		buf_esc(b, a[i].actor);
		detail_fields(b, a[i].detail);
		buf_put(b, "</li>\n");
	}
	buf_put(b, "</ol>");
	buf_printf(b, "<p class=\"mut\"><a href=\"/api/faults/%lld\">JSON</a></p>", (long long)id);
	page_end(b);
	store_audit_free(a, na);
	fault_clear(&f);
}

static void
lab_devices(struct req *r, const struct board *bd, const char *lab)
{
	struct buf *b = &r->out;
	const struct config *cf = r->w->cf;

	buf_put(b, "<h2>");
	buf_esc(b, lab[0] ? lab : "（未分实训室）");
	buf_put(b, "</h2>");
	for (size_t k = 0; k < cf->ndevices; k++) {
		const struct conf_device *d = cf->devices[k];
		const struct board_dev *st;

		if (strcmp(d->lab ? d->lab : "", lab) != 0 || (st = board_find(r, bd, d->id)) == NULL)
			continue;
		buf_put(b, "<a class=\"card\" href=\"/devices/");
		buf_url(b, d->id);
		buf_put(b, "\"><span class=\"t\">");
		buf_esc(b, d->name ? d->name : d->id);
		buf_put(b, "</span> ");
		if (st->offline_since)
			buf_put(b, "<span class=\"tag s-open\">离线</span>");
		else if (st->alarms)
			buf_printf(b, "<span class=\"tag s-open\">%d 个报警</span>", st->alarms);
		else
			buf_put(b, "<span class=\"tag s-repaired\">正常</span>");
		buf_put(b, "<br><span class=\"mut\">");
		buf_esc(b, d->id);
		buf_put(b, "</span></a>\n");
	}
}

void
page_devices(struct req *r)
{
	const char *lab = web_form_get(&r->query, "lab");
	const struct board *bd;
	struct page_ctx c;

	if (board_load(r, &bd) != 0)
		return;
	req_ctx(r, lab ? lab : "设备", &c);
	page_begin(&r->out, &c);
	if (lab != NULL)
		lab_devices(r, bd, lab);
	else if (r->w->index.n <= WEB_DEVICES_ONE_PAGE)
		for (size_t k = 0; k < r->w->index.nlabs; k++)
			lab_devices(r, bd, r->w->index.labs[k]);
	else
		lab_tiles(r, bd);
	page_end(&r->out);
}

void
page_device(struct req *r, const char *id)
{
	const struct conf_device *d = config_device(r->w->cf, id);
	struct fault_filter flt = { 0 };
	struct fault *v = NULL;
	const struct board *bd;
	const struct board_dev *st;
	size_t n = 0, shown = 0;
	struct page_ctx c;
	struct buf *b = &r->out;
	char why[200];

	if (d == NULL) {
		req_error(r, 404, "没有这台设备。");
		return;
	}
	if (board_load(r, &bd) != 0)
		return;
	st = board_find(r, bd, id);
	flt.device = id;
	if (store_faults(r->w->st, &flt, &v, &n) != 0) {
		db_error(r, "reading faults");
		return;
	}
	req_ctx(r, d->name ? d->name : d->id, &c);
	page_begin(b, &c);
	req_flash(r);
	buf_put(b, "<table>");
	field(b, "编号", d->id);
	field(b, "实训室", d->lab);
	field(b, "鉴定设备", d->assessment ? "是" : "否");
	if (st && st->offline_since) {
		buf_put(b, "<tr><th>状态</th><td class=\"s-open\">离线，自 ");
		buf_time(b, st->offline_since);
		buf_put(b, "</td></tr>");
	} else
		/* a machine without a sensor (人工) is never online or offline */
		field(b, "状态", st && st->alarms ? "有报警" : d->protocol == PROTO_MANUAL ? "人工" : "在线");
	buf_put(b, "</table>\n<h2>未处理</h2>");
	for (size_t i = 0; i < bd->nfaults; i++)
		if (strcmp(bd->faults[i].device, id) == 0) {
			fault_card(r, &bd->faults[i], NULL);
			shown++;
		}
	if (shown == 0)
		buf_put(b, "<p class=\"mut\">没有未处理的故障。</p>");
	if (auth_may(&r->acct, RIGHT_REPORT, NULL, d->lab, r->now, why, sizeof(why)) == 0) {
		char action[CONF_ID_MAX + 16];

		/* device ids are [A-Za-z0-9_-]: nothing to encode */
		snprintf(action, sizeof(action), "/devices/%s", d->id);
		buf_put(b, "<h2>上报现场看到的问题</h2>");
		form_begin(r, action, "report");
		buf_put(b, "<label for=\"rp-kind\">类型</label><select id=\"rp-kind\" name=\"kind\">"
			   "<option value=\"fault\">故障</option><option value=\"safety\">安全事件</option></select>"
			   "<label for=\"rp-note\">看到了什么（必填）</label>"
			   "<textarea id=\"rp-note\" name=\"note\" required maxlength=\"2000\"></textarea>"
			   "<button type=\"submit\" id=\"do-report\">上报</button></form>\n");
	}
	buf_put(b, "<h2>历史（最近 30 条）</h2>");
	/* store_faults gives them oldest first */
	for (size_t i = n, k = 0; i > 0 && k < 30; i--, k++)
		fault_card(r, &v[i - 1], NULL);
	if (n == 0)
		buf_put(b, "<p class=\"mut\">还没有记录。</p>");
	page_end(b);
	store_faults_free(v, n);
}

void
page_safety(struct req *r)
{
	const struct fault *v;
	size_t n = 0, shown = 0;
	struct page_ctx c;
	struct buf *b = &r->out;

	if (cache_safety(&r->w->cache, r->w->st, &v, &n) != 0) {
		db_error(r, "reading safety events");
		return;
	}
	req_ctx(r, "安全事件", &c);
	page_begin(b, &c);
	buf_put(b, "<h2>待分类</h2>");
	for (size_t i = 0; i < n && shown < LIST_MAX; i++)
		if (v[i].classification == NULL && v[i].dismissed_at == 0) {
			fault_card(r, &v[i], device_name(r, v[i].device));
			shown++;
		}
	if (shown == 0)
		buf_put(b, "<p class=\"mut\">没有待分类的安全事件。</p>");
	buf_put(b, "<h2>已分类（最近 30 条）</h2>");
	shown = 0;
	for (size_t i = 0; i < n && shown < 30; i++)
		if (v[i].classification != NULL || v[i].dismissed_at != 0) {
			fault_card(r, &v[i], device_name(r, v[i].device));
			shown++;
		}
	if (shown == 0)
		buf_put(b, "<p class=\"mut\">还没有。</p>");
	page_end(b);
}

void
page_login(struct req *r, const char *msg)
{
	struct page_ctx c;
	struct buf *b = &r->out;
	char pre[SESSION_ID_HEX];

	if (r->logged_in && r->post == 0) {
		req_redirect(r, "/");
		return;
	}
	/* A login form token, also in a cookie: a POST /login must carry both
	 * (login CSRF). One already given is kept, so that another tab or a
	 * second request of the browser does not spoil the form on screen. */
	if ((web_cookie_get(r->cookies, WEB_PRELOGIN_COOKIE, pre, sizeof(pre)) != 1 ||
	    strlen(pre) != 32 || strspn(pre, "0123456789abcdef") != 32) && web_random_hex(pre) < 0) {
		req_error(r, 500, "没有随机数。");
		return;
	}
	snprintf(r->cookie, sizeof(r->cookie), WEB_PRELOGIN_COOKIE "=%s; Path=/login; HttpOnly; "
	    "SameSite=Strict; Max-Age=3600%s", pre, r->secure ? "; Secure" : "");
	req_ctx(r, "登录", &c);
	page_begin(b, &c);
	if (msg != NULL) {
		buf_put(b, "<p class=\"msg err\" id=\"login-error\">");
		buf_esc(b, msg);
		buf_put(b, "</p>");
	}
	buf_put(b, "<form class=\"act\" method=\"post\" action=\"/login\">"
		   "<input type=\"hidden\" name=\"csrf\" value=\"");
	buf_esc(b, pre);
	buf_put(b, "\"><label for=\"name\">账号</label>"
		   "<input id=\"name\" name=\"name\" autocomplete=\"username\" required maxlength=\"64\">"
		   "<label for=\"password\">密码</label>"
		   "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required maxlength=\"256\">"
		   "<button type=\"submit\" id=\"do-login\">登录</button></form>");
	page_end(b);
}
