/*
 * command.c - the stdin protocol: one command per line, answered with
 * exactly one line, "ok", "ok VALUE" or "error: message". Blank lines are
 * not commands and get no answer. A register is DEVICE.TABLE.ADDR, an MQTT
 * device's number DEVICE.json.PATH; a change to an MQTT device is published
 * right after the answer.
 */
#include "sim.h"

#include <ctype.h>
#include <string.h>

static char *
next_word(char **s)
{
	char *w;

	while (isspace((unsigned char)**s))
		(*s)++;
	if (**s == '\0')
		return NULL;
	w = *s;
	while (**s != '\0' && !isspace((unsigned char)**s))
		(*s)++;
	if (**s != '\0')
		*(*s)++ = '\0';
	return w;
}

static uint32_t
join32(const uint16_t *r, const char *order)
{
	uint16_t a = r[0], b = r[1];

	if (strcmp(order, "cdab") == 0)
		return (uint32_t)b << 16 | a;
	if (strcmp(order, "badc") == 0)
		return (uint32_t)(uint16_t)(a >> 8 | a << 8) << 16 | (uint16_t)(b >> 8 | b << 8);
	if (strcmp(order, "dcba") == 0)
		return (uint32_t)(uint16_t)(b >> 8 | b << 8) << 16 | (uint16_t)(a >> 8 | a << 8);
	return (uint32_t)a << 16 | b;
}

/* get DEVICE.TABLE.ADDR [int16|uint16|int32|uint32|float32 [order X]]
 *     DEVICE.json.PATH */
static void
cmd_get(struct scenario *sc, char *args)
{
	const char *ref = next_word(&args), *type = next_word(&args), *kw = next_word(&args);
	const char *order = next_word(&args);
	struct sim_device *d;
	enum reg_table t;
	uint16_t r[2];
	char err[256];
	int addr, wide, kind;

	if (ref == NULL || next_word(&args) != NULL || (kw != NULL && (strcmp(kw, "order") != 0 || order == NULL))) {
		printf("error: usage: get DEVICE.TABLE.ADDR [TYPE [order abcd|badc|cdab|dcba]]\n");
		return;
	}
	if ((kind = scenario_ref(sc, ref, &d, &t, &addr, err, sizeof(err))) == 2) {
		char num[64];
		if (type != NULL) {
			printf("error: usage: get DEVICE.json.PATH (a json point has no type)\n");
			return;
		}
		json_number_format(d->points[addr].value, num, sizeof(num));
		printf("ok %s\n", num);
		return;
	}
	if (kind != 0) {
		printf("error: %s\n", kind == 1 ? "a behaviour is shown by stats DEVICE" : err);
		return;
	}
	if (type == NULL)
		type = "uint16";
	wide = strstr(type, "32") != NULL;
	if (table_is_bits(t) && strcmp(type, "uint16") != 0) {
		printf("error: a %s has no type\n", table_name(t));
		return;
	}
	if (device_load(d, t, addr, wide ? 2 : 1, r) != 0) {
		printf("error: %s %d%s is outside device %s's registers\n", table_name(t), addr,
		    wide ? " (2 registers)" : "", d->name);
		return;
	}
	if (order == NULL)
		order = "abcd";
	if (strcmp(type, "uint16") == 0)
		printf("ok %u\n", (unsigned)r[0]);
	else if (strcmp(type, "int16") == 0)
		printf("ok %d\n", (int)(int16_t)r[0]);
	else if (strcmp(type, "uint32") == 0)
		printf("ok %lu\n", (unsigned long)join32(r, order));
	else if (strcmp(type, "int32") == 0)
		printf("ok %ld\n", (long)(int32_t)join32(r, order));
	else if (strcmp(type, "float32") == 0) {
		uint32_t u = join32(r, order);
		float f;
		memcpy(&f, &u, sizeof(f));
		printf("ok %.9g\n", (double)f);
	} else
		printf("error: unknown type '%s' (int16|uint16|int32|uint32|float32)\n", type);
}

