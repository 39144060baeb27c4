/*
 * webfloor.c - tbm-bench-webfloor PORT BYTES: the least a libmicrohttpd
 * server can cost per page, for tbm-web's benchmark: the same daemon flags
 * and limits as tbm-web (one internal polling thread), every GET answered
 * with the same BYTES-byte HTML page from memory. Prints "listening PORT"
 * when it accepts connections; SIGTERM stops it.
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *page;
static size_t page_len;

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
	if (*con_cls == NULL) {
		*con_cls = c;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(page_len, page, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	sigset_t set;
	int sig, port;

	if (argc != 3) {
		fprintf(stderr, "usage: tbm-bench-webfloor PORT BYTES\n");
		return 2;
	}
	port = atoi(argv[1]);
	page_len = (size_t)atol(argv[2]);
	if ((page = malloc(page_len + 1)) == NULL)
		return 1;
	memset(page, 'x', page_len);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL,
	    NULL, answer, NULL, MHD_OPTION_CONNECTION_LIMIT, 128u, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    64u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "tbm-bench-webfloor: cannot listen on %d\n", port);
		return 1;
	}
	printf("listening %d\n", port);
	fflush(stdout);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	free(page);
	return 0;
}
