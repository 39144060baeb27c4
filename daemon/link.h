/*
 * link.h - Modbus links. A link is one TCP endpoint or one serial port; the
 * devices (unit ids) on it are polled in turn. A serial link has a thread of
 * its own; the TCP links are state machines in one event-loop thread. Links
 * never wait on each other, and a dead device costs only its own link.
 */
#ifndef TBMOND_LINK_H
#define TBMOND_LINK_H

#include <stdint.h>

#include "cfref.h"
#include "queue.h"

struct link;                     /* private to the link files (link_int.h) */

struct links {
	struct link **v;
	size_t n;
};

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
/* links_stalled: the name of the first running link that has not woken
 * within its allowance, or NULL. */
const char *links_stalled(struct links *ls, int64_t now);
/* links_first_round: 1 once every device has been polled (answered or not). */
int links_first_round(struct links *ls);
/* Counts of Modbus devices that answer and that do not. */
void links_count(struct links *ls, int *online, int *offline);
/* links_polls: polls since the links started, and in *failures (if not
 * NULL) how many of them failed. */
unsigned long long links_polls(struct links *ls, unsigned long long *failures);

#endif
