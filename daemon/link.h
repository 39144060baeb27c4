/*
 * link.h - Modbus links. A link is one TCP endpoint or one serial port with
 * its own thread; the devices (unit ids) on it are polled in turn. Links
 * never wait on each other, and a dead device costs only its own link.
 */
#ifndef TBMOND_LINK_H
#define TBMOND_LINK_H

#include <modbus.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

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
	enum protocol proto;
	const struct conf_device *params;   /* the first device: host/port or serial settings */
	struct dev_state *devs;
	size_t ndevs;
	modbus_t *ctx;
	int64_t retry_at;            /* no connection attempt before this (monotonic ms) */
	int64_t conn_backoff_ms;
	struct queue *q;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_int stop;
	atomic_ullong progress;      /* bumped at every poll and wakeup */
	atomic_ullong polls, failures, requests;
	struct ratelimit behind_rl;
	uint16_t regs[MODBUS_MAX_READ_REGISTERS];
	uint8_t bits[MODBUS_MAX_READ_BITS];
};

struct links {
	struct link *v;
	size_t n;
};

/* links_build: groups the Modbus devices of the configuration into links. */
int links_build(const struct config *cf, struct queue *q, struct links *out);
/* links_adopt: marks a fault that is open in the database as active, so that
 * it is neither opened again nor lost. 1 adopted, 0 no such point here. */
int links_adopt(struct links *ls, const char *device, const char *point, enum fault_kind kind);
int links_start(struct links *ls);
void links_stop(struct links *ls);
void links_free(struct links *ls);
/* Counts of Modbus devices that answer and that do not. */
void links_count(struct links *ls, int *online, int *offline);

#endif
