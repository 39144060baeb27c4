/*
 * fuzz_decode.c - the Modbus side of a poll without the network: a device
 * with an arbitrary layout of points (tables, addresses, types, orders,
 * bits, scales) is planned with decode_plan, and every block is "answered"
 * with arbitrary registers or bits that are decoded the way daemon/poll.c
 * decodes them (offset = address - block start). ASan sees any read beyond
 * a block; the checks below are the plan's promises.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_POINTS 64
#define POINT_BYTES 12

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned
take(struct input *in, unsigned nbytes)
{
	unsigned v = 0;

	for (unsigned i = 0; i < nbytes; i++) {
		v = v << 8 | (in->n ? *in->p : 0);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static double
take_double(struct input *in)
{
	uint64_t u = (uint64_t)take(in, 4) << 32 | take(in, 4);
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

static int
is_bits(enum reg_table t)
{
	return t == TABLE_COIL || t == TABLE_DISCRETE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct conf_device dev;
	struct conf_point pts[MAX_POINTS], *ptrs[MAX_POINTS];
	struct read_plan plan;
	size_t np, seen = 0;

	memset(&dev, 0, sizeof(dev));
	memset(pts, 0, sizeof(pts));
	dev.max_registers = 1 + (int)(take(&in, 1) % 125);
	dev.max_bits = 1 + (int)(take(&in, 2) % 2000);
	np = in.n / POINT_BYTES;
	if (np > MAX_POINTS)
		np = MAX_POINTS;
	for (size_t i = 0; i < np; i++) {
		struct conf_point *p = &pts[i];
		unsigned f = take(&in, 1);
		p->table = (enum reg_table)(1 + f % 4);
		p->type = is_bits(p->table) ? TYPE_BOOL : (enum value_type)((f >> 2) % 6);
		p->order = (enum word_order)((f >> 5) % 4);
		/* like the configuration: a 32-bit point ends at 65535 at the latest */
		p->address = (int)take(&in, 2);
		if (decode_width(p) == 2 && p->address == 65535)
			p->address = 65534;
		f = take(&in, 1);
		p->bit = !is_bits(p->table) && p->type <= TYPE_UINT16 && (f & 0x80) ? (int)(f % 16) : -1;
		p->scale = (f & 0x40) ? take_double(&in) : 1;
		p->offset = 0;
		p->device = &dev;
		ptrs[i] = p;
	}
	dev.points = ptrs;
	dev.npoints = np;

	if (decode_plan(&dev, &plan) != 0)
		abort();
	if (plan.npoints != np)
		abort();
	for (size_t b = 0; b < plan.nblocks; b++) {
		const struct read_block *blk = &plan.blocks[b];
		int bits = is_bits(blk->table);
		int max = bits ? dev.max_bits : dev.max_registers;
		uint16_t *regs;
		uint8_t *bitv;

		/* blocks hold consecutive points of the sorted order, all of them once */
		if (blk->first != seen || blk->npoints == 0)
			abort();
		seen += blk->npoints;
		if (blk->count < 1 || blk->start < 0 || blk->start + blk->count > 65536)
			abort();
		/* a request never asks for more than the device allows (one 32-bit
		 * point where max_registers = 1 is the only way past it) */
		if (blk->count > max && !(blk->count == 2 && blk->npoints == 1))
			abort();
		regs = malloc((size_t)blk->count * sizeof(*regs));
		bitv = malloc((size_t)blk->count);
		if (regs == NULL || bitv == NULL)
			abort();
		for (int k = 0; k < blk->count; k++) {
			regs[k] = (uint16_t)take(&in, 2);
			bitv[k] = (uint8_t)(take(&in, 1) & 1);
		}
		for (size_t i = blk->first; i < blk->first + blk->npoints; i++) {
			const struct conf_point *p = plan.order[i];
			int off = p->address - blk->start;
			double v;
			if (p->table != blk->table || off < 0 ||
			    off + (bits ? 1 : decode_width(p)) > blk->count)
				abort();
			v = bits ? decode_bit(p, bitv[off]) : decode_registers(p, &regs[off]);
			/* a bit or a bool is scale * {0,1} + offset */
			if ((bits || p->bit >= 0 || p->type == TYPE_BOOL) && isfinite(p->scale) &&
			    v != 0 && v != p->scale)
				abort();
		}
		free(regs);
		free(bitv);
	}
	if (seen != np)
		abort();
	decode_plan_free(&plan);
	return 0;
}
