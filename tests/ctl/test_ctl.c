/*
 * test_ctl.c - tbmctl's read commands run as a process against a real
 * database built through the store API: JSON keys and values, filtering,
 * audit history, status, column alignment of Chinese text, errors.
 * Usage: test_ctl PATH-TO-TBMCTL
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "store.h"
#include "tbmtime.h"
#include "textwidth.h"

static const char *tbmctl;
static char dir[256], db[300], empty_db[300], conf[300];

#define LONG_LABEL "急停按钮被按下需要复位并检查全部安全联锁回路的说明"

static const char conf_head[] =
    "[site]\n"
    "id = testbase\n"
    "name = 测试实训基地（浦东）\n"
    "timezone = Asia/Shanghai\n"
    "[daemon]\n"
    "database = %s\n"
    "\n"
    "[device cnc-01]\n"
    "name = 数控车床 CK6140 #1\n"
    "lab = 数控加工实训室\n"
    "assessment = yes\n"
    "protocol = modbus-tcp\n"
    "host = 127.0.0.1\n"
    "[point cnc-01.alarm]\n"
    "read = holding 100\n"
    "kind = fault\n"
    "when = value != 0\n"
    "label = 主轴报警\n"
    "[point cnc-01.door]\n"
    "read = coil 3\n"
    "kind = safety\n"
    "when = value != 0\n"
    "label = 安全门打开\n"
    "\n"
    "[device weld-03]\n"
    "name = 焊接工位 3\n"
    "lab = 焊接实训室\n"
    "protocol = modbus-tcp\n"
    "host = 127.0.0.2\n"
    "[point weld-03.overtemp]\n"
    "read = holding 5\n"
    "type = int16\n"
    "when = value > 85\n"
    "label = 过热 overtemp\n"
    "\n"
    "[device plc-a]\n"
    "name = PLC 实训台 A\n"
    "lab = 电气自动化实训室\n"
    "protocol = modbus-tcp\n"
    "host = 127.0.0.3\n"
    "[point plc-a.estop]\n"
    "read = discrete 0\n"
    "kind = safety\n"
    "when = value != 0\n"
    "label = " LONG_LABEL "\n";

static const char conf_old[] =
    "[device old-01]\n"
    "name = 旧钻床\n"
    "lab = 数控加工实训室\n"
    "protocol = modbus-tcp\n"
    "host = 127.0.0.9\n"
    "[point old-01.alarm]\n"
    "read = holding 1\n"
    "when = value != 0\n";

/* ---- helpers ---- */

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static char *
read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	if (fp == NULL)
		return strdup("");
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && n > 0 && fread(buf, 1, (size_t)n, fp) != (size_t)n)
		buf[0] = '\0';
	fclose(fp);
	return buf;
}

static struct config *
load_config(const char *text)
{
	struct config *cf;
	int nerr = 0;

	write_file(conf, text);
	cf = config_load(conf, NULL, NULL, &nerr);
	assert_int_equal(nerr, 0);
	assert_non_null(cf);
	return cf;
}

static int64_t
at(const char *t)
{
	int64_t ms;

	assert_int_equal(time_parse(t, &ms), 0);
	return ms;
}

static struct tbm_event
ev(enum event_type type, enum fault_kind kind, const char *device, const char *point,
    double code, const char *t)
{
	struct tbm_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.kind = kind;
	snprintf(e.device, sizeof(e.device), "%s", device);
	snprintf(e.point, sizeof(e.point), "%s", point);
	e.code = code;
	e.at_ms = at(t);
	return e;
}

struct result {
	int status;                /* exit code, or -1 if killed */
	char *out, *err;
};

static void
result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

