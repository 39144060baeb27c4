/*
 * test_rights.c - the rules about people (lib/rights.c) for every role and
 * every action, with the fault states that change the answer; account names
 * and passwords (lib/account.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "account.h"
#include "rights.h"

#define DAY (24LL * 3600 * 1000)
#define NOW (1700000000000LL)

static char *labs_a[] = { "数控加工实训室" };

static const struct account viewer = { 1, "zhao", "赵科", ROLE_VIEWER, 0, NULL, 0, NULL, 0 };
static const struct account tech = { 2, "王师傅", "王师傅", ROLE_TECHNICIAN, 0, NULL, 0, NULL, 0 };
static const struct account tech_a = { 3, "li", "李工", ROLE_TECHNICIAN, 0, labs_a, 1, NULL, 0 };
static const struct account manager = { 4, "张主任", "张主任", ROLE_MANAGER, 0, NULL, 0, NULL, 0 };
static const struct account gone = { 5, "old", "老王", ROLE_MANAGER, 1, NULL, 0, NULL, 0 };

/* faults: an ordinary one in lab A, one in lab B, a safety event before and
 * after classification, one the technician acked and repaired 2 days ago,
 * one 8 days ago */
static struct fault f_a = { .id = 1, .kind = FK_FAULT, .lab = "数控加工实训室" };
static struct fault f_b = { .id = 2, .kind = FK_FAULT, .lab = "焊接实训室" };
static struct fault f_safety = { .id = 3, .kind = FK_SAFETY, .lab = "焊接实训室" };
static struct fault f_accident = { .id = 4, .kind = FK_SAFETY, .lab = "焊接实训室",
	.classification = "accident" };
static struct fault f_mine = { .id = 5, .kind = FK_FAULT, .lab = "数控加工实训室",
	.acked_at = NOW - 2 * DAY, .acked_by = "王师傅", .repaired_at = NOW - 2 * DAY,
	.repaired_by = "王师傅", .repair_logged_at = NOW - 2 * DAY };
static struct fault f_old = { .id = 6, .kind = FK_FAULT, .lab = "数控加工实训室",
	.acked_at = NOW - 8 * DAY, .acked_by = "王师傅", .repaired_at = NOW - 8 * DAY,
	.repaired_by = "王师傅", .repair_logged_at = NOW - 8 * DAY };

static int
may(const struct account *a, enum right r, const struct fault *f, const char *lab)
{
	char why[256] = "";
	int rc = rights_check(a, r, f, lab, NOW, why, sizeof(why));

	if (rc != 0) {
		/* a refusal always says why, on one line */
		assert_int_equal(rc, STORE_REFUSED);
		assert_true(why[0] != '\0');
		assert_null(strchr(why, '\n'));
	}
	return rc == 0;
}

static void
test_viewer_reads_only(void **state)
{
	(void)state;
	for (int r = RIGHT_ACK; r <= RIGHT_MANAGE_USERS; r++)
		assert_false(may(&viewer, (enum right)r, &f_a, f_a.lab));
}

static void
test_disabled_and_nobody(void **state)
{
	char why[256];

	(void)state;
	for (int r = RIGHT_ACK; r <= RIGHT_MANAGE_USERS; r++) {
		assert_false(may(&gone, (enum right)r, &f_a, f_a.lab));
		assert_false(may(NULL, (enum right)r, &f_a, f_a.lab));
	}
	rights_check(&gone, RIGHT_ACK, &f_a, NULL, NOW, why, sizeof(why));
	assert_string_equal(why, "account old is disabled");
}

static void
test_technician(void **state)
{
	char why[256];

	(void)state;
	/* the shop floor: ack, repair, report, anywhere */
	assert_true(may(&tech, RIGHT_ACK, &f_a, NULL));
	assert_true(may(&tech, RIGHT_REPAIR, &f_b, NULL));
	assert_true(may(&tech, RIGHT_ACK, &f_safety, NULL));
	assert_true(may(&tech, RIGHT_REPORT, NULL, "焊接实训室"));
	/* never a manager's */
	assert_false(may(&tech, RIGHT_DISMISS, &f_a, NULL));
	assert_false(may(&tech, RIGHT_DISMISS, &f_safety, NULL));
	rights_check(&tech, RIGHT_DISMISS, &f_safety, NULL, NOW, why, sizeof(why));
	assert_non_null(strstr(why, "closed by its classification"));
	assert_false(may(&tech, RIGHT_CLASSIFY, &f_safety, NULL));
	assert_false(may(&tech, RIGHT_REOPEN, &f_mine, NULL));
	assert_false(may(&tech, RIGHT_MANAGE_USERS, NULL, NULL));
	/* amend: own entries within 7 days */
	assert_true(may(&tech, RIGHT_AMEND, &f_mine, NULL));
	assert_false(may(&tech, RIGHT_AMEND, &f_old, NULL));
	assert_false(may(&tech, RIGHT_AMEND, &f_a, NULL));
	assert_false(may(&tech_a, RIGHT_AMEND, &f_mine, NULL));   /* someone else's */
}

