/*
 * test_config.c - config_load on a complete configuration (data/full), its
 * defaults and drop-ins, and every error with its exact FILE:LINE: message.
 * Broken configurations are written to a fresh mkdtemp directory per test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#define MAXMSG 32

struct fx {
	char dir[PATH_MAX];
	char path[PATH_MAX + 16];     /* dir/tbmond.conf */
	char msgs[MAXMSG][1300];
	int nmsgs;
	struct config *cf;
	int nerrors;
};

static void
capture(void *arg, const char *msg)
{
	struct fx *fx = arg;

	if (fx->nmsgs < MAXMSG)
		snprintf(fx->msgs[fx->nmsgs], sizeof(fx->msgs[0]), "%s", msg);
	fx->nmsgs++;
}

static int
fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "%s/tbm-unit-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/tbmond.conf", fx->dir);
	*state = fx;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
fx_teardown(void **state)
{
	struct fx *fx = *state;

	config_free(fx->cf);
	nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void
write_file(struct fx *fx, const char *rel, const char *text)
{
	char path[PATH_MAX + 64];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, rel);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void
make_dir(struct fx *fx, const char *rel)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", fx->dir, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

/* load: writes TEXT as the main file and loads it. */
static void
load(struct fx *fx, const char *text)
{
	write_file(fx, "tbmond.conf", text);
	fx->nmsgs = 0;
	fx->nerrors = -1;
	fx->cf = config_load(fx->path, capture, fx, &fx->nerrors);
}

/* line_of: the 1-based line of TEXT where NEEDLE first occurs. */
static int
line_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	int line = 1;

	assert_non_null(at);
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* expect_msg: message number I is "FILE:LINE: MSG", LINE being where
 * NEEDLE is in TEXT (NEEDLE NULL: no line, "FILE: MSG"). */
static void
expect_msg(struct fx *fx, int i, const char *file, const char *text, const char *needle,
    const char *msg)
{
	char want[2048];

	assert_true(i < fx->nmsgs);
	if (needle != NULL)
		snprintf(want, sizeof(want), "%s:%d: %s", file, line_of(text, needle), msg);
	else
		snprintf(want, sizeof(want), "%s: %s", file, msg);
	assert_string_equal(fx->msgs[i], want);
}

/* one_error: TEXT fails with exactly one error, MSG at NEEDLE's line. */
static void
one_error(struct fx *fx, const char *text, const char *needle, const char *msg)
{
	load(fx, text);
	if (fx->cf != NULL)
		print_message("loaded, expected %s:\n%s", msg, text);
	assert_null(fx->cf);
	if (fx->nmsgs != 1)
		for (int i = 0; i < fx->nmsgs && i < MAXMSG; i++)
			print_message("got: %s\n", fx->msgs[i]);
	assert_int_equal(fx->nmsgs, 1);
	assert_int_equal(fx->nerrors, 1);
	expect_msg(fx, 0, fx->path, text, needle, msg);
}

#define SITE "[site]\nid = pudong\n"
#define TCP(id) "[device " id "]\nprotocol = modbus-tcp\nhost = 10.0.0.1\n"

/* ---- valid configurations ---- */

static void
test_full(void **state)
{
	struct fx *fx = *state;
	char path[PATH_MAX];
	const struct conf_device *d;
	const struct conf_point *p;
	size_t n;

	snprintf(path, sizeof(path), "%s/full/tbmond.conf", TEST_DATA_DIR);
	fx->cf = config_load(path, capture, fx, &fx->nerrors);
	for (int i = 0; i < fx->nmsgs && i < MAXMSG; i++)
		print_message("unexpected: %s\n", fx->msgs[i]);
	assert_non_null(fx->cf);
	assert_int_equal(fx->nerrors, 0);
	assert_int_equal(fx->nmsgs, 0);

	assert_string_equal(fx->cf->site.id, "pudong");
	assert_string_equal(fx->cf->site.name, "上海市公共实训基地（浦东）");
	assert_string_equal(fx->cf->site.timezone, "Asia/Shanghai");
	/* relative paths are relative to the file's directory; "; ..." is a comment */
	snprintf(path, sizeof(path), "%s/full/var/tbmon.db", TEST_DATA_DIR);
	assert_string_equal(fx->cf->daemon.database, path);
	snprintf(path, sizeof(path), "%s/full/devices.d", TEST_DATA_DIR);
	assert_string_equal(fx->cf->daemon.devices, path);
	assert_int_equal(fx->cf->daemon.log_level, LOG_DEBUG_);

	assert_true(fx->cf->mqtt.present);
	assert_string_equal(fx->cf->mqtt.url, "mqtt://127.0.0.1:1883");
	assert_string_equal(fx->cf->mqtt.client_id, "tbmond-pudong");   /* default */
	assert_string_equal(fx->cf->mqtt.username, "tbmond");
	assert_string_equal(fx->cf->mqtt.password_file, "/etc/tbmon/mqtt.secret");
	assert_string_equal(fx->cf->mqtt.ca_file, "/etc/ssl/certs/ca-certificates.crt");
	assert_string_equal(fx->cf->mqtt.events_topic, "tbmon/pudong/events");
	assert_string_equal(fx->cf->mqtt.status_topic, "tbmon/pudong/status");
	assert_int_equal(fx->cf->mqtt.keepalive_ms, 30000);

	/* main file first, then the drop-ins in name order (10- before 20-);
	 * README, *.conf.bak and dot files are not read */
	assert_int_equal(fx->cf->ndevices, 5);
	assert_string_equal(fx->cf->devices[0]->id, "cnc-01");
	assert_string_equal(fx->cf->devices[1]->id, "bench-07");
	assert_string_equal(fx->cf->devices[2]->id, "weld-03");
	assert_string_equal(fx->cf->devices[3]->id, "lathe-01");
	assert_string_equal(fx->cf->devices[4]->id, "press-02");
	assert_null(config_device(fx->cf, "ignored"));
	assert_null(config_device(fx->cf, "ignored2"));
	assert_null(config_device(fx->cf, "ignored3"));

	d = config_device(fx->cf, "cnc-01");
	assert_ptr_equal(d, fx->cf->devices[0]);
	assert_string_equal(d->name, "数控车床 CK6140 #1");   /* "#1" is not a comment */
	assert_string_equal(d->lab, "数控加工实训室");
	assert_int_equal(d->assessment, 1);
	assert_int_equal(d->protocol, PROTO_MODBUS_TCP);
	assert_string_equal(d->host, "192.168.10.21");
	assert_int_equal(d->port, 5020);
	assert_int_equal(d->unit, 3);
	assert_int_equal(d->interval_ms, 250);
	assert_int_equal(d->timeout_ms, 2000);
	assert_int_equal(d->offline_polls, 5);
	assert_int_equal(d->max_registers, 125);
	assert_int_equal(d->max_bits, 2000);
	assert_string_equal(d->file, fx->cf->path);
	assert_int_equal(d->line, 21);
	assert_int_equal(d->npoints, 7);

	d = config_device(fx->cf, "bench-07");
	assert_int_equal(d->protocol, PROTO_MODBUS_RTU);
	assert_string_equal(d->serial, "/dev/ttyUSB0");
	assert_int_equal(d->baud, 19200);
	assert_int_equal(d->parity, 'E');
	assert_int_equal(d->data_bits, 8);
	assert_int_equal(d->stop_bits, 1);
	assert_int_equal(d->unit, 7);
	assert_int_equal(d->assessment, 0);
	assert_string_equal(d->name, "bench-07");   /* default: the id */
	assert_int_equal(d->npoints, 1);

	d = config_device(fx->cf, "weld-03");
	assert_int_equal(d->protocol, PROTO_MQTT);
	assert_string_equal(d->name, "焊接工位 3");
	assert_string_equal(d->topic, "lab/weld/03/state");
	assert_int_equal(d->offline_ms, 60000);

	d = config_device(fx->cf, "lathe-01");
	assert_string_equal(d->name, "车床 #2");
	n = strlen(d->file);
	assert_true(n > 24);
	assert_string_equal(d->file + n - 24, "/devices.d/10-first.conf");
	assert_int_equal(d->line, 1);
	d = config_device(fx->cf, "press-02");
	assert_non_null(strstr(d->file, "/devices.d/20-second.conf"));
	assert_int_equal(d->line, 2);
	assert_int_equal(d->npoints, 1);
	assert_string_equal(d->points[0]->id, "press-02.pressure");
	assert_int_equal(d->points[0]->type, TYPE_UINT16);   /* default for registers */

	assert_int_equal(fx->cf->npoints, 11);

	p = config_point(fx->cf, "cnc-01.alarm");
	assert_non_null(p);
	assert_string_equal(p->name, "alarm");
	assert_ptr_equal(p->device, config_device(fx->cf, "cnc-01"));
	assert_ptr_equal(p->device->points[0], p);
	assert_int_equal(p->table, TABLE_HOLDING);
	assert_int_equal(p->address, 100);
	assert_int_equal(p->type, TYPE_UINT16);
	assert_int_equal(p->bit, 3);
	assert_int_equal(p->kind, KIND_FAULT);
	assert_int_equal(p->when.op, OP_NE);
	assert_true(p->when.value == 0);
	assert_int_equal(p->clear.op, OP_NONE);
	assert_int_equal(p->delay_ms, 2000);
	assert_int_equal(p->clear_delay_ms, 5000);
	assert_string_equal(p->label, "主轴报警");
	assert_null(p->json);

	p = config_point(fx->cf, "cnc-01.spindle_temp");
	assert_int_equal(p->table, TABLE_INPUT);
	assert_int_equal(p->address, 10);
	assert_int_equal(p->type, TYPE_FLOAT32);
	assert_int_equal(p->order, ORDER_CDAB);
	assert_int_equal(p->bit, -1);
	assert_true(p->scale == 0.1);
	assert_true(p->offset == -40);
	assert_int_equal(p->kind, KIND_SAFETY);
	assert_int_equal(p->when.op, OP_GT);
	assert_true(p->when.value == 85);
	assert_int_equal(p->clear.op, OP_LT);
	assert_true(p->clear.value == 80);
	assert_int_equal(p->delay_ms, 0);
	assert_int_equal(p->clear_delay_ms, 0);
	assert_string_equal(p->label, "spindle_temp");   /* default: the name */

	p = config_point(fx->cf, "cnc-01.count");
	assert_int_equal(p->type, TYPE_INT32);
	assert_int_equal(p->order, ORDER_BADC);
	assert_int_equal(p->kind, KIND_STATUS);
	assert_int_equal(p->when.op, OP_NONE);

	p = config_point(fx->cf, "cnc-01.total");
	assert_int_equal(p->table, TABLE_INPUT);
	assert_int_equal(p->type, TYPE_UINT32);
	assert_int_equal(p->order, ORDER_DCBA);

	p = config_point(fx->cf, "cnc-01.level");
	assert_int_equal(p->type, TYPE_INT16);
	assert_int_equal(p->order, ORDER_ABCD);   /* default */
	assert_true(p->scale == 1 && p->offset == 0);
	assert_int_equal(p->when.op, OP_LE);
	assert_true(p->when.value == -5);
	assert_int_equal(p->clear.op, OP_GE);

	p = config_point(fx->cf, "cnc-01.door");
	assert_int_equal(p->table, TABLE_COIL);
	assert_int_equal(p->address, 5);
	assert_int_equal(p->type, TYPE_BOOL);
	assert_int_equal(p->when.op, OP_EQ);

	p = config_point(fx->cf, "cnc-01.estop");
	assert_int_equal(p->table, TABLE_DISCRETE);
	assert_int_equal(p->type, TYPE_BOOL);
	assert_int_equal(p->kind, KIND_FAULT);   /* default */
	assert_string_equal(p->label, "急停");
	assert_ptr_equal(p->device->points[6], p);   /* definition order */

	p = config_point(fx->cf, "weld-03.overtemp");
	assert_string_equal(p->json, "sensors.temp");
	assert_int_equal(p->kind, KIND_SAFETY);
	assert_int_equal(p->device->npoints, 1);

	assert_null(config_point(fx->cf, "cnc-01.nothing"));
}

static void
test_defaults(void **state)
{
	struct fx *fx = *state;
	const struct conf_device *d;
	char want[PATH_MAX + 32];

	load(fx, SITE
	    "[mqtt]\nurl = mqtts://broker:8883\nclient_id = fixed\n"
	    "[device t]\nprotocol = modbus-tcp\nhost = h\n"
	    "[device r]\nprotocol = modbus-rtu\nserial = /dev/ttyS1\n"
	    "[device m]\nprotocol = mqtt\ntopic = a/b\n"
	    "[point t.p]\nread = holding 1\nwhen = value > 1\n"
	    "[point r.p]\nread = coil 1\nwhen = value == 1\n"
	    "[point m.p]\nwhen = value == 1\n");
	assert_non_null(fx->cf);
	assert_int_equal(fx->nerrors, 0);
	assert_string_equal(fx->cf->site.name, "pudong");
	assert_null(fx->cf->site.timezone);
	assert_string_equal(fx->cf->daemon.database, "/var/lib/tbmon/tbmon.db");
	assert_int_equal(fx->cf->daemon.log_level, LOG_INFO_);
	snprintf(want, sizeof(want), "%s/devices.d", fx->dir);   /* beside the file, absent: fine */
	assert_string_equal(fx->cf->daemon.devices, want);
	assert_string_equal(fx->cf->mqtt.client_id, "fixed");
	assert_int_equal(fx->cf->mqtt.keepalive_ms, 60000);

	d = config_device(fx->cf, "t");
	assert_int_equal(d->port, 502);
	assert_int_equal(d->unit, 1);
	assert_int_equal(d->interval_ms, 1000);
	assert_int_equal(d->timeout_ms, 500);
	assert_int_equal(d->offline_polls, 3);
	assert_int_equal(d->assessment, 0);
	assert_string_equal(d->name, "t");
	assert_string_equal(d->lab, "未分配实训室");
	assert_int_equal(d->max_registers, 125);
	assert_int_equal(d->max_bits, 2000);

	d = config_device(fx->cf, "r");
	assert_int_equal(d->parity, 'E');
	assert_int_equal(d->baud, 9600);
	assert_int_equal(d->data_bits, 8);
	assert_int_equal(d->stop_bits, 1);
	assert_int_equal(d->offline_polls, 3);

	d = config_device(fx->cf, "m");
	assert_int_equal(d->offline_ms, 60000);
	assert_int_equal(d->interval_ms, 1000);

	assert_int_equal(config_point(fx->cf, "t.p")->type, TYPE_UINT16);
	assert_int_equal(config_point(fx->cf, "t.p")->kind, KIND_FAULT);
}

static void
test_parity_and_offline_values(void **state)
{
	struct fx *fx = *state;

	load(fx, SITE "[mqtt]\nurl = mqtt://b\n"
	    "[device r]\nprotocol = modbus-rtu\nserial = /dev/ttyS1\nparity = none\noffline_after = 10\n"
	    "[device o]\nprotocol = modbus-rtu\nserial = /dev/ttyS2\nparity = odd\n"
	    "[device m]\nprotocol = mqtt\ntopic = a/b\noffline_after = 2m\n"
	    "[point r.p]\nread = coil 1\nwhen = value == 1\n[point o.p]\nread = coil 1\nwhen = value == 1\n"
	    "[point m.p]\nwhen = value == 1\n");
	assert_non_null(fx->cf);
	assert_int_equal(config_device(fx->cf, "r")->parity, 'N');
	assert_int_equal(config_device(fx->cf, "r")->offline_polls, 10);
	assert_int_equal(config_device(fx->cf, "o")->parity, 'O');
	assert_int_equal(config_device(fx->cf, "m")->offline_ms, 120000);
	/* the mqtt client id defaults to tbmond-SITE */
	assert_string_equal(fx->cf->mqtt.client_id, "tbmond-pudong");
}

static void
test_comments_and_whitespace(void **state)
{
	struct fx *fx = *state;
	const struct conf_device *d;

	load(fx, "\xEF\xBB\xBF# a BOM, comments of both kinds\n; here too\n"
	    "  [ site ]  \n  id   =   pudong   # trailing comment\n"
	    "[device a]\nname = CK6140 #1   ; and a comment\nprotocol = modbus-tcp\n"
	    "host = h;x\nlab = A#B\n"
	    "[point a.p]\nread = holding 1\nwhen = value>=2\t# tab before\n");
	for (int i = 0; i < fx->nmsgs && i < MAXMSG; i++)
		print_message("unexpected: %s\n", fx->msgs[i]);
	assert_non_null(fx->cf);
	assert_string_equal(fx->cf->site.id, "pudong");
	d = config_device(fx->cf, "a");
	assert_string_equal(d->name, "CK6140 #1");
	assert_string_equal(d->host, "h;x");
	assert_string_equal(d->lab, "A#B");
	assert_int_equal(config_point(fx->cf, "a.p")->when.op, OP_GE);
	assert_true(config_point(fx->cf, "a.p")->when.value == 2);
}

static void
test_dropins_relative(void **state)
{
	struct fx *fx = *state;
	char cwd[PATH_MAX];
	struct config *cf;
	int nerr = -1;

	make_dir(fx, "devs");
	write_file(fx, "devs/20-b.conf", TCP("b") "unit = 3\n[point a.p]\nread = coil 1\nwhen = value == 1\n");
	write_file(fx, "devs/10-a.conf", TCP("a") "unit = 2\n");
	write_file(fx, "devs/05-c.txt", "garbage\n");
	write_file(fx, "tbmond.conf", SITE "[daemon]\ndevices = devs\n" TCP("main")
	    "[point main.p]\nread = coil 1\nwhen = value == 1\n");
	write_file(fx, "devs/30-p.conf", "[point b.p]\nread = coil 1\nwhen = value == 1\n");

	/* a relative configuration path: everything relative to its directory */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(fx->dir), 0);
	cf = config_load("tbmond.conf", capture, fx, &nerr);
	assert_int_equal(chdir(cwd), 0);
	fx->cf = cf;
	for (int i = 0; i < fx->nmsgs && i < MAXMSG; i++)
		print_message("unexpected: %s\n", fx->msgs[i]);
	assert_non_null(cf);
	assert_int_equal(nerr, 0);
	assert_string_equal(cf->daemon.devices, "./devs");
	assert_int_equal(cf->ndevices, 3);
	assert_string_equal(cf->devices[0]->id, "main");
	assert_string_equal(cf->devices[1]->id, "a");
	assert_string_equal(cf->devices[1]->file, "./devs/10-a.conf");
	assert_string_equal(cf->devices[2]->id, "b");
	assert_string_equal(cf->devices[2]->file, "./devs/20-b.conf");
	/* a point may name a device of an earlier file */
	assert_ptr_equal(config_point(cf, "a.p")->device, cf->devices[1]);
	assert_string_equal(config_point(cf, "a.p")->file, "./devs/20-b.conf");
	assert_int_equal(config_point(cf, "a.p")->line, 5);
}

