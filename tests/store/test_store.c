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
#include "indicators.h"
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

/* The first column of the first row of sql, as text (the sqlite3 library
 * directly, beside the store: what is in the file, whatever the store says). */
static void
raw_text(const char *db, const char *sql, char *out, size_t len)
{
	sqlite3 *h;
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
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
	assert_int_equal(store_schema_version(ro), 3);
	store_close(ro);
	assert_int_equal(store_open("/nonexistent/dir/x.db", 1, &ro, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/x.db"));
}

/* How many audit records there are: a refusal records nothing. */
static int64_t
nrecords(struct fixture *fx)
{
	unsigned long recs, faults;
	char err[256];

	assert_int_equal(store_verify(fx->st, &recs, &faults, err, sizeof(err)), 0);
	return (int64_t)recs;
}

static void
test_rights_in_the_store(void **state)
{
	struct fixture *fx = *state;
	char err[256];
	int64_t t = sh(2023, 5, 1, 8, 0), now = sh(2023, 5, 3, 8, 0), id, sid, n;
	struct account ghost = { .name = "ghost", .role = ROLE_MANAGER };
	struct actor forged = { &ghost, "cli", "test", NULL };
	struct fault f;

	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 7, t);
	ev(fx->st, EV_OPEN, FK_SAFETY, "weld-01", "estop", 1, t);
	id = one_id(fx->st, "cnc-01", "alarm");
	sid = one_id(fx->st, "weld-01", "estop");
	n = nrecords(fx);
	/* the store asks the database who the account is: a forged one is nobody */
	assert_int_equal(store_dismiss(fx->st, id, &forged, "x", now, err, sizeof(err)), STORE_REFUSED);
	assert_string_equal(err, "no account 'ghost' (see tbmctl user list)");
	assert_int_equal(store_ack(fx->st, id, as("赵科"), NULL, now, err, sizeof(err)), STORE_REFUSED);
	assert_non_null(strstr(err, "viewers read only"));
	assert_int_equal(store_dismiss(fx->st, sid, as("王工"), "学员误碰", now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_non_null(strstr(err, "closed by its classification"));
	assert_int_equal(store_dismiss(fx->st, sid, as("张经理"), NULL, now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_non_null(strstr(err, "needs a reason"));
	assert_int_equal(nrecords(fx), n);   /* nothing recorded */
	/* classified: stays in the counts; a new classification keeps the old one */
	assert_int_equal(store_classify(fx->st, sid, "accident", as("张经理"), NULL, now, err,
	    sizeof(err)), 0);
	assert_int_equal(store_dismiss(fx->st, sid, as("张经理"), "传感器误报", now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_non_null(strstr(err, "classified accident"));
	assert_int_equal(store_classify(fx->st, sid, "drill", as("张经理"), "演练", now, err,
	    sizeof(err)), 0);
	{
		struct audit_rec *a;
		size_t na;
		assert_int_equal(store_audit_for(fx->st, sid, &a, &na), 0);
		assert_string_equal(a[na - 1].action, "classify");
		assert_non_null(strstr(a[na - 1].detail, "\"old\":{\"classification\":\"accident\"}"));
		assert_non_null(strstr(a[na - 1].detail, "\"who\":{\"account\":\"张经理\",\"channel\":\"cli\",\"os_user\":\"test\"}"));
		store_audit_free(a, na);
	}
	assert_int_equal(store_fault_get(fx->st, sid, &f), 1);
	assert_string_equal(f.classification, "drill");
	assert_string_equal(f.classified_by, "张经理");
	fault_clear(&f);
}

static void
test_amend_reopen(void **state)
{
	struct fixture *fx = *state;
	char err[256];
	int64_t t = sh(2023, 5, 1, 8, 0), now = sh(2023, 5, 3, 8, 0), id, n;
	struct amend typo = { .action = "更换主轴编码器线缆", .at = t + 3 * HOUR };
	struct fault f;
	struct indicators ind;

	ev(fx->st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", 7, t);
	id = one_id(fx->st, "cnc-01", "alarm");
	assert_int_equal(store_ack(fx->st, id, as("王工"), "去看看", t + HOUR, err, sizeof(err)), 0);
	assert_int_equal(store_repair(fx->st, id, as("王工"), "更换主轴编码器线揽", NULL, t + 2 * HOUR,
	    now, err, sizeof(err)), 0);
	n = nrecords(fx);
	/* refusals: no reason, nothing to change, someone else's, a viewer, too late */
	assert_int_equal(store_amend(fx->st, id, as("王工"), &typo, NULL, now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_string_equal(err, "a correction needs a reason");
	assert_int_equal(store_amend(fx->st, id, as("王工"), &(struct amend){ 0 }, "x", now, err,
	    sizeof(err)), STORE_REFUSED);
	assert_int_equal(store_amend(fx->st, id, as("李工"), &typo, "错字", now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_non_null(strstr(err, "李工 may amend only"));
	assert_int_equal(store_amend(fx->st, id, as("赵科"), &typo, "错字", now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_int_equal(store_amend(fx->st, id, as("王工"), &typo, "错字", now + 8 * DAY, err,
	    sizeof(err)), STORE_REFUSED);
	assert_int_equal(store_amend(fx->st, id, as("王工"), &(struct amend){ .at = t - HOUR }, "x",
	    now, err, sizeof(err)), STORE_REFUSED);
	assert_non_null(strstr(err, "before fault"));
	assert_int_equal(store_reopen(fx->st, id, as("王工"), "重开", now, err, sizeof(err)), STORE_REFUSED);
	assert_int_equal(store_reopen(fx->st, id, as("张经理"), " ", now, err, sizeof(err)), STORE_REFUSED);
	assert_int_equal(nrecords(fx), n);

	/* the owner corrects the typo and the time; the row has the latest values */
	assert_int_equal(store_amend(fx->st, id, as("王工"), &typo, "错字, 时间记错", now, err,
	    sizeof(err)), 0);
	assert_int_equal(store_fault_get(fx->st, id, &f), 1);
	assert_string_equal(f.action, "更换主轴编码器线缆");
	assert_int_equal(f.repaired_at, t + 3 * HOUR);
	assert_string_equal(f.repaired_by, "王工");
	fault_clear(&f);
	/* a manager amends anyone's note */
	assert_int_equal(store_amend(fx->st, id, as("张经理"), &(struct amend){ .note = "主轴报警 7" },
	    "补充", now, err, sizeof(err)), 0);
	assert_int_equal(indicators_compute(fx->st, sh(2023, 1, 1, 0, 0), sh(2024, 1, 1, 0, 0), 0,
	    0.95, &ind, err, sizeof(err)), 0);
	assert_int_equal(ind.repair.repaired, 1);
	indicators_free(&ind);

	/* reopen undoes the repair, then the ack; the indicators follow */
	assert_int_equal(store_reopen(fx->st, id, as("张经理"), "未修好, 又报警", now, err, sizeof(err)), 0);
	assert_int_equal(store_fault_get(fx->st, id, &f), 1);
	assert_int_equal(f.repaired_at, 0);
	assert_null(f.action);
	assert_string_equal(fault_status(&f), "acknowledged");
	fault_clear(&f);
	assert_int_equal(indicators_compute(fx->st, sh(2023, 1, 1, 0, 0), sh(2024, 1, 1, 0, 0), 0,
	    0.95, &ind, err, sizeof(err)), 0);
	assert_int_equal(ind.repair.repaired, 0);
	assert_int_equal(ind.repair.faults, 1);
	indicators_free(&ind);
	assert_int_equal(store_reopen(fx->st, id, as("张经理"), "换人处理", now, err, sizeof(err)), 0);
	assert_int_equal(store_reopen(fx->st, id, as("张经理"), "再来", now, err, sizeof(err)), STORE_REFUSED);
	assert_non_null(strstr(err, "no acknowledgement, repair or dismissal to undo"));
	/* a dismissal reopened counts again */
	assert_int_equal(store_dismiss(fx->st, id, as("张经理"), "误报", now, err, sizeof(err)), 0);
	assert_int_equal(store_reopen(fx->st, id, as("张经理"), "不是误报", now, err, sizeof(err)), 0);
	assert_int_equal(store_fault_get(fx->st, id, &f), 1);
	assert_string_equal(fault_status(&f), "open");
	fault_clear(&f);

	/* verify replays every correction exactly ... */
	n = nrecords(fx);
	assert_int_equal(n, 4 + 1 + 2 + 2 + 2 + 2);
	/* ... and an edited correction breaks it */
	raw(fx->db, "UPDATE faults SET action = '更换主轴编码器线揽' WHERE id = 1");
	{
		unsigned long recs, faults;
		assert_int_equal(store_verify(fx->st, &recs, &faults, err, sizeof(err)), 1);
		assert_string_equal(err, "fault 1: action was changed outside the tools");
	}
}

static void
test_accounts(void **state)
{
	struct fixture *fx = *state;
	char err[256];
	int64_t now = sh(2023, 6, 1, 8, 0), n;
	struct actor boot = { NULL, "cli", "root", NULL };
	struct account a = { .name = "王师傅", .display = "王师傅", .role = ROLE_TECHNICIAN }, got;
	char *labs[] = { "焊接实训室" };
	struct verify_result vr;

	n = nrecords(fx);
	/* the bootstrap is over: a second manager needs a manager */
	assert_int_equal(store_account_add(fx->st, &boot, &(struct account){ .name = "x",
	    .role = ROLE_MANAGER }, NULL, now, err, sizeof(err)), STORE_REFUSED);
	assert_int_equal(store_account_add(fx->st, as("王工"), &a, NULL, now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_non_null(strstr(err, "manager's"));
	assert_int_equal(store_account_add(fx->st, as("张经理"), &(struct account){ .name = "王 师傅",
	    .role = ROLE_TECHNICIAN }, NULL, now, err, sizeof(err)), STORE_REFUSED);
	assert_int_equal(store_account_add(fx->st, as("张经理"), &(struct account){ .name = "王工",
	    .role = ROLE_TECHNICIAN }, NULL, now, err, sizeof(err)), STORE_REFUSED);
	assert_string_equal(err, "account 王工 exists already");
	assert_int_equal(store_account_add(fx->st, as("张经理"), &a, "short", now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_int_equal(nrecords(fx), n);

	a.labs = labs;
	a.nlabs = 1;
	a.os_user = "wang";
	assert_int_equal(store_account_add(fx->st, as("张经理"), &a, "焊花飞溅12345", now, err,
	    sizeof(err)), 0);
	assert_int_equal(store_account_by_os_user(fx->st, "wang", &got), 1);
	assert_string_equal(got.name, "王师傅");
	assert_int_equal(got.nlabs, 1);
	assert_string_equal(got.labs[0], "焊接实训室");
	account_clear(&got);
	/* login: right, wrong, unknown */
	assert_int_equal(store_account_login(fx->st, "王师傅", "焊花飞溅12345", &got), 1);
	assert_int_equal(got.role, ROLE_TECHNICIAN);
	account_clear(&got);
	assert_int_equal(store_account_login(fx->st, "王师傅", "焊花飞溅12346", &got), 0);
	assert_int_equal(store_account_login(fx->st, "nobody", "焊花飞溅12345", &got), 0);
	/* the password is nowhere in the trail */
	assert_int_equal(store_verify_head(fx->st, &vr, err, sizeof(err)), 0);
	assert_int_equal(vr.accounts, 5);
	/* own password; someone else's is a manager's */
	assert_int_equal(store_account_passwd(fx->st, as("王师傅"), "王师傅", "新的密码是这个吧", now, err,
	    sizeof(err)), 0);
	assert_int_equal(store_account_passwd(fx->st, as("王工"), "王师傅", "新的密码是这个吧", now, err,
	    sizeof(err)), STORE_REFUSED);
	assert_int_equal(store_account_login(fx->st, "王师傅", "新的密码是这个吧", &got), 1);
	account_clear(&got);
	/* disabled: no login, no changes */
	assert_int_equal(store_account_set_disabled(fx->st, as("张经理"), "王师傅", 1, now, err,
	    sizeof(err)), 0);
	assert_int_equal(store_account_login(fx->st, "王师傅", "新的密码是这个吧", &got), 0);
	assert_int_equal(store_report(fx->st, "weld-01", FK_FAULT, as("王师傅"), "x", now, now, NULL,
	    err, sizeof(err)), STORE_REFUSED);
	assert_string_equal(err, "account 王师傅 is disabled");
	assert_int_equal(store_account_set_disabled(fx->st, as("张经理"), "张经理", 1, now, err,
	    sizeof(err)), STORE_REFUSED);
	assert_non_null(strstr(err, "last enabled manager"));
	/* limited to its lab once enabled again */
	assert_int_equal(store_account_set_disabled(fx->st, as("张经理"), "王师傅", 0, now, err,
	    sizeof(err)), 0);
	assert_int_equal(store_report(fx->st, "cnc-01", FK_FAULT, as("王师傅"), "x", now, now, NULL,
	    err, sizeof(err)), STORE_REFUSED);
	assert_non_null(strstr(err, "other labs"));
	assert_int_equal(store_verify_head(fx->st, &vr, err, sizeof(err)), 0);
	assert_int_equal(vr.head_seq, n + 4);
	assert_int_equal(strlen(vr.head_hash), 64);
	{
		char line[64];
		raw_text(fx->db, "select count(*) from audit where detail like '%新的密码%' or "
		    "detail like '%$y$%'", line, sizeof(line));
		assert_string_equal(line, "0");
	}
	raw(fx->db, "UPDATE accounts SET labs = NULL WHERE name = '王师傅'");
	assert_int_equal(store_verify_head(fx->st, &vr, err, sizeof(err)), 1);
	assert_string_equal(err, "account 王师傅: labs was changed outside the tools");
}

/* A key for /api/: shown once, kept as its hash, replaced, revoked, and
 * worthless for a disabled account. */
static void
test_account_keys(void **state)
{
	struct fixture *fx = *state;
	char err[256], k1[ACCOUNT_KEY_LEN + 1], k2[ACCOUNT_KEY_LEN + 1], fake[ACCOUNT_KEY_LEN + 1];
	int64_t now = sh(2023, 6, 1, 8, 0), n = nrecords(fx);
	struct account got;
	struct verify_result vr;

	/* someone else's key is a manager's to make */
	assert_int_equal(store_account_key(fx->st, as("王工"), "张经理", k1, now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_int_equal(store_account_key(fx->st, as("张经理"), "nobody", k1, now, err, sizeof(err)),
	    STORE_REFUSED);
	assert_int_equal(nrecords(fx), n);
	assert_int_equal(store_account_key(fx->st, as("王工"), "王工", k1, now, err, sizeof(err)), 0);
	assert_int_equal(strlen(k1), ACCOUNT_KEY_LEN);
	assert_memory_equal(k1, "tbm_", 4);
	assert_int_equal(store_account_by_key(fx->st, k1, &got), 1);
	assert_string_equal(got.name, "王工");
	account_clear(&got);
	/* a wrong key, a malformed one */
	memcpy(fake, k1, sizeof(fake));
	fake[10] = fake[10] == 'a' ? 'b' : 'a';
	assert_int_equal(store_account_by_key(fx->st, fake, &got), 0);
	assert_int_equal(store_account_by_key(fx->st, "tbm_", &got), 0);
	assert_int_equal(store_account_by_key(fx->st, "", &got), 0);
	/* a new key replaces the old */
	assert_int_equal(store_account_key(fx->st, as("张经理"), "王工", k2, now, err, sizeof(err)), 0);
	assert_string_not_equal(k1, k2);
	assert_int_equal(store_account_by_key(fx->st, k1, &got), 0);
	assert_int_equal(store_account_by_key(fx->st, k2, &got), 1);
	account_clear(&got);
	/* disabled: the key is worthless; enabled again, it works */
	assert_int_equal(store_account_set_disabled(fx->st, as("张经理"), "王工", 1, now, err, sizeof(err)), 0);
	assert_int_equal(store_account_by_key(fx->st, k2, &got), 0);
	assert_int_equal(store_account_set_disabled(fx->st, as("张经理"), "王工", 0, now, err, sizeof(err)), 0);
	assert_int_equal(store_account_by_key(fx->st, k2, &got), 1);
	account_clear(&got);
	/* revoked */
	assert_int_equal(store_account_key(fx->st, as("王工"), "王工", NULL, now, err, sizeof(err)), 0);
	assert_int_equal(store_account_by_key(fx->st, k2, &got), 0);
	/* every step an audit record, none with a key; the chain still verifies */
	assert_int_equal(nrecords(fx), n + 5);
	{
		char line[64];
		raw_text(fx->db, "select count(*) || '/' || sum(instr(detail, 'tbm_') > 0) from audit where "
		    "action = 'account-key'", line, sizeof(line));
		assert_string_equal(line, "3/0");
	}
	assert_int_equal(store_verify_head(fx->st, &vr, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_duplicates, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_account_keys, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_people, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_verify_update_fault, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_verify_update_audit, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_verify_delete_fault, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_verify_delete_audit, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_verify_insert_fault, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_reopen_readonly, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_rights_in_the_store, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_amend_reopen, fixture_open, fixture_close),
		cmocka_unit_test_setup_teardown(test_accounts, fixture_open, fixture_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
