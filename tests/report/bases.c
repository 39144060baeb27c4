/*
 * bases.c - see bases.h. The histories, in Asia/Shanghai time, 2023:
 *
 * base-a (pudong): daemon observing all year.
 *   cnc-01 (assessment, 数控加工实训室) 03-10 09:00 open, 11:00 clear, repaired 15:00 (6 h)
 *   cnc-02 (assessment, 数控加工实训室) 06-01 10:00 open, 12:00 clear, repaired 06-03 10:00 (48 h)
 *   cnc-01                              09-05 08:00 open, 09:00 clear, never repaired
 *   weld-01 (safety, 焊接实训室)         05-05 10:00 open, 10:05 clear, classified near-miss
 * base-b (minhang): daemon observing 01-01 .. 12-01 only (coverage 334/365).
 *   cnc-11 (assessment, 数控加工实训室) 04-02 10:00 open, 11:00 clear, repaired 12:00 (2 h)
 *   plc-01 (assessment, PLC实训室)      11-10 09:00 open, 11-30 09:00 clear (20 days down),
 *                                       repaired 11-30 10:00 (481 h)
 *   weld-11 (safety, 焊接实训室)         08-08 14:00 open, 14:01 clear, not classified
 *
 * Merged: 5 faults, 4 repaired (80%), within 24 h 2, within 72 h 3, MTTR
 * (6+48+2+481)/4 = 134.25 h; accidents 0, near-misses 1, unclassified 1
 * (provisional); coverage min(1, 334/365); labs 2 + 3, normal 4 (PLC实训室:
 * availability over observed time, 1 - 20/334 = 94.01%).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bases.h"
#include "config.h"
#include "store.h"
#include "tbmreport.h"
#include "tbmtime.h"

static const char conf_a[] =
    "[site]\nid = pudong\nname = 浦东基地\ntimezone = Asia/Shanghai\n"
    "[daemon]\ndatabase = base-a.db\n"
    "[device cnc-01]\nname = 数控车床 1\nlab = 数控加工实训室\nassessment = yes\n"
    "protocol = modbus-tcp\nhost = 127.0.0.1\nunit = 1\n"
    "[point cnc-01.alarm]\nread = holding 100\nwhen = value != 0\nlabel = 主轴报警\n"
    "[device cnc-02]\nname = 数控车床 2\nlab = 数控加工实训室\nassessment = yes\n"
    "protocol = modbus-tcp\nhost = 127.0.0.1\nunit = 2\n"
    "[point cnc-02.alarm]\nread = holding 100\nwhen = value != 0\nlabel = 主轴报警\n"
    "[device weld-01]\nname = 焊机 1\nlab = 焊接实训室\nprotocol = modbus-tcp\n"
    "host = 127.0.0.1\nunit = 3\n"
    "[point weld-01.estop]\nread = discrete 0\nkind = safety\nwhen = value == 1\n"
    "label = 急停\n";

static const char conf_b[] =
    "[site]\nid = minhang\nname = 闵行基地\ntimezone = Asia/Shanghai\n"
    "[daemon]\ndatabase = base-b.db\n"
    "[device cnc-11]\nname = 数控铣床 11\nlab = 数控加工实训室\nassessment = yes\n"
    "protocol = modbus-tcp\nhost = 127.0.0.1\nunit = 1\n"
    "[point cnc-11.alarm]\nread = holding 100\nwhen = value != 0\nlabel = 伺服报警\n"
    "[device plc-01]\nname = PLC 实训台 1\nlab = PLC实训室\nassessment = yes\n"
    "protocol = modbus-tcp\nhost = 127.0.0.1\nunit = 2\n"
    "[point plc-01.fault]\nread = coil 1\nwhen = value == 1\nlabel = 电源故障\n"
    "[device weld-11]\nname = 焊机 11\nlab = 焊接实训室\nprotocol = modbus-tcp\n"
    "host = 127.0.0.1\nunit = 3\n"
    "[point weld-11.estop]\nread = discrete 0\nkind = safety\nwhen = value == 1\n"
    "label = 急停\n";

/* the base's people: 李经理 (manager) and 王师傅 (technician) */
static const struct account manager_acct = { .name = "李经理", .role = ROLE_MANAGER };
static const struct account tech_acct = { .name = "王师傅", .role = ROLE_TECHNICIAN };
static const struct actor manager = { &manager_acct, "cli", "test", NULL };
static const struct actor technician = { &tech_acct, "cli", "test", NULL };

