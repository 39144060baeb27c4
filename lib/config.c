/*
 * config.c - config_load: reads tbmond.conf and the devices.d drop-ins (see
 * config_parse.c), then checks the configuration as a whole: each device
 * against its protocol, each point against its device, the links, each
 * [notify NAME] channel against its type. Every error is reported as
 * FILE:LINE: message, and all of them are.
 */
#include "config_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tbmtime.h"

/* The one of n structs (vec: an array of pointers to them) whose id, a char
 * array at id_off, is id; NULL if none. */
static void *
find_by_id(const void *vec, size_t n, size_t id_off, const char *id)
{
	char *obj;

	for (size_t i = 0; i < n; i++) {
		memcpy(&obj, (const char *)vec + i * sizeof(obj), sizeof(obj));
		if (strcmp(obj + id_off, id) == 0)
			return obj;
	}
	return NULL;
}

struct conf_device *
config_device(const struct config *cf, const char *id)
{
	return find_by_id(cf->devices, cf->ndevices, offsetof(struct conf_device, id), id);
}

struct conf_point *
config_point(const struct config *cf, const char *id)
{
	return find_by_id(cf->points, cf->npoints, offsetof(struct conf_point, id), id);
}

/* Where an error about a key of device/point `o` goes: the key's line, or
 * the section's header when the key was not given. */
#define KL(kl, sec, key) config_keyline((kl), (sec), (key))

struct conf_notify *
config_notify(const struct config *cf, const char *id)
{
	return find_by_id(cf->notifies, cf->nnotifies, offsetof(struct conf_notify, id), id);
}

