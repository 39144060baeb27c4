/*
 * config.h - tbmond.conf and its devices.d drop-ins: parsing (inih),
 * validation against the key tables, and the resulting structures.
 */
#ifndef TBM_CONFIG_H
#define TBM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONF_ID_MAX 64
/* Modbus links (TCP endpoints and serial ports) one tbmond can poll: one
 * descriptor each, all below FD_SETSIZE (1024), less what the daemon needs. */
#define CONFIG_MAX_LINKS 1000

/*
 * Defaults the key table cannot hold (they depend on the protocol) and the
 * words people see where the configuration says nothing. Every other
 * default is a row of the key table (config_keys.c).
 */
#define CONF_DEFAULT_OFFLINE_POLLS "3"        /* modbus: failed polls */
#define CONF_DEFAULT_OFFLINE_SILENCE "60s"    /* mqtt: a duration without messages */
#define CONF_DEFAULT_LAB "未分配实训室"        /* a device without lab = */
#define CONF_LABEL_COMM "通信中断"             /* the label of a communication fault */

/* modbus-rtu-tcp: RTU frames (with their CRC) over a TCP connection, as serial
 * servers and DTUs in transparent mode pass them. manual: a machine without
 * a sensor; people report its faults (tbmctl report, tbm-web). */
enum protocol { PROTO_NONE = 0, PROTO_MODBUS_TCP, PROTO_MODBUS_RTU, PROTO_MQTT, PROTO_MODBUS_RTU_TCP,
	PROTO_MANUAL };
