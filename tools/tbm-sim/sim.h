/*
 * sim.h - tbm-sim's shared structures and, per file, what each file
 * exports. The program is small enough that one header listing every
 * file's interface reads better than seven two-line headers.
 *
 * A device is either a Modbus device (server != NULL: registers served on
 * a TCP port or serial line) or an MQTT device (broker != NULL: a JSON
 * state built from its `json` points, published to a topic).
 */
#ifndef TBM_SIM_H
#define TBM_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <poll.h>

#include <modbus.h>

#include "config.h"   /* enum reg_table */

#define SIM_NAME_MAX 64
#define SIM_PATH_MAX 128              /* a json point's dotted path */
#define SIM_TOPIC_MAX 256

enum behaviour_kind {
	BH_NORMAL = 0,
	BH_SILENT,       /* reads the request, never answers */
	BH_LATE,         /* answers after arg ms */
	BH_EXCEPTION,    /* answers exception arg */
	BH_DROP,         /* closes the connection (TCP); RTU: like silent */
	BH_GARBAGE,      /* answers random bytes */
	BH_WRONG_UNIT,   /* answers with another unit id */
	BH_WRONG_TID,    /* TCP: transaction id off by one; RTU: normal */
	BH_TRUNCATED,    /* sends half the reply, keeps the connection */
	/* MQTT devices: normal, silent (publishes nothing), garbage (non-JSON
	 * bytes) and these */
	BH_MISSING,      /* omits the json path `path` (and what is below it) */
	BH_TEXT,         /* every number as a JSON string: "25.5" */
	BH_BARE,         /* only the first point's value, as a bare number */
};

struct behaviour {
	enum behaviour_kind kind;
	int arg;
	char path[SIM_PATH_MAX];      /* BH_MISSING */
};

/* A parsed VALUE: one register or bit, or two registers of a 32-bit value. */
struct value {
	int width;
	uint16_t regs[2];
};

struct sim_server;
struct sim_broker;
struct mosquitto;

/* One number in an MQTT device's JSON state, at a dotted path
 * ("sensors.temp", "status.alarms.0": a number is an array index). */
struct json_point {
	char path[SIM_PATH_MAX];
	double init;
	double value;
	int line;
};

struct sim_device {
	char name[SIM_NAME_MAX];
	struct sim_server *server;    /* a Modbus device, or */
	struct sim_broker *broker;    /* an MQTT device */
	int unit;
	int line;
	int lo[5], hi[5];             /* per reg_table: addresses used, [lo, hi); lo < 0: none */
	struct assign *init;          /* initial values, in file order */
	size_t ninit;
	struct behaviour init_bh;
	/* run time */
	modbus_mapping_t *map;        /* covers [lo, hi) of each table only */
	struct behaviour bh;
	unsigned long requests, answered;
	/* MQTT devices */
	char topic[SIM_TOPIC_MAX];
	int64_t interval_ms;          /* 0: only on changes and `publish` */
	struct json_point *points;    /* file order: the payload's key order */
	size_t npoints;
	int64_t next_publish;         /* run time: monotonic ms; 0: not scheduled */
	int dirty;                    /* changed: publish at once */
	unsigned long published, dropped;
};

/* An MQTT broker the MQTT devices publish to (tbm-sim is a client). */
struct sim_broker {
	char name[SIM_NAME_MAX];
	int line;
	char host[256];
	int port;
	int64_t connect_timeout_ms;   /* for the first connection, at start */
	/* run time */
	struct mosquitto *mosq;
	int connected;                /* CONNACK accepted and not lost since */
	int ever_connected;
	int64_t retry_at;             /* 0: not waiting to reconnect */
	int64_t backoff_ms;
	int64_t next_misc;            /* keepalive bookkeeping */
	char last_error[160];
	unsigned long published;
};
struct sim_server {
	char name[SIM_NAME_MAX];
	int line;
	int serial;                   /* 0: TCP listen, 1: serial port */
	char host[64];
	int port;                     /* configured; 0 = ephemeral */
	char path[256];               /* serial device, or "pty" */
	int baud;
	char parity;                  /* 'N', 'E', 'O' */
	int data_bits, stop_bits;
	struct sim_device *by_unit[256];
	/* run time */
	int fd;                       /* listening socket or serial fd */
	int pty_slave;                /* serial = pty: our copy of the slave side */
	int bound_port;
	char bound_path[256];
	modbus_t *ctx;                /* renders replies (TCP or RTU framing) */
	struct conn *port_conn;       /* serial: the one permanent connection */
};

