/*
 * config_keys.c - the configuration's keys, one row each (section, type,
 * bounds, default, where the value is stored), and the names of its enums.
 */
#include "config_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const struct enum_name protocols[] = { { "modbus-tcp", PROTO_MODBUS_TCP },
	{ "modbus-rtu", PROTO_MODBUS_RTU }, { "modbus-rtu-tcp", PROTO_MODBUS_RTU_TCP },
	{ "mqtt", PROTO_MQTT }, { "manual", PROTO_MANUAL }, { NULL, 0 } };
static const struct enum_name types[] = { { "bool", TYPE_BOOL }, { "int16", TYPE_INT16 },
	{ "uint16", TYPE_UINT16 }, { "int32", TYPE_INT32 }, { "uint32", TYPE_UINT32 },
	{ "float32", TYPE_FLOAT32 }, { NULL, 0 } };
static const struct enum_name orders[] = { { "abcd", ORDER_ABCD }, { "badc", ORDER_BADC },
	{ "cdab", ORDER_CDAB }, { "dcba", ORDER_DCBA }, { NULL, 0 } };
static const struct enum_name kinds[] = { { "fault", KIND_FAULT }, { "safety", KIND_SAFETY },
	{ "status", KIND_STATUS }, { NULL, 0 } };
static const struct enum_name parities[] = { { "none", 'N' }, { "even", 'E' }, { "odd", 'O' },
	{ NULL, 0 } };
const struct enum_name config_tables[] = { { "coil", TABLE_COIL }, { "discrete", TABLE_DISCRETE },
	{ "input", TABLE_INPUT }, { "holding", TABLE_HOLDING }, { NULL, 0 } };