static void
test_default_devices_dir(void **state)
{
	struct fx *fx = *state;

	make_dir(fx, "devices.d");
	write_file(fx, "devices.d/x.conf", TCP("x") "[point x.p]\nread = coil 1\nwhen = value == 1\n");
	load(fx, SITE);
	assert_non_null(fx->cf);
	assert_int_equal(fx->cf->ndevices, 1);
	assert_string_equal(fx->cf->devices[0]->id, "x");
}

/* ---- errors: one each, with its exact message ---- */

static void
test_err_missing_file(void **state)
{
	struct fx *fx = *state;

	fx->cf = config_load("/nonexistent/tbmond.conf", capture, fx, &fx->nerrors);
	assert_null(fx->cf);
	assert_int_equal(fx->nerrors, 1);
	assert_string_equal(fx->msgs[0], "/nonexistent/tbmond.conf: No such file or directory");
}

static void
test_err_unknown_section(void **state)
{
	one_error(*state, SITE "[sensor x]\nfoo = 1\n", "[sensor", "unknown section [sensor x]");
}

static void
test_err_unknown_key(void **state)
{
	one_error(*state, SITE "colour = red\n", "colour", "unknown key 'colour' in [site]");
	one_error(*state, SITE TCP("a") "bit = 3\n", "bit", "unknown key 'bit' in [device a]");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = coil 1\nwhen = value == 1\nport = 1\n",
	    "port", "unknown key 'port' in [point a.p]");
}

