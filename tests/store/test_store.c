/*
 * test_store.c - the database: events without duplicates, the people's
 * changes and their refusals, repeats, and verify catching edits, deletions
 * and insertions made behind the tools' back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "fixture.h"
#include "store.h"

static int64_t
one_id(struct store *st, const char *device, const char *point)
{
	struct fault_filter flt = { 0 };
	struct fault *v;
	size_t n;
	int64_t id = 0;

	flt.device = device;
	assert_int_equal(store_faults(st, &flt, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].point, point) == 0)
			id = v[i].id;
	store_faults_free(v, n);
	return id;
}

static void
raw(const char *db, const char *sql)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static void
test_no_duplicates(void **state)
{
	struct fixture *fx = *state;
	struct tbm_event e[3];
	struct fault f;
	int64_t t = sh(2023, 5, 1, 8, 0);

	memset(e, 0, sizeof(e));
	for (int i = 0; i < 3; i++) {
		e[i].type = EV_OPEN;
		e[i].kind = FK_FAULT;
		strcpy(e[i].device, "cnc-01");
		strcpy(e[i].point, "alarm");
		e[i].code = 1021 + i;
		e[i].at_ms = t + i;
	}
	/* three opens of one point in a batch: one fault, with the first code */
	assert_int_equal(store_write_events(fx->st, e, 3), 1);
	assert_int_equal(store_write_events(fx->st, e, 1), 0);
	int64_t id = one_id(fx->st, "cnc-01", "alarm");
	assert_true(id > 0);
	assert_int_equal(store_fault_get(fx->st, id, &f), 1);
	assert_true(f.has_code && f.code == 1021);
	assert_string_equal(f.label, "主轴报警");
	assert_string_equal(f.lab, "数控加工实训室");
	assert_int_equal(f.assessment, 1);
	assert_string_equal(fault_status(&f), "open");
	fault_clear(&f);
	/* clear, and a clear of nothing is a no-op */
	e[0].type = EV_CLEAR;
	e[0].at_ms = t + HOUR;
	assert_int_equal(store_write_events(fx->st, e, 1), 1);
	assert_int_equal(store_write_events(fx->st, e, 1), 0);
	assert_int_equal(store_fault_get(fx->st, id, &f), 1);
	assert_true(f.cleared_at == t + HOUR);
	assert_string_equal(fault_status(&f), "cleared");
	fault_clear(&f);

	/* the database itself refuses a second open automatic fault on a point */
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 5, t + 2 * HOUR);
	sqlite3 *h;
	assert_int_equal(sqlite3_open(fx->db, &h), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "INSERT INTO faults (device, point, kind, source, "
	    "opened_at) VALUES ('cnc-01', 'alarm', 'fault', 'auto', 0)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static void
test_people(void **state)
{
	struct fixture *fx = *state;
	char err[256];
	int64_t t = sh(2023, 5, 1, 8, 0), now = sh(2023, 5, 3, 8, 0), id, mid;
	struct fault f;

	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 7, t);
	id = one_id(fx->st, "cnc-01", "alarm");

	assert_int_equal(store_ack(fx->st, 999, as("王工"), NULL, now, err, sizeof(err)), STORE_REFUSED);
	assert_string_equal(err, "no fault with id 999");
	assert_int_equal(store_ack(fx->st, id, as("王工"), "去看看", t + HOUR, err, sizeof(err)), 0);
	assert_int_equal(store_ack(fx->st, id, as("李工"), NULL, now, err, sizeof(err)), STORE_REFUSED);
	assert_non_null(strstr(err, "already acknowledged by 王工"));
	assert_int_equal(store_fault_get(fx->st, id, &f), 1);
	assert_string_equal(fault_status(&f), "acknowledged");
	fault_clear(&f);

	/* a repair before the fault opened, or in the future, is refused */
	assert_int_equal(store_repair(fx->st, id, as("王工"), "换轴承", NULL, t - HOUR, now, err,
	    sizeof(err)), STORE_REFUSED);
	assert_non_null(strstr(err, "before fault"));
	assert_int_equal(store_repair(fx->st, id, as("王工"), "换轴承", NULL, now + DAY, now, err,
	    sizeof(err)), STORE_REFUSED);
	assert_non_null(strstr(err, "in the future"));
	/* a repair while the signal is still active is allowed */
	assert_int_equal(store_repair(fx->st, id, as("王工"), "换轴承", "轴承 6205", t + 2 * HOUR, now,
	    err, sizeof(err)), 0);
	assert_int_equal(store_fault_get(fx->st, id, &f), 1);
	assert_string_equal(fault_status(&f), "repaired");
	assert_int_equal(f.cleared_at, 0);
	assert_string_equal(f.parts, "轴承 6205");
	fault_clear(&f);
	assert_int_equal(store_repair(fx->st, id, as("李工"), "x", NULL, now, now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_int_equal(store_dismiss(fx->st, id, as("李工"), "误报", now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_int_equal(store_classify(fx->st, id, "accident", as("张经理"), NULL, now, err,
	    sizeof(err)), STORE_REFUSED);
	assert_non_null(strstr(err, "not a safety event"));

	/* the same point opening within 7 days of the repair is a repeat */
	ev(fx->st, EV_CLEAR, FK_FAULT, "cnc-01", "alarm", 0, t + 3 * HOUR);
	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 7, t + 3 * DAY);
	int64_t again = 0;
	{
		struct fault_filter flt = { 0 };
		struct fault *v;
		size_t n;
		flt.open_only = 1;
		assert_int_equal(store_faults(fx->st, &flt, &v, &n), 0);
		assert_int_equal(n, 1);
		again = v[0].id;
		assert_int_equal(v[0].repeat_of, id);
		store_faults_free(v, n);
	}
	/* dismissed: then no repair */
	assert_int_equal(store_dismiss(fx->st, again, as("张经理"), "误报: 传感器松动", now + 3 * DAY, err,
	    sizeof(err)), 0);
	assert_int_equal(store_repair(fx->st, again, as("李工"), "x", NULL, now + 3 * DAY, now + 3 * DAY,
	    err, sizeof(err)), STORE_REFUSED);
	assert_non_null(strstr(err, "dismissed"));

	/* manual reports and classification */
	assert_int_equal(store_report(fx->st, "nosuch", FK_FAULT, as("王工"), "x", t, now, &mid, err,
	    sizeof(err)), STORE_REFUSED);
	assert_int_equal(store_report(fx->st, "weld-01", FK_SAFETY, as("王工"), "焊枪线缆破损", t, now,
	    &mid, err, sizeof(err)), 0);
	assert_int_equal(store_classify(fx->st, mid, "explosion", as("张经理"), NULL, now, err,
	    sizeof(err)), STORE_REFUSED);
	assert_int_equal(store_classify(fx->st, mid, "near-miss", as("张经理"), "及时发现", now, err,
	    sizeof(err)), 0);
	assert_int_equal(store_fault_get(fx->st, mid, &f), 1);
	assert_string_equal(f.source, "manual");
	assert_string_equal(f.classification, "near-miss");
	assert_int_equal(f.kind, FK_SAFETY);
	fault_clear(&f);

	unsigned long recs, faults;
	assert_int_equal(store_verify(fx->st, &recs, &faults, err, sizeof(err)), 0);
	assert_int_equal(faults, 3);
	/* 4 accounts added; open, ack, repair, clear, open, dismiss, report, classify */
	assert_int_equal(recs, 12);
}

static void
history(struct fixture *fx)
{
	char err[256];
	int64_t t = sh(2023, 6, 1, 9, 0), id;

	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 3, t);
	id = one_id(fx->st, "cnc-01", "alarm");
	assert_int_equal(store_repair(fx->st, id, as("王工"), "复位", NULL, t + HOUR, t + DAY, err,
	    sizeof(err)), 0);
	ev(fx->st, EV_CLEAR, FK_FAULT, "cnc-01", "alarm", 0, t + HOUR);
	ev(fx->st, EV_OPEN, FK_SAFETY, "weld-01", "estop", 1, t + 2 * HOUR);
	unsigned long recs, faults;
	assert_int_equal(store_verify(fx->st, &recs, &faults, err, sizeof(err)), 0);
	assert_int_equal(recs, 4 + 4);   /* the fixture's 4 accounts, then the history */
	assert_int_equal(faults, 2);
}

static void
expect_tampered(struct fixture *fx, const char *sql, const char *want)
{
	char err[256];
	unsigned long recs, faults;

	history(fx);
	raw(fx->db, sql);
	assert_int_equal(store_verify(fx->st, &recs, &faults, err, sizeof(err)), 1);
	if (strstr(err, want) == NULL)
		fail_msg("verify said '%s', expected it to mention '%s'", err, want);
}

static void
test_verify_update_fault(void **state)
{
	expect_tampered(*state, "UPDATE faults SET repaired_at = opened_at + 60000 WHERE id = 1",
	    "fault 1: repaired_at was changed");
}

static void
test_verify_update_audit(void **state)
{
	expect_tampered(*state, "UPDATE audit SET actor = 'someone' WHERE seq = 2",
	    "audit record 2 was edited");
}

static void
test_verify_delete_fault(void **state)
{
	expect_tampered(*state, "DELETE FROM faults WHERE id = 2", "fault 2 was deleted");
}

static void
test_verify_delete_audit(void **state)
{
	expect_tampered(*state, "DELETE FROM audit WHERE seq = 3", "audit record 3 is missing");
}

static void
test_verify_insert_fault(void **state)
{
	expect_tampered(*state, "INSERT INTO faults (device, point, kind, source, opened_at, "
	    "repaired_at) VALUES ('cnc-02', 'manual', 'fault', 'manual', 1, 2)",
	    "fault 3 was inserted");
}

static void
test_reopen_readonly(void **state)
{
	struct fixture *fx = *state;
	struct store *ro;
	char err[256];

	assert_int_equal(store_open(fx->db, 1, &ro, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(ro), 2);
	store_close(ro);
	assert_int_equal(store_open("/nonexistent/dir/x.db", 1, &ro, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/x.db"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_duplicates, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_people, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_verify_update_fault, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_verify_update_audit, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_verify_delete_fault, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_verify_delete_audit, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_verify_insert_fault, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_reopen_readonly, fixture_open, fixture_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
