/*
 * users.c - /users: the base's accounts for managers (list, add, new
 * password, disable and enable, a key for /api/ shown once, revoked). Every change is made through auth.c and
 * is an audit record in the store; a disabled account's sessions end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web.h"

#define LABS_MAX 16

/* A one-button form of an account's row: POST /users do=WHAT name=NAME. */
static void
row_button(struct req *r, const char *name, const char *what, const char *label)
{
	struct buf *b = &r->out;

	buf_put(b, "<form method=\"post\" action=\"/users\">");
	form_hidden(r);
	buf_put(b, "<input type=\"hidden\" name=\"name\" value=\"");
	buf_esc(b, name);
	buf_printf(b, "\"><input type=\"hidden\" name=\"do\" value=\"%s\"><button type=\"submit\" "
	    "class=\"sec\">%s</button></form>", what, label);
}

/* A labelled choice of every account, the field "name" of a form. */
static void
account_select(struct buf *b, const char *id, const struct account *v, size_t n)
{
	buf_printf(b, "<label for=\"%s\">账号</label><select id=\"%s\" name=\"name\">", id, id);
	for (size_t i = 0; i < n; i++) {
		buf_put(b, "<option value=\"");
		buf_esc(b, v[i].name);
		buf_put(b, "\">");
		buf_esc(b, v[i].name);
		buf_put(b, "</option>");
	}
	buf_put(b, "</select>");
}

void
page_users(struct req *r)
{
	struct account *v = NULL;
	size_t n = 0;
	struct page_ctx c;
	struct buf *b = &r->out;

	if (req_refused(r, RIGHT_MANAGE_USERS, NULL, NULL))
		return;
	if (auth_accounts(r->w->st, &v, &n) != 0) {
		req_error(r, 500, "读取账号出错。");
		return;
	}
	req_ctx(r, "账号", &c);
	page_begin(b, &c);
	req_flash(r);
	buf_put(b, "<div class=\"scroll\"><table><tr><th>账号</th><th>姓名</th><th>角色</th><th>实训室</th><th>状态</th><th>API 密钥</th><th></th></tr>");
	for (size_t i = 0; i < n; i++) {
		buf_put(b, "<tr><td>");
		buf_esc(b, v[i].name);
		buf_put(b, "</td><td>");
		buf_esc(b, v[i].display);
		buf_put(b, "</td><td>");
		buf_esc(b, auth_role_label(v[i].role));
		buf_put(b, "</td><td>");
		if (v[i].nlabs == 0)
			buf_put(b, "全部");
		for (size_t k = 0; k < v[i].nlabs; k++) {
			if (k)
				buf_put(b, "、");
			buf_esc(b, v[i].labs[k]);
		}
		buf_put(b, "</td><td>");
		buf_put(b, v[i].disabled ? "已停用" : "启用");
		buf_put(b, "</td><td>");
		if (v[i].has_key) {
			buf_put(b, "有");
			row_button(r, v[i].name, "keyrevoke", "吊销");
		}
		buf_put(b, "</td><td>");
		row_button(r, v[i].name, v[i].disabled ? "enable" : "disable", v[i].disabled ? "启用" : "停用");
		buf_put(b, "</td></tr>");
	}
	buf_put(b, "</table></div>");

	buf_put(b, "<h2>新账号</h2>");
	form_begin(r, "/users", "add");
	buf_put(b, "<label for=\"u-name\">账号（登录名）</label><input id=\"u-name\" name=\"name\" required maxlength=\"64\">"
		   "<label for=\"u-display\">姓名</label><input id=\"u-display\" name=\"display\" required maxlength=\"64\">"
		   "<label for=\"u-role\">角色</label><select id=\"u-role\" name=\"role\"><option value=\"technician\">技术员</option>"
		   "<option value=\"manager\">主任</option><option value=\"viewer\">查看</option></select>"
		   "<label for=\"u-labs\">限于实训室（逗号分隔，空 = 全部）</label><input id=\"u-labs\" name=\"labs\" maxlength=\"1000\">"
		   "<label for=\"u-pw\">初始密码（至少 8 位）</label><input id=\"u-pw\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required minlength=\"8\" maxlength=\"256\">"
		   "<button type=\"submit\">添加账号</button></form>");

	buf_put(b, "<h2>重设密码</h2>");
	form_begin(r, "/users", "passwd");
	account_select(b, "p-name", v, n);
	buf_put(b, "<label for=\"p-pw\">新密码（至少 8 位）</label><input id=\"p-pw\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required minlength=\"8\" maxlength=\"256\">"
		   "<button type=\"submit\">设置密码</button></form>");

	buf_put(b, "<h2>API 密钥</h2><p class=\"mut\">给大屏或脚本读只读的 /api/：密钥只显示一次，"
		   "权限与账号相同；新密钥使旧的失效，账号停用时密钥也不能用。</p>");
	form_begin(r, "/users", "key");
	account_select(b, "k-name", v, n);
	buf_put(b, "<button type=\"submit\">生成密钥</button></form>");
	page_end(b);
	auth_accounts_free(v, n);
}