static void
test_err_key_outside_section(void **state)
{
	one_error(*state, "# leading comment\nid = pudong\n" SITE, "id = pudong",
	    "key 'id' outside of any section");
}

static void
test_err_duplicate_key(void **state)
{
	const char *text = SITE TCP("a") "port = 1\nport = 2\n";

	one_error(*state, text, "port = 2", "duplicate key 'port'");
}

static void
test_err_int(void **state)
{
	one_error(*state, SITE TCP("a") "port = 70000\n", "port", "port: 70000 is out of range [1, 65535]");
	one_error(*state, SITE TCP("a") "port = 0\n", "port", "port: 0 is out of range [1, 65535]");
	one_error(*state, SITE TCP("a") "unit = one\n", "unit", "unit: 'one' is not an integer");
	one_error(*state, SITE TCP("a") "unit = 1.5\n", "unit", "unit: '1.5' is not an integer");
	one_error(*state, SITE TCP("a") "unit = 256\n", "unit", "unit: 256 is out of range [0, 255]");
	one_error(*state, SITE TCP("a") "max_registers = 126\n", "max_reg",
	    "max_registers: 126 is out of range [1, 125]");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nbit = 16\nwhen = value == 1\n",
	    "bit", "bit: 16 is out of range [0, 15]");
	one_error(*state, SITE TCP("a") "port = \n", "port", "port: '' is not an integer");
}

