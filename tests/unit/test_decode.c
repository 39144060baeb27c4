/*
 * test_decode.c - register decoding (every type in every word order, bits,
 * scale/offset) against hand-computed register pairs, and the read plan
 * (merging, gaps, overlaps, 32-bit spans, request size limits, tables).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "decode.h"

static struct conf_point
pt(enum value_type type, enum word_order order)
{
	struct conf_point p;

	memset(&p, 0, sizeof(p));
	p.table = TABLE_HOLDING;
	p.type = type;
	p.order = order;
	p.bit = -1;
	p.scale = 1;
	p.offset = 0;
	return p;
}

/* One value in the four orders: regs[order] as they arrive on the wire. */
struct vec {
	enum value_type type;
	double want;
	uint16_t regs[4][2];   /* abcd, badc, cdab, dcba (enum word_order) */
};

static const struct vec vecs[] = {
	/* float32 25.5 = 0x41CC0000 */
	{ TYPE_FLOAT32, 25.5, { { 0x41CC, 0x0000 }, { 0xCC41, 0x0000 }, { 0x0000, 0x41CC }, { 0x0000, 0xCC41 } } },
	/* float32 -1.5 = 0xBFC00000 */
	{ TYPE_FLOAT32, -1.5, { { 0xBFC0, 0x0000 }, { 0xC0BF, 0x0000 }, { 0x0000, 0xBFC0 }, { 0x0000, 0xC0BF } } },
	/* float32 1.0e6 = 0x49742400: all four bytes differ */
	{ TYPE_FLOAT32, 1.0e6, { { 0x4974, 0x2400 }, { 0x7449, 0x0024 }, { 0x2400, 0x4974 }, { 0x0024, 0x7449 } } },
	/* uint32 0x12345678 = 305419896 */
	{ TYPE_UINT32, 305419896.0, { { 0x1234, 0x5678 }, { 0x3412, 0x7856 }, { 0x5678, 0x1234 }, { 0x7856, 0x3412 } } },
	/* uint32 0xFFFFFFFE: unsigned, not -2 */
	{ TYPE_UINT32, 4294967294.0, { { 0xFFFF, 0xFFFE }, { 0xFFFF, 0xFEFF }, { 0xFFFE, 0xFFFF }, { 0xFEFF, 0xFFFF } } },
	/* int32 0x12345678 */
	{ TYPE_INT32, 305419896.0, { { 0x1234, 0x5678 }, { 0x3412, 0x7856 }, { 0x5678, 0x1234 }, { 0x7856, 0x3412 } } },
	/* int32 -2 = 0xFFFFFFFE */
	{ TYPE_INT32, -2.0, { { 0xFFFF, 0xFFFE }, { 0xFFFF, 0xFEFF }, { 0xFFFE, 0xFFFF }, { 0xFEFF, 0xFFFF } } },
	/* int32 -100000 = 0xFFFE7960 */
	{ TYPE_INT32, -100000.0, { { 0xFFFE, 0x7960 }, { 0xFEFF, 0x6079 }, { 0x7960, 0xFFFE }, { 0x6079, 0xFEFF } } },
	/* int32 INT32_MIN = 0x80000000 */
	{ TYPE_INT32, -2147483648.0, { { 0x8000, 0x0000 }, { 0x0080, 0x0000 }, { 0x0000, 0x8000 }, { 0x0000, 0x0080 } } },
};

static void
test_32bit_orders(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		for (int o = ORDER_ABCD; o <= ORDER_DCBA; o++) {
			struct conf_point p = pt(vecs[i].type, (enum word_order)o);
			double got = decode_registers(&p, vecs[i].regs[o]);
			if (got != vecs[i].want)
				print_message("vector %zu order %d: got %.17g want %.17g\n", i, o, got, vecs[i].want);
			assert_true(got == vecs[i].want);
			assert_int_equal(decode_width(&p), 2);
		}
}

/* A float32 is kept at its own precision: the device's 123.456f is 123.456,
 * not the 123.45600128173828 that widening it to double gives. */