/* The new key, this once (the response is not stored: no-store). */
static void
key_shown(struct req *r, const char *name, const char *key)
{
	struct page_ctx c;
	struct buf *b = &r->out;

	req_ctx(r, "API 密钥", &c);
	page_begin(b, &c);
	buf_put(b, "<p class=\"msg\" role=\"status\">账号 ");
	buf_esc(b, name);
	buf_put(b, " 的新密钥（之前的密钥已失效）。只显示这一次，请像密码一样保管：</p><p><code id=\"api-key\">");
	buf_esc(b, key);
	buf_put(b, "</code></p><p class=\"mut\">用法：<code>curl -H 'Authorization: Bearer 密钥' ");
	req_base_url(r, b);
	buf_put(b, "/api/status</code></p><p><a href=\"/users\">返回账号</a></p>");
	page_end(b);
}

void
post_users(struct req *r)
{
	const char *what = web_form_get(&r->form, "do"), *name = web_form_get(&r->form, "name");
	const char *pw = web_form_get(&r->form, "password");
	struct auth_who who = { &r->acct, r->client };
	char err[256] = "";
	int rc;

	if (req_refused(r, RIGHT_MANAGE_USERS, NULL, NULL))
		return;
	if (what == NULL || name == NULL || name[0] == '\0' || strlen(name) > 64) {
		req_error(r, 400, "请填写账号。");
		return;
	}
	if (strcmp(what, "add") == 0) {
		struct account a;
		const char *labs = web_form_get(&r->form, "labs"), *role = web_form_get(&r->form, "role");
		char *copy = labs ? strdup(labs) : NULL, *save = NULL, *tok;
		char *labv[LABS_MAX];
		int ro = role ? auth_role_parse(role) : -1;

		memset(&a, 0, sizeof(a));
		if (ro < 0 || pw == NULL || strlen(pw) < 8 || strlen(pw) > 256) {
			free(copy);
			req_error(r, 400, ro < 0 ? "角色不对。" : "密码至少 8 位。");
			return;
		}
		a.name = (char *)name;
		a.display = (char *)web_form_get(&r->form, "display");
		a.role = (enum role)ro;
		a.labs = labv;
		for (tok = copy ? strtok_r(copy, ",，", &save) : NULL; tok; tok = strtok_r(NULL, ",，", &save)) {
			while (*tok == ' ')
				tok++;
			if (*tok == '\0')
				continue;
			if (a.nlabs == LABS_MAX) {
				free(copy);
				req_error(r, 400, "实训室太多。");
				return;
			}
			labv[a.nlabs++] = tok;
		}
		rc = auth_account_add(r->w->st, &who, &a, pw, r->now, err, sizeof(err));
		free(copy);
	} else if (strcmp(what, "passwd") == 0) {
		if (pw == NULL || strlen(pw) < 8 || strlen(pw) > 256) {
			req_error(r, 400, "密码至少 8 位。");
			return;
		}
		rc = auth_account_passwd(r->w->st, &who, name, pw, r->now, err, sizeof(err));
		if (rc == 0)
			sessions_drop_account(r->w->ss, name);
	} else if (strcmp(what, "key") == 0) {
		char key[ACCOUNT_KEY_LEN + 1];

		rc = auth_account_key(r->w->st, &who, name, key, r->now, err, sizeof(err));
		if (rc == 0) {
			session_form_mark(r->sess, web_form_get(&r->form, "form_id"));
			log_info("account %s: a key for /api/ by %s from %s", name, r->acct.name, r->client);
			key_shown(r, name, key);
			explicit_bzero(key, sizeof(key));
			return;
		}
	} else if (strcmp(what, "keyrevoke") == 0) {
		rc = auth_account_key(r->w->st, &who, name, NULL, r->now, err, sizeof(err));
	} else if (strcmp(what, "disable") == 0 || strcmp(what, "enable") == 0) {
		int dis = what[0] == 'd';

		rc = auth_account_disable(r->w->st, &who, name, dis, r->now, err, sizeof(err));
		if (rc == 0 && dis)
			sessions_drop_account(r->w->ss, name);
	} else {
		req_error(r, 400, "不认识的操作。");
		return;
	}
	if (rc == 0) {
		session_form_mark(r->sess, web_form_get(&r->form, "form_id"));
		log_info("account %s: %s by %s from %s", name, what, r->acct.name, r->client);
		req_redirect(r, "/users?ok=user");
	} else
		req_error(r, rc == STORE_REFUSED ? 409 : 500, err[0] ? err : "没有记录。");
}
