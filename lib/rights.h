/*
 * rights.h - who may do what: the one place every rule about people lives
 * (DESIGN.md "People and rights"). Pure, no I/O: tbm-web asks it which forms
 * to show, and the store's change functions ask it before they change
 * anything, so that no caller can skip a rule.
 */
#ifndef TBM_RIGHTS_H
#define TBM_RIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "store.h"

enum right { RIGHT_ACK, RIGHT_REPAIR, RIGHT_REPORT, RIGHT_AMEND, RIGHT_DISMISS, RIGHT_CLASSIFY,
             RIGHT_REOPEN, RIGHT_MANAGE_USERS };

/* How long a technician may correct their own acknowledgement or repair. */
#define RIGHTS_AMEND_WINDOW_MS (7LL * 24 * 3600 * 1000)

const char *right_name(enum right r);   /* "ack", "repair", ... */

/* 0 allowed; STORE_REFUSED with a one-line reason (Chinese or English as tbmctl's language rule says) in why.
 * f may be NULL for rights that are not about one fault (report needs the device's lab: pass lab). */
int rights_check(const struct account *a, enum right r, const struct fault *f, const char *lab, int64_t now,
    char *why, size_t len);

/* rights_amend: the finer rule for one correction: a technician may change
 * the repair fields (action, parts, at) only of a repair they logged, and
 * the note only of an acknowledgement they made, each within
 * RIGHTS_AMEND_WINDOW_MS of logging it; a manager any. Same convention. */
int rights_amend(const struct account *a, const struct fault *f, const struct amend *am, int64_t now,
    char *why, size_t len);

#endif