static void
test_float32_precision(void **state)
{
	struct conf_point p = pt(TYPE_FLOAT32, ORDER_ABCD);
	float f = 123.456f;
	uint32_t u;
	uint16_t regs[2];
	char buf[64];

	(void)state;
	memcpy(&u, &f, sizeof(u));
	regs[0] = (uint16_t)(u >> 16);
	regs[1] = (uint16_t)u;
	/* the double a reader of "123.456" gets, as JSON and tbmctl print it */
	assert_true(decode_registers(&p, regs) == 123.456);
	snprintf(buf, sizeof(buf), "%.15g", decode_registers(&p, regs));
	assert_string_equal(buf, "123.456");
	/* scaled, it keeps a float's digits too */
	p.scale = 0.1;
	assert_true(decode_registers(&p, regs) == 12.3456);
	p.scale = 1;
	/* the smallest and largest floats and odd values survive */
	f = 3.40282347e38f;
	memcpy(&u, &f, sizeof(u));
	regs[0] = (uint16_t)(u >> 16);
	regs[1] = (uint16_t)u;
	assert_true((float)decode_registers(&p, regs) == f);
	f = 1.17549435e-38f;
	memcpy(&u, &f, sizeof(u));
	regs[0] = (uint16_t)(u >> 16);
	regs[1] = (uint16_t)u;
	assert_true((float)decode_registers(&p, regs) == f);
	f = 0.1f;
	memcpy(&u, &f, sizeof(u));
	regs[0] = (uint16_t)(u >> 16);
	regs[1] = (uint16_t)u;
	assert_true(decode_registers(&p, regs) == 0.1);   /* not 0.10000000149011612 */
}

static void
test_order_names_match_enum(void **state)
{
	struct conf_point p = pt(TYPE_UINT32, ORDER_ABCD);
	const uint16_t regs[2] = { 0x0102, 0x0304 };

	(void)state;
	/* bytes on the wire A=01 B=02 C=03 D=04 */
	assert_true(decode_registers(&p, regs) == 0x01020304);
	p.order = ORDER_BADC;
	assert_true(decode_registers(&p, regs) == 0x02010403);
	p.order = ORDER_CDAB;
	assert_true(decode_registers(&p, regs) == 0x03040102);
	p.order = ORDER_DCBA;
	assert_true(decode_registers(&p, regs) == 0x04030201);
}

static void
test_16bit_types(void **state)
{
	const uint16_t neg2[2] = { 0xFFFE, 0x1234 };   /* the second register is not read */
	const uint16_t big[2] = { 0x8000, 0xFFFF };
	const uint16_t zero[2] = { 0, 0xFFFF };
	const uint16_t one[2] = { 1, 0 };

	(void)state;
	/* order applies only to 32-bit values: every order gives the same */
	for (int o = ORDER_ABCD; o <= ORDER_DCBA; o++) {
		struct conf_point i16 = pt(TYPE_INT16, (enum word_order)o);
		struct conf_point u16 = pt(TYPE_UINT16, (enum word_order)o);
		struct conf_point b = pt(TYPE_BOOL, (enum word_order)o);

		assert_int_equal(decode_width(&i16), 1);
		assert_int_equal(decode_width(&u16), 1);
		assert_int_equal(decode_width(&b), 1);
		assert_true(decode_registers(&i16, neg2) == -2);
		assert_true(decode_registers(&u16, neg2) == 65534);
		assert_true(decode_registers(&i16, big) == -32768);
		assert_true(decode_registers(&u16, big) == 32768);
		assert_true(decode_registers(&b, zero) == 0);
		assert_true(decode_registers(&b, one) == 1);
		assert_true(decode_registers(&b, big) == 1);
	}
}

static void
test_bits(void **state)
{
	struct conf_point p = pt(TYPE_UINT16, ORDER_ABCD);
	const uint16_t r8001[1] = { 0x8001 };
	const uint16_t r7ffe[1] = { 0x7FFE };
	const uint16_t r0008[1] = { 0x0008 };

	(void)state;
	p.bit = 0;
	assert_true(decode_registers(&p, r8001) == 1);
	assert_true(decode_registers(&p, r7ffe) == 0);
	p.bit = 15;
	assert_true(decode_registers(&p, r8001) == 1);
	assert_true(decode_registers(&p, r7ffe) == 0);
	p.bit = 3;
	assert_true(decode_registers(&p, r0008) == 1);
	assert_true(decode_registers(&p, r7ffe) == 1);
	assert_true(decode_registers(&p, r8001) == 0);
	/* a bit of an int16 is still 0 or 1, never negative */
	p.type = TYPE_INT16;
	p.bit = 15;
	assert_true(decode_registers(&p, r8001) == 1);
}