/* Runs tbmctl with the arguments (NULL-terminated) and collects its output. */
static struct result
run(const char *first, ...)
{
	const char *args[32];
	char outp[320], errp[320];
	struct result r;
	va_list ap;
	int n = 0, st;
	pid_t pid;

	args[n++] = tbmctl;
	va_start(ap, first);
	for (const char *a = first; a != NULL && n < 31; a = va_arg(ap, const char *))
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	snprintf(outp, sizeof(outp), "%s/stdout", dir);
	snprintf(errp, sizeof(errp), "%s/stderr", dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execv(tbmctl, (char *const *)args);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.out = read_file(outp);
	r.err = read_file(errp);
	return r;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The ids of a JSON array of faults, as "2,3,4". */
static void
json_ids(const char *text, char *buf, size_t len)
{
	cJSON *arr = cJSON_Parse(text), *it;
	size_t off = 0;

	assert_non_null(arr);
	assert_true(cJSON_IsArray(arr));
	buf[0] = '\0';
	cJSON_ArrayForEach(it, arr) {
		cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
		assert_true(cJSON_IsNumber(id));
		off += (size_t)snprintf(buf + off, len - off, "%s%d", off ? "," : "", id->valueint);
	}
	cJSON_Delete(arr);
}

static void
expect_ids(const char *expected, const char *first, ...)
{
	const char *args[16];
	char ids[128];
	struct result r;
	va_list ap;
	int n = 0;

	va_start(ap, first);
	for (const char *a = first; a != NULL && n < 15; a = va_arg(ap, const char *))
		args[n++] = a;
	va_end(ap);
	while (n < 15)
		args[n++] = NULL;
	r = run("-d", db, "faults", "--json", args[0], args[1], args[2], args[3], args[4],
	    args[5], args[6], (const char *)NULL);
	if (r.status != 0)
		fprintf(stderr, "stderr: %s", r.err);
	assert_int_equal(r.status, 0);
	json_ids(r.out, ids, sizeof(ids));
	assert_string_equal(ids, expected);
	result_free(&r);
}

static cJSON *
find_by(cJSON *arr, const char *key, const char *value)
{
	cJSON *it;

	cJSON_ArrayForEach(it, arr) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(it, key);
		if (cJSON_IsString(v) && strcmp(v->valuestring, value) == 0)
			return it;
	}
	return NULL;
}

static void
assert_str_key(const cJSON *o, const char *key, const char *value)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (value == NULL) {
		assert_true(cJSON_IsNull(v));
		return;
	}
	assert_true(cJSON_IsString(v));
	assert_string_equal(v->valuestring, value);
}

static void
assert_num_key(const cJSON *o, const char *key, double value)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_true(cJSON_IsNumber(v));
	assert_true(v->valuedouble == value);
}

static void
assert_bool_key(const cJSON *o, const char *key, int value)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_true(cJSON_IsBool(v));
	assert_int_equal(cJSON_IsTrue(v), value);
}

static const char *const fault_keys[] = {
	"id", "device", "point", "kind", "code", "label", "lab", "assessment", "source",
	"opened_at", "cleared_at", "acked_at", "acked_by", "repaired_at", "repaired_by",
	"action", "parts", "dismissed_at", "dismiss_reason", "classification", "repeat_of",
	"status",
};
#define NFAULT_KEYS (sizeof(fault_keys) / sizeof(fault_keys[0]))

/* The object has exactly the fault keys (plus `extra`, if given), in order. */
static void
assert_fault_keys(const cJSON *o, const char *extra)
{
	const cJSON *it;
	size_t i = 0;

	cJSON_ArrayForEach(it, o) {
		if (i < NFAULT_KEYS)
			assert_string_equal(it->string, fault_keys[i]);
		else {
			assert_non_null(extra);
			assert_string_equal(it->string, extra);
		}
		i++;
	}
	assert_int_equal(i, NFAULT_KEYS + (extra != NULL));
}

/* ---- fixture: the databases ---- */

