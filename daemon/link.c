/*
 * link.c - Modbus links: grouping the devices into links, starting,
 * reloading and stopping them, the connection backoff and the polling order
 * both kinds share, and the totals main.c reports. A serial link is a thread
 * of its own (link_rtu.c); the TCP links are state machines (link_tcp.c) in
 * one event loop (tcploop.c). A finished poll goes on in poll.c.
 */
#include "link_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "tbmtime.h"

int64_t
link_timeout_ms(const struct link *l)
{
	int64_t t = 0;

	for (size_t i = 0; i < l->ndevs; i++)
		if (l->devs[i].pts.cf->timeout_ms > t)
			t = l->devs[i].pts.cf->timeout_ms;
	return t;
}

int64_t
link_jitter(uint32_t *rng, int64_t ms)
{
	uint32_t x = *rng ? *rng : 0x9e3779b9u;

	/* xorshift32: cheap, and good enough to spread retries */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*rng = x;
	return ms + (ms > 0 ? (int64_t)(x % (uint32_t)(ms / 4 + 1)) : 0);
}

/* A connection could not be made: the next attempt waits, doubling from 1 s
 * with jitter, so an unplugged gateway costs almost nothing. Logged once,
 * then quietly. */
void
link_connect_failed(struct link *l, int64_t now, int e)
{
	if (l->conn_backoff_ms == 0 && !l->turned_away)
		log_warnx("link %s: cannot connect: %s", l->name, modbus_strerror(e));
	else
		log_debug("link %s: cannot connect: %s", l->name, modbus_strerror(e));
	l->conn_backoff_ms = l->conn_backoff_ms ? l->conn_backoff_ms * 2 : 1000;
	if (l->conn_backoff_ms > LINK_BACKOFF_MAX_MS)
		l->conn_backoff_ms = LINK_BACKOFF_MAX_MS;
	l->retry_at = now + link_jitter(&l->rng, l->conn_backoff_ms);
}

/* The connection carries answers: it works. */
void
link_connect_done(struct link *l)
{
	if (l->conn_backoff_ms > 0)
		log_notice("link %s: connected", l->name);
	l->conn_backoff_ms = 0;
	l->worked = 1;
}

/* A gateway that takes one connection frees its slot some time after we
 * close ours; connecting again at once is reset and looks like a dead
 * device. */
void
link_broken(struct link *l, int64_t now)
{
	int64_t at = now + link_jitter(&l->rng, l->reconnect_delay_ms);

	if (at > l->retry_at)
		l->retry_at = at;
}

/* The device due first, or NULL for a link without devices. */
struct dev_state *
link_next_device(struct link *l)
{
	struct dev_state *next = NULL;

	for (size_t i = 0; i < l->ndevs; i++)
		if (next == NULL || l->devs[i].next_due < next->next_due)
			next = &l->devs[i];
	return next;
}

/* A test of the watchdog needs a link that stops making progress without
 * being stopped: TBMOND_TEST_STALL_LINK=NAME makes that link sit still after
 * its first round. Nothing else reads it. */
int
link_test_stall(struct link *l)
{
	const char *v;

	if (++l->rounds != l->ndevs)
		return 0;
	if ((v = getenv("TBMOND_TEST_STALL_LINK")) == NULL || strcmp(v, l->name) != 0)
		return 0;
	log_warnx("link %s: stalled on purpose (TBMOND_TEST_STALL_LINK)", l->name);
	return 1;
}

static void
link_close(struct link *l)
{
	if (config_protocol_is_tcp(l->proto))
		link_tcp_close(l);
	else
		link_rtu_close(l);
}

static void
endpoint_name(const struct conf_device *d, char *buf, size_t len)
{
	if (config_protocol_is_tcp(d->protocol))
		snprintf(buf, len, "%s:%d", d->host, d->port);
	else
		snprintf(buf, len, "%s", d->serial);
}

/* The fingerprint of a link's devices, one device at a time. */
static int
append_sig(char **sig, const struct conf_device *d)
{
	char *dev = NULL, *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&dev, &len);

	if (f == NULL)
		return -1;
	points_fingerprint(f, d);
	if (fclose(f) != 0) {
		free(dev);
		return -1;
	}
	if (asprintf(&out, "%s%s", *sig ? *sig : "", dev) < 0) {
		free(dev);
		return -1;
	}
	free(dev);
	free(*sig);
	*sig = out;
	return 0;
}