static void
test_scale_offset(void **state)
{
	struct conf_point p = pt(TYPE_INT16, ORDER_ABCD);
	const uint16_t r[2] = { 0xFF9C, 0 };   /* -100 */
	const uint16_t t[2] = { 0x41CC, 0x0000 };   /* 25.5 */

	(void)state;
	p.scale = 0.1;
	p.offset = 5;
	assert_true(decode_registers(&p, r) == -100 * 0.1 + 5);
	p.type = TYPE_UINT16;
	assert_true(decode_registers(&p, r) == 65436 * 0.1 + 5);
	p.type = TYPE_FLOAT32;
	p.scale = 2;
	p.offset = -40;
	assert_true(decode_registers(&p, t) == 11);
	/* a bit scales too */
	p.type = TYPE_UINT16;
	p.bit = 0;
	p.scale = 10;
	p.offset = 1;
	assert_true(decode_registers(&p, t) == 1);
	p.bit = 6;   /* 0x41CC: bit 6 set */
	assert_true(decode_registers(&p, t) == 11);
}

static void
test_decode_bit(void **state)
{
	struct conf_point p = pt(TYPE_BOOL, ORDER_ABCD);

	(void)state;
	p.table = TABLE_COIL;
	assert_true(decode_bit(&p, 0) == 0);
	assert_true(decode_bit(&p, 1) == 1);
	assert_true(decode_bit(&p, 0xFF) == 1);   /* any nonzero byte is on */
	p.scale = -1;
	p.offset = 1;
	assert_true(decode_bit(&p, 1) == 0);   /* inverted logic */
	assert_true(decode_bit(&p, 0) == 1);
}

/* ---- read plans ---- */

#define MAXPTS 2100

struct planfx {
	struct conf_device dev;
	struct conf_point pts[MAXPTS];
	struct conf_point *ptrs[MAXPTS];
	struct read_plan plan;
};

static int
plan_setup(void **state)
{
	struct planfx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dev.max_registers = 125;
	f->dev.max_bits = 2000;
	f->dev.points = f->ptrs;
	*state = f;
	return 0;
}

static int
plan_teardown(void **state)
{
	struct planfx *f = *state;

	decode_plan_free(&f->plan);
	free(f);
	return 0;
}

static struct conf_point *
add(struct planfx *f, enum reg_table table, int address, enum value_type type)
{
	struct conf_point *p = &f->pts[f->dev.npoints];

	*p = pt(type, ORDER_ABCD);
	p->table = table;
	p->address = address;
	f->ptrs[f->dev.npoints++] = p;
	return p;
}

static void
plan(struct planfx *f)
{
	assert_int_equal(decode_plan(&f->dev, &f->plan), 0);
	assert_int_equal(f->plan.npoints, f->dev.npoints);
}

static void
expect_block(struct planfx *f, size_t i, enum reg_table table, int start, int count, size_t first,
    size_t npoints)
{
	const struct read_block *b;

	assert_true(i < f->plan.nblocks);
	b = &f->plan.blocks[i];
	assert_int_equal(b->table, table);
	assert_int_equal(b->start, start);
	assert_int_equal(b->count, count);
	assert_int_equal(b->first, first);
	assert_int_equal(b->npoints, npoints);
}

/* every point lies inside its block, and every point is in exactly one block */
static void
check_cover(struct planfx *f)
{
	size_t seen = 0;

	for (size_t i = 0; i < f->plan.nblocks; i++) {
		const struct read_block *b = &f->plan.blocks[i];
		int bits = b->table == TABLE_COIL || b->table == TABLE_DISCRETE;
		assert_true(b->count <= (bits ? f->dev.max_bits : f->dev.max_registers));
		assert_int_equal(b->first, seen);
		for (size_t k = b->first; k < b->first + b->npoints; k++) {
			const struct conf_point *p = f->plan.order[k];
			assert_int_equal(p->table, b->table);
			assert_true(p->address >= b->start);
			assert_true(p->address + (bits ? 1 : decode_width(p)) <= b->start + b->count);
		}
		seen += b->npoints;
	}
	assert_int_equal(seen, f->plan.npoints);
}

static void
test_plan_empty(void **state)
{
	struct planfx *f = *state;

	plan(f);
	assert_int_equal(f->plan.nblocks, 0);
	assert_null(f->plan.blocks);
	decode_plan_free(&f->plan);
	decode_plan_free(&f->plan);   /* twice: harmless */
}