static int
setup(void **state)
{
	struct tbm_event e[16];
	struct config *cf;
	struct store *st;
	char err[256], text[4096];
	int64_t run_id;
	size_t n = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tbmctl-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/tbmon.db", dir);
	snprintf(empty_db, sizeof(empty_db), "%s/empty.db", dir);
	snprintf(conf, sizeof(conf), "%s/tbmond.conf", dir);
	/* our expectations are written in the site's zone, whatever the machine's */
	assert_int_equal(time_set_zone("Asia/Shanghai"), 0);

	assert_int_equal(store_open(db, 0, &st, err, sizeof(err)), 0);
	/* first a configuration with old-01, then one without: old-01 is removed */
	snprintf(text, sizeof(text), conf_head, db);
	strncat(text, conf_old, sizeof(text) - strlen(text) - 1);
	cf = load_config(text);
	assert_int_equal(store_sync_config(st, cf), 0);
	config_free(cf);
	snprintf(text, sizeof(text), conf_head, db);
	cf = load_config(text);
	assert_int_equal(store_sync_config(st, cf), 0);

	/* ids follow this order: 1 .. 6 */
	e[n++] = ev(EV_OPEN, FK_COMM, "weld-03", "comm", 0, "2024-03-01 07:00");
	e[n++] = ev(EV_CLEAR, FK_COMM, "weld-03", "comm", 0, "2024-03-01 07:05");
	e[n++] = ev(EV_OPEN, FK_FAULT, "cnc-01", "alarm", 3, "2024-03-01 08:00");
	e[n++] = ev(EV_CLEAR, FK_FAULT, "cnc-01", "alarm", 0, "2024-03-01 09:00");
	e[n++] = ev(EV_OPEN, FK_FAULT, "weld-03", "overtemp", 91.5, "2024-03-02 10:00");
	e[n++] = ev(EV_OPEN, FK_COMM, "plc-a", "comm", 0, "2024-03-03 12:00");
	e[n++] = ev(EV_OPEN, FK_SAFETY, "cnc-01", "door", 1, "2024-03-04 15:30");
	e[n++] = ev(EV_OPEN, FK_SAFETY, "plc-a", "estop", 1, "2024-03-05 09:15:30.250");
	assert_int_equal(store_write_events(st, e, n), (int)n);
	assert_int_equal(store_run_start(st, time_now_ms() - 10000, &run_id), 0);
	assert_int_equal(store_run_alive(st, run_id, time_now_ms() - 5000), 0);
	store_close(st);

	/* a database with no faults whose daemon stopped answering an hour ago */
	assert_int_equal(store_open(empty_db, 0, &st, err, sizeof(err)), 0);
	assert_int_equal(store_sync_config(st, cf), 0);
	assert_int_equal(store_run_start(st, time_now_ms() - 3600 * 1000, &run_id), 0);
	store_close(st);
	config_free(cf);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	if (getenv("TBM_TEST_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return -1;
	} else
		fprintf(stderr, "kept %s\n", dir);
	return 0;
}

/* ---- tests ---- */

static void
faults_json_values(void **state)
{
	struct result r = run("-d", db, "faults", "--json", (const char *)NULL);
	cJSON *arr, *f;

	(void)state;
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	arr = cJSON_Parse(r.out);
	assert_non_null(arr);
	assert_int_equal(cJSON_GetArraySize(arr), 5);

	f = cJSON_GetArrayItem(arr, 0);
	assert_fault_keys(f, NULL);
	assert_num_key(f, "id", 2);
	assert_str_key(f, "device", "cnc-01");
	assert_str_key(f, "point", "alarm");
	assert_str_key(f, "kind", "fault");
	assert_num_key(f, "code", 3);
	assert_str_key(f, "label", "主轴报警");
	assert_str_key(f, "lab", "数控加工实训室");
	assert_bool_key(f, "assessment", 1);
	assert_str_key(f, "source", "auto");
	assert_str_key(f, "opened_at", "2024-03-01T08:00:00+08:00");
	assert_str_key(f, "cleared_at", "2024-03-01T09:00:00+08:00");
	assert_str_key(f, "acked_at", NULL);
	assert_str_key(f, "acked_by", NULL);
	assert_str_key(f, "repaired_at", NULL);
	assert_str_key(f, "repaired_by", NULL);
	assert_str_key(f, "action", NULL);
	assert_str_key(f, "parts", NULL);
	assert_str_key(f, "dismissed_at", NULL);
	assert_str_key(f, "dismiss_reason", NULL);
	assert_str_key(f, "classification", NULL);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(f, "repeat_of")));
	assert_str_key(f, "status", "cleared");
	/* an integer-looking code is printed as an integer */
	assert_non_null(strstr(r.out, "\"code\":\t3,"));

	f = cJSON_GetArrayItem(arr, 1);
	assert_num_key(f, "id", 3);
	assert_num_key(f, "code", 91.5);
	assert_str_key(f, "label", "过热 overtemp");
	assert_bool_key(f, "assessment", 0);
	assert_str_key(f, "status", "open");

	f = cJSON_GetArrayItem(arr, 2);
	assert_fault_keys(f, NULL);
	assert_num_key(f, "id", 4);
	assert_str_key(f, "kind", "comm");
	assert_str_key(f, "point", "comm");
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(f, "code")));
	assert_str_key(f, "opened_at", "2024-03-03T12:00:00+08:00");
	assert_str_key(f, "cleared_at", NULL);
	assert_str_key(f, "status", "open");

	f = cJSON_GetArrayItem(arr, 3);
	assert_str_key(f, "kind", "safety");
	assert_str_key(f, "classification", NULL);

	f = cJSON_GetArrayItem(arr, 4);
	assert_str_key(f, "label", LONG_LABEL);
	/* milliseconds are kept */
	assert_str_key(f, "opened_at", "2024-03-05T09:15:30.250+08:00");
	cJSON_Delete(arr);
	result_free(&r);
}

static void
faults_filters(void **state)
{
	(void)state;
	/* default: unresolved; the cleared comm fault 1 is resolved, the cleared fault 2 is not */
	expect_ids("2,3,4,5,6", NULL);
	expect_ids("3,4,5,6", "--open", NULL);
	expect_ids("1,2,3,4,5,6", "--all", NULL);
	expect_ids("2,5", "--device", "cnc-01", NULL);
	expect_ids("1,3", "--all", "--device", "weld-03", NULL);
	/* a device or lab that is not there is an error, never "no faults" */
	{
		struct result r = run("-d", db, "faults", "--device", "no-such-device", (const char *)NULL);
		assert_int_equal(r.status, 1);
		assert_string_equal(r.err, "tbmctl: no device 'no-such-device' (tbmctl status lists them)\n");
		result_free(&r);
		r = run("-d", db, "faults", "--lab", "无此实训室", (const char *)NULL);
		assert_int_equal(r.status, 1);
		assert_string_equal(r.err, "tbmctl: no lab '无此实训室' (tbmctl status lists them)\n");
		result_free(&r);
	}
	expect_ids("1,3", "--all", "--lab", "焊接实训室", NULL);
	expect_ids("2,5", "--lab", "数控加工实训室", NULL);
	expect_ids("1,3", "--month", "2024-03", "--lab", "焊接实训室", "--all", NULL);
	expect_ids("", "--all", "--month", "2024-02", NULL);
	/* opened in [from, to) */
	expect_ids("3,4", "--from", "2024-03-02", "--to", "2024-03-04", NULL);
	expect_ids("2,3,4,5,6", "--all", "--from", "2024-03-01 08:00", NULL);
	expect_ids("1", "--all", "--to", "2024-03-01T08:00:00+08:00", NULL);
	expect_ids("1,2", "--all", "--to", "2024-03-01T00:00:01Z", NULL);
	expect_ids("5", "--open", "--device", "cnc-01", "--from", "2024-03-01", NULL);
}

