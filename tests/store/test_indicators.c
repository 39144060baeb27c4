/*
 * test_indicators.c - the indicator arithmetic on hand-built histories with
 * answers worked out by hand: period edges in Shanghai time, cutoff,
 * dismissed and manual faults, repeats, MTTR, safety counts, coverage and
 * availability.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "fixture.h"
#include "indicators.h"
#include "store.h"

static int64_t
last_id(struct store *st)
{
	struct fault_filter flt = { 0 };
	struct fault *v;
	size_t n;
	int64_t id;

	assert_int_equal(store_faults(st, &flt, &v, &n), 0);
	assert_true(n > 0);
	id = v[0].id;
	for (size_t i = 0; i < n; i++)
		if (v[i].id > id)
			id = v[i].id;
	store_faults_free(v, n);
	return id;
}

static void
compute(struct fixture *fx, int64_t from, int64_t to, int64_t cutoff, struct indicators *ind)
{
	char err[256];
	assert_int_equal(indicators_compute(fx->st, from, to, cutoff, 0.95, ind, err, sizeof(err)), 0);
}

static const struct ind_lab *
lab(const struct indicators *ind, const char *name)
{
	for (size_t i = 0; i < ind->nlabs; i++)
		if (strcmp(ind->labs[i].lab, name) == 0)
			return &ind->labs[i];
	fail_msg("no lab %s", name);
	return NULL;
}

static const struct ind_device *
dev(const struct indicators *ind, const char *id)
{
	for (size_t i = 0; i < ind->ndevices; i++)
		if (strcmp(ind->devices[i].id, id) == 0)
			return &ind->devices[i];
	fail_msg("no device %s", id);
	return NULL;
}

static void
test_no_faults(void **state)
{
	struct fixture *fx = *state;
	struct indicators ind;

	int64_t run;

	/* no daemon ran at all: nothing was observed, so nothing is known */
	compute(fx, sh(2023, 1, 1, 0, 0), sh(2024, 1, 1, 0, 0), 0, &ind);
	assert_int_equal(ind.repair.faults, 0);
	assert_true(ind.repair.no_faults);
	assert_true(ind.repair.no_data);
	assert_true(isnan(ind.repair.rate));
	assert_true(isnan(ind.repair.mttr_mean_hours));
	assert_true(ind.safety.no_data);
	assert_int_equal(ind.safety.safety_points, 1);
	assert_true(ind.safety.coverage == 0.0);
	assert_true(ind.observed == 0.0);
	assert_true(isnan(lab(&ind, "PLC实训室")->availability));
	assert_false(lab(&ind, "PLC实训室")->normal);
	indicators_free(&ind);

	/* watched all year without a fault: 100%, said so */
	assert_int_equal(store_run_start(fx->st, sh(2023, 1, 1, 0, 0), &run), 0);
	assert_int_equal(store_run_stop(fx->st, run, sh(2024, 1, 1, 0, 0)), 0);
	compute(fx, sh(2023, 1, 1, 0, 0), sh(2024, 1, 1, 0, 0), 0, &ind);
	assert_false(ind.repair.no_data);
	assert_true(ind.repair.rate == 1.0);
	assert_true(ind.repair.observed == 1.0);
	assert_false(ind.safety.no_data);
	assert_int_equal(ind.safety.accidents, 0);
	assert_true(lab(&ind, "PLC实训室")->normal);
	indicators_free(&ind);
}