static void
validate_device(struct parse *ps, struct conf_device *d, uint64_t seen, const struct keylines *kl)
{
	static const char *const tcp_only[] = { "host", "port", "connect_delay", "reconnect_delay",
		"keep_open", NULL };
	static const char *const rtu_only[] = { "serial", "baud", "parity", "data_bits", "stop_bits", NULL };
	static const char *const modbus_only[] = { "unit", "timeout", "pause", "max_registers", "max_bits",
		NULL };
	static const char *const watched_only[] = { "offline_after", NULL };
	const char *const *bad[4] = { NULL, NULL, NULL, NULL };
	char *end;
	long n;

	if (!GIVEN(seen, SEC_DEVICE, "protocol")) {
		inifile_error(&ps->diag, d->file, d->line, "device '%s': protocol is required (modbus-tcp|modbus-rtu|modbus-rtu-tcp|mqtt|manual)", d->id);
		return;
	}
	if (d->name == NULL || d->name[0] == '\0') {
		free(d->name);
		d->name = strdup(d->id);
	}
	if (d->lab == NULL || d->lab[0] == '\0') {
		free(d->lab);
		d->lab = strdup(CONF_DEFAULT_LAB);
	}
	switch (d->protocol) {
	case PROTO_MODBUS_TCP:
	case PROTO_MODBUS_RTU_TCP:
		bad[0] = rtu_only;
		if (d->host == NULL || d->host[0] == '\0')
			inifile_error(&ps->diag, d->file, KL(kl, SEC_DEVICE, "host"), "device '%s': host is required for %s", d->id, config_protocol_name(d->protocol));
		if (d->protocol == PROTO_MODBUS_RTU_TCP && (d->unit < 1 || d->unit > 247))
			inifile_error(&ps->diag, d->file, KL(kl, SEC_DEVICE, "unit"), "device '%s': unit %d is out of range [1, 247] for modbus-rtu-tcp", d->id, d->unit);
		break;
	case PROTO_MODBUS_RTU:
		bad[0] = tcp_only;
		if (d->serial == NULL)
			inifile_error(&ps->diag, d->file, d->line, "device '%s': serial is required for modbus-rtu", d->id);
		if (d->unit < 1 || d->unit > 247)
			inifile_error(&ps->diag, d->file, KL(kl, SEC_DEVICE, "unit"), "device '%s': unit %d is out of range [1, 247] for modbus-rtu", d->id, d->unit);
		break;
	case PROTO_MQTT:
		bad[0] = tcp_only;
		bad[1] = rtu_only;
		bad[2] = modbus_only;
		if (d->topic == NULL || d->topic[0] == '\0')
			inifile_error(&ps->diag, d->file, KL(kl, SEC_DEVICE, "topic"), "device '%s': topic is required for mqtt", d->id);
		else if (strpbrk(d->topic, "+#") != NULL)
			inifile_error(&ps->diag, d->file, KL(kl, SEC_DEVICE, "topic"), "device '%s': topic must not contain wildcards", d->id);
		if (!ps->cf->mqtt.present)
			inifile_error(&ps->diag, d->file, KL(kl, SEC_DEVICE, "protocol"), "device '%s': protocol mqtt needs an [mqtt] section", d->id);
		break;
	case PROTO_MANUAL:
		bad[0] = tcp_only;
		bad[1] = rtu_only;
		bad[2] = modbus_only;
		bad[3] = watched_only;
		break;
	case PROTO_NONE:
		break;
	}
	if (d->protocol != PROTO_MQTT && GIVEN(seen, SEC_DEVICE, "topic"))
		inifile_error(&ps->diag, d->file, KL(kl, SEC_DEVICE, "topic"), "device '%s': topic is only for mqtt devices", d->id);
	for (int b = 0; b < 4; b++)
		for (const char *const *k = bad[b]; k != NULL && *k != NULL; k++)
			if (GIVEN(seen, SEC_DEVICE, *k))
				inifile_error(&ps->diag, d->file, KL(kl, SEC_DEVICE, *k), "device '%s': %s does not apply to protocol %s", d->id, *k, config_protocol_name(d->protocol));

	/* offline_after: failed polls for modbus, a duration of silence for mqtt */
	if (d->protocol == PROTO_MQTT) {
		const char *v = d->offline_after_raw ? d->offline_after_raw : CONF_DEFAULT_OFFLINE_SILENCE;
		if (time_parse_duration(v, &d->offline_ms) != 0 || d->offline_ms < 1000)
			inifile_error(&ps->diag, d->file, KL(kl, SEC_DEVICE, "offline_after"), "device '%s': offline_after: '%s' is not a duration of at least 1s", d->id, v);
	} else if (d->protocol != PROTO_MANUAL) {
		const char *v = d->offline_after_raw ? d->offline_after_raw : CONF_DEFAULT_OFFLINE_POLLS;
		errno = 0;
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 || n < 1 || n > 1000)
			inifile_error(&ps->diag, d->file, KL(kl, SEC_DEVICE, "offline_after"), "device '%s': offline_after: '%s' is not a number of failed polls in [1, 1000]", d->id, v);
		else
			d->offline_polls = (int)n;
	}
}

/* After the points: a watched device without any is never read, so it
 * could never go offline nor open a fault. Every such device is named. */
static void
validate_device_points(struct parse *ps, const struct conf_device *d)
{
	if (d->npoints == 0 && d->protocol != PROTO_MANUAL && d->protocol != PROTO_NONE)
		inifile_error(&ps->diag, d->file, d->line, "device '%s': no points; add a [point %s.NAME] section, or use protocol = manual for a machine without a sensor", d->id, d->id);
}

