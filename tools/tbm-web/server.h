/*
 * server.h - starting tbm-web's HTTP server and its limits.
 */
#ifndef TBMWEB_SERVER_H
#define TBMWEB_SERVER_H

#include <stddef.h>
#include <sys/socket.h>

#define WEB_MAX_CONNECTIONS 256    /* at once, all clients */
#define WEB_MAX_PER_IP 64          /* at once from one address (a workshop behind NAT) */
#define WEB_TIMEOUT_S 30           /* an idle or slow connection is closed */
#define WEB_HEADER_MEMORY 32768    /* request line and headers of one request */

struct web;
struct MHD_Daemon;

/* web_listen_parse: HOST:PORT, [V6]:PORT or :PORT. 0, or -1 with err. */
int web_listen_parse(const char *listen, struct sockaddr_storage *ss, socklen_t *sl, char *err,
    size_t len);
/* web_start: listens and serves from a thread of its own. NULL with err. */
struct MHD_Daemon *web_start(struct web *w, char *err, size_t len);

#endif