static void
test_plan_adjacent_merge(void **state)
{
	struct planfx *f = *state;

	/* defined out of order: the plan sorts them */
	add(f, TABLE_HOLDING, 102, TYPE_UINT16);
	add(f, TABLE_HOLDING, 100, TYPE_UINT16);
	add(f, TABLE_HOLDING, 101, TYPE_INT16);
	plan(f);
	assert_int_equal(f->plan.nblocks, 1);
	expect_block(f, 0, TABLE_HOLDING, 100, 3, 0, 3);
	assert_int_equal(f->plan.order[0]->address, 100);
	assert_int_equal(f->plan.order[1]->address, 101);
	assert_int_equal(f->plan.order[2]->address, 102);
	check_cover(f);
}

static void
test_plan_gap_splits(void **state)
{
	struct planfx *f = *state;

	/* a gap is not read across: registers in between may not exist */
	add(f, TABLE_HOLDING, 100, TYPE_UINT16);
	add(f, TABLE_HOLDING, 102, TYPE_UINT16);
	add(f, TABLE_HOLDING, 103, TYPE_UINT16);
	add(f, TABLE_HOLDING, 200, TYPE_UINT16);
	plan(f);
	assert_int_equal(f->plan.nblocks, 3);
	expect_block(f, 0, TABLE_HOLDING, 100, 1, 0, 1);
	expect_block(f, 1, TABLE_HOLDING, 102, 2, 1, 2);
	expect_block(f, 2, TABLE_HOLDING, 200, 1, 3, 1);
	check_cover(f);
}

static void
test_plan_overlap(void **state)
{
	struct planfx *f = *state;

	/* the same register twice (two bits), and a register inside a 32-bit value */
	add(f, TABLE_INPUT, 10, TYPE_UINT16)->bit = 0;
	add(f, TABLE_INPUT, 10, TYPE_UINT16)->bit = 15;
	add(f, TABLE_INPUT, 20, TYPE_UINT16);
	add(f, TABLE_INPUT, 20, TYPE_FLOAT32);
	add(f, TABLE_INPUT, 21, TYPE_UINT16);
	plan(f);
	assert_int_equal(f->plan.nblocks, 2);
	expect_block(f, 0, TABLE_INPUT, 10, 1, 0, 2);
	expect_block(f, 1, TABLE_INPUT, 20, 2, 2, 3);
	/* at one address the wider point comes first */
	assert_int_equal(f->plan.order[2]->type, TYPE_FLOAT32);
	check_cover(f);
}

static void
test_plan_32bit_span(void **state)
{
	struct planfx *f = *state;

	/* a 32-bit value at 100 covers 101, so 102 is adjacent */
	add(f, TABLE_HOLDING, 100, TYPE_INT32);
	add(f, TABLE_HOLDING, 102, TYPE_UINT32);
	add(f, TABLE_HOLDING, 104, TYPE_UINT16);
	add(f, TABLE_HOLDING, 106, TYPE_UINT16);   /* 105 is a gap */
	/* a 16-bit point followed by a 32-bit one that ends past it */
	add(f, TABLE_HOLDING, 300, TYPE_UINT16);
	add(f, TABLE_HOLDING, 301, TYPE_FLOAT32);
	plan(f);
	assert_int_equal(f->plan.nblocks, 3);
	expect_block(f, 0, TABLE_HOLDING, 100, 5, 0, 3);
	expect_block(f, 1, TABLE_HOLDING, 106, 1, 3, 1);
	expect_block(f, 2, TABLE_HOLDING, 300, 3, 4, 2);
	check_cover(f);
}

static void
test_plan_max_registers(void **state)
{
	struct planfx *f = *state;

	/* 126 adjacent registers: 125 in the first request, 1 in the next */
	for (int a = 0; a < 126; a++)
		add(f, TABLE_HOLDING, a, TYPE_UINT16);
	plan(f);
	assert_int_equal(f->plan.nblocks, 2);
	expect_block(f, 0, TABLE_HOLDING, 0, 125, 0, 125);
	expect_block(f, 1, TABLE_HOLDING, 125, 1, 125, 1);
	check_cover(f);
}

static void
test_plan_max_registers_exact(void **state)
{
	struct planfx *f = *state;

	for (int a = 1000; a < 1125; a++)
		add(f, TABLE_INPUT, a, TYPE_INT16);
	plan(f);
	assert_int_equal(f->plan.nblocks, 1);
	expect_block(f, 0, TABLE_INPUT, 1000, 125, 0, 125);
}