static void
test_period_edges_and_cutoff(void **state)
{
	struct fixture *fx = *state;
	struct indicators ind;
	char err[256];
	int64_t y2023 = sh(2023, 1, 1, 0, 0), y2024 = sh(2024, 1, 1, 0, 0), id;

	/* opened 2022-12-31 23:00, repaired in 2023: not in 2023's rate */
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 1, sh(2022, 12, 31, 23, 0));
	id = last_id(fx->st);
	assert_int_equal(store_repair(fx->st, id, as("王工"), "a", NULL, sh(2023, 1, 2, 9, 0),
	    sh(2023, 1, 2, 9, 0), err, sizeof(err)), 0);
	ev(fx->st, EV_CLEAR, FK_FAULT, "cnc-01", "alarm", 0, sh(2023, 1, 2, 9, 0));
	/* opened 2023-12-31 23:30 Shanghai (15:30 UTC): 2023's; repaired 2024-01-01 01:30 */
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 2, sh(2023, 12, 31, 23, 30));
	id = last_id(fx->st);
	assert_int_equal(store_repair(fx->st, id, as("王工"), "b", NULL, sh(2024, 1, 1, 1, 30),
	    sh(2024, 1, 1, 1, 30), err, sizeof(err)), 0);
	/* opened 2024-01-01 00:00: 2024's */
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-02", "alarm", 3, sh(2024, 1, 1, 0, 0));

	compute(fx, y2023, y2024, 0, &ind);
	assert_int_equal(ind.repair.faults, 1);
	assert_int_equal(ind.repair.repaired, 0);      /* repaired after the cutoff (period end) */
	assert_true(ind.repair.rate == 0.0);
	assert_int_equal(ind.nunrepaired, 1);
	assert_int_equal(ind.faults_per_month[11], 1);
	assert_int_equal(ind.faults_per_month[0], 0);
	indicators_free(&ind);

	/* with the cutoff on the report date, the repair counts: 2 h */
	compute(fx, y2023, y2024, sh(2024, 1, 31, 0, 0), &ind);
	assert_int_equal(ind.repair.repaired, 1);
	assert_true(ind.repair.rate == 1.0);
	assert_true(fabs(ind.repair.mttr_mean_hours - 2.0) < 1e-9);
	assert_int_equal(ind.repair.within_24h, 1);
	indicators_free(&ind);

	/* 2022: the first fault is 2022's, unrepaired by 2022's end */
	compute(fx, sh(2022, 1, 1, 0, 0), y2023, 0, &ind);
	assert_int_equal(ind.repair.faults, 1);
	assert_int_equal(ind.repair.repaired, 0);
	indicators_free(&ind);
}

static void
test_rate_mttr_repeats(void **state)
{
	struct fixture *fx = *state;
	struct indicators ind;
	char err[256];
	int64_t t = sh(2023, 3, 1, 8, 0), now = sh(2023, 12, 1, 0, 0), id, m;

	/* cnc-01: repaired after 2 h; reopens 2 days later (a repeat), repaired after 30 h */
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 1, t);
	id = last_id(fx->st);
	assert_int_equal(store_repair(fx->st, id, as("王工"), "a", NULL, t + 2 * HOUR, now, err, sizeof(err)), 0);
	ev(fx->st, EV_CLEAR, FK_FAULT, "cnc-01", "alarm", 0, t + 2 * HOUR);
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 1, t + 2 * DAY);
	id = last_id(fx->st);
	assert_int_equal(store_repair(fx->st, id, as("王工"), "b", NULL, t + 2 * DAY + 30 * HOUR, now,
	    err, sizeof(err)), 0);
	ev(fx->st, EV_CLEAR, FK_FAULT, "cnc-01", "alarm", 0, t + 2 * DAY + 30 * HOUR);
	/* cnc-02: manual fault repaired after 10 h */
	assert_int_equal(store_report(fx->st, "cnc-02", FK_FAULT, as("李工"), "异响", t, now, &m, err,
	    sizeof(err)), 0);
	assert_int_equal(store_repair(fx->st, m, as("李工"), "c", NULL, t + 10 * HOUR, now, err, sizeof(err)), 0);
	/* cnc-02: a dismissed false alarm does not count */
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-02", "alarm", 9, t + 5 * DAY);
	id = last_id(fx->st);
	assert_int_equal(store_dismiss(fx->st, id, as("张经理"), "误报", now, err, sizeof(err)), 0);
	ev(fx->st, EV_CLEAR, FK_FAULT, "cnc-02", "alarm", 0, t + 5 * DAY + HOUR);
	/* cnc-02: open and unrepaired */
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-02", "alarm", 4, t + 10 * DAY);
	/* bench-01 is not assessment equipment: not in the rate, but in its device figures */
	ev(fx->st, EV_OPEN, FK_FAULT, "bench-01", "fault", 1, t);
	/* a comm fault is not a fault for the rate */
	ev(fx->st, EV_OPEN, FK_COMM, "cnc-01", "comm", 0, t + 20 * DAY);

	compute(fx, sh(2023, 1, 1, 0, 0), sh(2024, 1, 1, 0, 0), 0, &ind);
	assert_int_equal(ind.repair.faults, 4);        /* 2 + manual + open one */
	assert_int_equal(ind.repair.repaired, 3);
	assert_true(fabs(ind.repair.rate - 0.75) < 1e-12);
	assert_int_equal(ind.repair.within_24h, 2);    /* 2 h, 10 h */
	assert_int_equal(ind.repair.within_72h, 3);    /* and 30 h */
	assert_true(fabs(ind.repair.mttr_mean_hours - 14.0) < 1e-9);   /* (2 + 30 + 10) / 3 */
	assert_true(fabs(ind.repair.mttr_median_hours - 10.0) < 1e-9);
	assert_int_equal(ind.repair.repeats, 1);
	assert_int_equal(ind.nunrepaired, 1);
	assert_string_equal(ind.unrepaired[0].device, "cnc-02");
	assert_int_equal(dev(&ind, "bench-01")->faults, 1);
	assert_int_equal(dev(&ind, "cnc-02")->faults, 2);
	assert_int_equal(lab(&ind, "数控加工实训室")->faults, 4);
	assert_int_equal(ind.faults_per_month[2], 5);
	indicators_free(&ind);
}

