/*
 * test_detect.c - the per-point detector (when/clear, delay/clear_delay,
 * hysteresis, adoption of open faults) and the per-device comm state.
 * Time is a plain number of milliseconds fed by the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "detect.h"

struct fx {
	struct conf_point p;
	struct detector d;
	double code;
};

static int
fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	fx->p.kind = KIND_FAULT;
	fx->p.bit = -1;
	fx->p.scale = 1;
	fx->p.when.op = OP_NE;     /* when = value != 0, clear: not when */
	fx->p.when.value = 0;
	fx->p.clear.op = OP_NONE;
	detect_init(&fx->d, 0);
	fx->code = -12345;
	*state = fx;
	return 0;
}

static int
fx_teardown(void **state)
{
	free(*state);
	return 0;
}

static enum det_result
feed(struct fx *fx, double v, int64_t t)
{
	return detect_feed(&fx->d, &fx->p, v, t, &fx->code);
}

static void
hysteresis(struct fx *fx)
{
	fx->p.kind = KIND_SAFETY;
	fx->p.when.op = OP_GT;
	fx->p.when.value = 85;
	fx->p.clear.op = OP_LT;
	fx->p.clear.value = 80;
}

static void
test_open_without_delay(void **state)
{
	struct fx *fx = *state;

	assert_false(detect_active(&fx->d));
	assert_int_equal(feed(fx, 0, 0), DET_NONE);
	assert_false(detect_active(&fx->d));
	assert_int_equal(feed(fx, 3, 1000), DET_OPEN);
	assert_true(fx->code == 3);
	assert_true(detect_active(&fx->d));
	/* once open, it does not open again while the condition holds */
	fx->code = -1;
	assert_int_equal(feed(fx, 5, 2000), DET_NONE);
	assert_int_equal(feed(fx, 3, 3000), DET_NONE);
	assert_true(fx->code == -1);
	assert_int_equal(feed(fx, 0, 4000), DET_CLEAR);
	assert_false(detect_active(&fx->d));
	assert_int_equal(feed(fx, 0, 5000), DET_NONE);
	/* and it can open again */
	assert_int_equal(feed(fx, 9, 6000), DET_OPEN);
	assert_true(fx->code == 9);
}

static void
test_delay(void **state)
{
	struct fx *fx = *state;

	fx->p.delay_ms = 2000;
	assert_int_equal(feed(fx, 1, 10000), DET_NONE);
	assert_false(detect_active(&fx->d));
	assert_int_equal(feed(fx, 2, 11000), DET_NONE);
	assert_int_equal(feed(fx, 3, 11999), DET_NONE);
	assert_false(detect_active(&fx->d));
	/* held for the whole delay: opens, with the value at opening as code */
	assert_int_equal(feed(fx, 7, 12000), DET_OPEN);
	assert_true(fx->code == 7);
	assert_true(detect_active(&fx->d));
}

static void
test_delay_dip_resets(void **state)
{
	struct fx *fx = *state;

	fx->p.delay_ms = 2000;
	assert_int_equal(feed(fx, 1, 0), DET_NONE);
	assert_int_equal(feed(fx, 1, 1500), DET_NONE);
	assert_int_equal(feed(fx, 0, 1900), DET_NONE);   /* a dip */
	assert_int_equal(feed(fx, 1, 2000), DET_NONE);   /* starts over here */
	assert_int_equal(feed(fx, 1, 2500), DET_NONE);   /* would have opened without the dip */
	assert_int_equal(feed(fx, 1, 3999), DET_NONE);
	assert_false(detect_active(&fx->d));
	assert_int_equal(feed(fx, 4, 4000), DET_OPEN);
	assert_true(fx->code == 4);
}

static void
test_flapping_never_opens(void **state)
{
	struct fx *fx = *state;

	fx->p.delay_ms = 1000;
	for (int64_t t = 0; t < 600000; t += 100) {
		/* 900 ms on, 100 ms off: always shorter than the delay */
		double v = (t % 1000) < 900 ? 1 : 0;
		assert_int_equal(feed(fx, v, t), DET_NONE);
		assert_false(detect_active(&fx->d));
	}
}

static void
test_clear_delay(void **state)
{
	struct fx *fx = *state;

	fx->p.clear_delay_ms = 5000;
	assert_int_equal(feed(fx, 1, 0), DET_OPEN);
	assert_int_equal(feed(fx, 0, 10000), DET_NONE);
	assert_true(detect_active(&fx->d));   /* still open while clearing */
	assert_int_equal(feed(fx, 0, 14999), DET_NONE);
	assert_true(detect_active(&fx->d));
	assert_int_equal(feed(fx, 0, 15000), DET_CLEAR);
	assert_false(detect_active(&fx->d));
}

