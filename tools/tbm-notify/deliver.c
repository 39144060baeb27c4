/*
 * deliver.c - sends one message with libcurl: a JSON POST to a WeCom,
 * DingTalk or Feishu group robot or a generic webhook, or a mail over
 * SMTP/SMTPS; and judges the answer. A robot answers HTTP 200 also when
 * it refuses (rate limited, bad key): its own error code counts as a
 * failure. Nothing logged or returned here holds a URL or a secret.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "tbmtime.h"

#define REPLY_MAX (64 * 1024)
#define CONNECT_TIMEOUT_MS 10000L

struct deliver {
	const struct conf_notify *c;
	const char *site_name;
	CURL *curl;
	char *url;                   /* robots, webhook */
	char *secret;                /* dingtalk, feishu signing */
	char *password;              /* email */
	char *from;
	struct curl_slist *rcpt;     /* email */
	char *to_header;
};

struct deliver *
deliver_new(const struct conf_notify *c, const char *site_name)
{
	struct deliver *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->c = c;
	d->site_name = site_name;
	return d;
}

void
deliver_free(struct deliver *d)
{
	if (d == NULL)
		return;
	if (d->curl != NULL)
		curl_easy_cleanup(d->curl);
	if (d->url != NULL)
		explicit_bzero(d->url, strlen(d->url));
	if (d->secret != NULL)
		explicit_bzero(d->secret, strlen(d->secret));
	if (d->password != NULL)
		explicit_bzero(d->password, strlen(d->password));
	free(d->url);
	free(d->secret);
	free(d->password);
	free(d->from);
	free(d->to_header);
	curl_slist_free_all(d->rcpt);
	free(d);
}

/* The recipients of `to` (comma separated) as the SMTP envelope and header. */
static int
parse_to(struct deliver *d)
{
	char **to = NULL;
	size_t n = 0, hl = 0;
	int rc = -1;

	/* the header is no longer than the items with ", " between them */
	if (config_list_split(d->c->to, &to, &n) != 0 ||
	    (d->to_header = calloc(1, strlen(d->c->to) + 2 * n + 1)) == NULL)
		goto out;
	if (n == 0) {
		log_errx("%s:%d: notify '%s': to: no address", d->c->file, d->c->line, d->c->id);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char addr[512];
		struct curl_slist *nl;
		if (strchr(to[i], '@') == NULL || strpbrk(to[i], "<>\r\n") != NULL) {
			log_errx("%s:%d: notify '%s': to: '%s' is not an e-mail address", d->c->file,
			    d->c->line, d->c->id, to[i]);
			goto out;
		}
		snprintf(addr, sizeof(addr), "<%s>", to[i]);
		if ((nl = curl_slist_append(d->rcpt, addr)) == NULL)
			goto out;
		d->rcpt = nl;
		hl += (size_t)sprintf(d->to_header + hl, "%s%s", i ? ", " : "", to[i]);
	}
	rc = 0;
out:
	config_list_free(to, n);
	return rc;
}

int
deliver_load(struct deliver *d, int check_only)
{
	const struct conf_notify *c = d->c;
	char host[256];

	if (c->type == NOTIFY_EMAIL) {
		if (parse_to(d) != 0)
			return -1;
		if (c->password_file != NULL &&
		    (d->password = secret_read(c->password_file, c->file, c->password_file_line,
		    "password_file")) == NULL)
			return -1;
		if (c->from != NULL)
			d->from = strdup(c->from);
		else if (c->username != NULL && strchr(c->username, '@') != NULL)
			d->from = strdup(c->username);
		else if (gethostname(host, sizeof(host)) == 0 &&
		    asprintf(&d->from, "tbm-notify@%s", host) < 0)
			d->from = NULL;
		if (d->from == NULL)
			return -1;
	} else {
		if ((d->url = secret_read(c->url_file, c->file, c->url_file_line, "url_file")) == NULL)
			return -1;
		if (strncmp(d->url, "http://", 7) != 0 && strncmp(d->url, "https://", 8) != 0) {
			log_errx("%s:%d: url_file %s does not hold an http:// or https:// URL",
			    c->file, c->url_file_line, c->url_file);
			return -1;
		}
		if (c->secret_file != NULL &&
		    (d->secret = secret_read(c->secret_file, c->file, c->secret_file_line,
		    "secret_file")) == NULL)
			return -1;
	}
	if (check_only)
		return 0;
	if ((d->curl = curl_easy_init()) == NULL) {
		log_errx("notify %s: cannot start libcurl", c->id);
		return -1;
	}
	return 0;
}