static void
test_err_double(void **state)
{
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nwhen = value == 1\nscale = abc\n",
	    "scale", "scale: 'abc' is not a number");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nwhen = value == 1\noffset = 1e13\n",
	    "offset", "offset: 1e+13 is out of range [-1e+12, 1e+12]");
}

static void
test_err_duration(void **state)
{
	one_error(*state, SITE TCP("a") "interval = 5x\n", "interval",
	    "interval: '5x' is not a duration (e.g. 250ms, 5s, 2m, 1h)");
	one_error(*state, SITE TCP("a") "interval = -1s\n", "interval",
	    "interval: '-1s' is not a duration (e.g. 250ms, 5s, 2m, 1h)");
	one_error(*state, SITE TCP("a") "timeout = 5ms\n", "timeout",
	    "timeout: 5ms is out of range [10ms, 1m]");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nwhen = value == 1\ndelay = 2d\n",
	    "delay", "delay: 2d is out of range [0s, 24h]");
}

static void
test_err_enum(void **state)
{
	one_error(*state, SITE "[device a]\nprotocol = modbus\nhost = h\n", "protocol",
	    "protocol: 'modbus' is not one of modbus-tcp|modbus-rtu|modbus-rtu-tcp|mqtt|manual");
	one_error(*state, SITE "[device a]\nprotocol = modbus-rtu\nserial = /dev/x\nparity = mark\n",
	    "parity", "parity: 'mark' is not one of none|even|odd");
	one_error(*state, SITE TCP("a") "assessment = maybe\n", "assessment",
	    "assessment: 'maybe' is not one of yes|no|true|false|on|off|1|0");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nwhen = value == 1\nkind = alarm\n",
	    "kind", "kind: 'alarm' is not one of fault|safety|status");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = input 1\ntype = float32\norder = 1234\nwhen = value == 1\n",
	    "order", "order: '1234' is not one of abcd|badc|cdab|dcba");
	one_error(*state, SITE "[daemon]\nlog_level = loud\n", "log_level",
	    "log_level: 'loud' is not one of debug|info|notice|warning|err");
}

static void
test_err_bad_type_counts_once(void **state)
{
	/* a bad type is one error, not also "type bool needs a coil" */
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\ntype = float64\nwhen = value == 1\n",
	    "type", "type: 'float64' is not one of bool|int16|uint16|int32|uint32|float32");
}

static void
test_err_condition(void **state)
{
	const char *tail = "' is not a condition (value OP NUMBER, OP one of == != < <= > >=)";
	const char *bad[] = { "value >> 3", "value = 3", "val > 3", "value >", "value > 3 volts",
		"3 < value", "value > nan", "" };
	char text[512], msg[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), SITE TCP("a") "[point a.p]\nread = holding 1\nwhen = %s\n", bad[i]);
		snprintf(msg, sizeof(msg), "when: '%s%s", bad[i], tail);
		one_error(*state, text, "when", msg);
	}
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nwhen = value > 1\nclear = value ~ 1\n",
	    "clear", "clear: 'value ~ 1' is not a condition (value OP NUMBER, OP one of == != < <= > >=)");
}

static void
test_err_read(void **state)
{
	one_error(*state, SITE TCP("a") "[point a.p]\nread = register 5\nwhen = value == 1\n", "read",
	    "read: 'register 5' is not TABLE ADDRESS (coil|discrete|input|holding N)");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding\nwhen = value == 1\n", "read",
	    "read: 'holding' is not TABLE ADDRESS (coil|discrete|input|holding N)");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 5 6\nwhen = value == 1\n", "read",
	    "read: 'holding 5 6' is not TABLE ADDRESS (coil|discrete|input|holding N)");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 70000\nwhen = value == 1\n", "read",
	    "read: address 70000 is out of range [0, 65535]");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding -1\nwhen = value == 1\n", "read",
	    "read: address -1 is out of range [0, 65535]");
}

static void
test_err_site(void **state)
{
	one_error(*state, "[site]\nid = Pudong\n", "id", "id: 'Pudong' is not a valid site id ([a-z0-9-]+)");
	one_error(*state, "[site]\nid = pu_dong\n", "id", "id: 'pu_dong' is not a valid site id ([a-z0-9-]+)");
	one_error(*state, SITE "timezone = Mars/Olympus\n", "timezone",
	    "timezone: unknown time zone 'Mars/Olympus'");
	/* a directory of zoneinfo is not a zone */
	one_error(*state, SITE "timezone = Asia\n", "timezone", "timezone: unknown time zone 'Asia'");
	one_error(*state, SITE "timezone = ../../etc/passwd\n", "timezone",
	    "timezone: unknown time zone '../../etc/passwd'");
	one_error(*state, SITE "name = \n", "name", "name: empty value");
	one_error(*state, "[daemon]\nlog_level = info\n", NULL, "[site] id is required");
	one_error(*state, SITE "[daemon main]\n", "[daemon", "section [daemon] takes no name");
}