static void
faults_empty(void **state)
{
	struct result r = run("-d", empty_db, "faults", (const char *)NULL);

	(void)state;
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "no faults\n");
	assert_string_equal(r.err, "");
	result_free(&r);
	r = run("-d", empty_db, "faults", "--all", "--json", (const char *)NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "[]\n");
	result_free(&r);
}

/* The display columns of a line: map[c] = byte offset of the character that
 * starts at column c, -1 inside a wide character. Returns the width. */
static size_t
column_map(const char *line, size_t len, long *map, size_t maxcols)
{
	size_t col = 0, off = 0;

	while (off < len && col < maxcols) {
		char ch[8];
		size_t used, n;
		/* one character: the longest prefix of at most 4 bytes that is one char */
		for (n = 1; n < 4 && off + n < len && ((unsigned char)line[off + n] & 0xc0) == 0x80; n++)
			;
		memcpy(ch, line + off, n);
		ch[n] = '\0';
		used = text_width(ch);
		map[col] = (long)off;
		for (size_t k = 1; k < used && col + k < maxcols; k++)
			map[col + k] = -1;
		col += used ? used : 0;
		off += n;
	}
	return col;
}

/* Where in the header line a title starts (display column). */
static size_t
title_col(const char *header, const char *title)
{
	const char *p = strstr(header, title);
	char *prefix;
	size_t w;

	assert_non_null(p);
	prefix = strndup(header, (size_t)(p - header));
	w = text_width(prefix);
	free(prefix);
	return w;
}

/* The device names of conf_text, as the lists show them. */
static const char *
device_name(const char *id)
{
	static const char *const names[][2] = { { "cnc-01", "数控车床 CK6140 #1" },
		{ "weld-03", "焊接工位 3" }, { "plc-a", "PLC 实训台 A" }, { "old-01", "旧钻床" } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i][0], id) == 0)
			return names[i][1];
	return id;
}

/* The list in English (LANG=C), on a wide terminal: every column where its
 * title says, long text cut to the column's limit. */
