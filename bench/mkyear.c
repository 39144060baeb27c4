/*
 * mkyear.c - a synthetic year of a large base for the report benchmark:
 * DEVICES devices in 20 labs, FAULTS automatic faults spread over YEAR
 * (fault, comm and safety points), a share of them repaired and the safety
 * events classified. Everything goes through lib/store.h the way tbmond and
 * tbmctl write it: store_sync_config, store_write_events in batches, then
 * store_repair / store_classify one by one.
 *
 * usage: tbm-bench-mkyear DIR YEAR DEVICES FAULTS
 * Writes DIR/tbmond.conf and DIR/year.db (which must not exist yet).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "store.h"
#include "tbmtime.h"

#define BATCH 512
#define NLABS 20
#define HOUR_MS 3600000LL

struct gen {
	int64_t at;
	struct tbm_event ev;
};

static uint64_t rng = 0x2545f4914f6cdd1dull;

/* the people of the generated year: accounts the store checks like any other */
static const struct account officer_acct = { .name = "安全员", .role = ROLE_MANAGER };
static const struct account tech_acct = { .name = "技术员", .role = ROLE_TECHNICIAN };
static const struct actor safety_officer = { &officer_acct, "cli", "mkyear", NULL };
static const struct actor technician = { &tech_acct, "cli", "mkyear", NULL };

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static int64_t
rnd_range(int64_t lo, int64_t hi)   /* [lo, hi) */
{
	return hi <= lo ? lo : lo + (int64_t)(rnd() % (uint64_t)(hi - lo));
}

static int
cmp_gen(const void *a, const void *b)
{
	const struct gen *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
write_config(const char *dir, int ndev)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tbmond.conf", dir);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		return -1;
	}
	fprintf(f, "[site]\nid = bench\nname = 基准测试实训基地\ntimezone = Asia/Shanghai\n\n"
	    "[daemon]\ndatabase = year.db\ndevices = devices.d\n\n");
	for (int i = 0; i < ndev; i++) {
		fprintf(f, "[device d%04d]\nname = 设备 %d\nlab = 实训室 %02d\nassessment = %s\n"
		    "protocol = modbus-tcp\nhost = 127.0.0.1\nport = %d\nunit = %d\n\n",
		    i, i, i % NLABS, i % 10 < 7 ? "yes" : "no", 15000 + i / 5, 1 + i % 5);
		fprintf(f, "[point d%04d.alarm]\nread = holding 100\nkind = fault\nwhen = value != 0\n"
		    "label = 报警\n\n", i);
		if (i % 10 == 0)
			fprintf(f, "[point d%04d.estop]\nread = coil 0\nkind = safety\nwhen = value != 0\n"
			    "label = 急停\n\n", i);
	}
	return fclose(f);
}

