/*
 * config_int.h - what the config*.c family shares: the key table's types,
 * the parser's state, and the helpers each file exports to the others.
 *   config.c        config_load: the files, then validation of the whole
 *   config_keys.c   the key table, the enum names, defaults
 *   config_value.c  one value through its key's row (types, bounds), conditions
 *   config_parse.c  the line reader, sections, KEY = VALUE, the devices directory
 *   config_notify.c the send list of a [notify NAME] channel, comma-separated lists
 */
#ifndef TBM_CONFIG_INT_H
#define TBM_CONFIG_INT_H

#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "inifile.h"

#define LINE_MAX_LEN 1024

enum section { SEC_NONE = 0, SEC_SITE, SEC_DAEMON, SEC_MQTT, SEC_DEVICE, SEC_POINT, SEC_WEB, SEC_NOTIFY, SEC_BAD };

enum key_type {
	K_STR,       /* any text */
	K_PATH,      /* a path, relative to the configuration file's directory */
	K_SITEID,    /* [a-z0-9-]+ */
	K_INT,
	K_BOOL,
	K_DURATION,
	K_DOUBLE,
	K_ENUM,
	K_COND,
	K_READ,      /* "holding 100" */
	K_LOGLEVEL,
	K_TZ,
	K_RAW,       /* kept as text, interpreted during validation */
};

struct enum_name {
	const char *name;
	int value;
};

struct key {
	enum section sec;
	const char *name;
	enum key_type type;
	size_t off;                  /* in conf_site/daemon/mqtt/device/point */
	double min, max;
	const char *def;             /* applied when the section starts; NULL: none */
	const struct enum_name *names;
	int size;                    /* for K_ENUM/K_BOOL/K_INT: sizeof the field */
};

/* ---- config_keys.c ---- */

extern const struct key config_keys[];
extern const size_t config_nkeys;
extern const struct enum_name config_tables[];   /* coil | discrete | input | holding */
int config_enum_lookup(const struct enum_name *names, const char *s, int *out);
/* The names as "a|b|c", for messages. */
void config_enum_list(const struct enum_name *names, char *buf, size_t len);
/* The bit of a key in its section's "seen" mask. */
uint64_t config_keys_bit(enum section sec, const char *name);
#define GIVEN(mask, sec, name) (((mask) & config_keys_bit(sec, name)) != 0)

/* Where each key of one section was given (its line; 0: not given), and
 * the section's header line, so that an error about a key names its line. */
struct keylines {
	int hdr;
	int at[64];              /* by the key's bit in the "seen" mask */
};
/* The line of `key` in kl, or the header's when it was not given. */
int config_keyline(const struct keylines *kl, enum section sec, const char *key);

/* Parser state across files. */
struct parse {
	struct config *cf;
	const char *file;        /* current file (owned by cf->files) */
	char *dir;               /* its directory, for relative paths */
	FILE *fp;
	int line;                /* line of the text inih is working on */
	int at_line_start;
	int dropin;              /* parsing a devices.d file: only [device]/[point] */
	enum section sec;
	void *obj;               /* the conf_* struct of the current section */
	uint64_t *seen;          /* keys given in the current section (key_bit) */
	struct keylines *lines;  /* and where (NULL: not kept) */
	uint64_t seen_site, seen_daemon, seen_mqtt, seen_web, seen_bad;
	struct inifile_diag diag;  /* FILE:LINE errors, counted */
	/* per-object seen masks, parallel to cf->devices / cf->points */
	uint64_t *dev_seen, *pt_seen;
	struct keylines *dev_lines, *pt_lines;
	struct keylines mqtt_lines;
	uint64_t *nt_seen;       /* per [notify NAME], parallel to cf->notifies */
};

/* Applies the defaults of a section's keys to a new object of it. */
void config_keys_defaults(struct parse *ps, enum section sec, void *obj);
/* Frees the text fields the keys of a section store in obj. */
void config_keys_free(enum section sec, void *obj);

/* ---- config_value.c ---- */

/* Stores one value through its key's row; reports and returns -1 if bad. */
int config_value_apply(struct parse *ps, const struct key *k, void *obj, const char *v, int line);
/* An id: [A-Za-z0-9_-]+, or a site id [a-z0-9-]+; shorter than CONF_ID_MAX. */
int config_value_id_ok(const char *s, int site);

/* ---- config_parse.c ---- */

/* Reads one file (dropin: a devices.d file); -1 if it cannot be read. */
int config_parse_file(struct parse *ps, const char *path, int dropin);
/* Every *.conf of dir in name order; a missing dir is an error only if explicit. */
void config_parse_dropins(struct parse *ps, const char *dir, int explicit);

#endif
