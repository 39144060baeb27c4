/*
 * tcploop.c - the one thread that runs every Modbus TCP link: an epoll loop
 * whose timeout is the next deadline of any link. A reply costs a wake-up of
 * one thread however many links there are (200 threads each woken for every
 * reply cost about half as much again). Links are attached and asked to stop
 * from the main thread; the loop takes them in and lets them go.
 */
#include "link_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tbmtime.h"

static struct tcploop {
	pthread_mutex_t mu;          /* the fields below up to `v` */
	pthread_cond_t cv;           /* a link detached */
	struct link **pending;       /* attached, not yet taken in by the loop */
	size_t npending, cap_pending;
	size_t count;                /* links attached or pending */
	int quit;
	atomic_int dirty;            /* pending links or stop requests to look at */
	int running;
	pthread_t thread;
	int epfd, evfd;
	/* the loop thread's own */
	struct link **v;
	size_t n, cap;
	int64_t swept_at;            /* links' alive_at last set */
} loop = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .epfd = -1, .evfd = -1 };

void
tcploop_wake(void)
{
	uint64_t one = 1;

	atomic_store(&loop.dirty, 1);
	if (loop.evfd >= 0 && write(loop.evfd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("link loop: cannot wake it");
}

int
tcploop_watch(struct link *l, uint32_t events, int add)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = l;
	return epoll_ctl(loop.epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, l->fd, &ev);
}

/* Grows a vector of links by one slot; -1 when out of memory. */
static int
links_room(struct link ***v, size_t n, size_t *cap)
{
	struct link **nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? 2 * *cap : 16;
	if ((nv = realloc(*v, nc * sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	*cap = nc;
	return 0;
}

/* Links attached since the last look, and links asked to stop. */
static void
loop_update(void)
{
	/* what a stopping link holds goes to the queue first, waiting if need
	 * be (the writer drains it until the very end) */
	for (size_t i = 0; i < loop.n; i++)
		if (atomic_load(&loop.v[i]->stop)) {
			link_tcp_close(loop.v[i]);
			poll_flush(loop.v[i], 1);
		}
	pthread_mutex_lock(&loop.mu);
	atomic_store(&loop.dirty, 0);
	for (size_t i = 0; i < loop.npending; i++) {
		if (links_room(&loop.v, loop.n, &loop.cap) != 0) {
			log_errx("link loop: out of memory");
			break;
		}
		loop.v[loop.n++] = loop.pending[i];
		log_debug("link %s: %zu devices", loop.pending[i]->name, loop.pending[i]->ndevs);
	}
	loop.npending = 0;
	for (size_t i = 0; i < loop.n;) {
		struct link *l = loop.v[i];
		if (!atomic_load(&l->stop)) {
			i++;
			continue;
		}
		l->attached = 0;
		loop.count--;
		loop.v[i] = loop.v[--loop.n];
		pthread_cond_broadcast(&loop.cv);
	}
	pthread_mutex_unlock(&loop.mu);
}

static void *
loop_main(void *arg)
{
	struct epoll_event evs[64];

	(void)arg;
	loop.swept_at = 0;
	for (;;) {
		int64_t now = time_mono_ms(), next = now + LINK_WAKE_MS;
		int n, quit;

		if (atomic_load(&loop.dirty)) {
			loop_update();
			pthread_mutex_lock(&loop.mu);
			quit = loop.quit;
			pthread_mutex_unlock(&loop.mu);
			if (quit)
				break;
		}
		/* the watchdog's: every link that is not stuck is alive */
		if (now - loop.swept_at >= 1000) {
			for (size_t i = 0; i < loop.n; i++)
				if (!loop.v[i]->stalled)
					atomic_store(&loop.v[i]->alive_at, now);
			loop.swept_at = now;
		}
		for (size_t i = 0; i < loop.n; i++) {
			struct link *l = loop.v[i];
			if (l->wake_at <= now)
				l->wake_at = link_tcp_step(l, now);
			if (l->wake_at < next)
				next = l->wake_at;
		}
		now = time_mono_ms();
		n = epoll_wait(loop.epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])),
		    next > now ? (int)(next - now) : 0);
		if (n == -1 && errno != EINTR) {
			log_err("link loop: epoll_wait");
			break;
		}
		now = time_mono_ms();
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL) {
				uint64_t v;
				if (read(loop.evfd, &v, sizeof(v)) == -1 && errno != EAGAIN)
					log_warn("link loop: eventfd");
				continue;
			}
			link_tcp_event(evs[i].data.ptr, evs[i].events, now);
		}
	}
	return NULL;
}

static int
loop_start(void)
{
	struct epoll_event ev;
	int rc;

	if (loop.running)
		return 0;
	if ((loop.epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (loop.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_warn("link loop: cannot create its descriptors");
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(loop.epfd, EPOLL_CTL_ADD, loop.evfd, &ev) == -1) {
		log_warn("link loop: epoll_ctl");
		goto fail;
	}
	loop.quit = 0;
	if ((rc = pthread_create(&loop.thread, NULL, loop_main, NULL)) != 0) {
		errno = rc;
		log_warn("link loop: cannot start its thread");
		goto fail;
	}
	loop.running = 1;
	return 0;
fail:
	if (loop.epfd >= 0)
		close(loop.epfd);
	if (loop.evfd >= 0)
		close(loop.evfd);
	loop.epfd = loop.evfd = -1;
	return -1;
}

/* Stops the loop thread once it has no links left. */
static void
loop_stop_if_idle(void)
{
	int idle;

	pthread_mutex_lock(&loop.mu);
	idle = loop.running && loop.count == 0;
	if (idle)
		loop.quit = 1;
	pthread_mutex_unlock(&loop.mu);
	if (!idle)
		return;
	tcploop_wake();
	pthread_join(loop.thread, NULL);
	close(loop.epfd);
	close(loop.evfd);
	loop.epfd = loop.evfd = -1;
	free(loop.v);
	free(loop.pending);
	loop.v = loop.pending = NULL;
	loop.n = loop.cap = loop.npending = loop.cap_pending = 0;
	loop.running = 0;
}

int
tcploop_attach(struct link *l)
{
	if (loop_start() != 0)
		return -1;
	pthread_mutex_lock(&loop.mu);
	if (links_room(&loop.pending, loop.npending, &loop.cap_pending) != 0) {
		pthread_mutex_unlock(&loop.mu);
		log_errx("link %s: out of memory", l->name);
		return -1;
	}
	loop.pending[loop.npending++] = l;
	loop.count++;
	l->attached = 1;
	pthread_mutex_unlock(&loop.mu);
	tcploop_wake();
	return 0;
}

void
tcploop_detach(struct link *l)
{
	pthread_mutex_lock(&loop.mu);
	while (l->attached)
		pthread_cond_wait(&loop.cv, &loop.mu);
	pthread_mutex_unlock(&loop.mu);
	loop_stop_if_idle();
}