static void
validate_point(struct parse *ps, struct conf_point *p, uint64_t seen, const struct keylines *kl)
{
	char dev[CONF_ID_MAX];
	struct conf_device *d;
	const char *dot = strchr(p->id, '.');

	snprintf(dev, sizeof(dev), "%.*s", (int)(dot - p->id), p->id);
	if ((d = config_device(ps->cf, dev)) == NULL) {
		inifile_error(&ps->diag, p->file, p->line, "point '%s': no device '%s'", p->id, dev);
		return;
	}
	p->device = d;
	{
		struct conf_point **np = realloc(d->points, (d->npoints + 1) * sizeof(*np));
		if (np == NULL) {
			inifile_error(&ps->diag, p->file, p->line, "out of memory");
			return;
		}
		d->points = np;
		d->points[d->npoints++] = p;
	}
	if (p->label == NULL || p->label[0] == '\0') {
		free(p->label);
		p->label = strdup(p->name);
	}
	if (d->protocol == PROTO_MANUAL) {
		inifile_error(&ps->diag, p->file, p->line, "point '%s': device '%s' is manual (no sensor) and has no points", p->id, dev);
		return;
	}
	if (d->protocol == PROTO_MQTT) {
		static const char *const modbus_keys[] = { "read", "type", "order", "bit", NULL };
		for (const char *const *k = modbus_keys; *k; k++)
			if (GIVEN(seen, SEC_POINT, *k))
				inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, *k), "point '%s': %s does not apply to an mqtt device (use json)", p->id, *k);
	} else if (d->protocol != PROTO_NONE) {
		if (GIVEN(seen, SEC_POINT, "json"))
			inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, "json"), "point '%s': json applies only to mqtt devices", p->id);
		if (!GIVEN(seen, SEC_POINT, "read")) {
			inifile_error(&ps->diag, p->file, p->line, "point '%s': read is required (coil|discrete|input|holding N)", p->id);
		} else if (p->table == TABLE_COIL || p->table == TABLE_DISCRETE) {
			if (p->type_set && p->type != TYPE_BOOL)
				inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, "type"), "point '%s': a %s is a bit; type must be bool", p->id, config_table_name(p->table));
			if (GIVEN(seen, SEC_POINT, "bit"))
				inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, "bit"), "point '%s': bit applies only to input and holding registers", p->id);
			p->type = TYPE_BOOL;
		} else {
			if (!p->type_set)
				p->type = TYPE_UINT16;
			if (p->type == TYPE_BOOL)
				inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, "type"), "point '%s': type bool needs a coil or discrete input; use bit = N for one bit of a register", p->id);
			if (GIVEN(seen, SEC_POINT, "bit") && p->type != TYPE_INT16 && p->type != TYPE_UINT16)
				inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, "bit"), "point '%s': bit needs a 16-bit register (int16 or uint16)", p->id);
			if (p->type >= TYPE_INT32 && p->address > 65534)
				inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, "read"), "point '%s': a 32-bit value at %d runs past the last register", p->id, p->address);
			if (GIVEN(seen, SEC_POINT, "order") && p->type < TYPE_INT32)
				inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, "order"), "point '%s': order applies only to 32-bit types", p->id);
		}
	}
	if (p->kind != KIND_STATUS && !GIVEN(seen, SEC_POINT, "when"))
		inifile_error(&ps->diag, p->file, p->line, "point '%s': kind %s needs a when condition", p->id, config_kind_name(p->kind));
	if (GIVEN(seen, SEC_POINT, "clear") && !GIVEN(seen, SEC_POINT, "when"))
		inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, "clear"), "point '%s': clear without when", p->id);
	/* a status point only shows a value: it opens no event, so a condition means nothing */
	if (p->kind == KIND_STATUS && GIVEN(seen, SEC_POINT, "when"))
		inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, "when"), "point '%s': kind status opens no events, so when has no meaning (use kind = fault or safety)", p->id);
	else if (p->when.op != OP_NONE && p->clear.op != OP_NONE) {
		double at;
		if (condition_overlap(&p->when, &p->clear, &at))
			inifile_error(&ps->diag, p->file, KL(kl, SEC_POINT, "clear"), "point '%s': when (value %s %g) and clear (value %s %g) both hold at %g: a steady value would open and clear the event on every poll; they must not overlap", p->id, config_op_name(p->when.op), p->when.value, config_op_name(p->clear.op), p->clear.value, at);
	}
}