static void
test_err_duplicate_device(void **state)
{
	struct fx *fx = *state;
	char msg[PATH_MAX + 128];
	const char *text = SITE TCP("a") TCP("b") "unit = 2\n" TCP("a") "unit = 3\n";

	/* the first definition stays; the keys of the duplicate are not read */
	snprintf(msg, sizeof(msg), "duplicate device 'a' (first defined at %s:3)", fx->path);
	load(fx, text);
	assert_null(fx->cf);
	assert_int_equal(fx->nerrors, 1);
	assert_int_equal(fx->nmsgs, 1);
	expect_msg(fx, 0, fx->path, text, "[device a]\nprotocol = modbus-tcp\nhost = 10.0.0.1\nunit = 3", msg);
}

static void
test_err_duplicate_point(void **state)
{
	struct fx *fx = *state;
	char msg[PATH_MAX + 128];
	const char *text = SITE TCP("a") "[point a.p]\nread = coil 1\nwhen = value == 1\n"
	    "[point a.p]\nread = coil 2\nwhen = value == 1\n";

	snprintf(msg, sizeof(msg), "duplicate point 'a.p' (first defined at %s:%d)", fx->path,
	    line_of(text, "[point a.p]"));
	load(fx, text);
	assert_null(fx->cf);
	assert_int_equal(fx->nerrors, 1);
	/* the second header's line */
	{
		char want[2 * PATH_MAX + 160];
		snprintf(want, sizeof(want), "%s:%d: %s", fx->path, line_of(text, "read = coil 2") - 1, msg);
		assert_string_equal(fx->msgs[0], want);
	}
}

static void
test_err_point_ids(void **state)
{
	one_error(*state, SITE TCP("a") "[point ghost.p]\nread = coil 1\nwhen = value == 1\n",
	    "[point ghost", "point 'ghost.p': no device 'ghost'");
	one_error(*state, SITE TCP("a") "[point a]\nread = coil 1\n", "[point a]",
	    "point id 'a' is not DEVICE.NAME");
	one_error(*state, SITE TCP("a") "[point a.b.c]\nread = coil 1\n", "[point a.b",
	    "point id 'a.b.c' is not DEVICE.NAME");
	one_error(*state, SITE TCP("a") "[point a.comm]\nread = coil 1\n", "[point a.comm",
	    "point name 'comm' is reserved");
	one_error(*state, SITE "[device a b]\nprotocol = mqtt\n", "[device",
	    "device id 'a b' is not valid ([A-Za-z0-9_-]+, at most 63 characters)");
}

static void
test_err_required(void **state)
{
	one_error(*state, SITE "[device a]\nprotocol = modbus-tcp\n", "[device a]",
	    "device 'a': host is required for modbus-tcp");
	one_error(*state, SITE "[device a]\nprotocol = modbus-rtu\n", "[device a]",
	    "device 'a': serial is required for modbus-rtu");
	one_error(*state, SITE "[mqtt]\nurl = mqtt://b\n[device a]\nprotocol = mqtt\n", "[device a]",
	    "device 'a': topic is required for mqtt");
	one_error(*state, SITE "[device a]\nhost = h\n", "[device a]",
	    "device 'a': protocol is required (modbus-tcp|modbus-rtu|modbus-rtu-tcp|mqtt|manual)");
	one_error(*state, SITE TCP("a") "[point a.p]\ntype = uint16\nwhen = value == 1\n", "[point a.p]",
	    "point 'a.p': read is required (coil|discrete|input|holding N)");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\n", "[point a.p]",
	    "point 'a.p': kind fault needs a when condition");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nkind = safety\n", "[point a.p]",
	    "point 'a.p': kind safety needs a when condition");
	/* errors about a key at the key's line; a missing key at its section's */
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nkind = status\nclear = value == 0\n",
	    "clear = value", "point 'a.p': clear without when");
	/* when and clear must never hold together (a steady 90 would open and
	 * clear a fault on every poll); a status point opens nothing */
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nwhen = value > 70\n"
	    "clear = value > 80\n", "clear = value > 80", "point 'a.p': when (value > 70) and clear "
	    "(value > 80) both hold at 161: a steady value would open and clear the event on every "
	    "poll; they must not overlap");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nwhen = value >= 80\n"
	    "clear = value <= 80\n", "clear = value <= 80", "point 'a.p': when (value >= 80) and clear "
	    "(value <= 80) both hold at 80: a steady value would open and clear the event on every "
	    "poll; they must not overlap");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nwhen = value == 1\n"
	    "clear = value != 0\n", "clear = value != 0", "point 'a.p': when (value == 1) and clear "
	    "(value != 0) both hold at 1: a steady value would open and clear the event on every "
	    "poll; they must not overlap");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\nkind = status\n"
	    "when = value > 1\n", "when = value > 1",
	    "point 'a.p': kind status opens no events, so when has no meaning (use kind = fault or safety)");
	one_error(*state, SITE "[mqtt]\nclient_id = x\n", "[mqtt]", "[mqtt] url is required");
	one_error(*state, SITE "[mqtt]\nurl = tcp://b\n", "url = tcp",
	    "[mqtt] url 'tcp://b' must start with mqtt:// or mqtts://");
	one_error(*state, SITE "[mqtt]\nclient_id = x\nurl = ws://b\n", "url = ws",
	    "[mqtt] url 'ws://b' must start with mqtt:// or mqtts://");
	one_error(*state, SITE "[device a]\nprotocol = mqtt\ntopic = t\n", "protocol = mqtt",
	    "device 'a': protocol mqtt needs an [mqtt] section");
}