/* ---- the robots' answers ---- */

static const char *
json_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

int
robot_reply(enum notify_type t, long status, const char *body, char *why, size_t len)
{
	const char *code_key = NULL, *msg_key = NULL;
	const cJSON *code = NULL;
	cJSON *o = NULL;
	int rc = -1;

	if (t == NOTIFY_WEBHOOK || t == NOTIFY_EMAIL) {
		if (status >= 200 && status < 300)
			return 0;
		snprintf(why, len, "HTTP %ld", status);
		return -1;
	}
	o = cJSON_Parse(body ? body : "");
	if (t == NOTIFY_FEISHU) {
		/* new bots answer {"code", "msg"}, older ones {"StatusCode", "StatusMessage"} */
		code_key = "code";
		msg_key = "msg";
		if (o != NULL && !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "code"))) {
			code_key = "StatusCode";
			msg_key = "StatusMessage";
		}
	} else {
		code_key = "errcode";
		msg_key = "errmsg";
	}
	if (o != NULL)
		code = cJSON_GetObjectItemCaseSensitive(o, code_key);
	if (status < 200 || status >= 300) {
		if (cJSON_IsNumber(code))
			snprintf(why, len, "HTTP %ld, %s %d: %.200s", status, code_key, code->valueint,
			    json_str(o, msg_key));
		else
			snprintf(why, len, "HTTP %ld", status);
	} else if (!cJSON_IsNumber(code)) {
		snprintf(why, len, "HTTP %ld but no %s in the answer", status, code_key);
	} else if (code->valueint != 0) {
		snprintf(why, len, "%s %d: %.200s", code_key, code->valueint, json_str(o, msg_key));
	} else {
		rc = 0;
	}
	cJSON_Delete(o);
	return rc;
}

/* ---- requests ---- */

struct reply {
	char *buf;
	size_t len;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t k = size * n, take = k;
	char *nb;

	if (r->len + take > REPLY_MAX)
		take = REPLY_MAX - r->len;
	if (take > 0) {
		if ((nb = realloc(r->buf, r->len + take + 1)) == NULL)
			return 0;
		r->buf = nb;
		memcpy(r->buf + r->len, p, take);
		r->len += take;
		r->buf[r->len] = '\0';
	}
	return k;
}

/* Stop waiting for a server when tbm-notify is told to stop. */
static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t e)
{
	(void)arg;
	(void)a;
	(void)b;
	(void)c;
	(void)e;
	return notify_stop ? 1 : 0;
}

