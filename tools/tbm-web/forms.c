/*
 * forms.c - the POSTs: login (throttled per account and per address),
 * logout, and the people's changes to a fault or a device. server.c has
 * checked the session, the CSRF token and that the form id is new; here each
 * change is first asked of the rights (403 when not allowed), its fields
 * checked, then made through auth.c, and the form id marked as recorded.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tbmtime.h"
#include "web.h"

#define NOTE_MAX 2000              /* bytes of a note, an action, a reason */

static const char *
field_opt(struct req *r, const char *name)
{
	const char *v = web_form_get(&r->form, name);

	while (v && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'))
		v++;
	return v && *v ? v : NULL;
}

static int
too_long(struct req *r, const char *v, const char *what)
{
	char msg[160];

	if (v == NULL || strlen(v) <= NOTE_MAX)
		return 0;
	snprintf(msg, sizeof(msg), "%s太长了（最多 %d 字节）。", what, NOTE_MAX);
	req_error(r, 400, msg);
	return 1;
}

/* "2023-11-02T14:05" (datetime-local) or anything time_parse takes; empty:
 * `def`. 0 ok, -1 after answering 400. */
static int
form_time(struct req *r, const char *name, int64_t def, int64_t *out)
{
	const char *v = field_opt(r, name), *shown;
	char t[64];

	if (v == NULL) {
		*out = def;
		return 0;
	}
	/* the form's default left as it was: now, not the first second of that
	 * minute (which may come before the fault opened) */
	shown = web_form_get(&r->form, "at_shown");
	if (shown != NULL && strcmp(shown, v) == 0) {
		*out = r->now;
		return 0;
	}
	snprintf(t, sizeof(t), "%s", v);
	if (strlen(t) >= 11 && t[10] == 'T')
		t[10] = ' ';
	if (strlen(v) >= sizeof(t) || time_parse(t, out) != 0) {
		req_error(r, 400, "时间的格式不对（例如 2023-11-02 14:05）。");
		return -1;
	}
	if (*out > r->now + 5 * 60 * 1000) {
		req_error(r, 400, "时间不能在将来。");
		return -1;
	}
	return 0;
}

static void
mark_done(struct req *r)
{
	session_form_mark(r->sess, web_form_get(&r->form, "form_id"));
}

/* The answer to a change: recorded, refused by the rules (409), or a database error. */
static void
answer(struct req *r, int rc, const char *err, const char *what, const char *where, const char *ok)
{
	if (rc == 0) {
		mark_done(r);
		log_info("%s by %s from %s: %s", what, r->acct.name, r->client, where);
		req_redirect(r, "%s?ok=%s", where, ok);
	} else if (rc == STORE_REFUSED) {
		req_error(r, 409, err);
	} else {
		log_warnx("%s by %s: %s", what, r->acct.name, err);
		req_error(r, 500, "写入数据库出错，没有记录，请稍后再试。");
	}
}

int
req_refused(struct req *r, enum right right, const struct fault *f, const char *lab)
{
	char why[256];

	if (auth_may(&r->acct, right, f, lab, r->now, why, sizeof(why)) == 0)
		return 0;
	log_notice("%s %s by %s from %s refused: %s", r->method, r->path, r->acct.name, r->client, why);
	req_error(r, 403, why);
	return 1;
}

void
post_fault(struct req *r, int64_t id)
{
	const char *what = web_form_get(&r->form, "do");
	struct auth_who who = { &r->acct, r->client };
	struct fault f;
	char err[256] = "", where[64];
	int rc, found;
	int64_t at;

	if (what == NULL) {
		req_error(r, 400, "表单缺少操作。");
		return;
	}
	if ((found = store_fault_get(r->w->st, id, &f)) <= 0) {
		req_error(r, found < 0 ? 500 : 404, found < 0 ? "读取数据库出错。" : "没有这个编号的故障。");
		return;
	}
	snprintf(where, sizeof(where), "/faults/%lld", (long long)id);
	if (too_long(r, field_opt(r, "note"), "备注") || too_long(r, field_opt(r, "action"), "维修内容") ||
	    too_long(r, field_opt(r, "parts"), "部件") || too_long(r, field_opt(r, "reason"), "原因"))
		goto out;
	if (strcmp(what, "ack") == 0) {
		if (req_refused(r, RIGHT_ACK, &f, f.lab))
			goto out;
		rc = auth_ack(r->w->st, &who, id, field_opt(r, "note"), r->now, err, sizeof(err));
		answer(r, rc, err, "ack", where, "ack");
	} else if (strcmp(what, "repair") == 0) {
		if (req_refused(r, RIGHT_REPAIR, &f, f.lab))
			goto out;
		if (field_opt(r, "action") == NULL) {
			req_error(r, 400, "请填写维修内容。");
			goto out;
		}
		if (form_time(r, "at", r->now, &at) < 0)
			goto out;
		rc = auth_repair(r->w->st, &who, id, field_opt(r, "action"), field_opt(r, "parts"), at,
		    r->now, err, sizeof(err));
		answer(r, rc, err, "repair", where, "repair");
	} else if (strcmp(what, "dismiss") == 0) {
		if (req_refused(r, RIGHT_DISMISS, &f, f.lab))
			goto out;
		if (field_opt(r, "reason") == NULL) {
			req_error(r, 400, "请填写排除原因。");
			goto out;
		}
		rc = auth_dismiss(r->w->st, &who, id, field_opt(r, "reason"), r->now, err, sizeof(err));
		answer(r, rc, err, "dismiss", where, "dismiss");
	} else if (strcmp(what, "classify") == 0) {
		const char *cls = web_form_get(&r->form, "class");

		if (req_refused(r, RIGHT_CLASSIFY, &f, f.lab))
			goto out;
		if (cls == NULL) {
			req_error(r, 400, "请选择分类。");
			goto out;
		}
		rc = auth_classify(r->w->st, &who, id, cls, field_opt(r, "note"), r->now, err, sizeof(err));
		answer(r, rc, err, "classify", where, "classify");
	} else if (strcmp(what, "amend") == 0) {
		if (req_refused(r, RIGHT_AMEND, &f, f.lab))
			goto out;
		if (field_opt(r, "reason") == NULL) {
			req_error(r, 400, "请填写更正原因。");
			goto out;
		}
		if (form_time(r, "at", 0, &at) < 0)
			goto out;
		rc = auth_amend(r->w->st, &who, id, field_opt(r, "action"), field_opt(r, "parts"),
		    field_opt(r, "note"), at, field_opt(r, "reason"), r->now, err, sizeof(err));
		answer(r, rc, err, "amend", where, "amend");
	} else if (strcmp(what, "reopen") == 0) {
		if (req_refused(r, RIGHT_REOPEN, &f, f.lab))
			goto out;
		if (field_opt(r, "reason") == NULL) {
			req_error(r, 400, "请填写重新打开的原因。");
			goto out;
		}
		rc = auth_reopen(r->w->st, &who, id, field_opt(r, "reason"), r->now, err, sizeof(err));
		answer(r, rc, err, "reopen", where, "reopen");
	} else
		req_error(r, 400, "不认识的操作。");
out:
	fault_clear(&f);
}

void
post_device(struct req *r, const char *id)
{
	const struct conf_device *d = config_device(r->w->cf, id);
	struct auth_who who = { &r->acct, r->client };
	const char *what = web_form_get(&r->form, "do"), *kind = web_form_get(&r->form, "kind");
	const char *note = field_opt(r, "note");
	char err[256] = "", where[80];
	int64_t fid = 0;
	int k, rc;

	if (d == NULL) {
		req_error(r, 404, "没有这台设备（不在配置里）。");
		return;
	}
	if (what == NULL || strcmp(what, "report") != 0) {
		req_error(r, 400, "不认识的操作。");
		return;
	}
	if (req_refused(r, RIGHT_REPORT, NULL, d->lab))
		return;
	k = kind ? fault_kind_parse(kind) : FK_FAULT;
	if (k != FK_FAULT && k != FK_SAFETY) {
		req_error(r, 400, "类型只能是故障或安全事件。");
		return;
	}
	if (note == NULL) {
		req_error(r, 400, "请写下看到了什么。");
		return;
	}
	if (too_long(r, note, "说明"))
		return;
	rc = auth_report(r->w->st, &who, id, (enum fault_kind)k, note, r->now, r->now, &fid, err,
	    sizeof(err));
	snprintf(where, sizeof(where), "/faults/%lld", (long long)fid);
	answer(r, rc, err, "report", where, "report");
}

void
post_login(struct req *r)
{
	const char *name = web_form_get(&r->form, "name"), *pw = web_form_get(&r->form, "password");
	const char *token = web_form_get(&r->form, "csrf");
	char pre[SESSION_ID_HEX + 8], kacct[160], kaddr[96], id[SESSION_ID_HEX];
	struct account a;
	int64_t wait_a, wait_b;
	int rc;

	if (web_cookie_get(r->cookies, WEB_PRELOGIN_COOKIE, pre, sizeof(pre)) != 1 || token == NULL ||
	    strlen(token) != strlen(pre) || CRYPTO_memcmp(token, pre, strlen(pre)) != 0) {
		log_notice("login from %s without the login form's token: refused", r->client);
		req_error(r, 403, "登录表单已失效，请重新打开登录页。");
		return;
	}
	if (name == NULL || pw == NULL || name[0] == '\0' || strlen(name) > 64 || strlen(pw) > 256) {
		r->status = 400;
		page_login(r, "请填写账号和密码。");
		return;
	}
	/* no account has such a name; and it is not written to the log as typed */
	if (!auth_name_ok(name)) {
		char kaddr0[96];

		snprintf(kaddr0, sizeof(kaddr0), "address:%s", r->client);
		throttle_fail(r->w->th_address, kaddr0, r->now);
		log_notice("login from %s refused: not an account name", r->client);
		r->status = 401;
		page_login(r, "账号或密码不对。");
		return;
	}
	snprintf(kacct, sizeof(kacct), "account:%s", name);
	snprintf(kaddr, sizeof(kaddr), "address:%s", r->client);
	wait_a = throttle_wait(r->w->th_account, kacct, r->now);
	wait_b = throttle_wait(r->w->th_address, kaddr, r->now);
	if (wait_a > 0 || wait_b > 0) {
		char msg[160];
		int64_t wait = wait_a > wait_b ? wait_a : wait_b;

		log_warnx("login as %s from %s throttled (%s): %lld s to wait", name, r->client,
		    wait_a > 0 ? "too many failures for this account" : "too many failures from this address",
		    (long long)(wait + 999) / 1000);
		snprintf(msg, sizeof(msg), "失败次数太多，请 %lld 秒后再试。", (long long)(wait + 999) / 1000);
		r->status = 429;
		page_login(r, msg);
		return;
	}
	rc = auth_login(r->w->st, name, pw, &a);
	if (rc < 0) {
		log_warnx("login as %s: %s", name, store_errmsg(r->w->st));
		req_error(r, 500, "读取数据库出错，请稍后再试。");
		return;
	}
	if (rc == 0) {
		throttle_fail(r->w->th_account, kacct, r->now);
		throttle_fail(r->w->th_address, kaddr, r->now);
		log_notice("login as %s from %s refused: wrong password, unknown or disabled account",
		    name, r->client);
		r->status = 401;
		page_login(r, "账号或密码不对。");
		return;
	}
	/* the address keeps its failures: one good login must not clear the way
	 * for guessing other accounts from there */
	throttle_ok(r->w->th_account, kacct);
	if (sessions_create(r->w->ss, a.name, r->now, id) == NULL) {
		auth_account_clear(&a);
		req_error(r, 500, "无法建立会话。");
		return;
	}
	log_info("login: %s from %s", a.name, r->client);
	auth_account_clear(&a);
	snprintf(r->cookie, sizeof(r->cookie), WEB_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s",
	    id, r->secure ? "; Secure" : "");
	OPENSSL_cleanse(id, sizeof(id));
	req_redirect(r, "/");
}

void
post_logout(struct req *r)
{
	log_info("logout: %s from %s", r->sess->account, r->client);
	sessions_drop(r->w->ss, r->sess);
	r->sess = NULL;
	snprintf(r->cookie, sizeof(r->cookie), WEB_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
	    r->secure ? "; Secure" : "");
	req_redirect(r, "/login");
}