/* One assignment: DEVICE.TABLE.ADDR = VALUE, DEVICE.json.PATH = NUMBER or
 * DEVICE.behaviour = B. */
struct assign {
	struct sim_device *dev;
	int is_behaviour;
	int is_json;                  /* an MQTT device's json point: */
	int point;                    /* its index in dev->points */
	double num;                   /* and its new value */
	enum reg_table table;
	int addr;
	struct value val;
	struct behaviour bh;
	char text[192];               /* "cnc-01.holding.100 = 1021", for printing */
	int line;
};

struct step {
	int64_t at_ms;
	struct assign *assigns;
	size_t nassigns;
	int line;
};

struct scenario {
	char *path;
	int64_t loop_ms;              /* 0: no loop */
	struct sim_server **servers;
	size_t nservers;
	struct sim_device **devices;
	size_t ndevices;
	struct sim_broker **brokers;
	size_t nbrokers;
	struct step *steps;           /* sorted by at_ms, file order among equals */
	size_t nsteps;
};

/* scenario.c: the scenario file. Reports every error as FILE:LINE: message
 * on stderr; NULL when there was any (*nerrors gets the count). */
struct scenario *scenario_load(const char *path, int *nerrors);
/* sim_trim: s without leading and trailing white space (ends it in place). */
char *sim_trim(char *s);
void scenario_free(struct scenario *sc);
struct sim_device *scenario_device(const struct scenario *sc, const char *name);
/* scenario_ref: "DEVICE.TABLE.ADDR" -> 0 with d, t, addr; "DEVICE.behaviour"
 * -> 1 with d; "DEVICE.json.PATH" (an MQTT device's point) -> 2 with d and
 * the point's index in addr; -1 with a message in err. */
int scenario_ref(const struct scenario *sc, const char *ref, struct sim_device **d,
    enum reg_table *t, int *addr, char *err, size_t errlen);

/* device.c: values, register maps and behaviours. */
const char *table_name(enum reg_table t);
int table_parse(const char *s, enum reg_table *t);
int table_is_bits(enum reg_table t);
/* value_parse: "1021", "-5", "0x3f5", "float32 25.5 [order cdab]", ... for
 * a TABLE; 0 ok, -1 with a message in err. */
int value_parse(const char *s, enum reg_table t, struct value *v, char *err, size_t errlen);
/* behaviour_parse: "late 300", "exception 2", "silent", ... */
int behaviour_parse(const char *s, struct behaviour *b, char *err, size_t errlen);
void behaviour_format(const struct behaviour *b, char *buf, size_t len);
/* device_note_use: widens the device's address range for TABLE ADDR (width). */
void device_note_use(struct sim_device *d, enum reg_table t, int addr, int width);
int device_map_alloc(struct sim_device *d);
void device_map_free(struct sim_device *d);
/* device_store/device_load: -1 when outside the device's mapping. */
int device_store(struct sim_device *d, enum reg_table t, int addr, const struct value *v);
int device_load(const struct sim_device *d, enum reg_table t, int addr, int width, uint16_t *regs);
/* device_reset: initial values and behaviour. */
void device_reset(struct sim_device *d);
void assign_apply(const struct assign *a);
/* device_behave: a new behaviour from text, parsed for the device's kind. */
int device_behave(struct sim_device *d, const char *s, struct behaviour *b, char *err, size_t errlen);