/* set DEVICE.TABLE.ADDR VALUE | set DEVICE.json.PATH NUMBER */
static void
cmd_set(struct scenario *sc, char *args)
{
	const char *ref = next_word(&args);
	const char *val = sim_trim(args);
	struct sim_device *d;
	struct value v;
	enum reg_table t;
	char err[256];
	int addr, kind;

	if (ref == NULL || *val == '\0') {
		printf("error: usage: set DEVICE.TABLE.ADDR VALUE\n");
		return;
	}
	if ((kind = scenario_ref(sc, ref, &d, &t, &addr, err, sizeof(err))) == 2) {
		double num;
		if (json_number_parse(val, &num, err, sizeof(err)) != 0) {
			printf("error: %s\n", err);
			return;
		}
		d->points[addr].value = num;
		d->dirty = 1;
		printf("ok\n");
		return;
	}
	if (kind != 0) {
		printf("error: %s\n", kind == 1 ? "use behave DEVICE BEHAVIOUR [ARG]" : err);
		return;
	}
	if (value_parse(val, t, &v, err, sizeof(err)) != 0) {
		printf("error: %s\n", err);
		return;
	}
	if (device_store(d, t, addr, &v) != 0) {
		printf("error: %s %d is outside device %s's registers (those named in the scenario)\n",
		    table_name(t), addr, d->name);
		return;
	}
	printf("ok\n");
}

/* behave DEVICE BEHAVIOUR [ARG] */
static void
cmd_behave(struct scenario *sc, char *args)
{
	const char *name = next_word(&args);
	const char *b = sim_trim(args);
	struct sim_device *d;
	char err[256];

	if (name == NULL || *b == '\0') {
		printf("error: usage: behave DEVICE BEHAVIOUR [ARG]\n");
		return;
	}
	if ((d = scenario_device(sc, name)) == NULL) {
		printf("error: no device '%s'\n", name);
		return;
	}
	if (device_behave(d, b, &d->bh, err, sizeof(err)) != 0) {
		printf("error: %s\n", err);
		return;
	}
	if (d->broker != NULL)
		d->dirty = 1;
	printf("ok\n");
}

/* publish DEVICE: an MQTT device's state now, whatever its interval */
static void
cmd_publish(struct scenario *sc, char *args)
{
	const char *name = next_word(&args);
	struct sim_device *d;
	char err[256];

	if (name == NULL || next_word(&args) != NULL) {
		printf("error: usage: publish DEVICE\n");
		return;
	}
	if ((d = scenario_device(sc, name)) == NULL) {
		printf("error: no device '%s'\n", name);
		return;
	}
	if (d->broker == NULL) {
		printf("error: %s is a Modbus device; publish is for MQTT devices\n", name);
		return;
	}
	if (mqtt_publish_now(d, err, sizeof(err)) != 0) {
		printf("error: %s\n", err);
		return;
	}
	printf("ok\n");
}

/* stats [DEVICE] */
static void
cmd_stats(struct scenario *sc, char *args)
{
	const char *name = next_word(&args);
	unsigned long req, ans;
	char bh[SIM_PATH_MAX + 16];
	struct sim_device *d;

	if (name == NULL) {
		server_stats(&req, &ans);
		if (sc->nbrokers > 0) {
			unsigned long pub;
			mqtt_stats(&pub);
			printf("ok requests=%lu answered=%lu published=%lu\n", req, ans, pub);
		} else
			printf("ok requests=%lu answered=%lu\n", req, ans);
		return;
	}
	if ((d = scenario_device(sc, name)) == NULL || next_word(&args) != NULL) {
		printf("error: %s\n", d == NULL ? "no such device" : "usage: stats [DEVICE]");
		return;
	}
	behaviour_format(&d->bh, bh, sizeof(bh));
	if (d->broker != NULL)
		printf("ok published=%lu dropped=%lu behaviour=%s\n", d->published, d->dropped, bh);
	else
		printf("ok requests=%lu answered=%lu behaviour=%s\n", d->requests, d->answered, bh);
}

int
command_run(struct scenario *sc, char *line)
{
	char *cmd = next_word(&line);

	if (cmd == NULL)
		return 0;
	if (strcmp(cmd, "get") == 0)
		cmd_get(sc, line);
	else if (strcmp(cmd, "set") == 0)
		cmd_set(sc, line);
	else if (strcmp(cmd, "behave") == 0)
		cmd_behave(sc, line);
	else if (strcmp(cmd, "stats") == 0)
		cmd_stats(sc, line);
	else if (strcmp(cmd, "publish") == 0)
		cmd_publish(sc, line);
	else if (strcmp(cmd, "quit") == 0) {
		printf("ok\n");
		return 1;
	} else
		printf("error: unknown command '%s' (set|get|behave|publish|stats|quit)\n", cmd);
	return 0;
}