static void
test_safety_coverage_availability(void **state)
{
	struct fixture *fx = *state;
	struct indicators ind;
	char err[256];
	int64_t from = sh(2023, 4, 1, 0, 0), to = sh(2023, 4, 11, 0, 0), now = sh(2023, 5, 1, 0, 0);
	int64_t run, id;

	/* the daemon ran the whole period */
	assert_int_equal(store_run_start(fx->st, from - DAY, &run), 0);
	assert_int_equal(store_run_stop(fx->st, run, to + DAY), 0);
	/* weld-01 (the only safety device) offline for one of the ten days */
	ev(fx->st, EV_OPEN, FK_COMM, "weld-01", "comm", 0, from + 2 * DAY);
	ev(fx->st, EV_CLEAR, FK_COMM, "weld-01", "comm", 0, from + 3 * DAY);
	/* cnc-01 down for one day, cnc-02 never: lab availability (0.9 + 1) / 2 */
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 1, from + 5 * DAY);
	ev(fx->st, EV_CLEAR, FK_FAULT, "cnc-01", "alarm", 0, from + 6 * DAY);
	/* safety events: one accident, one drill, one unclassified */
	ev(fx->st, EV_OPEN, FK_SAFETY, "weld-01", "estop", 1, from + 4 * DAY);
	id = last_id(fx->st);
	assert_int_equal(store_classify(fx->st, id, "accident", as("张经理"), NULL, now, err, sizeof(err)), 0);
	ev(fx->st, EV_CLEAR, FK_SAFETY, "weld-01", "estop", 0, from + 4 * DAY + HOUR);
	ev(fx->st, EV_OPEN, FK_SAFETY, "weld-01", "estop", 1, from + 7 * DAY);
	id = last_id(fx->st);
	assert_int_equal(store_classify(fx->st, id, "drill", as("张经理"), NULL, now, err, sizeof(err)), 0);
	ev(fx->st, EV_CLEAR, FK_SAFETY, "weld-01", "estop", 0, from + 7 * DAY + HOUR);
	ev(fx->st, EV_OPEN, FK_SAFETY, "weld-01", "estop", 1, from + 8 * DAY);

	compute(fx, from, to, 0, &ind);
	assert_int_equal(ind.safety.accidents, 1);
	assert_int_equal(ind.safety.drills, 1);
	assert_int_equal(ind.safety.unclassified, 1);
	assert_true(ind.safety.provisional);
	assert_true(fabs(ind.safety.coverage - 0.9) < 1e-9);
	assert_true(fabs(dev(&ind, "cnc-01")->availability - 0.9) < 1e-9);
	assert_true(fabs(dev(&ind, "cnc-01")->mtbf_hours - 216.0) < 1e-9);   /* 9 days up / 1 */
	assert_true(isnan(dev(&ind, "cnc-02")->mtbf_hours));
	assert_true(fabs(lab(&ind, "数控加工实训室")->availability - 0.95) < 1e-9);
	assert_true(lab(&ind, "数控加工实训室")->normal);
	assert_int_equal(lab(&ind, "焊接实训室")->safety_events, 3);
	assert_true(fabs(lab(&ind, "焊接实训室")->coverage - 0.9) < 1e-9);
	indicators_free(&ind);

}

static void
test_coverage_daemon_down(void **state)
{
	struct fixture *fx = *state;
	struct indicators ind;
	int64_t from = sh(2023, 4, 1, 0, 0), to = sh(2023, 4, 11, 0, 0), run;

	/* the daemon ran until day 8 and again from day 9: 9 of 10 days observed,
	 * and weld-01 was offline for half a day inside a run */
	assert_int_equal(store_run_start(fx->st, from - DAY, &run), 0);
	assert_int_equal(store_run_stop(fx->st, run, from + 8 * DAY), 0);
	assert_int_equal(store_run_start(fx->st, from + 9 * DAY, &run), 0);
	assert_int_equal(store_run_stop(fx->st, run, to + DAY), 0);
	ev(fx->st, EV_OPEN, FK_COMM, "weld-01", "comm", 0, from + DAY);
	ev(fx->st, EV_CLEAR, FK_COMM, "weld-01", "comm", 0, from + DAY + 12 * HOUR);
	compute(fx, from, to, 0, &ind);
	assert_true(fabs(ind.safety.coverage - 0.85) < 1e-9);
	indicators_free(&ind);
}