static int64_t
t(int mo, int d, int h, int mi)
{
	return time_local_mktime(2023, mo, d, h, mi, 0);
}

static int
ev(struct store *st, int type, enum fault_kind kind, const char *dev, const char *point,
    int64_t at)
{
	struct tbm_event e;

	memset(&e, 0, sizeof(e));
	e.type = (enum event_type)type;
	e.kind = kind;
	snprintf(e.device, sizeof(e.device), "%s", dev);
	snprintf(e.point, sizeof(e.point), "%s", point);
	e.code = 1;
	e.at_ms = at;
	if (store_write_events(st, &e, 1) != 1) {
		fprintf(stderr, "bases: event %s.%s: %s\n", dev, point, store_errmsg(st));
		return -1;
	}
	return 0;
}

/* The id of the fault of `dev` that opened at `at`. */
static int64_t
fault_id(struct store *st, const char *dev, int64_t at)
{
	struct fault_filter flt;
	struct fault *v = NULL;
	size_t n = 0;
	int64_t id = 0;

	memset(&flt, 0, sizeof(flt));
	flt.device = dev;
	if (store_faults(st, &flt, &v, &n) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].opened_at == at)
			id = v[i].id;
	store_faults_free(v, n);
	return id;
}

static int
repair(struct store *st, const char *dev, int64_t opened, int64_t at)
{
	char err[256];
	int64_t id = fault_id(st, dev, opened);

	if (id == 0 || store_repair(st, id, &technician, "更换部件", NULL, at, at, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "bases: repair of %s: %s\n", dev, id ? err : "no such fault");
		return -1;
	}
	return 0;
}

static struct store *
open_base(const char *dir, const char *name, const char *conf, struct config **cf)
{
	char path[512], err[256];
	struct store *st = NULL;
	FILE *f;
	int nerr = 0;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		return NULL;
	}
	fputs(conf, f);
	fclose(f);
	if ((*cf = config_load(path, NULL, NULL, &nerr)) == NULL) {
		fprintf(stderr, "bases: %s: %d errors\n", path, nerr);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	remove(path);
	if (store_open(path, 0, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "bases: %s\n", err);
		return NULL;
	}
	if (store_sync_config(st, *cf) != 0) {
		fprintf(stderr, "bases: %s: %s\n", path, store_errmsg(st));
		store_close(st);
		return NULL;
	}
	{
		struct actor boot = { NULL, "cli", "root", NULL };
		int64_t at = time_local_mktime(2023, 1, 1, 0, 0, 0);
		if (store_account_add(st, &boot, &manager_acct, NULL, at, err, sizeof(err)) != 0 ||
		    store_account_add(st, &manager, &tech_acct, NULL, at, err, sizeof(err)) != 0) {
			fprintf(stderr, "bases: %s: %s\n", path, err);
			store_close(st);
			return NULL;
		}
	}
	return st;
}

