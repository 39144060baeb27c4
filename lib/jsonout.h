/*
 * jsonout.h - JSON forms shared by tbmctl (--json) and tbm-web (/api/):
 * times (ISO 8601 with the site's offset, or null), faults, audit records,
 * one fault with its history, the status and the indicators, with the keys
 * of DESIGN.md. Each returns a new object, NULL when out of memory.
 */
#ifndef TBM_JSONOUT_H
#define TBM_JSONOUT_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct indicators;

cJSON *json_time(int64_t ms);
cJSON *json_string_or_null(const char *s);
/* A fault with exactly the keys of DESIGN.md. */
cJSON *json_fault(const struct fault *f);
/* One audit record; its detail parsed as a JSON object (kept as a string if
 * it does not parse), the detail's "_at" times in ISO 8601 too. */
cJSON *json_audit(const struct audit_rec *r);
/* `show --json`: the fault and its records under "audit". */
cJSON *json_fault_show(const struct fault *f, const struct audit_rec *a, size_t na);
/* A machine without a sensor (protocol = manual), which people report on:
 * never online or offline ("online": null). */
int device_row_manual(const struct device_row *r);
/* `status --json`: site, the daemon's last run (run NULL: none) and the devices. */
cJSON *json_status(const char *id, const char *name, const char *zone, const struct run_row *run,
    int running, const struct device_row *dev, size_t n);
/* `indicators --json`: site, period, the figures and the unrepaired faults. */
cJSON *json_indicators(const struct indicators *ind);

#endif
