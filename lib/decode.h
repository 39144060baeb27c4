/*
 * decode.h - from Modbus registers and bits to point values (type, word
 * order, bit, scale/offset), and the plan that reads a device's points in
 * as few requests as it allows.
 */
#ifndef TBM_DECODE_H
#define TBM_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Registers a point spans: 2 for 32-bit types, else 1 (a bit for coils). */
int decode_width(const struct conf_point *p);
/* decode_registers: regs[0] is the register at p->address (regs[1] the
 * next for 32-bit types). Applies order, bit and scale/offset. */
double decode_registers(const struct conf_point *p, const uint16_t *regs);
double decode_bit(const struct conf_point *p, uint8_t bit);

/* One request: `count` registers or bits of `table` from `start`. */
struct read_block {
	enum reg_table table;
	int start;
	int count;
	size_t first, npoints;     /* its points: plan->order[first .. first+npoints) */
};

struct read_plan {
	struct read_block *blocks;
	size_t nblocks;
	struct conf_point **order; /* the device's points, sorted by table and address */
	size_t npoints;
};

/* decode_plan: groups the device's points into blocks of adjacent or
 * overlapping addresses, at most max_registers registers or max_bits bits each. */
int decode_plan(const struct conf_device *d, struct read_plan *plan);
void decode_plan_free(struct read_plan *plan);

#endif