static void
test_count_comm(void **state)
{
	struct fixture *fx = *state;
	struct indicators ind;
	struct ind_opts o = { 0.95, 0, 0 };
	char err[256];
	int64_t t = sh(2023, 7, 1, 8, 0), id, run;

	assert_int_equal(store_run_start(fx->st, sh(2023, 1, 1, 0, 0), &run), 0);
	assert_int_equal(store_run_stop(fx->st, run, sh(2024, 1, 1, 0, 0)), 0);
	/* a comm fault on assessment equipment, repaired (cable replaced) */
	ev(fx->st, EV_OPEN, FK_COMM, "cnc-01", "comm", 0, t);
	id = last_id(fx->st);
	assert_int_equal(store_repair(fx->st, id, as("王工"), "更换网线", NULL, t + 5 * HOUR, t + DAY, err,
	    sizeof(err)), 0);
	/* and one on equipment that is not assessment equipment */
	ev(fx->st, EV_OPEN, FK_COMM, "bench-01", "comm", 0, t);
	assert_int_equal(indicators_compute_opts(fx->st, sh(2023, 1, 1, 0, 0), sh(2024, 1, 1, 0, 0), 0,
	    &o, &ind, err, sizeof(err)), 0);
	assert_int_equal(ind.repair.faults, 0);   /* by default comm faults do not count */
	indicators_free(&ind);
	o.count_comm = 1;
	assert_int_equal(indicators_compute_opts(fx->st, sh(2023, 1, 1, 0, 0), sh(2024, 1, 1, 0, 0), 0,
	    &o, &ind, err, sizeof(err)), 0);
	assert_int_equal(ind.repair.faults, 1);
	assert_int_equal(ind.repair.repaired, 1);
	assert_true(fabs(ind.repair.mttr_mean_hours - 5.0) < 1e-9);
	/* availability is about equipment faults, not communication: the
	 * offline time is not observed, neither up nor down */
	assert_true(dev(&ind, "cnc-01")->availability == 1.0);
	assert_true(dev(&ind, "cnc-01")->observed < 1.0);
	assert_int_equal(lab(&ind, "数控加工实训室")->safety_points, 0);
	assert_int_equal(lab(&ind, "焊接实训室")->safety_points, 1);
	indicators_free(&ind);
}

/*
 * Observation: runs with a gap, a device offline for a while, faults in and
 * out of the watched time. Jan 1 - Jan 11 2023 (10 days): tbmond runs
 * Jan 1 - Jan 6 and Jan 8 - Jan 11 (8 days); cnc-01 offline Jan 2 - Jan 3.
 */
