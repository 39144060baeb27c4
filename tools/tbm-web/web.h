/*
 * web.h - what tbm-web's files share: the server's state, one request as the
 * pages see it, and the pages' entry points.
 *
 * server.c  libmicrohttpd, limits, headers, sessions and CSRF, routing
 * pages.c   the read-only pages (my work, a fault, a device, safety, devices)
 * forms.c   the POSTs: login, logout and the people's changes
 * report.c  the indicators page and its SVG charts
 * labels.c  printable QR stickers (libqrencode)
 * users.c   account management (managers)
 * api.c     read-only JSON under /api/ with tbmctl's keys
 * auth.c    the one door to accounts and rights
 * parse.c   what comes off the network, without I/O
 */
#ifndef TBMWEB_H
#define TBMWEB_H

#include <stdint.h>

#include "auth.h"
#include "cache.h"
#include "config.h"
#include "html.h"
#include "parse.h"
#include "session.h"
#include "store.h"

#define WEB_COOKIE "tbm_session"
/* A base with more devices shows /devices and /labels a lab at a time. */
#define WEB_DEVICES_ONE_PAGE 60
#define WEB_PRELOGIN_COOKIE "tbm_login"

/* The configuration's devices, indexed once at start (the configuration
 * does not change while tbm-web runs). */
struct web_index {
	const struct conf_device **by_id;   /* sorted by id */
	size_t *lab_of;            /* parallel to by_id: the index of its lab in labs */
	size_t n;
	const char **labs;         /* distinct labs, in the configuration's order ("" for none) */
	size_t nlabs;
};

/* The status board: every configured device's state from the unresolved
 * faults, and each lab's totals (pages.c; kept while that list is). */
struct board_dev {
	int alarms;                /* unresolved fault/safety events not cleared yet */
	int64_t offline_since;     /* an open comm fault; 0: online */
};
struct board_lab {
	int devs, offline, alarms;
};
struct board {
	struct board_dev *v;       /* parallel to the index */
	struct board_lab *labs;    /* parallel to the index's labs */
	const struct fault *faults;   /* unresolved, newest first (the cache's) */
	size_t nfaults;
};

struct web {
	struct config *cf;
	struct web_index index;
	struct board board;
	int64_t board_seq;         /* the unresolved list's seq it was counted from; -1: none */
	const char *db_path;
	struct store *st;
	struct sessions *ss;
	struct throttle *th_account, *th_address;
	struct cache cache;
	int tls;
	struct web_trust proxies;  /* [web] trusted_proxies */
};

struct req {
	struct web *w;
	const char *method;
	const char *path;
	int post;
	char client[64];           /* the client's address, numeric (behind a trusted proxy: X-Forwarded-For's) */
	int secure;                /* HTTPS here, or at a trusted proxy (X-Forwarded-Proto) */
	const char *host;          /* Host header, for links when base_url is not set */
	const char *cookies;       /* Cookie header */
	struct web_form query;
	struct web_form form;      /* POST body */
	struct session *sess;
	struct account acct;       /* valid when logged_in */
	int logged_in;
	int throttled;             /* an /api/ key from an address with too many failures */
	int64_t now;
	/* the response */
	int status;
	const char *ctype;
	struct buf out;
	char location[512];
	char cookie[320];
	int no_store;
};

int web_index_build(struct web *w);   /* 0 or -1 (out of memory) */
void web_index_free(struct web *w);
void web_board_free(struct web *w);

/* Responses. */
void req_redirect(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void req_error(struct req *r, int status, const char *msg);
void req_ctx(struct req *r, const char *title, struct page_ctx *c);
/* Hidden fields every form carries: the CSRF token and a fresh one-time id. */
void form_hidden(struct req *r);
/* <form class="act" method="post" action=ACTION> with do=WHAT and the hidden fields. */
void form_begin(struct req *r, const char *action, const char *what);
/* The flash message named by ?ok= after a redirect. */
void req_flash(struct req *r);
/* base_url or http(s)://Host, without a trailing slash. */
void req_base_url(struct req *r, struct buf *b);

/* Pages (GET). */
void page_home(struct req *r);
void page_fault(struct req *r, int64_t id);
void page_device(struct req *r, const char *id);
void page_devices(struct req *r);
void page_safety(struct req *r);
void page_indicators(struct req *r);
void page_labels(struct req *r);
void page_qr(struct req *r, const char *file);
void page_users(struct req *r);
void page_login(struct req *r, const char *msg);
void api_get(struct req *r);

/* Forms (POST, CSRF and form id already checked). */
void post_login(struct req *r);
void post_logout(struct req *r);
void post_fault(struct req *r, int64_t id);
void post_device(struct req *r, const char *id);
void post_users(struct req *r);

/* The indicators of ?period= (a lab is normal at WEB_NORMAL_AVAILABILITY,
 * DESIGN.md's default): 0, -1 a malformed period, -2 a database error (logged). */
#define WEB_NORMAL_AVAILABILITY 0.95
struct indicators;
int web_indicators(struct req *r, const struct indicators **in);
/* req_refused: 0 when the account has the right; else 403 with the reason, logged. */
int req_refused(struct req *r, enum right right, const struct fault *f, const char *lab);

/* Shared by the pages: a fault's status in Chinese and a card linking to it. */
const char *status_label(const char *status);
const char *kind_label(enum fault_kind k);
const char *class_label(const char *cls);
void fault_card(struct req *r, const struct fault *f, const char *device_name);
/* A device's display name from the configuration (its id when it has none). */
const char *device_name(const struct req *r, const char *id);

#endif