static void
common_opts(struct deliver *d)
{
	curl_easy_reset(d->curl);
	curl_easy_setopt(d->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(d->curl, CURLOPT_TIMEOUT_MS, (long)d->c->timeout_ms);
	curl_easy_setopt(d->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    d->c->timeout_ms < CONNECT_TIMEOUT_MS ? (long)d->c->timeout_ms : CONNECT_TIMEOUT_MS);
	curl_easy_setopt(d->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(d->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (d->c->ca_file != NULL)
		curl_easy_setopt(d->curl, CURLOPT_CAINFO, d->c->ca_file);
}

/* The robot's JSON for a text. */
static char *
robot_body(struct deliver *d, const char *text, const char *event)
{
	cJSON *o = cJSON_CreateObject(), *inner;
	char ts[32], sig[128];
	char *out = NULL;

	if (o == NULL)
		return NULL;
	switch (d->c->type) {
	case NOTIFY_WECOM:
	case NOTIFY_DINGTALK:
		cJSON_AddStringToObject(o, "msgtype", "text");
		inner = cJSON_AddObjectToObject(o, "text");
		cJSON_AddStringToObject(inner, "content", text);
		break;
	case NOTIFY_FEISHU:
		if (d->secret != NULL) {
			int64_t now = time_now_ms() / 1000;
			if (sign_feishu(d->secret, now, sig, sizeof(sig)) != 0)
				goto out;
			snprintf(ts, sizeof(ts), "%" PRId64, now);
			cJSON_AddStringToObject(o, "timestamp", ts);
			cJSON_AddStringToObject(o, "sign", sig);
		}
		cJSON_AddStringToObject(o, "msg_type", "text");
		inner = cJSON_AddObjectToObject(o, "content");
		cJSON_AddStringToObject(inner, "text", text);
		break;
	case NOTIFY_WEBHOOK:
		if (event != NULL) {
			cJSON_Delete(o);
			return strdup(event);
		}
		cJSON_AddStringToObject(o, "text", text);
		break;
	default:
		break;
	}
	out = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return out;
}

static int
send_http(struct deliver *d, const char *text, const char *event, char *why, size_t len)
{
	struct curl_slist *hdr = NULL;
	struct reply r = { NULL, 0 };
	char *body = robot_body(d, text, event), *url = NULL, sig[256];
	long status = 0;
	CURLcode cc;
	int rc = -1;

	if (body == NULL) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	if (d->c->type == NOTIFY_DINGTALK && d->secret != NULL) {
		int64_t now = time_now_ms();
		if (sign_dingtalk(d->secret, now, sig, sizeof(sig)) != 0 ||
		    asprintf(&url, "%s%ctimestamp=%" PRId64 "&sign=%s", d->url,
		    strchr(d->url, '?') ? '&' : '?', now, sig) < 0) {
			snprintf(why, len, "cannot sign the request");
			url = NULL;
			goto out;
		}
	}
	common_opts(d);
	hdr = curl_slist_append(hdr, "Content-Type: application/json; charset=utf-8");
	curl_easy_setopt(d->curl, CURLOPT_URL, url ? url : d->url);
	curl_easy_setopt(d->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(d->curl, CURLOPT_USERAGENT, "tbm-notify/" TBM_VERSION);
	if ((cc = curl_easy_perform(d->curl)) != CURLE_OK) {
		snprintf(why, len, "%s", curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status);
	rc = robot_reply(d->c->type, status, r.buf, why, len);
out:
	if (url != NULL) {
		explicit_bzero(url, strlen(url));
		free(url);
	}
	curl_slist_free_all(hdr);
	free(body);
	free(r.buf);
	return rc;
}

/* ---- e-mail ---- */

struct upload {
	const char *p;
	size_t left;
};

static size_t
on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t k = size * n < u->left ? size * n : u->left;

	memcpy(buf, u->p, k);
	u->p += k;
	u->left -= k;
	return k;
}

/* base64 of s, in lines of 76 characters (RFC 2045). */
static char *
b64_lines(const char *s, size_t n, int wrap)
{
	size_t cap = 4 * ((n + 2) / 3) + 1, lines = cap / 76 + 2;
	char *raw = malloc(cap), *out = malloc(cap + 2 * lines), *o = out;
	size_t len;

	if (raw == NULL || out == NULL) {
		free(raw);
		free(out);
		return NULL;
	}
	len = (size_t)EVP_EncodeBlock((unsigned char *)raw, (const unsigned char *)s, (int)n);
	for (size_t i = 0; i < len; i += 76) {
		size_t k = len - i < 76 ? len - i : 76;
		memcpy(o, raw + i, k);
		o += k;
		if (wrap) {
			*o++ = '\r';
			*o++ = '\n';
		}
	}
	*o = '\0';
	free(raw);
	return out;
}

/* The subject as RFC 2047 encoded words of at most 75 characters (45 bytes
 * of UTF-8 each, cut between characters), folded onto lines of their own. */
static char *
subject_words(const char *s)
{
	size_t n = strlen(s), cap = 2 * n + 64, len = 0;
	char *out = malloc(cap);

	if (out == NULL)
		return NULL;
	out[0] = '\0';
	while (n > 0) {
		size_t k = n < 45 ? n : 45;
		char *w;
		while (k < n && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
		if (k == 0)   /* not UTF-8: cut anywhere */
			k = n < 45 ? n : 45;
		if ((w = b64_lines(s, k, 0)) == NULL) {
			free(out);
			return NULL;
		}
		len += (size_t)snprintf(out + len, cap - len, "%s=?UTF-8?B?%s?=", len ? "\r\n " : "", w);
		free(w);
		s += k;
		n -= k;
	}
	return out;
}

static char *
mail_text(struct deliver *d, const char *text)
{
	size_t sl = strcspn(text, "\n");
	char subject[512], date[64], *sub64 = NULL, *body64 = NULL, *out = NULL;
	struct tm tm;
	time_t now = time(NULL);

	/* the first line is the subject, cut at a character boundary */
	if (sl > 180) {
		sl = 180;
		while (sl > 0 && ((unsigned char)text[sl] & 0xC0) == 0x80)
			sl--;
	}
	snprintf(subject, sizeof(subject), "%.*s", (int)sl, text);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if ((sub64 = subject_words(subject)) != NULL &&
	    (body64 = b64_lines(text, strlen(text), 1)) != NULL &&
	    asprintf(&out,
	    "Date: %s\r\n"
	    "From: tbmon <%s>\r\n"
	    "To: %s\r\n"
	    "Subject: %s\r\n"
	    "Message-ID: <%" PRId64 ".%ld.%s@tbm-notify>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n%s", date, d->from, d->to_header, sub64, time_now_ms(), (long)getpid(),
	    d->c->id, body64) < 0)
		out = NULL;
	free(sub64);
	free(body64);
	return out;
}

static int
send_mail(struct deliver *d, const char *text, char *why, size_t len)
{
	char *msg = mail_text(d, text), from[600];
	struct upload u;
	CURLcode cc;

	if (msg == NULL) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	u.p = msg;
	u.left = strlen(msg);
	snprintf(from, sizeof(from), "<%s>", d->from);
	common_opts(d);
	curl_easy_setopt(d->curl, CURLOPT_URL, d->c->smtp);
	curl_easy_setopt(d->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(d->curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(d->curl, CURLOPT_MAIL_RCPT, d->rcpt);
	curl_easy_setopt(d->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(d->curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(d->curl, CURLOPT_READDATA, &u);
	/* smtp:// upgrades with STARTTLS where the server offers it, and must
	 * when a password would otherwise cross the network in clear */
	if (strncmp(d->c->smtp, "smtp://", 7) == 0)
		curl_easy_setopt(d->curl, CURLOPT_USE_SSL,
		    d->password != NULL ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	if (d->c->username != NULL)
		curl_easy_setopt(d->curl, CURLOPT_USERNAME, d->c->username);
	if (d->password != NULL)
		curl_easy_setopt(d->curl, CURLOPT_PASSWORD, d->password);
	cc = curl_easy_perform(d->curl);
	free(msg);
	if (cc == CURLE_USE_SSL_FAILED) {
		snprintf(why, len, "the server offers no STARTTLS, and the password is not sent in "
		    "clear (use smtps:// or a server with STARTTLS)");
		return -1;
	}
	if (cc != CURLE_OK) {
		snprintf(why, len, "%s", curl_easy_strerror(cc));
		return -1;
	}
	return 0;
}

int
deliver_send(struct deliver *d, const char *text, const char *event, char *why, size_t len)
{
	if (d->c->type == NOTIFY_EMAIL)
		return send_mail(d, text, why, len);
	return send_http(d, text, event, why, len);
}