/* A channel: what its type needs, its send list, and labs that exist. */
static void
validate_notify(struct parse *ps, struct conf_notify *c, uint64_t seen)
{
	static const char *const http_keys[] = { "url_file", NULL };
	static const char *const mail_keys[] = { "smtp", "username", "password_file", "from", "to", NULL };
	const char *const *other = c->type == NOTIFY_EMAIL ? http_keys : mail_keys;
	int sline = c->send_line ? c->send_line : c->line;
	char err[256];

	if (!GIVEN(seen, SEC_NOTIFY, "type")) {
		inifile_error(&ps->diag, c->file, c->line, "notify '%s': type is required (wecom|dingtalk|feishu|webhook|email)", c->id);
		return;
	}
	if (c->type == NOTIFY_NONE)
		return;   /* a bad type, reported where it is */
	if (c->type == NOTIFY_EMAIL) {
		if (c->smtp == NULL)
			inifile_error(&ps->diag, c->file, c->line, "notify '%s': smtp is required for email (smtp://HOST or smtps://HOST)", c->id);
		else if (strncmp(c->smtp, "smtp://", 7) != 0 && strncmp(c->smtp, "smtps://", 8) != 0)
			inifile_error(&ps->diag, c->file, c->line, "notify '%s': smtp '%s' must start with smtp:// or smtps://", c->id, c->smtp);
		if (c->to == NULL)
			inifile_error(&ps->diag, c->file, c->line, "notify '%s': to is required for email", c->id);
		if (c->password_file != NULL && c->username == NULL)
			inifile_error(&ps->diag, c->file, c->password_file_line, "notify '%s': password_file without username", c->id);
	} else if (c->url_file == NULL) {
		inifile_error(&ps->diag, c->file, c->line, "notify '%s': url_file is required for type %s (the URL holds the robot's key)", c->id, config_notify_type_name(c->type));
	}
	for (const char *const *k = other; *k != NULL; k++)
		if (GIVEN(seen, SEC_NOTIFY, *k))
			inifile_error(&ps->diag, c->file, c->line, "notify '%s': %s does not apply to type %s", c->id, *k, config_notify_type_name(c->type));
	if (c->secret_file != NULL && c->type != NOTIFY_DINGTALK && c->type != NOTIFY_FEISHU)
		inifile_error(&ps->diag, c->file, c->secret_file_line, "notify '%s': secret_file applies only to dingtalk and feishu", c->id);
	if (notify_send_parse(c->send_raw, &c->send, err, sizeof(err)) != 0)
		inifile_error(&ps->diag, c->file, sline, "notify '%s': send: %s", c->id, err);

	if (c->labs_raw != NULL && config_list_split(c->labs_raw, &c->labs, &c->nlabs) != 0)
		inifile_error(&ps->diag, c->file, c->labs_line, "out of memory");
	for (size_t j = 0; j < c->nlabs; j++) {
		int known = 0;
		for (size_t i = 0; i < ps->cf->ndevices && !known; i++)
			known = ps->cf->devices[i]->lab != NULL && strcmp(ps->cf->devices[i]->lab, c->labs[j]) == 0;
		if (!known)
			inifile_error(&ps->diag, c->file, c->labs_line, "notify '%s': labs: no device is in lab '%s'", c->id, c->labs[j]);
	}
}

