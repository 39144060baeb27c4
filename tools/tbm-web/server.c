/*
 * server.c - tbm-web's HTTP side on libmicrohttpd: one serving thread,
 * bounded connections, headers and bodies, timeouts; the security headers
 * on every response; the session cookie, CSRF token and one-time form id
 * checked before any POST reaches the code that changes something; routing.
 */
#include "server.h"

#include <errno.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "log.h"
#include "tbmtime.h"
#include "web.h"

/* Per connection: the request body as it arrives. */
struct conn {
	struct buf body;
	char *query;               /* the raw query string, or NULL */
	int started;
	int too_large;
};

void
req_redirect(struct req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->location, sizeof(r->location), fmt, ap);
	va_end(ap);
	r->status = 303;
}

void
req_ctx(struct req *r, const char *title, struct page_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->title = title;
	c->site_name = r->w->cf->site.name;
	if (r->logged_in) {
		c->user_display = r->acct.display && r->acct.display[0] ? r->acct.display : r->acct.name;
		c->role = auth_role_label(r->acct.role);
		c->manager = r->acct.role == ROLE_MANAGER;
		c->csrf = r->sess ? r->sess->csrf : "";
	}
}

void
req_error(struct req *r, int status, const char *msg)
{
	struct page_ctx c;
	const char *title = status == 403 ? "不允许" : status == 404 ? "找不到" :
	    status == 409 ? "未记录" : status == 413 ? "内容太大" : status == 429 ? "请稍后再试" :
	    status >= 500 ? "服务器错误" : "请求有误";

	buf_free(&r->out);
	buf_init(&r->out);
	r->status = status;
	r->location[0] = '\0';
	req_ctx(r, title, &c);
	page_begin(&r->out, &c);
	buf_put(&r->out, "<p class=\"msg err\">");
	buf_esc(&r->out, msg);
	buf_put(&r->out, "</p><p><a href=\"/\">返回首页</a></p>");
	page_end(&r->out);
}

void
form_hidden(struct req *r)
{
	char fid[SESSION_ID_HEX];

	if (web_random_hex(fid) < 0)
		fid[0] = '\0';
	buf_put(&r->out, "<input type=\"hidden\" name=\"csrf\" value=\"");
	buf_esc(&r->out, r->sess ? r->sess->csrf : "");
	buf_put(&r->out, "\"><input type=\"hidden\" name=\"form_id\" value=\"");
	buf_esc(&r->out, fid);
	buf_put(&r->out, "\">");
}

void
form_begin(struct req *r, const char *action, const char *what)
{
	buf_put(&r->out, "<form class=\"act\" method=\"post\" action=\"");
	buf_esc(&r->out, action);
	buf_put(&r->out, "\"><input type=\"hidden\" name=\"do\" value=\"");
	buf_esc(&r->out, what);
	buf_put(&r->out, "\">");
	form_hidden(r);
}

