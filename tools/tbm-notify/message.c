/*
 * message.c - what people read: one fault, a storm's summary, the daily
 * digest, in Chinese. Plain text (robots show it as is, links are
 * recognised by the apps), so nothing a person or the configuration wrote
 * can turn into markup.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "tbmtime.h"

static const char *const headings[MSG_WHAT_COUNT] = {
	[MSG_OPEN] = "设备故障",
	[MSG_SAFETY] = "安全事件",
	[MSG_REPORT] = "人工报告",   /* with the kind, see message_text() */
	[MSG_ACCIDENT] = "安全事故",
	[MSG_UNACKED] = "超时未受理",
	[MSG_UNREPAIRED] = "超时未修复",
};

/* The word for what each kind of message counts, in a summary. */
static const char *const counted[MSG_WHAT_COUNT] = {
	[MSG_OPEN] = "新故障",
	[MSG_SAFETY] = "安全事件",
	[MSG_REPORT] = "人工报告",
	[MSG_ACCIDENT] = "安全事故",
	[MSG_UNACKED] = "超时未受理",
	[MSG_UNREPAIRED] = "超时未修复",
};

void
duration_zh(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000, d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
	size_t n = 0;

	buf[0] = '\0';
	if (d > 0)
		n += (size_t)snprintf(buf + n, len - n, "%" PRId64 " 天", d);
	if (h > 0 && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRId64 " 小时", n ? " " : "", h);
	if (m > 0 && d == 0 && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%" PRId64 " 分钟", n ? " " : "", m);
	if (n == 0)
		snprintf(buf, len, "%" PRId64 " 秒", s);
}

/* A growing string; on allocation failure it stays NULL and says so at the end. */
struct sbuf {
	char *s;
	size_t len;
	int failed;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_add(struct sbuf *b, const char *fmt, ...)
{
	char *more = NULL, *ns;
	va_list ap;
	int n;

	if (b->failed)
		return;
	va_start(ap, fmt);
	n = vasprintf(&more, fmt, ap);
	va_end(ap);
	if (n < 0 || (ns = realloc(b->s, b->len + (size_t)n + 1)) == NULL) {
		free(more);
		free(b->s);
		b->s = NULL;
		b->failed = 1;
		return;
	}
	memcpy(ns + b->len, more, (size_t)n + 1);
	b->s = ns;
	b->len += (size_t)n;
	free(more);
}

static char *
sb_take(struct sbuf *b)
{
	return b->failed ? NULL : b->s ? b->s : strdup("");
}

/* The page of fault ID (0: the front page) under base_url. */
static void
sb_url(struct sbuf *b, const char *base_url, int64_t id)
{
	size_t n = strlen(base_url);
	int k = (int)(n > 0 && base_url[n - 1] == '/' ? n - 1 : n);

	if (id > 0)
		sb_add(b, "%.*s/faults/%" PRId64, k, base_url, id);
	else
		sb_add(b, "%.*s/", k, base_url);
}

static void
sb_link(struct sbuf *b, const char *base_url, int64_t id)
{
	if (base_url == NULL || base_url[0] == '\0')
		return;
	sb_add(b, "\n详情：");
	sb_url(b, base_url, id);
}

static void
sb_code(struct sbuf *b, const struct msg_fault *f)
{
	if (!f->has_code)
		return;
	sb_add(b, "\n代码：%.15g", f->code);
}

char *
message_text(enum msg_what what, const struct msg_fault *f, int64_t after_ms, const char *base_url)
{
	struct sbuf b = { NULL, 0, 0 };
	char at[32], dur[64];
	const char *heading = headings[what];

	if (what == MSG_OPEN && f->kind == FK_COMM)
		heading = "通信中断";
	else if (what == MSG_REPORT)
		heading = f->kind == FK_SAFETY ? "安全事件（人工报告）" : "设备故障（人工报告）";
	time_format_local(f->at, at, sizeof(at));
	if (f->kind == FK_COMM)   /* the heading says it all */
		sb_add(&b, "【%s】%s", what == MSG_OPEN ? heading : headings[what], f->device_name);
	else
		sb_add(&b, "【%s】%s：%s", heading, f->device_name, f->label ? f->label : "");
	sb_add(&b, "\n实训室：%s", f->lab ? f->lab : "未分配实训室");
	sb_code(&b, f);
	switch (what) {
	case MSG_OPEN:
	case MSG_SAFETY:
		sb_add(&b, "\n时间：%s", at);
		break;
	case MSG_REPORT:
		sb_add(&b, "\n时间：%s\n报告人：%s", at, f->actor ? f->actor : "");
		break;
	case MSG_ACCIDENT:
		sb_add(&b, "\n发生时间：%s\n定性：安全事故（%s）", at, f->actor ? f->actor : "");
		break;
	case MSG_UNACKED:
	case MSG_UNREPAIRED:
		duration_zh(after_ms, dur, sizeof(dur));
		sb_add(&b, "\n时间：%s\n已超过 %s%s", at, dur,
		    what == MSG_UNACKED ? "无人受理" : "未修复");
		break;
	case MSG_WHAT_COUNT:
		break;
	}
	sb_link(&b, base_url, f->id);
	return sb_take(&b);
}

void
summary_add(struct summary *s, const char *lab, enum msg_what what)
{
	struct summary_lab *nl;
	size_t i;

	if (lab == NULL)
		lab = "未分配实训室";
	for (i = 0; i < s->nlabs; i++)
		if (strcmp(s->labs[i].lab, lab) == 0)
			break;
	if (i == s->nlabs) {
		if ((nl = realloc(s->labs, (s->nlabs + 1) * sizeof(*nl))) == NULL)
			return;
		s->labs = nl;
		memset(&s->labs[i], 0, sizeof(s->labs[i]));
		if ((s->labs[i].lab = strdup(lab)) == NULL)
			return;
		s->nlabs++;
	}
	s->labs[i].n[what]++;
	s->total++;
}

char *
summary_text(const struct summary *s, const char *base_url)
{
	struct sbuf b = { NULL, 0, 0 };

	sb_add(&b, "【通知合并】1 分钟内通知过多，以下 %u 条合并发送：", s->total);
	for (size_t i = 0; i < s->nlabs; i++) {
		int first = 1;
		sb_add(&b, "\n%s", s->labs[i].lab);
		for (int w = 0; w < MSG_WHAT_COUNT; w++) {
			if (s->labs[i].n[w] == 0)
				continue;
			sb_add(&b, "%s %u 起%s", first ? "" : "，", s->labs[i].n[w], counted[w]);
			first = 0;
		}
	}
	sb_link(&b, base_url, 0);
	return sb_take(&b);
}

void
summary_clear(struct summary *s)
{
	for (size_t i = 0; i < s->nlabs; i++)
		free(s->labs[i].lab);
	free(s->labs);
	memset(s, 0, sizeof(*s));
}

#define DIGEST_LIST 10

char *
digest_text(const char *site_name, int64_t now, const struct digest_watch *w,
    const struct fault *open, size_t nopen, size_t new_faults, size_t new_safety,
    const char *(*device_name)(void *, const char *), void *arg, const char *base_url)
{
	struct sbuf b = { NULL, 0, 0 };
	struct summary per_lab = { NULL, 0, 0 };
	size_t unacked = 0;
	char day[32], dur[64];

	time_format_local(now, day, sizeof(day));
	day[10] = '\0';
	for (size_t i = 0; i < nopen; i++) {
		if (open[i].acked_at == STORE_NOTIME)
			unacked++;
		summary_add(&per_lab, open[i].lab, open[i].kind == FK_SAFETY ? MSG_SAFETY : MSG_OPEN);
	}
	sb_add(&b, "【每日汇总】%s %s", site_name ? site_name : "", day);
	sb_add(&b, "\n待处理 %zu 起（未受理 %zu 起）；过去 24 小时新故障 %zu 起，安全事件 %zu 起",
	    nopen, unacked, new_faults, new_safety);
	/* a quiet day is only good news when somebody watched it */
	sb_add(&b, "\n过去 24 小时 tbmond 监测了 %.1f%%", w->observed * 100);
	if (w->under_observed)
		sb_add(&b, "，不足 %.0f%%：没有记录到的故障不等于没有故障", w->min_coverage * 100);
	if (!w->watching)
		sb_add(&b, "\n⚠ tbmond 现在没有运行：新的故障不会被发现");
	for (size_t i = 0; i < per_lab.nlabs; i++)
		sb_add(&b, "\n%s：故障 %u 起，安全事件 %u 起", per_lab.labs[i].lab,
		    per_lab.labs[i].n[MSG_OPEN], per_lab.labs[i].n[MSG_SAFETY]);
	if (nopen > 0)
		sb_add(&b, "\n最久未处理：");
	/* open[] is oldest first */
	for (size_t i = 0; i < nopen && i < DIGEST_LIST; i++) {
		duration_zh(now - open[i].opened_at, dur, sizeof(dur));
		sb_add(&b, "\n%zu. %s：%s（%s，已 %s）", i + 1, device_name(arg, open[i].device),
		    open[i].label ? open[i].label : "", open[i].lab ? open[i].lab : "", dur);
		if (base_url != NULL && base_url[0] != '\0') {
			sb_add(&b, " ");
			sb_url(&b, base_url, open[i].id);
		}
	}
	if (nopen > DIGEST_LIST)
		sb_add(&b, "\n……另有 %zu 起", nopen - DIGEST_LIST);
	summary_clear(&per_lab);
	sb_link(&b, base_url, 0);
	return sb_take(&b);
}

char *
monitor_text(int stopped, const char *site_name, int64_t since, int64_t until, int heartbeat_lost,
    const char *base_url)
{
	struct sbuf b = { NULL, 0, 0 };
	char t[32], dur[64];

	duration_zh(until - since, dur, sizeof(dur));
	if (stopped) {
		time_format_local(since, t, sizeof(t));
		sb_add(&b, "【监测中断】%s：tbmond 自 %s 起没有运行（%s，已 %s）。", site_name ? site_name : "",
		    t, heartbeat_lost ? "没有心跳，可能已崩溃或断电" : "已停止", dur);
		sb_add(&b, "\n这段时间设备的故障不会被发现，也不计入监测覆盖率。请检查网关和 tbmond 服务。");
	} else {
		time_format_local(until, t, sizeof(t));
		sb_add(&b, "【监测恢复】%s：tbmond 自 %s 起恢复运行，此前中断了 %s。", site_name ? site_name : "",
		    t, dur);
		sb_add(&b, "\n中断期间不计入监测覆盖率；其间发生而已经消失的故障无从得知。");
	}
	sb_link(&b, base_url, 0);
	return sb_take(&b);
}