static void
test_clear_delay_relapse_resets(void **state)
{
	struct fx *fx = *state;

	fx->p.clear_delay_ms = 5000;
	assert_int_equal(feed(fx, 1, 0), DET_OPEN);
	assert_int_equal(feed(fx, 0, 1000), DET_NONE);
	assert_int_equal(feed(fx, 2, 5000), DET_NONE);   /* back: no second opening */
	assert_true(detect_active(&fx->d));
	assert_int_equal(feed(fx, 0, 6000), DET_NONE);   /* clearing starts over */
	assert_int_equal(feed(fx, 0, 10999), DET_NONE);
	assert_true(detect_active(&fx->d));
	assert_int_equal(feed(fx, 0, 11000), DET_CLEAR);
}

static void
test_hysteresis(void **state)
{
	struct fx *fx = *state;

	hysteresis(fx);
	/* 82 before opening does not open */
	assert_int_equal(feed(fx, 82, 0), DET_NONE);
	assert_int_equal(feed(fx, 85, 1000), DET_NONE);   /* > 85, not >= */
	assert_false(detect_active(&fx->d));
	assert_int_equal(feed(fx, 86.5, 2000), DET_OPEN);
	assert_true(fx->code == 86.5);
	/* 82 after opening keeps it open, so does exactly 80 */
	assert_int_equal(feed(fx, 82, 3000), DET_NONE);
	assert_int_equal(feed(fx, 80, 4000), DET_NONE);
	assert_true(detect_active(&fx->d));
	assert_int_equal(feed(fx, 79.9, 5000), DET_CLEAR);
	assert_false(detect_active(&fx->d));
	/* 82 after clearing does not reopen */
	assert_int_equal(feed(fx, 82, 6000), DET_NONE);
	assert_false(detect_active(&fx->d));
}

static void
test_hysteresis_with_delays(void **state)
{
	struct fx *fx = *state;

	hysteresis(fx);
	fx->p.delay_ms = 1000;
	fx->p.clear_delay_ms = 3000;
	assert_int_equal(feed(fx, 90, 0), DET_NONE);
	assert_int_equal(feed(fx, 82, 500), DET_NONE);   /* not `when`: pending ends */
	assert_int_equal(feed(fx, 90, 900), DET_NONE);
	assert_int_equal(feed(fx, 90, 1500), DET_NONE);
	assert_int_equal(feed(fx, 91, 1900), DET_OPEN);
	assert_true(fx->code == 91);
	assert_int_equal(feed(fx, 70, 2000), DET_NONE);   /* clearing */
	assert_int_equal(feed(fx, 82, 4000), DET_NONE);   /* in the band: back to open */
	assert_int_equal(feed(fx, 70, 5500), DET_NONE);   /* clearing from 5500 */
	assert_true(detect_active(&fx->d));
	assert_int_equal(feed(fx, 70, 8499), DET_NONE);
	assert_int_equal(feed(fx, 70, 8500), DET_CLEAR);
}

static void
test_status_and_no_condition(void **state)
{
	struct fx *fx = *state;

	fx->p.kind = KIND_STATUS;
	assert_int_equal(feed(fx, 1, 0), DET_NONE);
	assert_int_equal(feed(fx, 1, 100000), DET_NONE);
	assert_false(detect_active(&fx->d));
	/* the last value is still kept for display */
	assert_true(fx->d.observed);
	assert_true(fx->d.last == 1);

	fx->p.kind = KIND_FAULT;
	fx->p.when.op = OP_NONE;
	assert_int_equal(feed(fx, 1, 200000), DET_NONE);
	assert_false(detect_active(&fx->d));
}

static void
test_observed_and_last(void **state)
{
	struct fx *fx = *state;

	assert_false(fx->d.observed);
	feed(fx, 0, 0);
	assert_true(fx->d.observed);
	assert_true(fx->d.last == 0);
	feed(fx, -3.25, 10);
	assert_true(fx->d.last == -3.25);
}

static void
test_adopt_still_faulty(void **state)
{
	struct fx *fx = *state;

	/* open in the database at restart: adopted, never opened twice */
	detect_init(&fx->d, 1);
	assert_true(detect_active(&fx->d));
	assert_false(fx->d.observed);
	assert_int_equal(feed(fx, 5, 0), DET_NONE);
	assert_int_equal(feed(fx, 5, 100000), DET_NONE);
	assert_true(detect_active(&fx->d));
	assert_int_equal(feed(fx, 0, 200000), DET_CLEAR);
}

static void
test_adopt_cleared_while_down(void **state)
{
	struct fx *fx = *state;

	/* it cleared while tbmond was down: the first good reading clears it,
	 * without waiting clear_delay again */
	fx->p.clear_delay_ms = 5000;
	detect_init(&fx->d, 1);
	assert_int_equal(feed(fx, 0, 1000), DET_CLEAR);
	assert_false(detect_active(&fx->d));
	/* from then on, normal behaviour */
	assert_int_equal(feed(fx, 1, 2000), DET_OPEN);
	assert_int_equal(feed(fx, 0, 3000), DET_NONE);
	assert_int_equal(feed(fx, 0, 7999), DET_NONE);
	assert_int_equal(feed(fx, 0, 8000), DET_CLEAR);
}