static void
test_err_protocol_keys(void **state)
{
	/* each at the line of the key that does not belong */
	one_error(*state, SITE TCP("a") "baud = 9600\n", "baud",
	    "device 'a': baud does not apply to protocol modbus-tcp");
	one_error(*state, SITE TCP("a") "topic = x\n", "topic",
	    "device 'a': topic is only for mqtt devices");
	one_error(*state, SITE "[device a]\nprotocol = modbus-rtu\nserial = /dev/x\nhost = h\n", "host = h",
	    "device 'a': host does not apply to protocol modbus-rtu");
	one_error(*state, SITE "[device a]\nprotocol = modbus-rtu\nserial = /dev/x\nunit = 0\n", "unit = 0",
	    "device 'a': unit 0 is out of range [1, 247] for modbus-rtu");
	one_error(*state, SITE "[device a]\nprotocol = modbus-rtu-tcp\nhost = h\nunit = 0\n", "unit = 0",
	    "device 'a': unit 0 is out of range [1, 247] for modbus-rtu-tcp");
	one_error(*state, SITE "[device a]\nprotocol = modbus-rtu\nserial = /dev/x\nkeep_open = no\n",
	    "keep_open", "device 'a': keep_open does not apply to protocol modbus-rtu");
	one_error(*state, SITE "[mqtt]\nurl = mqtt://b\n[device a]\nprotocol = mqtt\ntopic = t\nunit = 2\n",
	    "unit = 2", "device 'a': unit does not apply to protocol mqtt");
	one_error(*state, SITE "[mqtt]\nurl = mqtt://b\n[device a]\nprotocol = mqtt\ntopic = t\npause = 1s\n",
	    "pause", "device 'a': pause does not apply to protocol mqtt");
	one_error(*state, SITE "[mqtt]\nurl = mqtt://b\n[device a]\nprotocol = mqtt\ntopic = t/#\n",
	    "topic = t/#", "device 'a': topic must not contain wildcards");
	one_error(*state, SITE "[mqtt]\nurl = mqtt://b\n[device a]\nprotocol = mqtt\ntopic = t\n"
	    "[point a.p]\nread = holding 1\nwhen = value > 1\n", "read = holding",
	    "point 'a.p': read does not apply to an mqtt device (use json)");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\njson = x\nwhen = value > 1\n",
	    "json", "point 'a.p': json applies only to mqtt devices");
	one_error(*state, SITE "[device a]\nname = 黑板\nprotocol = manual\nhost = h\n", "host = h",
	    "device 'a': host does not apply to protocol manual");
	one_error(*state, SITE "[device a]\nprotocol = manual\noffline_after = 3\n", "offline_after",
	    "device 'a': offline_after does not apply to protocol manual");
	one_error(*state, SITE "[device a]\nprotocol = manual\n[point a.p]\nread = coil 1\nwhen = value == 1\n",
	    "[point a.p]", "point 'a.p': device 'a' is manual (no sensor) and has no points");
}

static void
test_err_no_points(void **state)
{
	struct fx *fx = *state;
	const char *text = SITE TCP("a") TCP("b") "unit = 2\n[point b.p]\nread = coil 1\nwhen = value == 1\n"
	    "[mqtt]\nurl = mqtt://h\n[device c]\nprotocol = mqtt\ntopic = t\n";
	char msg[256];

	/* every watched device without a point is named, at its header */
	load(fx, text);
	assert_null(fx->cf);
	assert_int_equal(fx->nerrors, 2);
	snprintf(msg, sizeof(msg), "device 'a': no points; add a [point a.NAME] section, or use protocol = manual for a machine without a sensor");
	expect_msg(fx, 0, fx->path, text, "[device a]", msg);
	snprintf(msg, sizeof(msg), "device 'c': no points; add a [point c.NAME] section, or use protocol = manual for a machine without a sensor");
	expect_msg(fx, 1, fx->path, text, "[device c]", msg);
	/* a manual device needs none */
	load(fx, SITE "[device board]\nname = 黑板\nlab = 钳工实训室\nprotocol = manual\nassessment = yes\n");
	assert_non_null(fx->cf);
	assert_int_equal(config_device(fx->cf, "board")->protocol, PROTO_MANUAL);
}

static void
test_gateway_keys(void **state)
{
	struct fx *fx = *state;
	const struct conf_device *d;

	load(fx, SITE "[device a]\nprotocol = modbus-rtu-tcp\nhost = h\nport = 4001\nunit = 3\n"
	    "pause = 50ms\nconnect_delay = 2s\nreconnect_delay = 3s\nkeep_open = no\n"
	    "[point a.p]\nread = holding 1\nwhen = value == 1\n"
	    TCP("b") "[point b.p]\nread = coil 1\nwhen = value == 1\n");
	for (int i = 0; i < fx->nmsgs && i < MAXMSG; i++)
		print_message("unexpected: %s\n", fx->msgs[i]);
	assert_non_null(fx->cf);
	d = config_device(fx->cf, "a");
	assert_int_equal(d->protocol, PROTO_MODBUS_RTU_TCP);
	assert_int_equal(d->pause_ms, 50);
	assert_int_equal(d->connect_delay_ms, 2000);
	assert_int_equal(d->reconnect_delay_ms, 3000);
	assert_int_equal(d->keep_open, 0);
	d = config_device(fx->cf, "b");
	assert_int_equal(d->pause_ms, 0);
	assert_int_equal(d->connect_delay_ms, 0);
	assert_int_equal(d->reconnect_delay_ms, 1000);
	assert_int_equal(d->keep_open, 1);
	config_free(fx->cf);
	fx->cf = NULL;
	/* one endpoint speaks one framing */
	one_error(*state, SITE TCP("a") "[point a.p]\nread = coil 1\nwhen = value == 1\n"
	    "[device b]\nprotocol = modbus-rtu-tcp\nhost = 10.0.0.1\nunit = 2\n", "protocol = modbus-rtu-tcp",
	    "device 'b': 10.0.0.1:502 is already polled as modbus-tcp by device 'a'; one endpoint speaks one framing");
}

static void
test_err_offline_after(void **state)
{
	one_error(*state, SITE TCP("a") "offline_after = 5s\n", "offline_after",
	    "device 'a': offline_after: '5s' is not a number of failed polls in [1, 1000]");
	one_error(*state, SITE TCP("a") "offline_after = 0\n", "offline_after",
	    "device 'a': offline_after: '0' is not a number of failed polls in [1, 1000]");
	one_error(*state, SITE "[mqtt]\nurl = mqtt://b\n[device a]\nprotocol = mqtt\ntopic = t\noffline_after = 500ms\n",
	    "offline_after", "device 'a': offline_after: '500ms' is not a duration of at least 1s");
	one_error(*state, SITE "[mqtt]\nurl = mqtt://b\n[device a]\nprotocol = mqtt\ntopic = t\noffline_after = soon\n",
	    "offline_after", "device 'a': offline_after: 'soon' is not a duration of at least 1s");
}