static void
faults_human_aligned(void **state)
{
	static const char *const left[] = { "opened", "device", "name", "lab", "kind", "label", "status" };
	static const char *const lkeys[] = { NULL, "device", "device", "lab", "kind", "label", "status" };
	static const size_t limit[] = { 0, 20, 20, 20, 0, 32, 0 };
	struct result r, j = run("-d", db, "faults", "--all", "--json", (const char *)NULL);
	size_t lcol[7], id_end, code_end;
	char *lines[16], *save = NULL, *p;
	cJSON *arr;
	int n = 0;

	(void)state;
	setenv("COLUMNS", "300", 1);
	r = run("-d", db, "faults", "--all", (const char *)NULL);
	unsetenv("COLUMNS");
	assert_int_equal(r.status, 0);
	assert_int_equal(j.status, 0);
	arr = cJSON_Parse(j.out);
	assert_non_null(arr);
	for (p = strtok_r(r.out, "\n", &save); p && n < 16; p = strtok_r(NULL, "\n", &save))
		lines[n++] = p;
	assert_int_equal(n, 1 + cJSON_GetArraySize(arr));

	/* the header's titles give the columns: left-aligned ones start there,
	 * right-aligned ones (ID, 代码) end where their title ends */
	for (int c = 0; c < 7; c++)
		lcol[c] = title_col(lines[0], left[c]);
	id_end = title_col(lines[0], "ID") + 2;
	code_end = title_col(lines[0], "code") + 4;
	assert_int_equal(title_col(lines[0], "ID"), 0);

	for (int i = 1; i < n; i++) {
		cJSON *f = cJSON_GetArrayItem(arr, i - 1);
		const char *line = lines[i];
		long map[256];
		size_t width = column_map(line, strlen(line), map, 256);
		char cell[256], code[32], id[16];
		const cJSON *cv;

		assert_false(line[strlen(line) - 1] == ' ');   /* no trailing blanks */
		for (int c = 0; c < 7; c++) {
			const char *want;
			if (c == 0) {
				/* opened_at "2024-03-01T08:00:00+08:00" -> "2024-03-01 08:00:00" */
				snprintf(cell, sizeof(cell), "%.10s %.8s",
				    cJSON_GetObjectItem(f, "opened_at")->valuestring,
				    cJSON_GetObjectItem(f, "opened_at")->valuestring + 11);
				want = cell;
			} else {
				char full[256];
				const char *v = cJSON_GetObjectItem(f, lkeys[c])->valuestring;
				snprintf(full, sizeof(full), "%s", c == 2 ? device_name(v) : v);
				/* long text is cut with "…" to the column's limit */
				if (limit[c])
					text_truncate(full, limit[c], cell, sizeof(cell));
				else
					snprintf(cell, sizeof(cell), "%s", full);
				want = cell;
			}
			assert_true(lcol[c] < width);
			assert_true(map[lcol[c]] >= 0);
			assert_true(map[lcol[c] - 1] >= 0 && map[lcol[c] - 2] >= 0);
			/* the column boundary: two blanks before the cell */
			assert_int_equal(line[map[lcol[c] - 1]], ' ');
			assert_int_equal(line[map[lcol[c] - 2]], ' ');
			if (strncmp(line + map[lcol[c]], want, strlen(want)) != 0)
				fail_msg("row %d column %s: want '%s' at column %zu in '%s'", i,
				    left[c], want, lcol[c], line);
		}
		/* ID right-aligned */
		snprintf(id, sizeof(id), "%d", cJSON_GetObjectItem(f, "id")->valueint);
		assert_true(map[id_end - strlen(id)] >= 0);
		assert_memory_equal(line + map[id_end - strlen(id)], id, strlen(id));
		/* code right-aligned, blank for comm */
		cv = cJSON_GetObjectItem(f, "code");
		if (cJSON_IsNumber(cv)) {
			snprintf(code, sizeof(code), "%.15g", cv->valuedouble);
			assert_true(map[code_end - strlen(code)] >= 0);
			assert_memory_equal(line + map[code_end - strlen(code)], code, strlen(code));
			assert_int_equal(line[map[code_end]], ' ');
		} else {
			for (size_t c = code_end - 4; c < code_end; c++)
				assert_int_equal(line[map[c]], ' ');
		}
	}
	/* the long label was cut */
	assert_non_null(strstr(lines[n - 1], "…"));
	assert_null(strstr(r.out, LONG_LABEL));
	cJSON_Delete(arr);
	result_free(&r);
	result_free(&j);
}

/* top: devices, labels and labs by faults (comm faults included), then by
 * down time; usage errors exit 2, bad values 1. */
static void
top_ranking(void **state)
{
	struct result r;
	cJSON *o, *byf, *first;

	(void)state;
	r = run("-d", db, "top", "--year", "2024", "--json", (const char *)NULL);
	assert_int_equal(r.status, 0);
	o = cJSON_Parse(r.out);
	assert_non_null(o);
	assert_str_key(o, "by", "device");
	assert_str_key(o, "from", "2024-01-01T00:00:00+08:00");
	byf = cJSON_GetObjectItemCaseSensitive(o, "by_faults");
	assert_int_equal(cJSON_GetArraySize(byf), 3);
	/* two events each; weld-03's overheating is still open: most down time */
	first = cJSON_GetArrayItem(byf, 0);
	assert_str_key(first, "device", "weld-03");
	assert_str_key(first, "name", "焊接工位 3");
	assert_num_key(first, "faults", 1);
	assert_num_key(first, "comm", 1);
	assert_true(cJSON_GetObjectItem(first, "downtime_hours")->valuedouble > 1000);
	assert_str_key(cJSON_GetArrayItem(byf, 1), "device", "cnc-01");
	assert_num_key(cJSON_GetArrayItem(byf, 1), "safety", 1);
	assert_num_key(cJSON_GetArrayItem(byf, 1), "downtime_hours", 1);
	assert_str_key(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "by_downtime"), 0),
	    "device", "weld-03");
	cJSON_Delete(o);
	result_free(&r);

	/* by label: the two comm faults share theirs */
	r = run("-d", db, "top", "--year", "2024", "--by", "label", "--json", (const char *)NULL);
	assert_int_equal(r.status, 0);
	o = cJSON_Parse(r.out);
	first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "by_faults"), 0);
	assert_str_key(first, "label", "通信中断");
	assert_num_key(first, "comm", 2);
	cJSON_Delete(o);
	result_free(&r);

	/* one lab; a month without faults; the people's form */
	r = run("-d", db, "top", "--month", "2024-03", "--lab", "焊接实训室", "--by", "lab", "--json",
	    (const char *)NULL);
	assert_int_equal(r.status, 0);
	o = cJSON_Parse(r.out);
	byf = cJSON_GetObjectItemCaseSensitive(o, "by_faults");
	assert_int_equal(cJSON_GetArraySize(byf), 1);
	assert_str_key(cJSON_GetArrayItem(byf, 0), "lab", "焊接实训室");
	cJSON_Delete(o);
	result_free(&r);
	r = run("-d", db, "top", "--month", "2024-02", (const char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "no faults in the period"));
	result_free(&r);
	r = run("-d", db, "top", "--year", "2024", (const char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "most faults (comm faults included):"));
	assert_non_null(strstr(r.out, "焊接工位 3"));
	assert_non_null(strstr(r.out, "most down time:"));
	result_free(&r);

	/* usage errors: 2 with the usage; values that do not parse: 1 */
	r = run("-d", db, "top", "--by", "colour", (const char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "usage: tbmctl"));
	result_free(&r);
	r = run("-d", db, "faults", "--year", "2024", "--month", "2024-03", (const char *)NULL);
	assert_int_equal(r.status, 2);
	result_free(&r);
	r = run("-d", db, "indicators", "--from", "2024-01-01", (const char *)NULL);
	assert_int_equal(r.status, 2);
	result_free(&r);
	r = run("-d", db, "incidents", "--cutoff", "2024-01-01", (const char *)NULL);
	assert_int_equal(r.status, 2);
	/* the refused option is named, not its value */
	assert_non_null(strstr(r.err, "tbmctl: incidents does not take --cutoff\n"));
	result_free(&r);
	r = run("-d", db, "top", "--month", "2024-13", (const char *)NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "tbmctl: --month: '2024-13' is not a month (YYYY-MM)\n");
	result_free(&r);
	r = run("-d", db, "top", "--lab", "无此实训室", (const char *)NULL);
	assert_int_equal(r.status, 1);
	result_free(&r);

	/* indicators of one lab: its row and devices only */
	r = run("-d", db, "indicators", "--month", "2024-03", "--lab", "焊接实训室", "--json",
	    (const char *)NULL);
	assert_int_equal(r.status, 0);
	o = cJSON_Parse(r.out);
	assert_non_null(o);
	assert_str_key(o, "lab", "焊接实训室");
	assert_str_key(o, "from", "2024-03-01T00:00:00+08:00");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "labs")), 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "devices")), 1);
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "fault_repair_rate"));
	cJSON_Delete(o);
	result_free(&r);
}