static int
make_a(const char *dir)
{
	struct config *cf = NULL;
	struct store *st = open_base(dir, "base-a", conf_a, &cf);
	char err[256];
	int64_t run;
	int rc = -1;

	if (st == NULL)
		goto out;
	if (store_run_start(st, t(1, 1, 0, 0), &run) != 0 ||
	    store_run_stop(st, run, time_local_mktime(2024, 1, 1, 0, 0, 0)) != 0)
		goto out;
	if (ev(st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", t(3, 10, 9, 0)) ||
	    ev(st, EV_CLEAR, FK_FAULT, "cnc-01", "alarm", t(3, 10, 11, 0)) ||
	    repair(st, "cnc-01", t(3, 10, 9, 0), t(3, 10, 15, 0)) ||
	    ev(st, EV_OPEN, FK_SAFETY, "weld-01", "estop", t(5, 5, 10, 0)) ||
	    ev(st, EV_CLEAR, FK_SAFETY, "weld-01", "estop", t(5, 5, 10, 5)) ||
	    ev(st, EV_OPEN, FK_FAULT, "cnc-02", "alarm", t(6, 1, 10, 0)) ||
	    ev(st, EV_CLEAR, FK_FAULT, "cnc-02", "alarm", t(6, 1, 12, 0)) ||
	    repair(st, "cnc-02", t(6, 1, 10, 0), t(6, 3, 10, 0)) ||
	    ev(st, EV_OPEN, FK_FAULT, "cnc-01", "alarm", t(9, 5, 8, 0)) ||
	    ev(st, EV_CLEAR, FK_FAULT, "cnc-01", "alarm", t(9, 5, 9, 0)))
		goto out;
	if (store_classify(st, fault_id(st, "weld-01", t(5, 5, 10, 0)), "near-miss", &manager,
	    NULL, t(5, 6, 9, 0), err, sizeof(err)) != 0) {
		fprintf(stderr, "bases: classify: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	store_close(st);
	config_free(cf);
	return rc;
}

static int
make_b(const char *dir)
{
	struct config *cf = NULL;
	struct store *st = open_base(dir, "base-b", conf_b, &cf);
	int64_t run;
	int rc = -1;

	if (st == NULL)
		goto out;
	if (store_run_start(st, t(1, 1, 0, 0), &run) != 0 ||
	    store_run_stop(st, run, t(12, 1, 0, 0)) != 0)
		goto out;
	if (ev(st, EV_OPEN, FK_FAULT, "cnc-11", "alarm", t(4, 2, 10, 0)) ||
	    ev(st, EV_CLEAR, FK_FAULT, "cnc-11", "alarm", t(4, 2, 11, 0)) ||
	    repair(st, "cnc-11", t(4, 2, 10, 0), t(4, 2, 12, 0)) ||
	    ev(st, EV_OPEN, FK_SAFETY, "weld-11", "estop", t(8, 8, 14, 0)) ||
	    ev(st, EV_CLEAR, FK_SAFETY, "weld-11", "estop", t(8, 8, 14, 1)) ||
	    ev(st, EV_OPEN, FK_FAULT, "plc-01", "fault", t(11, 10, 9, 0)) ||
	    ev(st, EV_CLEAR, FK_FAULT, "plc-01", "fault", t(11, 30, 9, 0)) ||
	    repair(st, "plc-01", t(11, 10, 9, 0), t(11, 30, 10, 0)))
		goto out;
	rc = 0;
out:
	store_close(st);
	config_free(cf);
	return rc;
}

int
bases_make(const char *dir)
{
	if (time_set_zone("Asia/Shanghai") != 0) {
		fprintf(stderr, "bases: no zoneinfo for Asia/Shanghai\n");
		return -1;
	}
	return make_a(dir) == 0 && make_b(dir) == 0 ? 0 : -1;
}

/* A busy base for the printed form: 40 devices in 8 labs, every other one
 * an assessment device, n faults spread over the year, two of three never
 * repaired - so the lists of unrepaired faults and devices run to pages. */
int
bases_make_busy(const char *dir, int n)
{
	struct config *cf = NULL;
	struct store *st = NULL;
	struct strbuf conf = { 0 };
	int64_t run, from, step;
	int rc = -1;

	if (time_set_zone("Asia/Shanghai") != 0) {
		fprintf(stderr, "bases: no zoneinfo for Asia/Shanghai\n");
		return -1;
	}
	sb_add(&conf, "[site]\nid = busy\nname = 繁忙基地\ntimezone = Asia/Shanghai\n"
	    "[daemon]\ndatabase = base-busy.db\n");
	for (int i = 1; i <= 40; i++)
		sb_add(&conf, "[device dev-%02d]\nname = 实训设备 %d\nlab = 第%d实训室\nassessment = %s\n"
		    "protocol = modbus-tcp\nhost = 127.0.0.1\nunit = %d\n"
		    "[point dev-%02d.alarm]\nread = holding 100\nwhen = value != 0\nlabel = 综合报警\n",
		    i, i, (i - 1) / 5 + 1, i % 2 ? "yes" : "no", i, i);
	if (conf.s == NULL || (st = open_base(dir, "base-busy", conf.s, &cf)) == NULL)
		goto out;
	from = t(1, 1, 0, 0);
	step = (time_local_mktime(2024, 1, 1, 0, 0, 0) - from) / (n + 1);
	if (store_run_start(st, from, &run) != 0 ||
	    store_run_stop(st, run, time_local_mktime(2024, 1, 1, 0, 0, 0)) != 0)
		goto out;
	for (int k = 0; k < n; k++) {
		char dev[16];
		int64_t at = from + (k + 1) * step;
		snprintf(dev, sizeof(dev), "dev-%02d", k % 40 + 1);
		if (ev(st, EV_OPEN, FK_FAULT, dev, "alarm", at) ||
		    ev(st, EV_CLEAR, FK_FAULT, dev, "alarm", at + 3600 * 1000))
			goto out;
		if (k % 3 == 0 && repair(st, dev, at, at + 2 * 3600 * 1000))
			goto out;
	}
	rc = 0;
out:
	free(conf.s);
	store_close(st);
	config_free(cf);
	return rc;
}
