/*
 * link.h - Modbus links. A link is one TCP endpoint or one serial port; the
 * devices (unit ids) on it are polled in turn. A serial link has a thread of
 * its own; the TCP links are state machines in one event-loop thread. Links
 * never wait on each other, and a dead device costs only its own link.
 */
#ifndef TBMOND_LINK_H
#define TBMOND_LINK_H

#include <modbus.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "cfref.h"
#include "config.h"
#include "decode.h"
#include "detect.h"
#include "log.h"
#include "queue.h"

#define LINK_BACKOFF_MAX_MS 30000

struct dev_state {
	const struct conf_device *cf;
	struct read_plan plan;
	struct detector *det;        /* per plan.order[i] */
	double *vals;                /* values of the current poll, per plan.order[i] */
	struct comm_state comm;
	atomic_int offline;          /* a copy of comm.offline for other threads */
	int64_t next_due;            /* monotonic ms */
	int64_t backoff_ms;          /* > 0 while the device does not answer */
	unsigned long long polls, failed;
};

struct link {
	char name[160];              /* "127.0.0.1:502" or "/dev/ttyUSB0" */
	struct cfref *ref;           /* the configuration its devices come from */
	char *sig;                   /* everything about its devices: equal means unchanged */
	enum protocol proto;
	const struct conf_device *params;   /* the first device: host/port or serial settings */
	struct dev_state *devs;
	size_t ndevs;
	modbus_t *ctx;               /* RTU: libmodbus's connection */
	/* TCP: the loop thread's state machine */
	int fd;                      /* -1: not connected */
	int st;                      /* idle, connecting, waiting for a reply */
	struct dev_state *cur;       /* the device being read, block `blk` */
	size_t blk;
	int64_t poll_at;             /* when the poll of `cur` started (monotonic ms) */
	int64_t deadline;            /* of the connection attempt or the reply */
	int64_t wake_at;             /* when the loop must look at it again */
	uint16_t tid;                /* the transaction id in flight */
	uint8_t rbuf[MODBUS_TCP_MAX_ADU_LENGTH];
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
	atomic_ullong polls, failures, requests;
	struct ratelimit behind_rl;
	uint16_t regs[MODBUS_MAX_READ_REGISTERS];
	uint8_t bits[MODBUS_MAX_READ_BITS];
};

struct links {
	struct link **v;
	size_t n;
};

/* A link's thread (the loop for TCP) wakes at least this often, even with
 * nothing to poll, so that the watchdog can tell idle from stuck. */
#define LINK_WAKE_MS 5000
/* A TCP link that holds events (the queue was full) tries again this often. */
#define LINK_HELD_RETRY_MS 50

/* links_build: groups the Modbus devices of the configuration into links
 * (not started). Each link takes a reference to `ref`. */
int links_build(struct cfref *ref, struct queue *q, struct links *out);
/* links_adopt: marks a fault that is open in the database as active, so that
 * it is neither opened again nor lost. Only links not yet started are
 * touched. 1 adopted, 0 no such point here. */
int links_adopt(struct links *ls, const char *device, const char *point, enum fault_kind kind);
/* links_start: starts every link that is not running yet. */
int links_start(struct links *ls);
void links_stop(struct links *ls);
void links_free(struct links *ls);
/* links_reload: the links of a new configuration. A link whose endpoint and
 * devices are unchanged is carried over running, without a gap; the others
 * of `cur` are stopped and freed, and new ones are built, not started.
 * `cur` is emptied. Counts of kept, new and stopped links in the out
 * parameters. -1 when out of memory (then `cur` is untouched). */
int links_reload(struct links *cur, struct cfref *ref, struct queue *q, struct links *out,
    int *kept, int *fresh, int *stopped);
/* links_stalled: the first running link that has not woken within its
 * allowance, or NULL. */
struct link *links_stalled(struct links *ls, int64_t now);
/* Counts of Modbus devices that answer and that do not. */
void links_count(struct links *ls, int *online, int *offline);

#endif
