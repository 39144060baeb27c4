/*
 * test_points.c - tbmond's one path from a device's reading to events
 * (daemon/points.c), shared by the Modbus links and the MQTT devices: fault
 * and safety kinds, comm events, adoption of open faults, and the reload
 * fingerprint that must change with every field of a device or point.
 * Linked against tbmond's object library.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "points.h"

struct sink {
	struct tbm_event ev[8];
	size_t n;
};

static void
take(void *arg, const struct tbm_event *ev)
{
	struct sink *s = arg;

	assert_true(s->n < 8);
	s->ev[s->n++] = *ev;
}

struct fx {
	struct conf_device dev;
	struct conf_point p[2];
	struct conf_point *pp[2];
	struct devpoints dp;
	struct sink sink;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dev.id, sizeof(fx->dev.id), "cnc-01");
	fx->dev.protocol = PROTO_MODBUS_TCP;
	for (int i = 0; i < 2; i++) {
		struct conf_point *p = &fx->p[i];
		snprintf(p->name, sizeof(p->name), i == 0 ? "alarm" : "estop");
		snprintf(p->id, sizeof(p->id), "cnc-01.%s", i == 0 ? "alarm" : "estop");
		p->device = &fx->dev;
		p->kind = i == 0 ? KIND_FAULT : KIND_SAFETY;
		p->bit = -1;
		p->scale = 1;
		p->when.op = OP_NE;
		p->clear.op = OP_NONE;
		fx->pp[i] = p;
	}
	fx->dev.points = fx->pp;
	fx->dev.npoints = 2;
	if (points_init(&fx->dp, &fx->dev, fx->pp, 2) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	points_free(&fx->dp);
	free(fx);
	return 0;
}

static void
feed(struct fx *fx, double a, double b, int64_t now)
{
	fx->sink.n = 0;
	fx->dp.vals[0] = a;
	fx->dp.vals[1] = b;
	points_feed(&fx->dp, now, 1000 + now, take, &fx->sink);
}

static void
open_and_clear(void **state)
{
	struct fx *fx = *state;

	feed(fx, 0, 0, 0);
	assert_int_equal(fx->sink.n, 0);
	feed(fx, 7, 1, 10);
	assert_int_equal(fx->sink.n, 2);
	assert_int_equal(fx->sink.ev[0].type, EV_OPEN);
	assert_int_equal(fx->sink.ev[0].kind, FK_FAULT);
	assert_string_equal(fx->sink.ev[0].device, "cnc-01");
	assert_string_equal(fx->sink.ev[0].point, "alarm");
	assert_true(fx->sink.ev[0].code == 7);
	assert_int_equal(fx->sink.ev[0].at_ms, 1010);
	assert_int_equal(fx->sink.ev[1].kind, FK_SAFETY);
	assert_string_equal(fx->sink.ev[1].point, "estop");
	feed(fx, 7, 1, 20);
	assert_int_equal(fx->sink.n, 0);
	feed(fx, 0, 1, 30);
	assert_int_equal(fx->sink.n, 1);
	assert_int_equal(fx->sink.ev[0].type, EV_CLEAR);
	assert_string_equal(fx->sink.ev[0].point, "alarm");
}

static void
comm(void **state)
{
	struct fx *fx = *state;

	points_comm(&fx->dp, EV_OPEN, 5, take, &fx->sink);
	points_comm(&fx->dp, EV_CLEAR, 6, take, &fx->sink);
	assert_int_equal(fx->sink.n, 2);
	assert_int_equal(fx->sink.ev[0].kind, FK_COMM);
	assert_string_equal(fx->sink.ev[0].point, "comm");
	assert_int_equal(fx->sink.ev[0].type, EV_OPEN);
	assert_int_equal(fx->sink.ev[1].type, EV_CLEAR);
	assert_int_equal(fx->sink.ev[1].at_ms, 6);
}

static void
adopt(void **state)
{
	struct fx *fx = *state;
	int offline = 0;

	assert_int_equal(points_adopt(&fx->dp, "cnc-02", "alarm", FK_FAULT, &offline), -1);
	assert_int_equal(points_adopt(&fx->dp, "cnc-01", "nosuch", FK_FAULT, &offline), 0);
	assert_int_equal(points_adopt(&fx->dp, "cnc-01", "comm", FK_COMM, &offline), 1);
	assert_int_equal(offline, 1);
	assert_int_equal(points_adopt(&fx->dp, "cnc-01", "alarm", FK_FAULT, &offline), 1);
	/* adopted: a reading that still holds opens nothing again; a clear clears it */
	feed(fx, 7, 0, 0);
	assert_int_equal(fx->sink.n, 0);
	feed(fx, 0, 0, 10);
	assert_int_equal(fx->sink.n, 1);
	assert_int_equal(fx->sink.ev[0].type, EV_CLEAR);
}

