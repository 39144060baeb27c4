/*
 * rights.c - the rules of DESIGN.md "People and rights", as pure functions
 * of an account, a fault and the time. The messages are tbmctl's language
 * (English); each names the account and says what would be allowed.
 */
#include "rights.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const right_names[] = { "ack", "repair", "report", "amend", "dismiss",
	"classify", "reopen", "manage accounts" };

const char *
right_name(enum right r)
{
	return (unsigned)r < sizeof(right_names) / sizeof(right_names[0]) ? right_names[r] : "?";
}


static int
same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Within the window after `at` (a technician's own entry). */
static int
recent(int64_t at, int64_t now)
{
	return at != STORE_NOTIME && now - at <= RIGHTS_AMEND_WINDOW_MS;
}

static int
own_ack(const struct account *a, const struct fault *f, int64_t now)
{
	return f->acked_at != STORE_NOTIME && same(f->acked_by, a->name) && recent(f->acked_at, now);
}

static int
own_repair(const struct account *a, const struct fault *f, int64_t now)
{
	int64_t logged = f->repair_logged_at != STORE_NOTIME ? f->repair_logged_at : f->repaired_at;

	return f->repaired_at != STORE_NOTIME && same(f->repaired_by, a->name) && recent(logged, now);
}

static int
manager_only(const struct account *a, enum right r, const struct fault *f, char *why, size_t len)
{
	if (a->role == ROLE_MANAGER)
		return 0;
	if (r == RIGHT_DISMISS && f && f->kind == FK_SAFETY)
		return store_refuse(why, len, "%s is a %s: a safety event is closed by its classification, which "
		    "is a manager's", a->name, role_name(a->role));
	if (r == RIGHT_DISMISS)
		return store_refuse(why, len, "%s is a %s: dismissing a fault (a false alarm, out of the repair "
		    "rate) is a manager's", a->name, role_name(a->role));
	return store_refuse(why, len, "%s is a %s: to %s is a manager's", a->name, role_name(a->role),
	    right_name(r));
}

int
rights_check(const struct account *a, enum right r, const struct fault *f, const char *lab,
    int64_t now, char *why, size_t len)
{
	const char *where;

	if (a == NULL)
		return store_refuse(why, len, "no account acts: every change names an account of the base");
	if (a->disabled)
		return store_refuse(why, len, "account %s is disabled", a->name);
	if (a->role == ROLE_VIEWER)
		return store_refuse(why, len, "%s is a viewer: viewers read only", a->name);
	switch (r) {
	case RIGHT_ACK:
	case RIGHT_REPAIR:
	case RIGHT_REPORT:
		where = f ? f->lab : lab;
		if (!account_has_lab(a, where))
			return store_refuse(why, len, "%s works in other labs, not in %s", a->name,
			    where ? where : "a device without a lab");
		return 0;
	case RIGHT_AMEND:
		if (a->role == ROLE_MANAGER)
			return 0;
		if (f == NULL)
			return store_refuse(why, len, "%s may amend only their own entries", a->name);
		if (own_ack(a, f, now) || own_repair(a, f, now))
			return 0;
		return store_refuse(why, len, "%s may amend only their own acknowledgement or repair, within 7 "
		    "days; fault %" PRId64 " has none (a manager amends any entry)", a->name, f->id);
	case RIGHT_DISMISS:
		if (manager_only(a, r, f, why, len) != 0)
			return STORE_REFUSED;
		if (f && f->kind == FK_SAFETY && f->classification)
			return store_refuse(why, len, "safety event %" PRId64 " is classified %s: a classified event "
			    "stays in the counts; classify it again to change that", f->id,
			    f->classification);
		return 0;
	case RIGHT_CLASSIFY:
	case RIGHT_REOPEN:
	case RIGHT_MANAGE_USERS:
		return manager_only(a, r, f, why, len);
	}
	return store_refuse(why, len, "unknown right %d", (int)r);
}

int
rights_amend(const struct account *a, const struct fault *f, const struct amend *am, int64_t now,
    char *why, size_t len)
{
	int r;

	if ((r = rights_check(a, RIGHT_AMEND, f, NULL, now, why, len)) != 0)
		return r;
	if (a->role == ROLE_MANAGER)
		return 0;
	if ((am->action || am->parts || am->at) && !own_repair(a, f, now))
		return f->repaired_at == STORE_NOTIME ?
		    store_refuse(why, len, "fault %" PRId64 " has no repair to amend", f->id) :
		    store_refuse(why, len, "%s may amend only a repair they logged within 7 days; fault %" PRId64
		    " was repaired by %s", a->name, f->id, f->repaired_by ? f->repaired_by : "?");
	if (am->note && !own_ack(a, f, now))
		return f->acked_at == STORE_NOTIME ?
		    store_refuse(why, len, "fault %" PRId64 " has no acknowledgement to amend", f->id) :
		    store_refuse(why, len, "%s may amend only an acknowledgement they made within 7 days; fault %"
		    PRId64 " was acknowledged by %s", a->name, f->id, f->acked_by ? f->acked_by : "?");
	return 0;
}