static void
test_err_point_types(void **state)
{
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\ntype = int32\nbit = 3\nwhen = value == 1\n",
	    "bit = 3", "point 'a.p': bit needs a 16-bit register (int16 or uint16)");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\ntype = float32\nbit = 0\nwhen = value == 1\n",
	    "bit = 0", "point 'a.p': bit needs a 16-bit register (int16 or uint16)");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = coil 1\ntype = uint16\nwhen = value == 1\n",
	    "type = uint16", "point 'a.p': a coil is a bit; type must be bool");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = discrete 1\ntype = int32\nwhen = value == 1\n",
	    "type = int32", "point 'a.p': a discrete is a bit; type must be bool");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = coil 1\nbit = 1\nwhen = value == 1\n",
	    "bit = 1", "point 'a.p': bit applies only to input and holding registers");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\ntype = bool\nwhen = value == 1\n",
	    "type = bool", "point 'a.p': type bool needs a coil or discrete input; use bit = N for one bit of a register");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = holding 1\norder = cdab\nwhen = value == 1\n",
	    "order = cdab", "point 'a.p': order applies only to 32-bit types");
	one_error(*state, SITE TCP("a") "[point a.p]\nread = input 65535\ntype = uint32\nwhen = value == 1\n",
	    "read = input 65535", "point 'a.p': a 32-bit value at 65535 runs past the last register");
}

static void
test_err_links(void **state)
{
	one_error(*state, SITE "[device a]\nprotocol = modbus-rtu\nserial = /dev/ttyUSB0\nunit = 1\n"
	    "[device b]\nprotocol = modbus-rtu\nserial = /dev/ttyUSB0\nunit = 2\nbaud = 19200\n",
	    "[device b]", "device 'b': serial settings differ from device 'a' on the same port /dev/ttyUSB0");
	one_error(*state, SITE "[device a]\nprotocol = modbus-rtu\nserial = /dev/ttyUSB0\nunit = 1\n"
	    "[device b]\nprotocol = modbus-rtu\nserial = /dev/ttyUSB0\nunit = 2\nparity = none\n",
	    "[device b]", "device 'b': serial settings differ from device 'a' on the same port /dev/ttyUSB0");
	one_error(*state, SITE "[device a]\nprotocol = modbus-rtu\nserial = /dev/ttyUSB0\nunit = 4\n"
	    "[device b]\nprotocol = modbus-rtu\nserial = /dev/ttyUSB0\nunit=4\n",
	    "unit=4", "device 'b': unit 4 is already used by device 'a' on /dev/ttyUSB0");
	one_error(*state, SITE TCP("a") TCP("b"), "[device b]",
	    "device 'b': unit 1 at 10.0.0.1:502 is already device 'a'");
	one_error(*state, SITE "[mqtt]\nurl = mqtt://b\n[device a]\nprotocol = mqtt\ntopic = t\n"
	    "[device b]\nprotocol = mqtt\ntopic=t\n", "topic=t",
	    "device 'b': topic 't' is already used by device 'a'");
}

static void
test_links_ok(void **state)
{
	struct fx *fx = *state;

	/* the same port with the same settings is one bus; other units, ports are fine */
	load(fx, SITE "[device a]\nprotocol = modbus-rtu\nserial = /dev/ttyUSB0\nunit = 1\nbaud = 19200\n"
	    "[device b]\nprotocol = modbus-rtu\nserial = /dev/ttyUSB0\nunit = 2\nbaud = 19200\n"
	    "[device c]\nprotocol = modbus-rtu\nserial = /dev/ttyUSB1\nunit = 2\nbaud = 9600\n"
	    TCP("d") "unit = 2\n" TCP("e") "port = 503\n"
	    "[point a.p]\nread = coil 1\nwhen = value == 1\n[point b.p]\nread = coil 1\nwhen = value == 1\n"
	    "[point c.p]\nread = coil 1\nwhen = value == 1\n[point d.p]\nread = coil 1\nwhen = value == 1\n"
	    "[point e.p]\nread = coil 1\nwhen = value == 1\n");
	for (int i = 0; i < fx->nmsgs && i < MAXMSG; i++)
		print_message("unexpected: %s\n", fx->msgs[i]);
	assert_non_null(fx->cf);
	assert_int_equal(fx->nerrors, 0);
}

static void
test_err_syntax(void **state)
{
	one_error(*state, SITE "this is not ini\n", "this is", "expected KEY = VALUE or [SECTION]: 'this is not ini'");
	one_error(*state, SITE "[device a\nprotocol = mqtt\n", "[device a", "section header without ']'");
	one_error(*state, SITE "[]\n", "[]", "empty section name");
}

static void
test_err_long_line(void **state)
{
	struct fx *fx = *state;
	char text[4096];
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), SITE "name = ");
	memset(text + n, 'x', 1500);
	n += 1500;
	/* after the long line, lines are still counted right */
	snprintf(text + n, sizeof(text) - n, "\ncolour = red\n");
	load(fx, text);
	assert_null(fx->cf);
	assert_int_equal(fx->nerrors, 2);
	assert_int_equal(fx->nmsgs, 2);
	expect_msg(fx, 0, fx->path, text, "name = ", "line longer than 1021 bytes");
	expect_msg(fx, 1, fx->path, text, "colour", "unknown key 'colour' in [site]");
}

static void
test_long_line_limit(void **state)
{
	struct fx *fx = *state;
	char text[4096];
	size_t n;

	/* the longest accepted value: 1021 bytes of line, even with CRLF */
	n = (size_t)snprintf(text, sizeof(text), SITE "name = ");
	memset(text + n, 'y', 1021 - 7);
	n += 1021 - 7;
	snprintf(text + n, sizeof(text) - n, "\r\n");
	load(fx, text);
	for (int i = 0; i < fx->nmsgs && i < MAXMSG; i++)
		print_message("unexpected: %s\n", fx->msgs[i]);
	assert_non_null(fx->cf);
	assert_int_equal(strlen(fx->cf->site.name), 1021 - 7);
}

static void
test_err_dropin(void **state)
{
	struct fx *fx = *state;
	char a[PATH_MAX + 32], b[PATH_MAX + 32], want[3 * PATH_MAX];
	const char *ta = TCP("x") "[point x.p]\nread = coil 1\nwhen = value == 1\n";
	const char *tb = "[site]\nid = other\n" TCP("x") "port = 0\n";

	make_dir(fx, "devices.d");
	write_file(fx, "devices.d/b.conf", tb);
	write_file(fx, "devices.d/a.conf", ta);
	load(fx, SITE);
	snprintf(a, sizeof(a), "%s/devices.d/a.conf", fx->dir);
	snprintf(b, sizeof(b), "%s/devices.d/b.conf", fx->dir);
	assert_null(fx->cf);
	assert_int_equal(fx->nerrors, 2);
	expect_msg(fx, 0, b, tb, "[site]",
	    "section [site] belongs in the main configuration file, not in the devices directory");
	snprintf(want, sizeof(want), "duplicate device 'x' (first defined at %s:1)", a);
	expect_msg(fx, 1, b, tb, "[device x]", want);
	/* keys of a rejected section are not checked */
}