static void
test_technician_of_one_lab(void **state)
{
	char why[256];

	(void)state;
	assert_true(may(&tech_a, RIGHT_ACK, &f_a, NULL));
	assert_true(may(&tech_a, RIGHT_REPAIR, &f_a, NULL));
	assert_true(may(&tech_a, RIGHT_REPORT, NULL, "数控加工实训室"));
	assert_false(may(&tech_a, RIGHT_ACK, &f_b, NULL));
	assert_false(may(&tech_a, RIGHT_REPAIR, &f_b, NULL));
	assert_false(may(&tech_a, RIGHT_REPORT, NULL, "焊接实训室"));
	assert_false(may(&tech_a, RIGHT_REPORT, NULL, NULL));
	rights_check(&tech_a, RIGHT_ACK, &f_b, NULL, NOW, why, sizeof(why));
	assert_string_equal(why, "li works in other labs, not in 焊接实训室");
}

static void
test_manager(void **state)
{
	char why[256];

	(void)state;
	for (int r = RIGHT_ACK; r <= RIGHT_MANAGE_USERS; r++)
		assert_true(may(&manager, (enum right)r, &f_a, f_a.lab));
	assert_true(may(&manager, RIGHT_AMEND, &f_old, NULL));
	/* an unclassified safety event may be dismissed as a false signal ... */
	assert_true(may(&manager, RIGHT_DISMISS, &f_safety, NULL));
	/* ... a classified one never: it is reclassified */
	assert_false(may(&manager, RIGHT_DISMISS, &f_accident, NULL));
	rights_check(&manager, RIGHT_DISMISS, &f_accident, NULL, NOW, why, sizeof(why));
	assert_non_null(strstr(why, "classified accident"));
	assert_true(may(&manager, RIGHT_CLASSIFY, &f_accident, NULL));
}

static void
test_amend_fields(void **state)
{
	struct amend repair = { .action = "换轴承" }, note = { .note = "看过" };
	struct fault acked_only = f_mine;
	char why[256];

	(void)state;
	assert_int_equal(rights_amend(&tech, &f_mine, &repair, NOW, why, sizeof(why)), 0);
	assert_int_equal(rights_amend(&tech, &f_mine, &note, NOW, why, sizeof(why)), 0);
	/* acked by 王师傅, repaired by someone else: the note yes, the repair no */
	acked_only.repaired_by = "li";
	assert_int_equal(rights_amend(&tech, &acked_only, &note, NOW, why, sizeof(why)), 0);
	assert_int_equal(rights_amend(&tech, &acked_only, &repair, NOW, why, sizeof(why)), STORE_REFUSED);
	assert_non_null(strstr(why, "was repaired by li"));
	assert_int_equal(rights_amend(&tech, &f_old, &repair, NOW, why, sizeof(why)), STORE_REFUSED);
	assert_int_equal(rights_amend(&manager, &f_old, &repair, NOW, why, sizeof(why)), 0);
	assert_int_equal(rights_amend(&viewer, &f_mine, &note, NOW, why, sizeof(why)), STORE_REFUSED);
}

static void
test_names(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(account_name_check("王师傅", why, sizeof(why)), 0);
	assert_int_equal(account_name_check("wang.li-2_x", why, sizeof(why)), 0);
	assert_int_equal(account_name_check("王 师傅", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no spaces"));
	assert_int_equal(account_name_check("Wang", why, sizeof(why)), -1);
	assert_int_equal(account_name_check("", why, sizeof(why)), -1);
	assert_int_equal(account_name_check("tbmond", why, sizeof(why)), -1);
	assert_int_equal(account_name_check("王\xe5\xb8", why, sizeof(why)), -1);
	assert_int_equal(account_name_check("王师傅！", why, sizeof(why)), -1);
	assert_int_equal(account_name_check("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", why, sizeof(why)), -1);
	assert_int_equal(role_parse("technician"), ROLE_TECHNICIAN);
	assert_int_equal(role_parse("admin"), -1);
	assert_string_equal(role_name(ROLE_MANAGER), "manager");
}

static void
test_passwords(void **state)
{
	char h1[ACCOUNT_HASH_MAX], h2[ACCOUNT_HASH_MAX];

	(void)state;
	assert_int_equal(account_hash_password("correct horse", h1, sizeof(h1)), 0);
	assert_int_equal(account_hash_password("correct horse", h2, sizeof(h2)), 0);
	assert_memory_equal(h1, "$y$", 3);
	assert_string_not_equal(h1, h2);   /* a fresh salt each time */
	assert_null(strstr(h1, "correct horse"));
	assert_int_equal(account_check_password(h1, "correct horse"), 1);
	assert_int_equal(account_check_password(h2, "correct horse"), 1);
	assert_int_equal(account_check_password(h1, "correct horsE"), 0);
	assert_int_equal(account_check_password(h1, ""), 0);
	assert_int_equal(account_check_password(NULL, "correct horse"), 0);   /* unknown name */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_viewer_reads_only),
		cmocka_unit_test(test_disabled_and_nobody),
		cmocka_unit_test(test_technician),
		cmocka_unit_test(test_technician_of_one_lab),
		cmocka_unit_test(test_manager),
		cmocka_unit_test(test_amend_fields),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_passwords),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