/* In Chinese: the words of the catalog, the same layout. */
static void
chinese(void **state)
{
	struct result r;

	(void)state;
	setenv("LANG", "zh_CN.UTF-8", 1);
	setenv("TBMON_LOCALEDIR", TBM_LOCALE_BUILD_DIR, 1);
	r = run("-d", db, "faults", "--all", (const char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "发生时间"));
	assert_non_null(strstr(r.out, "已恢复"));
	assert_non_null(strstr(r.out, "通信中断"));
	result_free(&r);
	r = run("-d", db, "faults", "--device", "nothing", (const char *)NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "tbmctl: 没有设备 'nothing'（tbmctl status 列出全部设备）\n");
	result_free(&r);
	r = run("-d", db, "top", "--year", "2024", (const char *)NULL);
	assert_non_null(strstr(r.out, "故障最多（含通信中断）"));
	result_free(&r);
	unsetenv("LANG");
	unsetenv("TBMON_LOCALEDIR");
	/* and English otherwise */
	r = run("-d", db, "faults", "--device", "nothing", (const char *)NULL);
	assert_string_equal(r.err, "tbmctl: no device 'nothing' (tbmctl status lists them)\n");
	result_free(&r);
}

/* Without a terminal every list fits 80 columns (the text columns give
 * way, the times and states do not); in Chinese too. */