/* payload.c: MQTT devices' JSON states. */
/* json_path_check: a dotted path's syntax; 0 ok, -1 with a message. */
int json_path_check(const char *path, char *err, size_t errlen);
/* json_number_parse: a finite number; 0 ok, -1 with a message. */
int json_number_parse(const char *s, double *v, char *err, size_t errlen);
/* json_number_format: the number as cJSON prints it ("25.5", "90"). */
void json_number_format(double v, char *buf, size_t len);
/* json_points_check: the device's paths build one JSON document (no path
 * both a value and a container, no array index left without a value);
 * 0 ok, -1 with a message naming the path. */
int json_points_check(const struct sim_device *d, char *err, size_t errlen);
/* json_point_find: the index of PATH among the device's points, -1. */
int json_point_find(const struct sim_device *d, const char *path);
/* mqtt_behaviour_parse: normal|silent|garbage|missing PATH|text|bare. */
int mqtt_behaviour_parse(const struct sim_device *d, const char *s, struct behaviour *b,
    char *err, size_t errlen);
/* payload_build: the message for the device's state and behaviour (a
 * malloc'd buffer, *len bytes, not NUL-terminated for garbage); NULL when
 * silent or out of memory (*len = 0 then for silent). */
char *payload_build(const struct sim_device *d, size_t *len);

/* mqtt.c: the broker connections, in the main poll loop (no thread). */
/* mqtt_start: connects to every broker; waits for each one's first CONNACK
 * up to its connect_timeout, printing "listening NAME mqtt://HOST:PORT".
 * -1 (with a message on stderr) when one cannot be reached. */
int mqtt_start(struct scenario *sc);
void mqtt_stop(void);
size_t mqtt_npollfds(void);
size_t mqtt_pollfds(struct pollfd *pfd, size_t max);
void mqtt_handle(const struct pollfd *pfd, size_t n, int64_t now);
/* mqtt_run_timers: reconnects, keepalives, and publishes the devices that
 * changed or whose interval has come. */
void mqtt_run_timers(int64_t now);
int64_t mqtt_next_deadline(void);
/* mqtt_publish_now: publishes d's state; 0 when a message went out, -1
 * with the reason in err (silent, broker not connected). */
int mqtt_publish_now(struct sim_device *d, char *err, size_t errlen);
void mqtt_stats(unsigned long *published);

/* server.c: sockets, serial ports, requests and replies. */
int server_open_all(struct scenario *sc);
void server_close_all(struct scenario *sc);
/* server_pollfds: appends the fds to watch; returns how many were added. */
size_t server_pollfds(struct pollfd *pfd, size_t max);
size_t server_npollfds(void);
/* server_handle: acts on the revents of the fds server_pollfds returned. */
void server_handle(const struct pollfd *pfd, size_t n, int64_t now);
/* server_run_timers: delayed replies and RTU frame gaps due at `now`. */
void server_run_timers(int64_t now);
/* server_next_deadline: earliest timer, INT64_MAX when none. */
int64_t server_next_deadline(void);
int server_log_open(const char *path);
void server_log_close(void);
void server_seed(uint64_t seed);
void server_stats(unsigned long *requests, unsigned long *answered);
/* sim_random: the --seed'ed generator (garbage replies and payloads). */
uint64_t sim_random(void);

/* timeline.c: the [at] steps and the loop. */
void timeline_start(struct scenario *sc, int64_t now);
/* timeline_run: applies every step due at `now`, printing "at T ..." lines. */
void timeline_run(int64_t now);
int64_t timeline_next_deadline(void);
/* Timeline lines dropped because nobody read stdout. */
unsigned long long timeline_dropped(void);

/* command.c: one stdin command line -> one reply line on stdout.
 * Returns 1 when the command was quit. */
int command_run(struct scenario *sc, char *line);

#endif