static void
test_plan_32bit_at_limit(void **state)
{
	struct planfx *f = *state;

	/* registers 0..123, then a 32-bit value at 124..125: it does not fit in
	 * the first request and is not split across two */
	for (int a = 0; a < 124; a++)
		add(f, TABLE_HOLDING, a, TYPE_UINT16);
	add(f, TABLE_HOLDING, 124, TYPE_UINT32);
	plan(f);
	assert_int_equal(f->plan.nblocks, 2);
	expect_block(f, 0, TABLE_HOLDING, 0, 124, 0, 124);
	expect_block(f, 1, TABLE_HOLDING, 124, 2, 124, 1);
	check_cover(f);
}

static void
test_plan_device_limit(void **state)
{
	struct planfx *f = *state;

	/* a device that answers at most 10 registers per request */
	f->dev.max_registers = 10;
	for (int a = 0; a < 25; a++)
		add(f, TABLE_HOLDING, a, TYPE_UINT16);
	plan(f);
	assert_int_equal(f->plan.nblocks, 3);
	expect_block(f, 0, TABLE_HOLDING, 0, 10, 0, 10);
	expect_block(f, 1, TABLE_HOLDING, 10, 10, 10, 10);
	expect_block(f, 2, TABLE_HOLDING, 20, 5, 20, 5);
	check_cover(f);
}

static void
test_plan_max_bits(void **state)
{
	struct planfx *f = *state;

	/* 2001 adjacent coils: 2000 then 1; bits are counted one each */
	for (int a = 0; a < 2001; a++)
		add(f, TABLE_COIL, a, TYPE_BOOL);
	plan(f);
	assert_int_equal(f->plan.nblocks, 2);
	expect_block(f, 0, TABLE_COIL, 0, 2000, 0, 2000);
	expect_block(f, 1, TABLE_COIL, 2000, 1, 2000, 1);
	check_cover(f);
}

static void
test_plan_bits_not_limited_by_registers(void **state)
{
	struct planfx *f = *state;

	/* 200 discrete inputs are one request, though more than 125 */
	for (int a = 0; a < 200; a++)
		add(f, TABLE_DISCRETE, 500 + a, TYPE_BOOL);
	plan(f);
	assert_int_equal(f->plan.nblocks, 1);
	expect_block(f, 0, TABLE_DISCRETE, 500, 200, 0, 200);
}

static void
test_plan_tables_never_mixed(void **state)
{
	struct planfx *f = *state;

	/* the same addresses in all four tables: four requests */
	add(f, TABLE_HOLDING, 1, TYPE_UINT16);
	add(f, TABLE_INPUT, 1, TYPE_UINT16);
	add(f, TABLE_DISCRETE, 1, TYPE_BOOL);
	add(f, TABLE_COIL, 1, TYPE_BOOL);
	add(f, TABLE_HOLDING, 0, TYPE_UINT16);
	add(f, TABLE_INPUT, 2, TYPE_UINT16);
	add(f, TABLE_COIL, 2, TYPE_BOOL);
	add(f, TABLE_DISCRETE, 0, TYPE_BOOL);
	plan(f);
	assert_int_equal(f->plan.nblocks, 4);
	expect_block(f, 0, TABLE_COIL, 1, 2, 0, 2);
	expect_block(f, 1, TABLE_DISCRETE, 0, 2, 2, 2);
	expect_block(f, 2, TABLE_INPUT, 1, 2, 4, 2);
	expect_block(f, 3, TABLE_HOLDING, 0, 2, 6, 2);
	check_cover(f);
}

#define P(f) cmocka_unit_test_setup_teardown(f, plan_setup, plan_teardown)

int
main(void)
{
	const struct CMUnitTest values[] = {
		cmocka_unit_test(test_32bit_orders),
		cmocka_unit_test(test_order_names_match_enum),
		cmocka_unit_test(test_float32_precision),
		cmocka_unit_test(test_16bit_types),
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_scale_offset),
		cmocka_unit_test(test_decode_bit),
	};
	const struct CMUnitTest plans[] = {
		P(test_plan_empty),
		P(test_plan_adjacent_merge),
		P(test_plan_gap_splits),
		P(test_plan_overlap),
		P(test_plan_32bit_span),
		P(test_plan_max_registers),
		P(test_plan_max_registers_exact),
		P(test_plan_32bit_at_limit),
		P(test_plan_device_limit),
		P(test_plan_max_bits),
		P(test_plan_bits_not_limited_by_registers),
		P(test_plan_tables_never_mixed),
	};
	int fails = 0;

	fails += cmocka_run_group_tests_name("decode values", values, NULL, NULL);
	fails += cmocka_run_group_tests_name("decode plans", plans, NULL, NULL);
	return fails != 0;
}