static char *
fingerprint(const struct conf_device *d)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	points_fingerprint(f, d);
	assert_int_equal(fclose(f), 0);
	return s;
}

/* Changes one field, checks the fingerprint sees it, and puts it back. */
#define CHANGES(fx, field, value) do { \
	__typeof__(field) saved_ = (field); \
	char *after_; \
	(field) = (value); \
	after_ = fingerprint(&(fx)->dev); \
	if (strcmp(before, after_) == 0) \
		fail_msg("the fingerprint misses %s", #field); \
	free(after_); \
	(field) = saved_; \
} while (0)

static void
fingerprint_fields(void **state)
{
	struct fx *fx = *state;
	char *before = fingerprint(&fx->dev), *again = fingerprint(&fx->dev);
	struct conf_point *p = &fx->p[1];

	assert_string_equal(before, again);
	free(again);
	CHANGES(fx, fx->dev.name, "x");
	CHANGES(fx, fx->dev.lab, "x");
	CHANGES(fx, fx->dev.assessment, 1);
	CHANGES(fx, fx->dev.protocol, PROTO_MQTT);
	CHANGES(fx, fx->dev.host, "x");
	CHANGES(fx, fx->dev.port, 1);
	CHANGES(fx, fx->dev.unit, 1);
	CHANGES(fx, fx->dev.interval_ms, 1);
	CHANGES(fx, fx->dev.timeout_ms, 1);
	CHANGES(fx, fx->dev.pause_ms, 1);
	CHANGES(fx, fx->dev.connect_delay_ms, 1);
	CHANGES(fx, fx->dev.reconnect_delay_ms, 1);
	CHANGES(fx, fx->dev.keep_open, 1);
	CHANGES(fx, fx->dev.offline_polls, 1);
	CHANGES(fx, fx->dev.offline_ms, 1);
	CHANGES(fx, fx->dev.serial, "x");
	CHANGES(fx, fx->dev.baud, 1);
	CHANGES(fx, fx->dev.parity, 'E');
	CHANGES(fx, fx->dev.data_bits, 1);
	CHANGES(fx, fx->dev.stop_bits, 1);
	CHANGES(fx, fx->dev.topic, "x");
	CHANGES(fx, fx->dev.max_registers, 1);
	CHANGES(fx, fx->dev.max_bits, 1);
	CHANGES(fx, fx->dev.npoints, 1);
	CHANGES(fx, p->table, TABLE_INPUT);
	CHANGES(fx, p->address, 1);
	CHANGES(fx, p->type, TYPE_FLOAT32);
	CHANGES(fx, p->order, ORDER_CDAB);
	CHANGES(fx, p->bit, 3);
	CHANGES(fx, p->scale, 0.5);
	CHANGES(fx, p->offset, 1e-12);
	CHANGES(fx, p->kind, KIND_STATUS);
	CHANGES(fx, p->when.op, OP_GT);
	CHANGES(fx, p->when.value, 1);
	CHANGES(fx, p->clear.op, OP_LT);
	CHANGES(fx, p->clear.value, 1);
	CHANGES(fx, p->delay_ms, 1);
	CHANGES(fx, p->clear_delay_ms, 1);
	CHANGES(fx, p->label, "x");
	CHANGES(fx, p->json, "a.b");
	free(before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(open_and_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(comm, setup, teardown),
		cmocka_unit_test_setup_teardown(adopt, setup, teardown),
		cmocka_unit_test_setup_teardown(fingerprint_fields, setup, teardown),
	};

	log_init("test_points", LOG_ERR_, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