int
main(int argc, char **argv)
{
	const char *dir;
	int year, ndev, nfaults, nerr = 0, rc = 1;
	struct config *cf = NULL;
	struct store *st = NULL;
	struct gen *g = NULL;
	size_t ng = 0;
	int64_t y0, y1, now = time_now_ms();
	unsigned long repaired = 0, classified = 0;
	struct fault *fv = NULL;
	size_t nf = 0;
	char path[4096], err[512];

	if (argc != 5 || (year = atoi(argv[2])) < 2000 || (ndev = atoi(argv[3])) < 1 ||
	    (nfaults = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: tbm-bench-mkyear DIR YEAR DEVICES FAULTS\n");
		return 2;
	}
	dir = argv[1];
	snprintf(path, sizeof(path), "%s/devices.d", dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		return 1;
	}
	if (write_config(dir, ndev) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/tbmond.conf", dir);
	if ((cf = config_load(path, NULL, NULL, &nerr)) == NULL)
		return 1;
	time_set_zone(cf->site.timezone);
	y0 = time_local_mktime(year, 1, 1, 0, 0, 0);
	y1 = time_local_mktime(year + 1, 1, 1, 0, 0, 0);
	if (store_open(cf->daemon.database, 0, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "mkyear: %s\n", err);
		goto out;
	}
	if (store_sync_config(st, cf) != 0)
		goto dberr;

	/* Per device, sorted opening times; each fault clears before the next
	 * one of the device opens (one open fault per point at a time). */
	if ((g = calloc((size_t)nfaults * 2, sizeof(*g))) == NULL)
		goto out;
	for (int d = 0; d < ndev; d++) {
		int k = nfaults / ndev + (d < nfaults % ndev);
		int64_t *t = calloc((size_t)k + 1, sizeof(*t));
		if (t == NULL)
			goto out;
		for (int i = 0; i < k; i++)
			t[i] = rnd_range(y0, y1 - 2 * HOUR_MS);
		qsort(t, (size_t)k, sizeof(*t), cmp_i64);
		t[k] = y1;
		for (int i = 0; i < k; i++) {
			int64_t gap = t[i + 1] - t[i], len = rnd_range(60000, 48 * HOUR_MS);
			int r = (int)(rnd() % 100);
			struct tbm_event e = { 0 };
			if (len >= gap)
				len = gap / 2 > 1000 ? gap / 2 : 1000;
			if (t[i] + len >= t[i + 1])
				continue;   /* two openings in the same second: leave one out */
			snprintf(e.device, sizeof(e.device), "d%04d", d);
			if (d % 10 == 0 && r < 3) {
				e.kind = FK_SAFETY;
				snprintf(e.point, sizeof(e.point), "estop");
			} else if (r < 15) {
				e.kind = FK_COMM;
				snprintf(e.point, sizeof(e.point), "comm");
			} else {
				e.kind = FK_FAULT;
				snprintf(e.point, sizeof(e.point), "alarm");
				e.code = (double)(1 + rnd() % 999);
			}
			e.type = EV_OPEN;
			e.at_ms = t[i];
			g[ng].at = t[i];
			g[ng++].ev = e;
			e.type = EV_CLEAR;
			e.code = 0;
			e.at_ms = t[i] + len;
			g[ng].at = t[i] + len;
			g[ng++].ev = e;
		}
		free(t);
	}
	qsort(g, ng, sizeof(*g), cmp_gen);
	for (size_t i = 0; i < ng; i += BATCH) {
		static struct tbm_event batch[BATCH];
		size_t n = ng - i < BATCH ? ng - i : BATCH;
		for (size_t j = 0; j < n; j++)
			batch[j] = g[i + j].ev;
		if (store_write_events(st, batch, n) < 0)
			goto dberr;
	}

	/* people: most faults repaired (some late, some never), safety events classified */
	if (store_faults(st, &(struct fault_filter){ 0 }, &fv, &nf) != 0)
		goto dberr;
	{
		struct actor boot = { NULL, "cli", "mkyear", NULL };
		if (store_account_add(st, &boot, &officer_acct, NULL, now, err, sizeof(err)) != 0 ||
		    store_account_add(st, &safety_officer, &tech_acct, NULL, now, err, sizeof(err)) != 0) {
			fprintf(stderr, "mkyear: %s\n", err);
			goto out;
		}
	}
	for (size_t i = 0; i < nf; i++) {
		struct fault *f = &fv[i];
		int r = (int)(rnd() % 100);
		int64_t at;
		if (f->kind == FK_SAFETY) {
			static const char *const cls[] = { "none", "near-miss", "drill", "none" };
			if (r < 95 && store_classify(st, f->id, cls[r % 4], &safety_officer, NULL, now, err,
			    sizeof(err)) == 0)
				classified++;
			continue;
		}
		if (f->kind != FK_FAULT || r >= 90)
			continue;
		at = f->opened_at + rnd_range(10 * 60000, r < 80 ? 24 * HOUR_MS : 200 * HOUR_MS);
		if (at > now)
			at = now;
		if (store_repair(st, f->id, &technician, "更换部件", r % 3 ? NULL : "传感器", at, now, err,
		    sizeof(err)) == 0)
			repaired++;
	}
	printf("mkyear: %zu devices, %zu faults (%zu events), %lu repaired, %lu classified\n",
	    cf->ndevices, nf, ng, repaired, classified);
	rc = 0;
	goto out;
dberr:
	fprintf(stderr, "mkyear: %s\n", store_errmsg(st));
out:
	store_faults_free(fv, nf);
	free(g);
	store_close(st);
	config_free(cf);
	return rc;
}