void
req_flash(struct req *r)
{
	static const struct { const char *code, *text; } msgs[] = {
		{ "ack", "已确认接单。" }, { "repair", "维修已记录。" }, { "dismiss", "已作为误报排除。" },
		{ "classify", "已分类。" }, { "report", "故障已上报。" }, { "amend", "更正已记录。" },
		{ "reopen", "已重新打开。" }, { "dup", "这张表单已经提交过，没有重复记录。" },
		{ "user", "账号已更新。" },
	};
	const char *ok = web_form_get(&r->query, "ok");

	for (size_t i = 0; ok && i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (strcmp(ok, msgs[i].code) == 0) {
			buf_printf(&r->out, "<p class=\"msg\" role=\"status\">%s</p>", msgs[i].text);
			return;
		}
}

void
req_base_url(struct req *r, struct buf *b)
{
	const char *u = r->w->cf->web.base_url;
	size_t n;

	if (u != NULL) {
		n = strlen(u);
		while (n > 0 && u[n - 1] == '/')
			n--;
		buf_add(b, u, n);
		return;
	}
	buf_put(b, r->secure ? "https://" : "http://");
	buf_put(b, r->host ? r->host : "localhost");
}

/* ---- the session of a request ---- */

static void
load_session(struct req *r)
{
	char id[SESSION_ID_HEX + 8];
	int rc;

	if (web_cookie_get(r->cookies, WEB_COOKIE, id, sizeof(id)) != 1)
		return;
	if ((r->sess = sessions_find(r->w->ss, id, r->now)) == NULL)
		return;
	rc = auth_account(r->w->st, r->sess->account, &r->acct);
	if (rc == 1) {
		r->logged_in = 1;
		return;
	}
	if (rc < 0)
		log_warnx("reading account %s: %s", r->sess->account, store_errmsg(r->w->st));
	/* disabled or removed: the session ends */
	sessions_drop(r->w->ss, r->sess);
	r->sess = NULL;
}

/*
 * /api/ for a program (a dashboard, a script): the key of an account
 * (tbmctl user key) in "Authorization: Bearer KEY" instead of a session.
 * Read-only by construction: only GETs of /api/ look at it. Wrong keys
 * count against the address like wrong passwords.
 */
static void
load_key(struct req *r, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char kaddr[96];
	int64_t wait;
	int rc;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return;
	for (h += 7; *h == ' '; h++)
		;
	snprintf(kaddr, sizeof(kaddr), "address:%s", r->client);
	if ((wait = throttle_wait(r->w->th_address, kaddr, r->now)) > 0) {
		log_warnx("api: a key from %s throttled (too many failures from this address): %lld s to wait",
		    r->client, (long long)(wait + 999) / 1000);
		r->throttled = 1;
		return;
	}
	rc = auth_key(r->w->st, h, &r->acct);
	if (rc == 1) {
		r->logged_in = 1;
		return;
	}
	if (rc < 0)
		log_warnx("api: reading the accounts: %s", store_errmsg(r->w->st));
	throttle_fail(r->w->th_address, kaddr, r->now);
	log_notice("api: a wrong, revoked or disabled account's key from %s: refused", r->client);
}

/* ---- routing ---- */

static int
is(const char *path, const char *p)
{
	return strcmp(path, p) == 0;
}

static void
route_get(struct req *r)
{
	const char *p = r->path;
	int64_t id;
	char name[CONF_ID_MAX];

	if (is(p, "/login")) {
		page_login(r, NULL);
		return;
	}
	if (is(p, "/favicon.ico")) {
		req_error(r, 404, "没有图标。");
		return;
	}
	if (!r->logged_in) {
		if (strncmp(p, "/api/", 5) == 0) {
			r->status = r->throttled ? 429 : 401;
			r->ctype = "application/json";
			buf_put(&r->out, r->throttled ? "{\"error\":\"too many failures: wait\"}\n" :
			    "{\"error\":\"not logged in (a session, or Authorization: Bearer KEY)\"}\n");
			return;
		}
		req_redirect(r, "/login");
		return;
	}
	if (is(p, "/"))
		page_home(r);
	else if (web_path_id(p, "/faults/", &id) == 0)
		page_fault(r, id);
	else if (is(p, "/devices"))
		page_devices(r);
	else if (web_path_name(p, "/devices/", name, sizeof(name)) == 0)
		page_device(r, name);
	else if (is(p, "/safety"))
		page_safety(r);
	else if (is(p, "/indicators"))
		page_indicators(r);
	else if (is(p, "/labels"))
		page_labels(r);
	else if (strncmp(p, "/qr/", 4) == 0)
		page_qr(r, p + 4);
	else if (is(p, "/users"))
		page_users(r);
	else if (strncmp(p, "/api/", 5) == 0)
		api_get(r);
	else
		req_error(r, 404, "没有这个页面。");
}

static void
route_post(struct req *r)
{
	const char *p = r->path;
	int64_t id;
	char name[CONF_ID_MAX];
	int used;

	if (is(p, "/login")) {
		post_login(r);
		return;
	}
	/* Everything else: a live session, its CSRF token, then a form id not used before. */
	if (r->sess == NULL || !r->logged_in) {
		req_error(r, 403, "没有登录或登录已过期，请重新登录。");
		return;
	}
	if (!session_csrf_ok(r->sess, web_form_get(&r->form, "csrf"))) {
		char safe[128];

		log_warnx("POST %s from %s as %s: no or wrong CSRF token, refused",
		    web_printable(p, safe, sizeof(safe)), r->client, r->sess->account);
		req_error(r, 403, "表单已失效（安全令牌不符），请重新打开页面再提交。");
		return;
	}
	if (is(p, "/logout")) {
		post_logout(r);
		return;
	}
	used = session_form_used(r->sess, web_form_get(&r->form, "form_id"));
	if (used < 0) {
		req_error(r, 400, "表单缺少编号，请重新打开页面再提交。");
		return;
	}
	if (used == 1) {
		/* a retry of a form already recorded: show where it went, record nothing */
		if (web_path_id(p, "/faults/", &id) == 0 || is(p, "/users") ||
		    web_path_name(p, "/devices/", name, sizeof(name)) == 0)
			req_redirect(r, "%s?ok=dup", p);
		else
			req_redirect(r, "/?ok=dup");
		return;
	}
	if (web_path_id(p, "/faults/", &id) == 0)
		post_fault(r, id);
	else if (web_path_name(p, "/devices/", name, sizeof(name)) == 0)
		post_device(r, name);
	else if (is(p, "/users"))
		post_users(r);
	else
		req_error(r, 404, "没有这个页面。");
}

/* ---- libmicrohttpd ---- */

static enum MHD_Result
add_header(struct MHD_Response *resp, const char *h, const char *v)
{
	return MHD_add_response_header(resp, h, v);
}

static enum MHD_Result
respond(struct MHD_Connection *c, struct req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = r->out.len;
	char *body = r->out.s;

	if (r->out.oom) {
		free(body);
		body = NULL;
		len = 0;
		r->status = 500;
	}
	if (body == NULL)
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	r->out.s = NULL;
	buf_free(&r->out);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	add_header(resp, "Content-Type", r->ctype ? r->ctype : "text/html; charset=utf-8");
	add_header(resp, "Content-Security-Policy",
	    "default-src 'self'; style-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
	add_header(resp, "X-Frame-Options", "DENY");
	add_header(resp, "X-Content-Type-Options", "nosniff");
	add_header(resp, "Referrer-Policy", "same-origin");
	if (r->secure)
		add_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (r->no_store)
		add_header(resp, "Cache-Control", "no-store");
	if (r->location[0] != '\0')
		add_header(resp, "Location", r->location);
	if (r->cookie[0] != '\0')
		add_header(resp, "Set-Cookie", r->cookie);
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
simple(struct MHD_Connection *c, struct web *w, int status, const char *msg)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	r.w = w;
	r.no_store = 1;
	req_error(&r, status, msg);
	return respond(c, &r);
}

static void
client_address(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	socklen_t sl = 0;

	snprintf(out, len, "%s", "unknown");
	if (sa == NULL)
		return;
	sl = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (getnameinfo(sa, sl, out, (socklen_t)len, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(out, len, "%s", "unknown");
}

/* The raw request line's URI, before libmicrohttpd splits and decodes the
 * query: the query is parsed by web_form_parse like a form body. */
static void *
uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn *cn = calloc(1, sizeof(*cn));
	const char *q;

	(void)cls, (void)c;
	if (cn == NULL)
		return NULL;
	if ((q = strchr(uri, '?')) != NULL) {
		if (strlen(q + 1) > WEB_FORM_MAX)
			cn->too_large = 1;
		else
			cn->query = strdup(q + 1);
	}
	return cn;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls, (void)c, (void)toe;
	if (cn == NULL)
		return;
	buf_free(&cn->body);
	free(cn->query);
	free(cn);
	*con_cls = NULL;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct conn *cn = *con_cls;
	struct req r;
	char err[160];
	enum MHD_Result ret;
	int post = strcmp(method, "POST") == 0;

	(void)version;
	if (cn == NULL)
		return MHD_NO;
	if (!cn->started) {
		const char *cl;

		cn->started = 1;
		if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return simple(c, w, 405, "只接受 GET 和 POST。");
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cn->too_large || (cl != NULL && strtoull(cl, NULL, 10) > WEB_FORM_MAX))
			return simple(c, w, 413, "请求的内容太大。");
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (cn->body.len + *upload_size > WEB_FORM_MAX)
			cn->too_large = 1;
		else
			buf_add(&cn->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (cn->too_large)
		return simple(c, w, 413, "请求的内容太大。");
	if (!post && cn->body.len > 0)
		return simple(c, w, 400, "GET 请求不能带内容。");

	memset(&r, 0, sizeof(r));
	r.w = w;
	r.method = method;
	r.path = url;
	r.post = post;
	r.now = time_now_ms();
	r.status = 200;
	r.no_store = 1;
	r.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	r.cookies = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
	client_address(c, r.client, sizeof(r.client));
	r.secure = w->tls;
	if (web_trust_has(&w->proxies, r.client)) {
		/* a proxy we trust says who the client is and how it came */
		const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
		web_forwarded_for(&w->proxies, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    "X-Forwarded-For"), r.client, sizeof(r.client));
		if (proto != NULL && strcasecmp(proto, "https") == 0)
			r.secure = 1;
	}
	buf_init(&r.out);

	if (strcmp(url, "/style.css") == 0 && !post) {
		r.ctype = "text/css; charset=utf-8";
		r.no_store = 0;
		buf_put(&r.out, web_css);
		return respond(c, &r);
	}
	if (cn->query != NULL &&
	    web_form_parse(cn->query, strlen(cn->query), &r.query, err, sizeof(err)) < 0) {
		req_error(&r, 400, err);
		return respond(c, &r);
	}
	if (post) {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");

		if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
			req_error(&r, 415, "只接受普通表单提交。");
			goto out;
		}
		if (web_form_parse(cn->body.s ? cn->body.s : "", cn->body.len, &r.form, err,
		    sizeof(err)) < 0) {
			req_error(&r, 400, err);
			goto out;
		}
	}
	load_session(&r);
	if (!r.logged_in && !post && strncmp(url, "/api/", 5) == 0)
		load_key(&r, c);
	if (post)
		route_post(&r);
	else
		route_get(&r);
out:
	ret = respond(c, &r);
	web_form_free(&r.query);
	web_form_free(&r.form);
	if (r.logged_in)
		auth_account_clear(&r.acct);
	return ret;
}

/* ---- starting ---- */

int
web_listen_parse(const char *listen, struct sockaddr_storage *ss, socklen_t *sl, char *err,
    size_t len)
{
	char host[256], *port;
	const char *colon;
	struct addrinfo hints, *res = NULL;
	int rc;

	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');

		if (end == NULL || end[1] != ':' || (size_t)(end - listen) >= sizeof(host)) {
			snprintf(err, len, "listen '%s': expected [ADDRESS]:PORT", listen);
			return -1;
		}
		memcpy(host, listen + 1, (size_t)(end - listen - 1));
		host[end - listen - 1] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(listen, ':');
		if (colon == NULL || (size_t)(colon - listen) >= sizeof(host)) {
			snprintf(err, len, "listen '%s': expected HOST:PORT", listen);
			return -1;
		}
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
	}
	port = (char *)colon + 1;
	if (*port == '\0' || strspn(port, "0123456789") != strlen(port) || atol(port) < 1 ||
	    atol(port) > 65535) {
		snprintf(err, len, "listen '%s': the port must be 1-65535", listen);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, len, "listen '%s': %s", listen, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sl = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static char *
slurp(const char *path, char *err, size_t len)
{
	FILE *fp = fopen(path, "r");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (fp == NULL) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 && b.len < (1 << 20))
		buf_add(&b, chunk, n);
	fclose(fp);
	if (b.oom || b.s == NULL) {
		snprintf(err, len, "%s: empty or unreadable", path);
		buf_free(&b);
		return NULL;
	}
	return b.s;
}

struct MHD_Daemon *
web_start(struct web *w, char *err, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	char *cert = NULL, *key = NULL;
	struct MHD_Daemon *d;
	const struct conf_web *cw = &w->cf->web;

	if (web_listen_parse(cw->listen, &ss, &sl, err, len) < 0)
		return NULL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cw->cert_file != NULL) {
		if ((cert = slurp(cw->cert_file, err, len)) == NULL ||
		    (key = slurp(cw->key_file, err, len)) == NULL) {
			free(cert);
			return NULL;
		}
		flags |= MHD_USE_TLS;
		w->tls = 1;
	}
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, w,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_MAX_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)WEB_MAX_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WEB_HEADER_MEMORY,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_seen, (void *)NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, (void *)NULL,
	    cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
	    MHD_OPTION_HTTPS_MEM_KEY, key,
	    MHD_OPTION_END);
	if (key != NULL)
		OPENSSL_cleanse(key, strlen(key));
	free(cert);
	free(key);
	if (d == NULL)
		snprintf(err, len, "cannot listen on %s (in use, or not an address of this machine?%s)",
		    cw->listen, w->tls ? " or cert_file/key_file are not a PEM certificate and its key" : "");
	return d;
}