enum reg_table { TABLE_NONE = 0, TABLE_COIL, TABLE_DISCRETE, TABLE_INPUT, TABLE_HOLDING };
enum value_type { TYPE_BOOL = 0, TYPE_INT16, TYPE_UINT16, TYPE_INT32, TYPE_UINT32, TYPE_FLOAT32 };
enum word_order { ORDER_ABCD = 0, ORDER_BADC, ORDER_CDAB, ORDER_DCBA };
enum point_kind { KIND_FAULT = 0, KIND_SAFETY, KIND_STATUS };
enum cond_op { OP_NONE = 0, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

struct condition {
	enum cond_op op;
	double value;
};

struct conf_site {
	char *id;
	char *name;
	char *timezone;
};

struct conf_daemon {
	char *database;
	char *devices;
	int log_level;
};

struct conf_mqtt {
	int present;
	char *url;
	char *client_id;
	char *username;
	char *password_file;
	char *ca_file;
	char *events_topic;
	char *status_topic;
	int64_t keepalive_ms;
};

/* [web]: tbm-web's listening address, its public URL and TLS files. */
struct conf_web {
	int present;
	char *listen;              /* HOST:PORT, [V6]:PORT or :PORT */
	char *base_url;            /* what QR labels and links point to */
	char *cert_file, *key_file;   /* both or neither: HTTPS */
	int64_t session_idle_ms;
	char *trusted_proxies;     /* addresses whose X-Forwarded-For is believed */
};

struct conf_point;

struct conf_device {
	char id[CONF_ID_MAX];
	char *name;
	char *lab;
	int assessment;
	enum protocol protocol;
	char *host;
	int port;
	int unit;
	int64_t interval_ms;
	int64_t timeout_ms;
	int64_t pause_ms;          /* modbus: the least gap between a reply and the next request on the link */
	int64_t connect_delay_ms;  /* TCP: the wait before the first request on a new connection */
	int64_t reconnect_delay_ms;   /* TCP: the wait before connecting again after a broken connection */
	int keep_open;             /* TCP: 0: the connection closes after each round */
	char *offline_after_raw;   /* interpreted per protocol: */
	int offline_polls;         /*   modbus: failed polls */
	int64_t offline_ms;        /*   mqtt: silence */
	char *serial;
	int baud;
	char parity;               /* 'N', 'E', 'O' */
	int data_bits;
	int stop_bits;
	char *topic;
	int max_registers;
	int max_bits;
	const char *file;          /* where it was defined */
	int line;
	struct conf_point **points;   /* this device's points, in definition order */
	size_t npoints;
};

struct conf_point {
	char id[2 * CONF_ID_MAX];  /* DEVICE.NAME */
	char name[CONF_ID_MAX];
	struct conf_device *device;
	enum reg_table table;
	int address;
	enum value_type type;
	int type_set;
	enum word_order order;
	int bit;                   /* -1: whole register */
	double scale;
	double offset;
	enum point_kind kind;
	struct condition when;
	struct condition clear;    /* op NONE: "not when" */
	int64_t delay_ms;
	int64_t clear_delay_ms;
	char *label;
	char *json;                /* mqtt: dotted path, NULL: bare number */
	const char *file;
	int line;
};

/* [notify NAME]: a channel tbm-notify sends to. */
enum notify_type { NOTIFY_NONE = 0, NOTIFY_WECOM, NOTIFY_DINGTALK, NOTIFY_FEISHU, NOTIFY_WEBHOOK,
	NOTIFY_EMAIL };
#define NOTIFY_SEND_OPEN 0x1       /* a fault (kind fault or comm) opened */
#define NOTIFY_SEND_SAFETY 0x2     /* a safety event opened */
#define NOTIFY_SEND_ACCIDENT 0x4   /* a safety event classified as an accident */
struct notify_send {
	unsigned events;           /* NOTIFY_SEND_* */
	int64_t unacked_ms;        /* escalations; 0: not sent */
	int64_t unrepaired_ms;
	int64_t stopped_ms;        /* tbmond not watching for this long: say so (and when it is back); 0: not sent */
	int daily_min;             /* the digest's minute of the day; -1: none */
};

struct conf_notify {
	char id[CONF_ID_MAX];
	enum notify_type type;
	char *url_file;            /* robots and webhook: the URL holds a key */
	char *secret_file;         /* dingtalk, feishu: the signing secret */
	char *smtp;                /* email: smtp://HOST[:PORT] or smtps://... */
	char *username;
	char *password_file;
	char *from;
	char *to;                  /* addresses, comma separated */
	char *ca_file;
	char *labs_raw;
	char **labs;               /* NULL: every lab */
	size_t nlabs;
	char *send_raw;
	struct notify_send send;
	int burst;                 /* more than this a minute: one summary */
	int64_t timeout_ms;
	const char *file;
	int line;
	int url_file_line, secret_file_line, password_file_line, send_line, labs_line;   /* 0: not given */
};

struct config {
	char *path;
	struct conf_site site;
	struct conf_daemon daemon;
	struct conf_mqtt mqtt;
	struct conf_web web;
	struct conf_device **devices;
	size_t ndevices;
	struct conf_point **points;
	size_t npoints;
	struct conf_notify **notifies;   /* [notify NAME] channels, in definition order */
	size_t nnotifies;
	char **files;              /* every file read, owned here (file/line pointers refer to them) */
	size_t nfiles;
};

/* config_load: parses PATH and the devices drop-ins, validates everything.
 * Returns the config, or NULL after reporting each error through `report`
 * as "FILE:LINE: message" (stderr when report is NULL); *nerrors gets the count. */
typedef void (*config_report_fn)(void *arg, const char *msg);
struct config *config_load(const char *path, config_report_fn report, void *arg, int *nerrors);
void config_free(struct config *cf);

struct conf_device *config_device(const struct config *cf, const char *id);
struct conf_point *config_point(const struct config *cf, const char *id);
struct conf_notify *config_notify(const struct config *cf, const char *id);

/* Names for printing and the store. */
const char *config_protocol_name(enum protocol p);
/* Modbus over a TCP connection (MBAP or RTU framing); polled by a link. */
int config_protocol_is_tcp(enum protocol p);
int config_protocol_is_modbus(enum protocol p);
const char *config_kind_name(enum point_kind k);
const char *config_table_name(enum reg_table t);
const char *config_op_name(enum cond_op op);
const char *config_notify_type_name(enum notify_type t);

/* notify_send_parse: a channel's `send =` list ("open, safety, unacked 30m,
 * unrepaired 24h, daily 08:00"). 0 ok, -1 with the reason in err. */
int notify_send_parse(const char *s, struct notify_send *out, char *err, size_t len);
/* config_list_split: a comma-separated list, each item trimmed, empty ones
 * dropped. 0 ok (*n may be 0), -1 out of memory. Free with config_list_free. */
int config_list_split(const char *s, char ***items, size_t *n);
void config_list_free(char **items, size_t n);

/* condition_parse: "value OP NUMBER"; 0 ok, -1 malformed. */
int condition_parse(const char *s, struct condition *c);
int condition_holds(const struct condition *c, double v);
/* condition_overlap: 1 when some value satisfies both a and b (one such in
 * *at), else 0. A point's when and clear must not overlap: a steady value
 * would open and clear its event on every poll. */
int condition_overlap(const struct condition *a, const struct condition *b, double *at);

#endif