/* Devices sharing a serial port share its settings: they are one bus. */
static void
validate_links(struct parse *ps)
{
	struct config *cf = ps->cf;
	size_t nlinks = 0;

	/* One descriptor per link, and libmodbus waits with select(): past
	 * FD_SETSIZE less what the daemon needs for itself it cannot work. */
	for (size_t i = 0; i < cf->ndevices; i++) {
		struct conf_device *a = cf->devices[i];
		int first = config_protocol_is_modbus(a->protocol);
		for (size_t j = 0; first && j < i; j++) {
			struct conf_device *b = cf->devices[j];
			if (b->protocol != a->protocol)
				continue;
			if (config_protocol_is_tcp(a->protocol) && a->host && b->host &&
			    strcmp(a->host, b->host) == 0 && a->port == b->port)
				first = 0;
			if (a->protocol == PROTO_MODBUS_RTU && a->serial && b->serial &&
			    strcmp(a->serial, b->serial) == 0)
				first = 0;
		}
		if (first && ++nlinks == CONFIG_MAX_LINKS + 1)
			inifile_error(&ps->diag, a->file, a->line, "device '%s': Modbus link %zu; one tbmond polls at most %d links (endpoints or serial ports): split the devices over several instances", a->id, nlinks, CONFIG_MAX_LINKS);
	}

	for (size_t i = 0; i < cf->ndevices; i++) {
		struct conf_device *a = cf->devices[i];
		const struct keylines *kl = &ps->dev_lines[i];
		for (size_t j = 0; j < i; j++) {
			struct conf_device *b = cf->devices[j];
			if (config_protocol_is_tcp(a->protocol) && config_protocol_is_tcp(b->protocol) &&
			    a->protocol != b->protocol && a->host && b->host &&
			    strcmp(a->host, b->host) == 0 && a->port == b->port)
				inifile_error(&ps->diag, a->file, KL(kl, SEC_DEVICE, "protocol"), "device '%s': %s:%d is already polled as %s by device '%s'; one endpoint speaks one framing", a->id, a->host, a->port, config_protocol_name(b->protocol), b->id);
			if (a->protocol != b->protocol)
				continue;
			if (a->protocol == PROTO_MODBUS_RTU && a->serial && b->serial &&
			    strcmp(a->serial, b->serial) == 0) {
				if (a->baud != b->baud || a->parity != b->parity ||
				    a->data_bits != b->data_bits || a->stop_bits != b->stop_bits)
					inifile_error(&ps->diag, a->file, a->line, "device '%s': serial settings differ from device '%s' on the same port %s", a->id, b->id, a->serial);
				if (a->unit == b->unit)
					inifile_error(&ps->diag, a->file, KL(kl, SEC_DEVICE, "unit"), "device '%s': unit %d is already used by device '%s' on %s", a->id, a->unit, b->id, a->serial);
			}
			if (config_protocol_is_tcp(a->protocol) && a->host && b->host &&
			    strcmp(a->host, b->host) == 0 && a->port == b->port && a->unit == b->unit)
				inifile_error(&ps->diag, a->file, KL(kl, SEC_DEVICE, "unit"), "device '%s': unit %d at %s:%d is already device '%s'", a->id, a->unit, a->host, a->port, b->id);
			if (a->protocol == PROTO_MQTT && a->topic && b->topic && strcmp(a->topic, b->topic) == 0)
				inifile_error(&ps->diag, a->file, KL(kl, SEC_DEVICE, "topic"), "device '%s': topic '%s' is already used by device '%s'", a->id, a->topic, b->id);
		}
	}
}

