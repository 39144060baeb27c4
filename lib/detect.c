/*
 * detect.c - fault detection. A fault opens when `when` has held for
 * `delay`, and clears when `clear` (by default: not `when`) has held for
 * `clear_delay`. Values between the two (hysteresis) change nothing. Only
 * good readings reach here: a failed read is never a value.
 */
#include "detect.h"

void
detect_init(struct detector *d, int active)
{
	d->state = active ? DET_ACTIVE : DET_IDLE;
	d->since_ms = 0;
	d->observed = 0;
	d->last = 0;
}

int
detect_active(const struct detector *d)
{
	return d->state == DET_ACTIVE || d->state == DET_CLEARING;
}

static int
clear_holds(const struct conf_point *p, double v)
{
	if (p->clear.op != OP_NONE)
		return condition_holds(&p->clear, v);
	return !condition_holds(&p->when, v);
}

/*
 * A condition that must hold for `delay_ms` (since d->since_ms): when it
 * stops holding the detector goes back to `back`; once it has held long
 * enough, on to `next`. 1 when it moved on.
 */
static int
held(struct detector *d, int holds, int64_t now_ms, int64_t delay_ms, enum det_state back,
    enum det_state next)
{
	if (!holds) {
		d->state = back;
		return 0;
	}
	if (now_ms - d->since_ms < delay_ms)
		return 0;
	d->state = next;
	return 1;
}

enum det_result
detect_feed(struct detector *d, const struct conf_point *p, double v, int64_t now_ms,
    double *code)
{
	int first = !d->observed;

	d->observed = 1;
	d->last = v;
	if (p->kind == KIND_STATUS || p->when.op == OP_NONE)
		return DET_NONE;

	switch (d->state) {
	case DET_IDLE:
		if (!condition_holds(&p->when, v))
			return DET_NONE;
		d->state = DET_PENDING;
		d->since_ms = now_ms;
		/* FALLTHROUGH */
	case DET_PENDING:
		if (!held(d, condition_holds(&p->when, v), now_ms, p->delay_ms, DET_IDLE, DET_ACTIVE))
			return DET_NONE;
		*code = v;
		return DET_OPEN;
	case DET_ACTIVE:
		if (!clear_holds(p, v))
			return DET_NONE;
		if (first) {
			/* adopted at restart and cleared while we were down: its
			 * clear_delay has long passed, clear on this first reading */
			d->state = DET_IDLE;
			return DET_CLEAR;
		}
		d->state = DET_CLEARING;
		d->since_ms = now_ms;
		/* FALLTHROUGH */
	case DET_CLEARING:
		return held(d, clear_holds(p, v), now_ms, p->clear_delay_ms, DET_ACTIVE, DET_IDLE) ?
		    DET_CLEAR : DET_NONE;
	}
	return DET_NONE;
}

enum det_result
comm_feed(struct comm_state *c, int ok, int offline_after)
{
	if (ok) {
		c->failures = 0;
		if (c->offline) {
			c->offline = 0;
			return DET_CLEAR;
		}
		return DET_NONE;
	}
	if (c->failures < offline_after)
		c->failures++;
	if (!c->offline && c->failures >= offline_after) {
		c->offline = 1;
		return DET_OPEN;
	}
	return DET_NONE;
}
