/*
 * decode.c - register decoding and read planning. Byte orders name how the
 * value's bytes (A most significant) arrive: abcd big-endian, cdab with the
 * words swapped, badc with the bytes of each word swapped, dcba reversed.
 */
#include "decode.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
decode_width(const struct conf_point *p)
{
	return p->type >= TYPE_INT32 ? 2 : 1;
}

static uint16_t
swap16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

static uint32_t
join32(const struct conf_point *p, const uint16_t *r)
{
	switch (p->order) {
	case ORDER_ABCD: return (uint32_t)r[0] << 16 | r[1];
	case ORDER_CDAB: return (uint32_t)r[1] << 16 | r[0];
	case ORDER_BADC: return (uint32_t)swap16(r[0]) << 16 | swap16(r[1]);
	case ORDER_DCBA: return (uint32_t)swap16(r[1]) << 16 | swap16(r[0]);
	}
	return 0;
}

/* A float32's value as the device meant it: the shortest decimal that reads
 * back as the same float (123.456, not 123.45600128173828). */
static double
float_shortest(double v)
{
	char buf[32];
	float f;

	if (!isfinite(v) || fabs(v) > FLT_MAX)
		return v;
	f = (float)v;
	for (int prec = 6; prec <= 9; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, (double)f);
		if (strtof(buf, NULL) == f)
			return strtod(buf, NULL);
	}
	return (double)f;
}

double
decode_registers(const struct conf_point *p, const uint16_t *regs)
{
	double raw = 0;
	uint32_t u;
	float f;

	if (p->bit >= 0)
		return ((regs[0] >> p->bit) & 1u) * p->scale + p->offset;
	switch (p->type) {
	case TYPE_BOOL: raw = regs[0] != 0; break;
	case TYPE_INT16: raw = (int16_t)regs[0]; break;
	case TYPE_UINT16: raw = regs[0]; break;
	case TYPE_INT32: raw = (int32_t)join32(p, regs); break;
	case TYPE_UINT32: raw = join32(p, regs); break;
	case TYPE_FLOAT32:
		u = join32(p, regs);
		memcpy(&f, &u, sizeof(f));
		/* a float32 carries about 7 digits, and so does what it scales to */
		return float_shortest((double)f * p->scale + p->offset);
	}
	return raw * p->scale + p->offset;
}

double
decode_bit(const struct conf_point *p, uint8_t bit)
{
	return (bit != 0) * p->scale + p->offset;
}

static int
table_is_bits(enum reg_table t)
{
	return t == TABLE_COIL || t == TABLE_DISCRETE;
}

static int
point_cmp(const void *a, const void *b)
{
	const struct conf_point *p = *(struct conf_point *const *)a;
	const struct conf_point *q = *(struct conf_point *const *)b;

	if (p->table != q->table)
		return (int)p->table - (int)q->table;
	if (p->address != q->address)
		return p->address - q->address;
	return decode_width(q) - decode_width(p);
}

int
decode_plan(const struct conf_device *d, struct read_plan *plan)
{
	struct read_block *b = NULL;
	size_t i;

	memset(plan, 0, sizeof(*plan));
	if (d->npoints == 0)
		return 0;
	plan->order = malloc(d->npoints * sizeof(*plan->order));
	plan->blocks = malloc(d->npoints * sizeof(*plan->blocks));
	if (plan->order == NULL || plan->blocks == NULL) {
		decode_plan_free(plan);
		return -1;
	}
	memcpy(plan->order, d->points, d->npoints * sizeof(*plan->order));
	plan->npoints = d->npoints;
	qsort(plan->order, plan->npoints, sizeof(*plan->order), point_cmp);

	for (i = 0; i < plan->npoints; i++) {
		const struct conf_point *p = plan->order[i];
		int max = table_is_bits(p->table) ? d->max_bits : d->max_registers;
		int end = p->address + (table_is_bits(p->table) ? 1 : decode_width(p));

		if (b != NULL && b->table == p->table && p->address <= b->start + b->count &&
		    (end > b->start + b->count ? end : b->start + b->count) - b->start <= max) {
			if (end > b->start + b->count)
				b->count = end - b->start;
			b->npoints++;
			continue;
		}
		b = &plan->blocks[plan->nblocks++];
		b->table = p->table;
		b->start = p->address;
		b->count = end - p->address;
		b->first = i;
		b->npoints = 1;
	}
	return 0;
}

void
decode_plan_free(struct read_plan *plan)
{
	free(plan->blocks);
	free(plan->order);
	memset(plan, 0, sizeof(*plan));
}