struct config *
config_load(const char *path, config_report_fn rep, void *arg, int *nerrors)
{
	struct parse ps;
	struct config *cf;

	memset(&ps, 0, sizeof(ps));
	ps.diag.sink = rep;
	ps.diag.arg = arg;
	if ((cf = calloc(1, sizeof(*cf))) == NULL)
		return NULL;
	ps.cf = cf;
	cf->path = strdup(path);
	config_keys_defaults(&ps, SEC_DAEMON, &cf->daemon);
	config_keys_defaults(&ps, SEC_MQTT, &cf->mqtt);
	config_keys_defaults(&ps, SEC_WEB, &cf->web);

	if (config_parse_file(&ps, path, 0) == 0) {
		if (!(ps.seen_site & config_keys_bit(SEC_SITE, "id")))
			inifile_error(&ps.diag, path, 0, "[site] id is required");
		if (cf->site.name == NULL && cf->site.id != NULL)
			cf->site.name = strdup(cf->site.id);
		if (cf->mqtt.present) {
			if (cf->mqtt.url == NULL)
				inifile_error(&ps.diag, path, ps.mqtt_lines.hdr, "[mqtt] url is required");
			else if (strncmp(cf->mqtt.url, "mqtt://", 7) != 0 && strncmp(cf->mqtt.url, "mqtts://", 8) != 0)
				inifile_error(&ps.diag, path, KL(&ps.mqtt_lines, SEC_MQTT, "url"), "[mqtt] url '%s' must start with mqtt:// or mqtts://", cf->mqtt.url);
			if (cf->mqtt.client_id == NULL && cf->site.id != NULL &&
			    asprintf(&cf->mqtt.client_id, "tbmond-%s", cf->site.id) < 0)
				cf->mqtt.client_id = NULL;
		}
		/* tbm-web's links and tbm-notify's messages are built on it */
		if (cf->web.base_url != NULL && strncmp(cf->web.base_url, "http://", 7) != 0 &&
		    strncmp(cf->web.base_url, "https://", 8) != 0)
			inifile_error(&ps.diag, path, 0, "[web] base_url '%s' must start with http:// or https://", cf->web.base_url);
		if (cf->daemon.devices != NULL)
			config_parse_dropins(&ps, cf->daemon.devices, 1);
		else {
			/* default: devices.d beside the configuration file, if it is there */
			char *def = NULL;
			free(ps.dir);
			ps.dir = strdup(path);
			char *slash = ps.dir ? strrchr(ps.dir, '/') : NULL;
			if (slash != NULL) {
				*slash = '\0';
				if (asprintf(&def, "%s/devices.d", ps.dir) < 0)
					def = NULL;
			} else if ((def = strdup("devices.d")) == NULL) {
				def = NULL;
			}
			if (def != NULL) {
				config_parse_dropins(&ps, def, 0);
				cf->daemon.devices = def;
			}
		}
		for (size_t i = 0; i < cf->ndevices; i++)
			validate_device(&ps, cf->devices[i], ps.dev_seen[i], &ps.dev_lines[i]);
		for (size_t i = 0; i < cf->npoints; i++)
			validate_point(&ps, cf->points[i], ps.pt_seen[i], &ps.pt_lines[i]);
		validate_links(&ps);
		/* said once the rest is right: a device whose sections are in
		 * error may well have lost its points to them */
		if (ps.diag.nerrors == 0)
			for (size_t i = 0; i < cf->ndevices; i++)
				validate_device_points(&ps, cf->devices[i]);
		for (size_t i = 0; i < cf->nnotifies; i++)
			validate_notify(&ps, cf->notifies[i], ps.nt_seen[i]);
	}
	free(ps.dir);
	free(ps.dev_seen);
	free(ps.pt_seen);
	free(ps.dev_lines);
	free(ps.pt_lines);
	free(ps.nt_seen);
	if (nerrors != NULL)
		*nerrors = ps.diag.nerrors;
	if (ps.diag.nerrors > 0) {
		config_free(cf);
		return NULL;
	}
	return cf;
}

void
config_free(struct config *cf)
{
	if (cf == NULL)
		return;
	free(cf->path);
	config_keys_free(SEC_SITE, &cf->site);
	config_keys_free(SEC_DAEMON, &cf->daemon);
	config_keys_free(SEC_MQTT, &cf->mqtt);
	config_keys_free(SEC_WEB, &cf->web);
	for (size_t i = 0; i < cf->ndevices; i++) {
		config_keys_free(SEC_DEVICE, cf->devices[i]);
		free(cf->devices[i]->points);
		free(cf->devices[i]);
	}
	free(cf->devices);
	for (size_t i = 0; i < cf->npoints; i++) {
		config_keys_free(SEC_POINT, cf->points[i]);
		free(cf->points[i]);
	}
	free(cf->points);
	for (size_t i = 0; i < cf->nnotifies; i++) {
		config_keys_free(SEC_NOTIFY, cf->notifies[i]);
		config_list_free(cf->notifies[i]->labs, cf->notifies[i]->nlabs);
		free(cf->notifies[i]);
	}
	free(cf->notifies);
	for (size_t i = 0; i < cf->nfiles; i++)
		free(cf->files[i]);
	free(cf->files);
	free(cf);
}