static struct link *
link_for(struct links *ls, const struct conf_device *d, struct cfref *ref, struct queue *q)
{
	char name[sizeof(((struct link *)0)->name)];
	struct link **nv, *l;

	endpoint_name(d, name, sizeof(name));
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i]->proto == d->protocol && strcmp(ls->v[i]->name, name) == 0)
			return ls->v[i];
	if ((nv = realloc(ls->v, (ls->n + 1) * sizeof(*nv))) == NULL)
		return NULL;
	ls->v = nv;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	ls->v[ls->n++] = l;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->proto = d->protocol;
	l->params = d;
	l->fr = framing_for(d->protocol);
	l->keep_open = 1;
	l->rng = (uint32_t)time_mono_ms() ^ (uint32_t)(uintptr_t)l ^ (uint32_t)d->port << 16;
	l->fd = -1;
	l->behind_rl = (struct ratelimit)RATELIMIT_INIT(RATELIMIT_MINUTE);
	l->ref = cfref_get(ref);
	l->q = q;
	return l;
}

static int
dev_init(struct dev_state *s, const struct conf_device *d, int64_t now)
{
	memset(s, 0, sizeof(*s));
	if (decode_plan(d, &s->plan) != 0)
		return -1;
	if (points_init(&s->pts, d, s->plan.order, s->plan.npoints) != 0)
		return -1;
	atomic_init(&s->offline, 0);
	atomic_init(&s->polled, 0);
	s->next_due = now;
	return 0;
}

static void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	for (size_t j = 0; j < l->ndevs; j++) {
		decode_plan_free(&l->devs[j].plan);
		points_free(&l->devs[j].pts);
	}
	free(l->devs);
	free(l->held);
	free(l->sig);
	if (config_protocol_is_tcp(l->proto))
		link_tcp_free(l);
	link_close(l);
	cfref_put(l->ref);
	free(l);
}

int
links_build(struct cfref *ref, struct queue *q, struct links *out)
{
	const struct config *cf = ref->cf;
	int64_t now = time_mono_ms();

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < cf->ndevices; i++) {
		const struct conf_device *d = cf->devices[i];
		struct dev_state *nv;
		struct link *l;

		if (!config_protocol_is_modbus(d->protocol))
			continue;
		if ((l = link_for(out, d, ref, q)) == NULL)
			goto fail;
		if ((nv = realloc(l->devs, (l->ndevs + 1) * sizeof(*nv))) == NULL)
			goto fail;
		l->devs = nv;
		if (dev_init(&l->devs[l->ndevs++], d, now) != 0 || append_sig(&l->sig, d) != 0)
			goto fail;
		/* the strictest device sets the link's manners */
		if (d->pause_ms > l->pause_ms)
			l->pause_ms = d->pause_ms;
		if (d->connect_delay_ms > l->connect_delay_ms)
			l->connect_delay_ms = d->connect_delay_ms;
		if (d->reconnect_delay_ms > l->reconnect_delay_ms)
			l->reconnect_delay_ms = d->reconnect_delay_ms;
		if (!d->keep_open)
			l->keep_open = 0;
		/* one round may block for each device's timeout and pause on each
		 * of its requests */
		l->stall_allowed_ms += (d->timeout_ms + d->pause_ms) *
		    (int64_t)(l->devs[l->ndevs - 1].plan.nblocks + 1);
	}
	return 0;
fail:
	log_errx("out of memory building the Modbus links");
	links_free(out);
	return -1;
}

int
links_first_round(struct links *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		for (size_t j = 0; j < ls->v[i]->ndevs; j++)
			if (!atomic_load(&ls->v[i]->devs[j].polled))
				return 0;
	return 1;
}

int
links_adopt(struct links *ls, const char *device, const char *point, enum fault_kind kind)
{
	for (size_t i = 0; i < ls->n; i++) {
		struct link *l = ls->v[i];
		if (l->started)
			continue;   /* running: its detectors are its own */
		for (size_t j = 0; j < l->ndevs; j++) {
			struct dev_state *d = &l->devs[j];
			int rc = points_adopt(&d->pts, device, point, kind, &d->comm.offline);
			if (rc >= 0) {
				atomic_store(&d->offline, d->comm.offline);
				return rc;
			}
		}
	}
	return 0;
}