static void
lists_fit_80_columns(void **state)
{
	static const char *const cmds[][3] = { { "faults", "--all", NULL }, { "status", NULL, NULL },
		{ "incidents", NULL, NULL }, { "top", "--year", "2024" }, { "indicators", "--year", "2024" } };
	char locales[4096];

	(void)state;
	snprintf(locales, sizeof(locales), "%s", TBM_LOCALE_BUILD_DIR);
	for (int zh = 0; zh < 2; zh++) {
		if (zh) {
			setenv("LANG", "zh_CN.UTF-8", 1);
			setenv("TBMON_LOCALEDIR", locales, 1);
		}
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			struct result r = run("-c", conf, cmds[i][0], cmds[i][1], cmds[i][2], (const char *)NULL);
			char *save = NULL;
			if (r.status != 0)
				fail_msg("tbmctl %s: %s", cmds[i][0], r.err);
			for (char *l = strtok_r(r.out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
				if (text_width(l) > 80)
					fail_msg("tbmctl %s%s: %zu columns: '%s'", cmds[i][0], zh ? " (zh)" : "",
					    text_width(l), l);
			result_free(&r);
		}
	}
	unsetenv("LANG");
	unsetenv("TBMON_LOCALEDIR");
}

static void
show_with_audit(void **state)
{
	struct result r = run("-d", db, "show", "2", "--json", (const char *)NULL);
	cJSON *o, *audit, *a, *d;

	(void)state;
	assert_int_equal(r.status, 0);
	o = cJSON_Parse(r.out);
	assert_non_null(o);
	assert_fault_keys(o, "audit");
	assert_num_key(o, "id", 2);
	assert_str_key(o, "status", "cleared");
	audit = cJSON_GetObjectItemCaseSensitive(o, "audit");
	assert_true(cJSON_IsArray(audit));
	assert_int_equal(cJSON_GetArraySize(audit), 2);
	a = cJSON_GetArrayItem(audit, 0);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(a, "seq")));
	assert_str_key(a, "at", "2024-03-01T08:00:00+08:00");
	assert_str_key(a, "action", "open");
	assert_str_key(a, "actor", "tbmond");
	d = cJSON_GetObjectItemCaseSensitive(a, "detail");
	assert_true(cJSON_IsObject(d));
	assert_str_key(d, "device", "cnc-01");
	assert_str_key(d, "point", "alarm");
	/* the record's own times too, in ISO 8601 with the offset */
	assert_str_key(d, "opened_at", "2024-03-01T08:00:00+08:00");
	a = cJSON_GetArrayItem(audit, 1);
	assert_str_key(cJSON_GetObjectItemCaseSensitive(a, "detail"), "cleared_at",
	    "2024-03-01T09:00:00+08:00");
	assert_str_key(a, "at", "2024-03-01T09:00:00+08:00");
	assert_str_key(a, "action", "clear");
	assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(audit, 0), "seq")->valueint <
	    cJSON_GetObjectItem(a, "seq")->valueint);
	cJSON_Delete(o);
	result_free(&r);

	/* the same for people; --json may also come before the id */
	r = run("-d", db, "show", "2", (const char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "主轴报警"));
	assert_non_null(strstr(r.out, "cleared"));
	assert_non_null(strstr(r.out, "2024-03-01 08:00:00  open"));
	assert_non_null(strstr(r.out, "2024-03-01 09:00:00  clear"));
	assert_non_null(strstr(r.out, "tbmond"));
	assert_non_null(strstr(r.out, "device=cnc-01"));
	result_free(&r);
	r = run("-d", db, "show", "--json", "5", (const char *)NULL);
	assert_int_equal(r.status, 0);
	o = cJSON_Parse(r.out);
	assert_non_null(o);
	assert_str_key(o, "kind", "safety");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "audit")), 1);
	cJSON_Delete(o);
	result_free(&r);
	r = run("-d", db, "show", "5", (const char *)NULL);
	assert_non_null(strstr(r.out, "unclassified"));
	result_free(&r);
}

static void
status_json(void **state)
{
	struct result r = run("-d", db, "status", "--json", (const char *)NULL);
	cJSON *o, *s, *d, *devs, *dev;

	(void)state;
	assert_int_equal(r.status, 0);
	o = cJSON_Parse(r.out);
	assert_non_null(o);
	s = cJSON_GetObjectItemCaseSensitive(o, "site");
	assert_str_key(s, "id", "testbase");
	assert_str_key(s, "name", "测试实训基地（浦东）");
	assert_str_key(s, "timezone", "Asia/Shanghai");
	d = cJSON_GetObjectItemCaseSensitive(o, "daemon");
	assert_true(cJSON_IsString(cJSON_GetObjectItem(d, "started_at")));
	assert_true(cJSON_IsString(cJSON_GetObjectItem(d, "alive_at")));
	assert_str_key(d, "stopped_at", NULL);
	assert_bool_key(d, "running", 1);
	devs = cJSON_GetObjectItemCaseSensitive(o, "devices");
	assert_int_equal(cJSON_GetArraySize(devs), 4);

	dev = find_by(devs, "id", "plc-a");
	assert_non_null(dev);
	assert_str_key(dev, "name", "PLC 实训台 A");
	assert_str_key(dev, "lab", "电气自动化实训室");
	assert_str_key(dev, "protocol", "modbus-tcp");
	assert_bool_key(dev, "online", 0);
	assert_str_key(dev, "offline_since", "2024-03-03T12:00:00+08:00");
	assert_bool_key(dev, "in_config", 1);
	assert_num_key(dev, "open_faults", 1);

	dev = find_by(devs, "id", "cnc-01");
	assert_bool_key(dev, "online", 1);
	assert_str_key(dev, "offline_since", NULL);
	assert_bool_key(dev, "assessment", 1);
	assert_num_key(dev, "open_faults", 1);   /* the door; the alarm cleared */

	dev = find_by(devs, "id", "weld-03");
	assert_bool_key(dev, "online", 1);   /* its comm fault cleared */
	assert_num_key(dev, "open_faults", 1);

	dev = find_by(devs, "id", "old-01");
	assert_non_null(dev);
	assert_bool_key(dev, "in_config", 0);
	assert_num_key(dev, "open_faults", 0);
	cJSON_Delete(o);
	result_free(&r);
}