static void
test_observation(void **state)
{
	struct fixture *fx = *state;
	struct indicators ind;
	struct ind_opts o = { 0.95, 0, 0 };
	char err[256];
	int64_t run, from = sh(2023, 1, 1, 0, 0), to = sh(2023, 1, 11, 0, 0);
	cJSON *j;
	const cJSON *r;

	assert_int_equal(store_run_start(fx->st, from, &run), 0);
	assert_int_equal(store_run_stop(fx->st, run, sh(2023, 1, 6, 0, 0)), 0);
	assert_int_equal(store_run_start(fx->st, sh(2023, 1, 8, 0, 0), &run), 0);
	assert_int_equal(store_run_stop(fx->st, run, to), 0);
	ev(fx->st, EV_OPEN, FK_COMM, "cnc-01", "comm", 0, sh(2023, 1, 2, 0, 0));
	ev(fx->st, EV_CLEAR, FK_COMM, "cnc-01", "comm", 0, sh(2023, 1, 3, 0, 0));
	/* down 1.5 days, half a day of it while offline: 1 observed day down */
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 1, sh(2023, 1, 2, 12, 0));
	ev(fx->st, EV_CLEAR, FK_FAULT, "cnc-01", "alarm", 0, sh(2023, 1, 4, 0, 0));
	/* down only while tbmond did not run: nothing observed down */
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-02", "alarm", 1, sh(2023, 1, 6, 12, 0));
	ev(fx->st, EV_CLEAR, FK_FAULT, "cnc-02", "alarm", 0, sh(2023, 1, 7, 12, 0));
	assert_int_equal(indicators_compute_opts(fx->st, from, to, 0, &o, &ind, err, sizeof(err)), 0);
	assert_true(fabs(ind.observed - 0.8) < 1e-9);
	assert_true(fabs(dev(&ind, "cnc-01")->observed - 0.7) < 1e-9);
	assert_true(fabs(dev(&ind, "cnc-01")->availability - (1.0 - 1.0 / 7.0)) < 1e-9);
	assert_true(fabs(dev(&ind, "cnc-02")->observed - 0.8) < 1e-9);
	assert_true(dev(&ind, "cnc-02")->availability == 1.0);
	assert_true(fabs(lab(&ind, "数控加工实训室")->observed - 0.75) < 1e-9);
	assert_true(fabs(ind.repair.observed - 0.75) < 1e-9);
	assert_true(ind.min_coverage == IND_MIN_COVERAGE_DEFAULT);
	/* fully available, but watched 80% of the time: not 正常运转 at 90% ... */
	assert_true(lab(&ind, "PLC实训室")->availability == 1.0);
	assert_false(lab(&ind, "PLC实训室")->normal);
	/* ... nor proven abnormal: under-observed, 数据不足, like every row watched
	 * less than min_coverage (the rate of 1/1 and the 0 accidents too) */
	assert_true(lab(&ind, "PLC实训室")->under_observed);
	assert_true(ind.labs_under_observed);
	assert_true(fabs(ind.labs_observed - 0.75) < 1e-9);
	assert_true(ind.repair.under_observed);
	assert_false(ind.repair.no_data);
	assert_true(ind.safety.under_observed);
	assert_non_null(j = cJSON_CreateObject());
	indicators_json_add(j, &ind);
	r = cJSON_GetObjectItemCaseSensitive(j, "fault_repair_rate");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "under_observed")));
	r = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "labs"), 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "under_observed")));
	cJSON_Delete(j);
	indicators_free(&ind);
	/* ... and it is at 80%, where the least watched lab (75%) still is not */
	o.min_coverage = 0.8;
	assert_int_equal(indicators_compute_opts(fx->st, from, to, 0, &o, &ind, err, sizeof(err)), 0);
	assert_true(lab(&ind, "PLC实训室")->normal);
	assert_false(lab(&ind, "PLC实训室")->under_observed);
	assert_true(lab(&ind, "数控加工实训室")->under_observed);
	assert_true(ind.labs_under_observed);
	indicators_free(&ind);
	/* at 70% every row may speak */
	o.min_coverage = 0.7;
	assert_int_equal(indicators_compute_opts(fx->st, from, to, 0, &o, &ind, err, sizeof(err)), 0);
	assert_false(ind.labs_under_observed);
	assert_false(ind.repair.under_observed);
	indicators_free(&ind);
	assert_true(ind_under_observed(NAN, 0.9));
	assert_false(ind_under_observed(0.9, 0.9));
	/* watching: a run without a stop whose heartbeat is young */
	{
		struct run_row last = { 1, 1000, 500000, STORE_NOTIME };
		int64_t since = 0;
		assert_true(ind_watching(&last, 500000 + IND_ALIVE_GRACE_MS, &since));
		assert_int_equal(since, 0);
		assert_false(ind_watching(&last, 500001 + IND_ALIVE_GRACE_MS, &since));
		assert_int_equal(since, 500000);   /* a crash: since its last heartbeat */
		last.stopped_at = 400000;
		assert_false(ind_watching(&last, 400001, &since));
		assert_int_equal(since, 400000);   /* a stop: since the stop */
	}

	/* a period nobody watched: JSON says null with a reason, never 1.0 or 0 */
	compute(fx, sh(2025, 1, 1, 0, 0), sh(2026, 1, 1, 0, 0), 0, &ind);
	assert_non_null(j = cJSON_CreateObject());
	indicators_json_add(j, &ind);
	r = cJSON_GetObjectItemCaseSensitive(j, "fault_repair_rate");
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "rate")));
	assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r, "no_data")));
	r = cJSON_GetObjectItemCaseSensitive(j, "safety");
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "accidents")));
	assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r, "no_data")));
	r = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "labs"), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "availability")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "normal")));
	cJSON_Delete(j);
	indicators_free(&ind);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_faults, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_period_edges_and_cutoff, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_rate_mttr_repeats, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_safety_coverage_availability, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_coverage_daemon_down, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_count_comm, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_observation, fixture_open, fixture_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