int
links_start(struct links *ls)
{
	pthread_condattr_t ca;
	int rc;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (size_t i = 0; i < ls->n; i++) {
		struct link *l = ls->v[i];
		if (l->started)
			continue;
		atomic_init(&l->stop, 0);
		atomic_init(&l->alive_at, time_mono_ms());
		if (config_protocol_is_tcp(l->proto)) {
			if (tcploop_attach(l) != 0) {
				pthread_condattr_destroy(&ca);
				return -1;
			}
			l->started = 1;
			continue;
		}
		pthread_mutex_init(&l->mu, NULL);
		pthread_cond_init(&l->cv, &ca);
		if ((rc = pthread_create(&l->thread, NULL, link_rtu_main, l)) != 0) {
			errno = rc;
			log_warn("link %s: cannot start its thread", l->name);
			pthread_cond_destroy(&l->cv);
			pthread_mutex_destroy(&l->mu);
			pthread_condattr_destroy(&ca);
			return -1;
		}
		l->started = 1;
	}
	pthread_condattr_destroy(&ca);
	return 0;
}

static void
link_signal_stop(struct link *l)
{
	if (!l->started)
		return;
	if (config_protocol_is_tcp(l->proto)) {
		atomic_store(&l->stop, 1);
		tcploop_wake();
		return;
	}
	pthread_mutex_lock(&l->mu);
	atomic_store(&l->stop, 1);
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void
link_join(struct link *l)
{
	if (!l->started)
		return;
	if (config_protocol_is_tcp(l->proto)) {
		l->started = 0;
		tcploop_detach(l);
		return;
	}
	pthread_join(l->thread, NULL);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	l->started = 0;
}

void
links_stop(struct links *ls)
{
	/* all at once: each may be in the middle of a read */
	for (size_t i = 0; i < ls->n; i++)
		link_signal_stop(ls->v[i]);
	for (size_t i = 0; i < ls->n; i++)
		link_join(ls->v[i]);
}

void
links_free(struct links *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		link_free(ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

int
links_reload(struct links *cur, struct cfref *ref, struct queue *q, struct links *out,
    int *kept, int *fresh, int *stopped)
{
	struct links cand;
	char *keep;

	*kept = *fresh = *stopped = 0;
	if (links_build(ref, q, &cand) != 0)
		return -1;
	if ((keep = calloc(cur->n ? cur->n : 1, 1)) == NULL) {
		links_free(&cand);
		return -1;
	}
	/* an unchanged link carries on: swap it in for its candidate */
	for (size_t i = 0; i < cand.n; i++) {
		for (size_t j = 0; j < cur->n; j++) {
			struct link *o = cur->v[j];
			if (keep[j] || o->proto != cand.v[i]->proto || strcmp(o->name, cand.v[i]->name) ||
			    strcmp(o->sig, cand.v[i]->sig))
				continue;
			link_free(cand.v[i]);
			cand.v[i] = o;
			keep[j] = 1;
			(*kept)++;
			break;
		}
		if (!cand.v[i]->started)
			(*fresh)++;
	}
	for (size_t j = 0; j < cur->n; j++)
		if (!keep[j]) {
			link_signal_stop(cur->v[j]);
			(*stopped)++;
		}
	for (size_t j = 0; j < cur->n; j++)
		if (!keep[j]) {
			log_info("link %s: stopped (changed or removed)", cur->v[j]->name);
			link_join(cur->v[j]);
			link_free(cur->v[j]);
		}
	free(keep);
	free(cur->v);
	memset(cur, 0, sizeof(*cur));
	*out = cand;
	return 0;
}

const char *
links_stalled(struct links *ls, int64_t now)
{
	for (size_t i = 0; i < ls->n; i++) {
		struct link *l = ls->v[i];
		int64_t allowed = l->stall_allowed_ms + 2 * LINK_WAKE_MS;
		if (l->started && now - atomic_load(&l->alive_at) > allowed)
			return l->name;
	}
	return NULL;
}

void
links_count(struct links *ls, int *online, int *offline)
{
	*online = *offline = 0;
	for (size_t i = 0; i < ls->n; i++)
		for (size_t j = 0; j < ls->v[i]->ndevs; j++) {
			if (atomic_load(&ls->v[i]->devs[j].offline))
				(*offline)++;
			else
				(*online)++;
		}
}

unsigned long long
links_polls(struct links *ls, unsigned long long *failures)
{
	unsigned long long polls = 0, failed = 0;

	for (size_t i = 0; i < ls->n; i++) {
		polls += atomic_load(&ls->v[i]->polls);
		failed += atomic_load(&ls->v[i]->failures);
	}
	if (failures)
		*failures = failed;
	return polls;
}