static void
status_human(void **state)
{
	struct result r = run("-c", conf, "status", (const char *)NULL);

	(void)state;
	if (r.status != 0)
		fprintf(stderr, "%s", r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "testbase 测试实训基地（浦东）"));
	assert_non_null(strstr(r.out, "running since"));
	assert_non_null(strstr(r.out, "\n数控加工实训室\n"));
	assert_non_null(strstr(r.out, "\n焊接实训室\n"));
	assert_non_null(strstr(r.out, "offline since 2024-03-03 12:00:00"));
	assert_non_null(strstr(r.out, "not in config"));
	assert_null(strstr(r.out, "stale"));
	result_free(&r);

	r = run("-d", empty_db, "status", (const char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "stale"));
	assert_non_null(strstr(r.out, "no heartbeat for 1h"));
	result_free(&r);
	r = run("-d", empty_db, "status", "--json", (const char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"running\":\tfalse"));
	result_free(&r);
}

static void
config_option(void **state)
{
	struct result r = run("-c", conf, "faults", "--json", "--device", "plc-a",
	    (const char *)NULL);
	char ids[64];

	(void)state;
	assert_int_equal(r.status, 0);
	json_ids(r.out, ids, sizeof(ids));
	assert_string_equal(ids, "4,6");
	result_free(&r);
}

/* Errors: exit 1 with one line on stderr, 2 with the usage. */
static void
errors(void **state)
{
	char missing[400], expect[600];
	struct result r;

	(void)state;
	r = run("-d", db, "show", "42", (const char *)NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "tbmctl: no fault with id 42\n");
	assert_string_equal(r.out, "");
	result_free(&r);

	r = run("-d", db, "show", "abc", (const char *)NULL);
	assert_int_equal(r.status, 1);
	assert_int_equal(count_lines(r.err), 1);
	result_free(&r);

	r = run("-d", db, "faults", "--from", "someday", (const char *)NULL);
	assert_int_equal(r.status, 1);
	assert_int_equal(count_lines(r.err), 1);
	assert_non_null(strstr(r.err, "tbmctl: --from: cannot parse 'someday'"));
	assert_string_equal(r.out, "");
	result_free(&r);

	r = run("-d", db, "faults", "--to", "2024-02-30", (const char *)NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "tbmctl: --to: cannot parse '2024-02-30'"));
	result_free(&r);

	snprintf(missing, sizeof(missing), "%s/nonexistent.db", dir);
	r = run("-d", missing, "faults", (const char *)NULL);
	assert_int_equal(r.status, 1);
	assert_int_equal(count_lines(r.err), 1);
	snprintf(expect, sizeof(expect), "tbmctl: database %s: No such file or directory\n",
	    missing);
	assert_string_equal(r.err, expect);
	result_free(&r);

	snprintf(missing, sizeof(missing), "%s/nonexistent.conf", dir);
	r = run("-c", missing, "status", (const char *)NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, missing));
	result_free(&r);

	/* a file that is not a database */
	r = run("-d", conf, "status", (const char *)NULL);
	assert_int_equal(r.status, 1);
	assert_int_equal(count_lines(r.err), 1);
	assert_non_null(strstr(r.err, conf));
	result_free(&r);

	r = run("-d", db, "frobnicate", (const char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "unknown command 'frobnicate'"));
	assert_non_null(strstr(r.err, "usage:"));
	result_free(&r);

	r = run("-d", db, "faults", "--bogus", (const char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "--bogus"));
	result_free(&r);

	r = run("-d", db, "faults", "--open", "--all", (const char *)NULL);
	assert_int_equal(r.status, 2);
	result_free(&r);

	r = run("-d", db, "faults", "--device", (const char *)NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "needs an argument"));
	result_free(&r);

	r = run("-d", db, "show", (const char *)NULL);
	assert_int_equal(r.status, 2);
	result_free(&r);

	r = run("-c", conf, "-d", db, "status", (const char *)NULL);
	assert_int_equal(r.status, 2);
	result_free(&r);

	r = run((const char *)NULL);
	assert_int_equal(r.status, 2);
	result_free(&r);

	r = run("--help", (const char *)NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "faults [--open | --all]"));
	result_free(&r);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(faults_json_values),
		cmocka_unit_test(faults_filters),
		cmocka_unit_test(faults_empty),
		cmocka_unit_test(faults_human_aligned),
		cmocka_unit_test(lists_fit_80_columns),
		cmocka_unit_test(top_ranking),
		cmocka_unit_test(chinese),
		cmocka_unit_test(show_with_audit),
		cmocka_unit_test(status_json),
		cmocka_unit_test(status_human),
		cmocka_unit_test(config_option),
		cmocka_unit_test(errors),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test_ctl PATH-TO-TBMCTL\n");
		return 2;
	}
	tbmctl = argv[1];
	text_init_locale();
	return cmocka_run_group_tests(tests, setup, teardown);
}
