/*
 * detect.h - the per-point state machine (when/clear/delay/clear_delay) and
 * the per-device communication state (offline after N failed polls). Pure
 * logic: no I/O, no clocks of its own; callers pass monotonic milliseconds.
 */
#ifndef TBM_DETECT_H
#define TBM_DETECT_H

#include <stdint.h>

#include "config.h"

enum det_state { DET_IDLE = 0, DET_PENDING, DET_ACTIVE, DET_CLEARING };
enum det_result { DET_NONE = 0, DET_OPEN, DET_CLEAR };

struct detector {
	enum det_state state;
	int64_t since_ms;          /* when the pending condition began to hold */
	int observed;              /* a value was seen since start (or adoption) */
	double last;               /* last value seen */
};

/* detect_init: active != 0 adopts a fault that is open in the database. */
void detect_init(struct detector *d, int active);
/* detect_feed: one good reading. On DET_OPEN, *code is the value at opening. */
enum det_result detect_feed(struct detector *d, const struct conf_point *p, double v,
    int64_t now_ms, double *code);
int detect_active(const struct detector *d);

struct comm_state {
	int failures;              /* consecutive failed polls */
	int offline;               /* a comm fault is open */
};
/* comm_feed: ok != 0 for a good poll. DET_OPEN when failures reach
 * offline_after, DET_CLEAR on the first good poll while offline. */
enum det_result comm_feed(struct comm_state *c, int ok, int offline_after);

#endif