static void
test_adopt_hysteresis_band(void **state)
{
	struct fx *fx = *state;

	/* a first reading between clear and when is not "cleared": it stays open,
	 * and a later clearing waits clear_delay as usual */
	hysteresis(fx);
	fx->p.clear_delay_ms = 5000;
	detect_init(&fx->d, 1);
	assert_int_equal(feed(fx, 82, 0), DET_NONE);
	assert_true(detect_active(&fx->d));
	assert_int_equal(feed(fx, 70, 1000), DET_NONE);
	assert_true(detect_active(&fx->d));
	assert_int_equal(feed(fx, 70, 6000), DET_CLEAR);
}

static void
test_adopt_hysteresis_cleared(void **state)
{
	struct fx *fx = *state;

	hysteresis(fx);
	fx->p.clear_delay_ms = 60000;
	detect_init(&fx->d, 1);
	assert_int_equal(feed(fx, 25, 0), DET_CLEAR);
	assert_false(detect_active(&fx->d));
}

static void
test_init_resets(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(feed(fx, 1, 0), DET_OPEN);
	detect_init(&fx->d, 0);
	assert_false(detect_active(&fx->d));
	assert_false(fx->d.observed);
	assert_int_equal(feed(fx, 1, 10), DET_OPEN);
}

/* ---- comm state ---- */

static void
test_comm_opens_at_offline_after(void **state)
{
	struct comm_state c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(comm_feed(&c, 0, 3), DET_NONE);
	assert_int_equal(comm_feed(&c, 0, 3), DET_NONE);
	assert_false(c.offline);
	assert_int_equal(comm_feed(&c, 0, 3), DET_OPEN);
	assert_true(c.offline);
	/* only once, however long it stays down */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(comm_feed(&c, 0, 3), DET_NONE);
	assert_true(c.offline);
	/* the first good poll clears it */
	assert_int_equal(comm_feed(&c, 1, 3), DET_CLEAR);
	assert_false(c.offline);
	assert_int_equal(c.failures, 0);
	assert_int_equal(comm_feed(&c, 1, 3), DET_NONE);
}

static void
test_comm_good_poll_resets_count(void **state)
{
	struct comm_state c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(comm_feed(&c, 1, 3), DET_NONE);   /* good while online: nothing */
	assert_int_equal(comm_feed(&c, 0, 3), DET_NONE);
	assert_int_equal(comm_feed(&c, 0, 3), DET_NONE);
	assert_int_equal(comm_feed(&c, 1, 3), DET_NONE);   /* not consecutive any more */
	assert_int_equal(comm_feed(&c, 0, 3), DET_NONE);
	assert_int_equal(comm_feed(&c, 0, 3), DET_NONE);
	assert_false(c.offline);
	assert_int_equal(comm_feed(&c, 0, 3), DET_OPEN);
	/* after clearing, it takes offline_after failures again */
	assert_int_equal(comm_feed(&c, 1, 3), DET_CLEAR);
	assert_int_equal(comm_feed(&c, 0, 3), DET_NONE);
	assert_int_equal(comm_feed(&c, 0, 3), DET_NONE);
	assert_int_equal(comm_feed(&c, 0, 3), DET_OPEN);
}

static void
test_comm_offline_after_one(void **state)
{
	struct comm_state c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(comm_feed(&c, 0, 1), DET_OPEN);
	assert_int_equal(comm_feed(&c, 0, 1), DET_NONE);
	assert_int_equal(comm_feed(&c, 1, 1), DET_CLEAR);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest points[] = {
		T(test_open_without_delay),
		T(test_delay),
		T(test_delay_dip_resets),
		T(test_flapping_never_opens),
		T(test_clear_delay),
		T(test_clear_delay_relapse_resets),
		T(test_hysteresis),
		T(test_hysteresis_with_delays),
		T(test_status_and_no_condition),
		T(test_observed_and_last),
		T(test_adopt_still_faulty),
		T(test_adopt_cleared_while_down),
		T(test_adopt_hysteresis_band),
		T(test_adopt_hysteresis_cleared),
		T(test_init_resets),
	};
	const struct CMUnitTest comm[] = {
		cmocka_unit_test(test_comm_opens_at_offline_after),
		cmocka_unit_test(test_comm_good_poll_resets_count),
		cmocka_unit_test(test_comm_offline_after_one),
	};
	int fails = 0;

	fails += cmocka_run_group_tests_name("detector", points, NULL, NULL);
	fails += cmocka_run_group_tests_name("comm", comm, NULL, NULL);
	return fails != 0;
}
