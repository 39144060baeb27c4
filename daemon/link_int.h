/*
 * link_int.h - what the files of the Modbus links share and nobody else
 * sees: the link and device state, and the functions one file of the family
 * offers the others. link.c builds, starts, reloads and stops links;
 * poll.c takes a finished poll to the detectors and the queue; link_rtu.c is
 * a serial link's thread; link_tcp.c a TCP link's state machine, driven by
 * the event loop of tcploop.c; framing.h frames and checks its requests and
 * replies (mbap.c for Modbus TCP, rtuframe.c for RTU over TCP).
 */
#ifndef TBMOND_LINK_INT_H
#define TBMOND_LINK_INT_H

#include <modbus.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "cfref.h"
#include "config.h"
#include "decode.h"
#include "detect.h"
#include "framing.h"
#include "link.h"
#include "log.h"
#include "mbap.h"
#include "points.h"
#include "queue.h"

#define LINK_BACKOFF_MAX_MS 30000

struct dev_state {
	struct devpoints pts;        /* its points in read order (plan.order), detectors, values */
	struct read_plan plan;
	struct comm_state comm;
	atomic_int offline;          /* a copy of comm.offline for other threads */
	int64_t next_due;            /* monotonic ms */
	int64_t backoff_ms;          /* > 0 while the device does not answer */
	int last_err;                /* why its last poll failed (errno or libmodbus error) */
	char last_what[48];          /* and what it was doing: "read holding 100+2", "connect" */
	atomic_int polled;           /* it has been polled at least once */
};

/* A TCP link's state */
enum { TS_IDLE, TS_RESOLVING, TS_CONNECTING, TS_PAUSE, TS_WAIT };

struct link {
	char name[160];              /* "127.0.0.1:502" or "/dev/ttyUSB0" */
	struct cfref *ref;           /* the configuration its devices come from */
	char *sig;                   /* everything about its devices: equal means unchanged */
	enum protocol proto;
	const struct conf_device *params;   /* the first device: host/port or serial settings */
	const struct framing *fr;    /* TCP: how requests and replies are framed */
	/* the gateway's manners, the strictest of its devices' */
	int64_t pause_ms;            /* between a reply and the next request */
	int64_t connect_delay_ms;    /* before the first request on a new connection */
	int64_t reconnect_delay_ms;  /* before connecting again after a broken connection */
	int keep_open;               /* 0: the connection closes after each round */
	int64_t send_after;          /* no request before this (monotonic ms) */
	int answered;                /* this connection has carried an answer */
	int sent;                    /* and a request */
	int worked;                  /* some connection of this link has */
	int turned_away;             /* a connection was turned away since the last answer */
	uint32_t rng;                /* the backoffs' jitter */
	struct dev_state *devs;
	size_t ndevs;
	modbus_t *ctx;               /* RTU: libmodbus's connection */
	/* TCP: the loop thread's state machine */
	int fd;                      /* -1: not connected */
	int st;                      /* TS_*: idle, resolving, connecting, waiting for a reply */
	struct dev_state *cur;       /* the device being read, block `blk` */
	size_t blk;
	int64_t poll_at;             /* when the poll of `cur` started (monotonic ms) */
	int64_t deadline;            /* of the connection attempt or the reply */
	int64_t wake_at;             /* when the loop must look at it again */
	uint16_t tid;                /* the transaction id in flight */
	uint8_t rbuf[MBAP_ADU_MAX];  /* also holds the largest RTU frame */
	size_t rlen;
	struct gaicb gai;            /* a host name's lookup (getaddrinfo_a) */
	struct addrinfo gai_hints;
	char gai_port[8];
	int gai_busy;                /* gai is in use until its lookup is over */
	struct addrinfo *ai, *ai_cur;   /* a host name's addresses; the one being tried */
	int attached;                /* in the loop (under the loop's lock) */
	int stalled;                 /* TBMOND_TEST_STALL_LINK */
	size_t rounds;
	struct tbm_event *held;      /* events the full queue did not take yet */
	size_t nheld, capheld;
	int64_t retry_at;            /* no connection attempt before this (monotonic ms) */
	int64_t conn_backoff_ms;
	struct queue *q;
	int started;
	pthread_t thread;            /* RTU */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_int stop;
	atomic_llong alive_at;       /* monotonic ms of its last wakeup or poll: the watchdog's */
	int64_t stall_allowed_ms;    /* how long one round of reads may block it */
	atomic_ullong polls, failures;
	struct ratelimit behind_rl;
	/* the slowest poll since the last "falls behind" warning: its cause */
	const struct dev_state *slow;
	int64_t slow_ms;
	uint16_t regs[MBAP_MAX_REGISTERS];
	uint8_t bits[MBAP_MAX_BITS];
};

/* A link's thread (the loop for TCP) wakes at least this often, even with
 * nothing to poll, so that the watchdog can tell idle from stuck. */
#define LINK_WAKE_MS 5000
/* A TCP link that holds events (the queue was full) tries again this often. */
#define LINK_HELD_RETRY_MS 50

/* link.c: what both kinds of link use */
int64_t link_timeout_ms(const struct link *l);
/* link_jitter: ms plus a random 0-25 % of it, so that links and devices
 * that failed together do not retry in step (after a switch reboots). */
int64_t link_jitter(uint32_t *rng, int64_t ms);
/* link_broken: the link closed a connection that failed; it waits for the
 * gateway to let go of it before connecting again. */
void link_broken(struct link *l, int64_t now);
void link_connect_failed(struct link *l, int64_t now, int e);
void link_connect_done(struct link *l);
struct dev_state *link_next_device(struct link *l);
int link_test_stall(struct link *l);

/* poll.c: a poll's values and its end */
void poll_take_block(const struct link *l, struct dev_state *d, const struct read_block *blk);
void poll_read_failed(struct dev_state *d, const struct read_block *blk, int e);
/* poll_cause: why d's last poll failed, for people ("read holding 100+1:
 * exception 2 (Illegal data address)"). */
void poll_cause(const struct dev_state *d, char *buf, size_t len);
void poll_done(struct link *l, struct dev_state *d, int ok, int64_t now);
/* poll_flush: queues the events a TCP link holds, in order; `wait`: even if
 * it has to wait for room. 0 when none is left. */
int poll_flush(struct link *l, int wait);

/* link_rtu.c */
void *link_rtu_main(void *arg);
void link_rtu_close(struct link *l);

/* link_tcp.c: one TCP link's state machine (run by the loop thread) */
int64_t link_tcp_step(struct link *l, int64_t now);
void link_tcp_event(struct link *l, uint32_t events, int64_t now);
void link_tcp_close(struct link *l);
/* link_tcp_free: ends a host name lookup and frees its addresses */
void link_tcp_free(struct link *l);

/* tcploop.c: the event loop of the TCP links */
int tcploop_attach(struct link *l);
void tcploop_wake(void);
/* tcploop_detach: waits until the loop let go of a link asked to stop. */
void tcploop_detach(struct link *l);
/* tcploop_watch: l->fd in the loop's set for `events` (add: newly). */
int tcploop_watch(struct link *l, uint32_t events, int add);

#endif
