/*
 * event.h - the words of an event: the kinds of fault, the safety
 * classifications, and the event the detector hands to the writer. Each word
 * is spelt once, here: the schema's CHECKs, the parsers and the counts all
 * use these names.
 */
#ifndef TBM_EVENT_H
#define TBM_EVENT_H

#include <stdint.h>

#include "config.h"

/* The kinds of a fault row. */
#define FK_FAULT_NAME  "fault"
#define FK_COMM_NAME   "comm"
#define FK_SAFETY_NAME "safety"
enum fault_kind { FK_FAULT = 0, FK_COMM, FK_SAFETY, FK_COUNT };
const char *fault_kind_name(enum fault_kind k);   /* "?" if out of range */
int fault_kind_parse(const char *s);              /* -1 if unknown */

/* A manager's classification of a safety event (DESIGN: accident, near-miss,
 * drill, none); SC_UNCLASSIFIED while nobody has classified it. */
#define SC_ACCIDENT_NAME  "accident"
#define SC_NEAR_MISS_NAME "near-miss"
#define SC_DRILL_NAME     "drill"
#define SC_NONE_NAME      "none"
/* The names as a sentence lists them, for messages. */
#define SC_NAMES_LIST SC_ACCIDENT_NAME ", " SC_NEAR_MISS_NAME ", " SC_DRILL_NAME ", " SC_NONE_NAME
enum safety_class { SC_UNCLASSIFIED = -1, SC_ACCIDENT = 0, SC_NEAR_MISS, SC_DRILL, SC_NONE,
	SC_COUNT };
const char *safety_class_name(enum safety_class c);   /* NULL if unclassified or out of range */
int safety_class_parse(const char *s);               /* -1 (SC_UNCLASSIFIED) if unknown */
/* The words people use for them: 事故, 未遂, 演练, 非事件 (the form's 安全事故 is
 * an accident). */
const char *safety_class_label(enum safety_class c);  /* NULL like safety_class_name */
/* safety_class_parse_word: a stored name or a label; -1 if neither. What
 * is stored is always safety_class_name() of the result. */
int safety_class_parse_word(const char *s);

/* The point name of the communication fault of a device. */
#define EVENT_POINT_COMM "comm"
/* The point name of a fault or safety event reported by a person. */
#define EVENT_POINT_MANUAL "manual"

/* An event from the detector to the writer thread. Fixed-size so the queue
 * never allocates. */
enum event_type { EV_OPEN = 1, EV_CLEAR };
struct tbm_event {
	enum event_type type;
	enum fault_kind kind;
	char device[CONF_ID_MAX];
	char point[CONF_ID_MAX];   /* EVENT_POINT_COMM for communication faults */
	double code;               /* value at opening */
	int64_t at_ms;
};

#endif