static const struct enum_name bools[] = { { "yes", 1 }, { "no", 0 }, { "true", 1 },
	{ "false", 0 }, { "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 }, { NULL, 0 } };
static const struct enum_name notify_types[] = { { "wecom", NOTIFY_WECOM },
	{ "dingtalk", NOTIFY_DINGTALK }, { "feishu", NOTIFY_FEISHU }, { "webhook", NOTIFY_WEBHOOK },
	{ "email", NOTIFY_EMAIL }, { NULL, 0 } };

#define S(f) offsetof(struct conf_site, f)
#define D(f) offsetof(struct conf_daemon, f)
#define M(f) offsetof(struct conf_mqtt, f)
#define W(f) offsetof(struct conf_web, f)
#define V(f) offsetof(struct conf_device, f)
#define P(f) offsetof(struct conf_point, f)
#define N(f) offsetof(struct conf_notify, f)
#define ISZ(t, f) ((int)sizeof(((t *)0)->f))

/* The configuration's keys. Bounds apply to numbers and durations (ms). */
const struct key config_keys[] = {
	{ SEC_SITE, "id", K_SITEID, S(id), 0, 0, NULL, NULL, 0 },
	{ SEC_SITE, "name", K_STR, S(name), 0, 0, NULL, NULL, 0 },
	{ SEC_SITE, "timezone", K_TZ, S(timezone), 0, 0, NULL, NULL, 0 },

	{ SEC_DAEMON, "database", K_PATH, D(database), 0, 0, "/var/lib/tbmon/tbmon.db", NULL, 0 },
	{ SEC_DAEMON, "devices", K_PATH, D(devices), 0, 0, NULL, NULL, 0 },
	{ SEC_DAEMON, "log_level", K_LOGLEVEL, D(log_level), 0, 0, "info", NULL, 0 },

	{ SEC_MQTT, "url", K_STR, M(url), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "client_id", K_STR, M(client_id), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "username", K_STR, M(username), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "password_file", K_PATH, M(password_file), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "ca_file", K_PATH, M(ca_file), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "events_topic", K_STR, M(events_topic), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "status_topic", K_STR, M(status_topic), 0, 0, NULL, NULL, 0 },
	{ SEC_MQTT, "keepalive", K_DURATION, M(keepalive_ms), 5000, 3600000, "60s", NULL, 0 },

	/* tbm-web; listen and base_url are checked by tbm-web -n */
	{ SEC_WEB, "listen", K_STR, W(listen), 0, 0, "127.0.0.1:8080", NULL, 0 },
	{ SEC_WEB, "base_url", K_STR, W(base_url), 0, 0, NULL, NULL, 0 },
	{ SEC_WEB, "cert_file", K_PATH, W(cert_file), 0, 0, NULL, NULL, 0 },
	{ SEC_WEB, "key_file", K_PATH, W(key_file), 0, 0, NULL, NULL, 0 },
	{ SEC_WEB, "session_idle", K_DURATION, W(session_idle_ms), 60000, 604800000, "12h", NULL, 0 },
	{ SEC_WEB, "trusted_proxies", K_STR, W(trusted_proxies), 0, 0, NULL, NULL, 0 },

	{ SEC_DEVICE, "name", K_STR, V(name), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "lab", K_STR, V(lab), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "assessment", K_BOOL, V(assessment), 0, 1, "no", bools, ISZ(struct conf_device, assessment) },
	{ SEC_DEVICE, "protocol", K_ENUM, V(protocol), 0, 0, NULL, protocols, ISZ(struct conf_device, protocol) },
	{ SEC_DEVICE, "host", K_STR, V(host), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "port", K_INT, V(port), 1, 65535, "502", NULL, ISZ(struct conf_device, port) },
	{ SEC_DEVICE, "unit", K_INT, V(unit), 0, 255, "1", NULL, ISZ(struct conf_device, unit) },
	{ SEC_DEVICE, "interval", K_DURATION, V(interval_ms), 10, 86400000, "1s", NULL, 0 },
	{ SEC_DEVICE, "timeout", K_DURATION, V(timeout_ms), 10, 60000, "500ms", NULL, 0 },
	{ SEC_DEVICE, "pause", K_DURATION, V(pause_ms), 0, 10000, "0", NULL, 0 },
	{ SEC_DEVICE, "connect_delay", K_DURATION, V(connect_delay_ms), 0, 60000, "0", NULL, 0 },
	{ SEC_DEVICE, "reconnect_delay", K_DURATION, V(reconnect_delay_ms), 0, 600000, "1s", NULL, 0 },
	{ SEC_DEVICE, "keep_open", K_BOOL, V(keep_open), 0, 1, "yes", bools, ISZ(struct conf_device, keep_open) },
	{ SEC_DEVICE, "offline_after", K_RAW, V(offline_after_raw), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "serial", K_PATH, V(serial), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "baud", K_INT, V(baud), 50, 4000000, "9600", NULL, ISZ(struct conf_device, baud) },
	{ SEC_DEVICE, "parity", K_ENUM, V(parity), 0, 0, "even", parities, ISZ(struct conf_device, parity) },
	{ SEC_DEVICE, "data_bits", K_INT, V(data_bits), 5, 8, "8", NULL, ISZ(struct conf_device, data_bits) },
	{ SEC_DEVICE, "stop_bits", K_INT, V(stop_bits), 1, 2, "1", NULL, ISZ(struct conf_device, stop_bits) },
	{ SEC_DEVICE, "topic", K_STR, V(topic), 0, 0, NULL, NULL, 0 },
	{ SEC_DEVICE, "max_registers", K_INT, V(max_registers), 1, 125, "125", NULL, ISZ(struct conf_device, max_registers) },
	{ SEC_DEVICE, "max_bits", K_INT, V(max_bits), 1, 2000, "2000", NULL, ISZ(struct conf_device, max_bits) },

	{ SEC_POINT, "read", K_READ, 0, 0, 65535, NULL, NULL, 0 },
	{ SEC_POINT, "type", K_ENUM, P(type), 0, 0, NULL, types, ISZ(struct conf_point, type) },
	{ SEC_POINT, "order", K_ENUM, P(order), 0, 0, "abcd", orders, ISZ(struct conf_point, order) },
	{ SEC_POINT, "bit", K_INT, P(bit), 0, 15, NULL, NULL, ISZ(struct conf_point, bit) },
	{ SEC_POINT, "scale", K_DOUBLE, P(scale), -1e12, 1e12, "1", NULL, 0 },
	{ SEC_POINT, "offset", K_DOUBLE, P(offset), -1e12, 1e12, "0", NULL, 0 },
	{ SEC_POINT, "kind", K_ENUM, P(kind), 0, 0, "fault", kinds, ISZ(struct conf_point, kind) },
	{ SEC_POINT, "when", K_COND, P(when), 0, 0, NULL, NULL, 0 },
	{ SEC_POINT, "clear", K_COND, P(clear), 0, 0, NULL, NULL, 0 },
	{ SEC_POINT, "delay", K_DURATION, P(delay_ms), 0, 86400000, "0", NULL, 0 },
	{ SEC_POINT, "clear_delay", K_DURATION, P(clear_delay_ms), 0, 86400000, "0", NULL, 0 },
	{ SEC_POINT, "label", K_STR, P(label), 0, 0, NULL, NULL, 0 },
	{ SEC_POINT, "json", K_STR, P(json), 0, 0, NULL, NULL, 0 },

	/* tbm-notify's channels; send and labs are interpreted when the whole is validated */
	{ SEC_NOTIFY, "type", K_ENUM, N(type), 0, 0, NULL, notify_types, ISZ(struct conf_notify, type) },
	{ SEC_NOTIFY, "url_file", K_PATH, N(url_file), 0, 0, NULL, NULL, 0 },
	{ SEC_NOTIFY, "secret_file", K_PATH, N(secret_file), 0, 0, NULL, NULL, 0 },
	{ SEC_NOTIFY, "smtp", K_STR, N(smtp), 0, 0, NULL, NULL, 0 },
	{ SEC_NOTIFY, "username", K_STR, N(username), 0, 0, NULL, NULL, 0 },
	{ SEC_NOTIFY, "password_file", K_PATH, N(password_file), 0, 0, NULL, NULL, 0 },
	{ SEC_NOTIFY, "from", K_STR, N(from), 0, 0, NULL, NULL, 0 },
	{ SEC_NOTIFY, "to", K_STR, N(to), 0, 0, NULL, NULL, 0 },
	{ SEC_NOTIFY, "ca_file", K_PATH, N(ca_file), 0, 0, NULL, NULL, 0 },
	{ SEC_NOTIFY, "labs", K_STR, N(labs_raw), 0, 0, NULL, NULL, 0 },
	{ SEC_NOTIFY, "send", K_STR, N(send_raw), 0, 0, "open, safety, accident", NULL, 0 },
	{ SEC_NOTIFY, "burst", K_INT, N(burst), 1, 1000, "10", NULL, ISZ(struct conf_notify, burst) },
	{ SEC_NOTIFY, "timeout", K_DURATION, N(timeout_ms), 1000, 300000, "15s", NULL, 0 },
};
const size_t config_nkeys = sizeof(config_keys) / sizeof(config_keys[0]);

int
config_enum_lookup(const struct enum_name *names, const char *s, int *out)
{
	for (; names->name != NULL; names++)
		if (strcmp(names->name, s) == 0) {
			*out = names->value;
			return 0;
		}
	return -1;
}

static const char *
enum_name_of(const struct enum_name *names, int v)
{
	for (; names->name != NULL; names++)
		if (names->value == v)
			return names->name;
	return "?";
}

const char *
config_protocol_name(enum protocol p)
{
	return enum_name_of(protocols, p);
}

int
config_protocol_is_tcp(enum protocol p)
{
	return p == PROTO_MODBUS_TCP || p == PROTO_MODBUS_RTU_TCP;
}

int
config_protocol_is_modbus(enum protocol p)
{
	return config_protocol_is_tcp(p) || p == PROTO_MODBUS_RTU;
}

const char *
config_kind_name(enum point_kind k)
{
	return enum_name_of(kinds, k);
}

const char *
config_table_name(enum reg_table t)
{
	return enum_name_of(config_tables, t);
}

const char *
config_notify_type_name(enum notify_type t)
{
	return enum_name_of(notify_types, (int)t);
}

void
config_enum_list(const struct enum_name *names, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; names->name != NULL && n < len; names++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "|" : "", names->name);
}

static const char *const op_names[] = { "", "==", "!=", "<", "<=", ">", ">=" };

const char *
config_op_name(enum cond_op op)
{
	return op_names[op];
}

void
config_keys_defaults(struct parse *ps, enum section sec, void *obj)
{
	for (size_t i = 0; i < config_nkeys; i++)
		if (config_keys[i].sec == sec && config_keys[i].def != NULL)
			(void)config_value_apply(ps, &config_keys[i], obj, config_keys[i].def, 0);
}

/* key_bit: the bit of a key in its section's "seen" mask. */
uint64_t
config_keys_bit(enum section sec, const char *name)
{
	unsigned idx = 0;

	for (size_t i = 0; i < config_nkeys; i++) {
		if (config_keys[i].sec != sec)
			continue;
		if (strcmp(config_keys[i].name, name) == 0)
			return 1ull << idx;
		idx++;
	}
	return 0;
}

void
config_keys_free(enum section sec, void *obj)
{
	for (size_t i = 0; i < config_nkeys; i++) {
		const struct key *k = &config_keys[i];
		if (k->sec != sec)
			continue;
		switch (k->type) {
		case K_STR:
		case K_PATH:
		case K_SITEID:
		case K_TZ:
		case K_RAW:
			free(*(char **)((char *)obj + k->off));
			break;
		default:
			break;
		}
	}
}
