/*
 * indicators.h - the equipment indicators of DESIGN.md ("Indicators"):
 * fault repair rate, safety accidents with coverage, lab operation,
 * per-device figures. tbmctl and tbm-report both use these functions.
 */
#ifndef TBM_INDICATORS_H
#define TBM_INDICATORS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct ind_unrepaired {
	int64_t id;
	char *device;
	char *label;
	int64_t opened_at;
};

struct ind_device {
	char *id, *name, *lab;
	int assessment;
	int faults;                /* kind fault, opened in the period, not dismissed */
	int repaired;
	double availability;       /* up time over observed time; NAN when never observed */
	double mtbf_hours;         /* NAN when there was no fault */
	double observed;           /* share of the period tbmond ran with the device online */
};

struct ind_lab {
	char *lab;
	int devices;
	int faults;
	int repaired;
	double availability;       /* mean over its observed devices; NAN when none was observed */
	double observed;           /* mean of its devices' observed shares */
	int observed_devices;      /* its devices observed at all (availability is their mean) */
	int normal;                /* availability >= normal_availability and observed >= min_coverage */
	int under_observed;        /* observed < min_coverage: neither normal nor not (数据不足) */
	double mttr_hours;         /* NAN without repairs */
	int safety_events;
	int safety_points;         /* devices with a safety point in this lab */
	double coverage;           /* share of the period all its safety points were observed
	                              (1.0 when it has none: see safety_points) */
};

struct indicators {
	char *site_id, *site_name;
	int64_t from_ms, to_ms, cutoff_ms;
	struct {
		int faults, repaired;
		double rate;           /* 1.0 when there were no faults; NAN when no_data */
		int no_faults;
		double observed;       /* mean observed share of the assessment devices */
		int no_data;           /* no faults and no observation: nothing is known */
		int under_observed;    /* observed < min_coverage: the rate proves nothing (数据不足) */
		int within_24h, within_72h;
		double mttr_mean_hours, mttr_median_hours;   /* NAN without repairs */
		int repeats;
		int count_comm;        /* comm faults were counted (the evaluation asked for it) */
	} repair;
	struct {
		int accidents, near_misses, drills, none, unclassified;
		int provisional;       /* unclassified > 0 */
		double coverage;       /* fraction; 1.0 when there are no safety points */
		int safety_points;
		double observed;       /* coverage, or the base's observed share without safety points */
		int no_data;           /* no events and no observation: 0 accidents would mean nothing */
		int under_observed;    /* observed < min_coverage: 0 accidents proves nothing (数据不足) */
	} safety;
	double observed;           /* share of the period tbmond ran (its runs) */
	double min_coverage;       /* a lab is normal only when observed at least this much */
	double normal_availability;
	struct ind_lab *labs;
	size_t nlabs;
	double labs_observed;      /* the least observed lab's share (0 without labs) */
	int labs_under_observed;   /* labs_observed < min_coverage: 实训室日常运作 is 数据不足 */
	struct ind_device *devices;
	size_t ndevices;
	int faults_per_month[12];  /* kind fault, by the month (1-12) of opening, local time */
	int repair_faults_per_month[12];   /* the faults repair.faults counts, by month */
	struct ind_unrepaired *unrepaired;   /* assessment faults not repaired by the cutoff */
	size_t nunrepaired;
};

/* indicators_compute: over [from_ms, to_ms), repairs counted up to cutoff_ms
 * (0: to_ms). Labs are normal when availability >= normal_availability and
 * they were observed for IND_MIN_COVERAGE_DEFAULT of the period.
 *
 * Observation (DESIGN.md "Indicators"): the base is observed while tbmond
 * runs, a device while tbmond runs and the device is online (no open comm
 * fault). Shares are of the period up to now (time that has not happened is
 * not counted). Availability is up time over observed time.
 * -1 on a database error, with the message in err. */
int indicators_compute(struct store *st, int64_t from_ms, int64_t to_ms, int64_t cutoff_ms,
    double normal_availability, struct indicators *out, char *err, size_t errlen);

#define IND_MIN_COVERAGE_DEFAULT 0.9
struct ind_opts {
	double normal_availability;
	int count_comm;            /* comm faults of assessment devices count in the repair rate */
	double min_coverage;       /* 0: IND_MIN_COVERAGE_DEFAULT */
};
int indicators_compute_opts(struct store *st, int64_t from_ms, int64_t to_ms, int64_t cutoff_ms,
    const struct ind_opts *o, struct indicators *out, char *err, size_t errlen);
/* The same from either home of a base's records (lib/source.h): its SQLite
 * database or its site in the central PostgreSQL store. */
struct source;
int indicators_compute_src(const struct source *src, int64_t from_ms, int64_t to_ms,
    int64_t cutoff_ms, const struct ind_opts *o, struct indicators *out, char *err, size_t errlen);
void indicators_free(struct indicators *ind);

/* indicators_json_add: the figures into o, under DESIGN.md's keys and more:
 * fault_repair_rate, safety, labs, devices, faults_per_month. Rates and
 * availability as fractions, absent values null (a coverage without safety
 * points too). The callers add what only they know: site, period, the
 * unrepaired faults. One builder, so that tbmctl's and tbm-report's JSON
 * say the same things by the same names. */
struct cJSON;
void indicators_json_add(struct cJSON *o, const struct indicators *in);

/* ind_watching: whether tbmond's run (the last one) watches at `now`: not
 * stopped, and its heartbeat (every 30 s) younger than IND_ALIVE_GRACE_MS.
 * When it does not, *since (if not NULL) is when the watching ended: its
 * stop, or its last heartbeat (a crash, a power cut). One rule for the
 * observation, tbmctl status, tbm-web and tbm-notify. */
#define IND_ALIVE_GRACE_MS 120000
int ind_watching(const struct run_row *run, int64_t now, int64_t *since);

/* ind_under_observed: the rule behind every 数据不足 (DESIGN.md
 * "Observation"): a figure watched for less than min_coverage of its period
 * proves nothing, neither success nor failure. One place, so that tbmctl,
 * tbm-web and tbm-report (over several bases: the least observed) agree. */
int ind_under_observed(double observed, double min_coverage);

/* What the figures count as down time, for others who rank by it (top.c). */
struct ind_span {
	int64_t a, b;              /* [a, b) */
};
/* ind_fault_down: the stretch a fault counts as down time: a kind fault
 * that is not dismissed, from its opening to its clearing (a manual one to
 * its repair), `end` while it lasts. 1 with *out set, 0 when it does not count. */
int ind_fault_down(const struct period_fault *x, int64_t end, struct ind_span *out);
/* ind_spans_measure: the length of the union of n spans clipped to
 * [from, to); sorts v. */
int64_t ind_spans_measure(struct ind_span *v, size_t n, int64_t from, int64_t to);

#endif