static void
test_err_devices_dir(void **state)
{
	struct fx *fx = *state;
	char want[PATH_MAX + 128];

	load(fx, SITE "[daemon]\ndevices = nowhere\n");
	assert_null(fx->cf);
	assert_int_equal(fx->nerrors, 1);
	snprintf(want, sizeof(want), "%s/nowhere: devices directory: No such file or directory", fx->dir);
	assert_string_equal(fx->msgs[0], want);
}

static void
test_err_many(void **state)
{
	struct fx *fx = *state;
	const char *dtext = TCP("d") "interval = 0.001ms\n[point d.q]\nread = coil 1\n";
	const char *text =
	    "[site]\n"
	    "id = BAD\n"                                  /* 1 */
	    "[daemon]\n"
	    "log_level = chatty\n"                        /* 2 */
	    "[device a]\n"
	    "protocol = modbus-tcp\n"                     /* 3: no host (at the header) */
	    "port = many\n"                               /* 4 */
	    "[widget]\n"                                  /* 5 */
	    "ignored = 1\n"
	    "[point a.p]\n"
	    "read = holding 1\n"
	    "when = value ? 1\n";                         /* 6 */
	char dfile[PATH_MAX + 32];

	make_dir(fx, "devices.d");
	write_file(fx, "devices.d/d.conf", dtext);        /* 7: interval, 8: no when */
	load(fx, text);
	snprintf(dfile, sizeof(dfile), "%s/devices.d/d.conf", fx->dir);
	for (int i = 0; i < fx->nmsgs && i < MAXMSG; i++)
		print_message("%s\n", fx->msgs[i]);
	assert_null(fx->cf);
	assert_int_equal(fx->nerrors, 8);
	assert_int_equal(fx->nmsgs, 8);
	/* while reading, in file order; then validation, devices then points */
	expect_msg(fx, 0, fx->path, text, "id = BAD", "id: 'BAD' is not a valid site id ([a-z0-9-]+)");
	expect_msg(fx, 1, fx->path, text, "chatty", "log_level: 'chatty' is not one of debug|info|notice|warning|err");
	expect_msg(fx, 2, fx->path, text, "port", "port: 'many' is not an integer");
	expect_msg(fx, 3, fx->path, text, "[widget]", "unknown section [widget]");
	expect_msg(fx, 4, fx->path, text, "when", "when: 'value ? 1' is not a condition (value OP NUMBER, OP one of == != < <= > >=)");
	expect_msg(fx, 5, dfile, dtext, "interval", "interval: 0.001ms is out of range [10ms, 24h]");
	expect_msg(fx, 6, fx->path, text, "[device a]", "device 'a': host is required for modbus-tcp");
	expect_msg(fx, 7, dfile, dtext, "[point d.q]", "point 'd.q': kind fault needs a when condition");
}

static void
test_report_to_stderr_and_null_nerrors(void **state)
{
	struct fx *fx = *state;

	/* no callback and no counter: still fails, nothing crashes */
	write_file(fx, "tbmond.conf", "[site]\nid = X\n");
	assert_null(config_load(fx->path, NULL, NULL, NULL));
	write_file(fx, "tbmond.conf", SITE);
	fx->cf = config_load(fx->path, NULL, NULL, NULL);
	assert_non_null(fx->cf);
	config_free(NULL);
}

static void
test_condition_parse(void **state)
{
	struct condition c;

	(void)state;
	assert_int_equal(condition_parse("value == 1", &c), 0);
	assert_int_equal(c.op, OP_EQ);
	assert_int_equal(condition_parse("  value!=-2.5  ", &c), 0);
	assert_int_equal(c.op, OP_NE);
	assert_true(c.value == -2.5);
	assert_int_equal(condition_parse("value <= 3", &c), 0);
	assert_int_equal(c.op, OP_LE);
	assert_int_equal(condition_parse("value < 3", &c), 0);
	assert_int_equal(c.op, OP_LT);
	assert_int_equal(condition_parse("value >= 1e3", &c), 0);
	assert_int_equal(c.op, OP_GE);
	assert_true(c.value == 1000);
	assert_int_equal(condition_parse("value > 3", &c), 0);
	assert_int_equal(c.op, OP_GT);
	assert_int_equal(condition_parse("value", &c), -1);
	assert_int_equal(condition_parse("value > inf", &c), -1);
	assert_int_equal(condition_parse("values > 1", &c), -1);

	c.op = OP_GT;
	c.value = 85;
	assert_true(condition_holds(&c, 85.5));
	assert_false(condition_holds(&c, 85));
	c.op = OP_GE;
	assert_true(condition_holds(&c, 85));
	c.op = OP_LE;
	assert_true(condition_holds(&c, 85));
	assert_false(condition_holds(&c, 86));
	c.op = OP_LT;
	assert_false(condition_holds(&c, 85));
	c.op = OP_EQ;
	assert_true(condition_holds(&c, 85));
	c.op = OP_NE;
	assert_false(condition_holds(&c, 85));
	c.op = OP_NONE;
	assert_false(condition_holds(&c, 85));

	assert_string_equal(config_op_name(OP_GE), ">=");
	assert_string_equal(config_protocol_name(PROTO_MODBUS_RTU), "modbus-rtu");
	assert_string_equal(config_kind_name(KIND_SAFETY), "safety");
	assert_string_equal(config_table_name(TABLE_DISCRETE), "discrete");
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest valid[] = {
		T(test_full),
		T(test_defaults),
		T(test_parity_and_offline_values),
		T(test_comments_and_whitespace),
		T(test_dropins_relative),
		T(test_default_devices_dir),
		T(test_links_ok),
		T(test_long_line_limit),
		T(test_report_to_stderr_and_null_nerrors),
		cmocka_unit_test(test_condition_parse),
	};
	const struct CMUnitTest errors[] = {
		T(test_err_missing_file),
		T(test_err_unknown_section),
		T(test_err_unknown_key),
		T(test_err_key_outside_section),
		T(test_err_duplicate_key),
		T(test_err_int),
		T(test_err_double),
		T(test_err_duration),
		T(test_err_enum),
		T(test_err_bad_type_counts_once),
		T(test_err_condition),
		T(test_err_read),
		T(test_err_site),
		T(test_err_duplicate_device),
		T(test_err_duplicate_point),
		T(test_err_point_ids),
		T(test_err_required),
		T(test_err_protocol_keys),
		T(test_err_no_points),
		T(test_gateway_keys),
		T(test_err_offline_after),
		T(test_err_point_types),
		T(test_err_links),
		T(test_err_syntax),
		T(test_err_long_line),
		T(test_err_dropin),
		T(test_err_devices_dir),
		T(test_err_many),
	};
	int fails = 0;

	fails += cmocka_run_group_tests_name("config valid", valid, NULL, NULL);
	fails += cmocka_run_group_tests_name("config errors", errors, NULL, NULL);
	return fails != 0;
}
