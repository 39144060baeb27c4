/*
 * main.c - tbm-collect: options, the loop (messages in batches, configs
 * first, each batch read in a thread while the one before is stored; a
 * database that goes away keeps the batch until it is back; gaps
 * asked for again; every site asked for what follows its chain at start,
 * after a reconnection and every `resync`), and `tbm-collect status`.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "log.h"
#include "tbmtime.h"

#define PG_RETRY_MIN_MS 500
#define PG_RETRY_MAX_MS 30000

static volatile sig_atomic_t stop_flag;

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: tbm-collect [-c CONFIG] [-n]\n"
	    "       tbm-collect [-c CONFIG] status [--json]\n");
}

/* What the loop remembers of a site between batches: a gap, and when it
 * was last asked for. */
struct site_state {
	char site[COLLECT_SITE_MAX];
	int64_t contiguous, highest;
	int64_t gap_since, asked_at;   /* monotonic ms; 0: none */
};

struct loop {
	const struct collect_conf *c;
	struct pgstore *ps;
	struct net *net;
	struct site_state *sites;
	size_t nsites;
	struct ingest_stats st;
	int64_t last_resync;
};

static struct site_state *
site_get(struct loop *l, const char *site)
{
	struct site_state *nv;

	for (size_t i = 0; i < l->nsites; i++)
		if (strcmp(l->sites[i].site, site) == 0)
			return &l->sites[i];
	if ((nv = realloc(l->sites, (l->nsites + 1) * sizeof(*nv))) == NULL)
		fatalx("out of memory");
	l->sites = nv;
	nv = &l->sites[l->nsites++];
	memset(nv, 0, sizeof(*nv));
	snprintf(nv->site, sizeof(nv->site), "%s", site);
	return nv;
}

static void
ask(struct loop *l, struct site_state *s, int64_t now, const char *why)
{
	if (net_resend(l->net, s->site, s->contiguous + 1) == 0) {
		log_info("site %s: asked for the records from %" PRId64 " (%s)", s->site,
		    s->contiguous + 1, why);
		s->asked_at = now;
	}
}

/* Every site the store knows, asked for what follows its chain: records
 * lost while nobody held them (a broker restarted without persistence, a
 * collector killed between the broker's delivery and its commit). */
static void
resync(struct loop *l, const char *why)
{
	struct pg_site *v = NULL;
	size_t n = 0;
	int64_t now = time_mono_ms();

	l->last_resync = now;
	if (pgstore_sites(l->ps, &v, &n) != 0) {
		log_warnx("database: %s", pgstore_errmsg(l->ps));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct site_state *s;
		if (!v[i].has_config)
			continue;
		s = site_get(l, v[i].site);
		if (pgstore_progress(l->ps, s->site, 0, 0, 0, &s->contiguous, &s->highest) != 0) {
			log_warnx("database: %s", pgstore_errmsg(l->ps));
			break;
		}
		ask(l, s, now, why);
	}
	pgstore_sites_free(v, n);
}

static void
gaps_seen(struct loop *l, const struct gap *g, size_t n)
{
	int64_t now = time_mono_ms();

	for (size_t i = 0; i < n; i++) {
		struct site_state *s = site_get(l, g[i].site);
		if (g[i].contiguous != s->contiguous || g[i].highest <= g[i].contiguous)
			s->gap_since = 0;   /* moving, or closed */
		s->contiguous = g[i].contiguous;
		s->highest = g[i].highest;
		if (s->highest > s->contiguous && s->gap_since == 0)
			s->gap_since = now;
	}
}

/* A gap that has not moved for gap_wait is asked for; again after another
 * gap_wait while it stays (the base may have been unreachable). */
static void
gaps_ask(struct loop *l)
{
	int64_t now = time_mono_ms();

	for (size_t i = 0; i < l->nsites; i++) {
		struct site_state *s = &l->sites[i];
		if (s->gap_since == 0 || now - s->gap_since < l->c->gap_wait_ms ||
		    now - s->asked_at < l->c->gap_wait_ms)
			continue;
		/* another collector may have stored the missing ones meanwhile */
		if (pgstore_progress(l->ps, s->site, 0, 0, 0, &s->contiguous, &s->highest) != 0) {
			log_warnx("database: %s", pgstore_errmsg(l->ps));
			continue;
		}
		if (s->highest <= s->contiguous) {
			s->gap_since = 0;
			continue;
		}
		log_notice("site %s: records %" PRId64 " to %" PRId64 " are missing", s->site,
		    s->contiguous + 1, s->highest);
		ask(l, s, now, "a gap");
	}
}

static void
pg_wait(struct loop *l)
{
	int64_t backoff = PG_RETRY_MIN_MS;
	struct ratelimit rl = RATELIMIT_INIT(RATELIMIT_MINUTE);

	while (!stop_flag && pgstore_reconnect(l->ps) != 0) {
		struct timespec ts = { backoff / 1000, (backoff % 1000) * 1000000L };
		if (ratelimit_pass(&rl, time_mono_ms()) > 0) {
			int full;
			size_t held = net_held(l->net, &full);
			log_warnx("database: %s; retrying (%zu messages wait in memory%s)",
			    pgstore_errmsg(l->ps), held, full ? ", the most it holds: the broker keeps "
			    "what follows" : "");
		}
		nanosleep(&ts, NULL);
		backoff = backoff * 2 > PG_RETRY_MAX_MS ? PG_RETRY_MAX_MS : backoff * 2;
	}
	if (!stop_flag)
		log_notice("database: connected again");
}

static int
is_config(const struct message *m)
{
	size_t n = strlen(m->topic);
	return n > 7 && strcmp(m->topic + n - 7, "/config") == 0;
}

#define BATCH_TRIES 3

/* Stores a batch (prepared already, or p NULL), waiting for the database
 * while it is away. A batch the database keeps refusing while it is up (a
 * deadlock between collectors is retried; something in it the database
 * cannot take is not) is split into single messages, so that one bad
 * message holds up no other; a single one refused every time is logged
 * and left to the base's resend. */
static void
store_events(struct loop *l, struct message *ev, size_t nev, const struct prepared *p)
{
	struct prepared *own = NULL;
	int tries = 0;

	if (p == NULL && (p = own = ingest_prepare(ev, nev)) == NULL)
		fatalx("out of memory");
	while (!stop_flag) {
		struct gap *g = NULL;
		size_t ng = 0;
		if (ingest_store(l->ps, p, &l->st, &g, &ng) == 0) {
			gaps_seen(l, g, ng);
			free(g);
			break;
		}
		log_warnx("database: %s", pgstore_errmsg(l->ps));
		if (!pgstore_up(l->ps)) {
			pg_wait(l);
			continue;
		}
		if (++tries < BATCH_TRIES)
			continue;
		if (nev > 1) {
			log_warnx("database: a batch of %zu refused %d times; storing its messages one by one",
			    nev, tries);
			for (size_t i = 0; i < nev && !stop_flag; i++)
				store_events(l, &ev[i], 1, NULL);
			break;
		}
		log_errx("%s: a message the database refuses (%s); not stored, left to the base to "
		    "send again", ev[0].topic, pgstore_errmsg(l->ps));
		break;
	}
	ingest_prepared_free(own);
}

/* Events taken from the broker, read and checked, waiting to be stored. */
struct pending {
	struct message *ev;
	size_t nev;
	struct prepared *p;
};

static void
pending_free(struct net *net, struct pending *e)
{
	ingest_prepared_free(e->p);
	for (size_t i = 0; i < e->nev; i++)
		net_message_free(net, &e->ev[i]);
	free(e->ev);
	memset(e, 0, sizeof(*e));
}

/*
 * One batch taken from the broker: its events are read and checked in a
 * thread while the events of the batch before (*prev) are stored; then
 * its configs are stored (a site's records need its config) and its
 * events become *prev. Nothing is dropped while the database is away.
 */
static void
handle(struct loop *l, struct message *m, size_t n, struct pending *prev)
{
	struct pending next = { 0 };
	struct ingest_job job;

	if ((next.ev = malloc((n ? n : 1) * sizeof(*next.ev))) == NULL)
		fatalx("out of memory");
	for (size_t i = 0; i < n; i++)
		if (!is_config(&m[i]))
			next.ev[next.nev++] = m[i];
	if (next.nev > 0)
		ingest_prepare_start(&job, next.ev, next.nev);
	if (prev->nev > 0)
		store_events(l, prev->ev, prev->nev, prev->p);
	pending_free(l->net, prev);
	if (next.nev > 0 && (next.p = ingest_prepare_wait(&job)) == NULL)
		fatalx("out of memory");
	for (size_t i = 0; i < n; i++) {
		char site[COLLECT_SITE_MAX] = "";
		if (!is_config(&m[i]))
			continue;
		while (!stop_flag && ingest_config(l->ps, &m[i], &l->st, site, sizeof(site)) != 0) {
			log_warnx("database: %s", pgstore_errmsg(l->ps));
			pg_wait(l);
		}
		if (site[0]) {
			struct site_state *s = site_get(l, site);
			int64_t hi;
			/* a base that (re)connected: whatever it holds beyond our chain */
			if (pgstore_site_state(l->ps, site, &s->contiguous, &hi, NULL) > 0)
				ask(l, s, time_mono_ms(), "its config arrived");
		}
		net_message_free(l->net, &m[i]);
	}
	*prev = next;
}

static int
run(const struct collect_conf *c)
{
	struct loop l;
	struct message *batch;
	struct pending prev = { 0 };
	struct sigaction sa;
	char err[512];
	int64_t backoff = PG_RETRY_MIN_MS, last_report = time_mono_ms();
	unsigned long long reported = 0;

	memset(&l, 0, sizeof(l));
	l.c = c;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* the database first: the schema must exist before anything is taken */
	while (pgstore_open(c->database, 1, &l.ps, err, sizeof(err)) != 0) {
		struct timespec ts = { backoff / 1000, (backoff % 1000) * 1000000L };
		log_warnx("database: %s; retrying", err);
		if (stop_flag)
			return 1;
		nanosleep(&ts, NULL);
		backoff = backoff * 2 > PG_RETRY_MAX_MS ? PG_RETRY_MAX_MS : backoff * 2;
	}
	log_notice("database: schema version %d", pgstore_schema_version(l.ps));
	if ((l.net = net_start(c, err, sizeof(err))) == NULL) {
		log_errx("%s", err);
		pgstore_close(l.ps);
		return 1;
	}
	if ((batch = calloc((size_t)c->batch, sizeof(*batch))) == NULL)
		fatalx("out of memory");
	printf("tbm-collect: running\n");
	fflush(stdout);
	while (!stop_flag) {
		/* events waiting to be stored: whatever has come meanwhile, at once */
		size_t n = net_take(l.net, batch, (size_t)c->batch, prev.nev ? 0 : c->flush_ms);
		int64_t now = time_mono_ms();
		if (n > 0 || prev.nev > 0)
			handle(&l, batch, n, &prev);
		if (net_reconnected(l.net))
			resync(&l, "connected to the broker");
		else if (now - l.last_resync >= c->resync_ms)
			resync(&l, "resync");
		gaps_ask(&l);
		if (now - last_report >= 60000 && l.st.stored != reported) {
			log_info("%llu records stored, %llu duplicates, %llu tamper alarms, %llu kept aside",
			    l.st.stored, l.st.duplicates, l.st.tamper, l.st.rejected);
			reported = l.st.stored;
			last_report = now;
		}
	}
	log_notice("stopping: %llu records stored, %llu duplicates, %llu tamper alarms, %llu kept "
	    "aside", l.st.stored, l.st.duplicates, l.st.tamper, l.st.rejected);
	/* what was taken but not yet stored is the base's to send again */
	pending_free(l.net, &prev);
	net_stop(l.net);
	free(batch);
	free(l.sites);
	pgstore_close(l.ps);
	return 0;
}

static void
iso(int64_t ms, char *buf, size_t len)
{
	if (ms == 0)
		snprintf(buf, len, "-");
	else
		time_format_iso(ms, buf, len);
}

static int
status(const struct collect_conf *c, int json)
{
	struct pgstore *ps;
	struct pg_site *v = NULL;
	struct pg_aside *a = NULL;
	size_t n = 0, na = 0;
	char err[512], t[64];
	int rc = 1;

	if (pgstore_open(c->database, 0, &ps, err, sizeof(err)) != 0) {
		fprintf(stderr, "tbm-collect: database: %s\n", err);
		return 1;
	}
	if (pgstore_sites(ps, &v, &n) != 0 || pgstore_aside(ps, 0, 50, &a, &na) != 0) {
		fprintf(stderr, "tbm-collect: database: %s\n", pgstore_errmsg(ps));
		goto out;
	}
	if (json) {
		cJSON *o = cJSON_CreateObject(), *sites = cJSON_AddArrayToObject(o, "sites");
		cJSON *al = cJSON_AddArrayToObject(o, "kept_aside");
		char *s;
		for (size_t i = 0; i < n; i++) {
			cJSON *x = cJSON_CreateObject();
			cJSON_AddItemToArray(sites, x);
			cJSON_AddStringToObject(x, "site", v[i].site);
			if (v[i].name)
				cJSON_AddStringToObject(x, "name", v[i].name);
			else
				cJSON_AddNullToObject(x, "name");
			cJSON_AddBoolToObject(x, "config", v[i].has_config);
			cJSON_AddNumberToObject(x, "last_seq", (double)v[i].contiguous);
			cJSON_AddNumberToObject(x, "highest_seq", (double)v[i].highest);
			cJSON_AddNumberToObject(x, "missing", (double)(v[i].highest - v[i].contiguous -
			    v[i].held_above));
			if (v[i].last_seen) {
				iso(v[i].last_seen, t, sizeof(t));
				cJSON_AddStringToObject(x, "last_seen", t);
			} else
				cJSON_AddNullToObject(x, "last_seen");
			cJSON_AddNumberToObject(x, "lag_ms", (double)v[i].lag_ms);
			cJSON_AddNumberToObject(x, "alarms", (double)v[i].alarms);
			cJSON_AddNumberToObject(x, "rejected", (double)v[i].rejected);
		}
		for (size_t i = 0; i < na; i++) {
			cJSON *x = cJSON_CreateObject();
			cJSON_AddItemToArray(al, x);
			iso(a[i].at, t, sizeof(t));
			cJSON_AddStringToObject(x, "at", t);
			if (a[i].site)
				cJSON_AddStringToObject(x, "site", a[i].site);
			else
				cJSON_AddNullToObject(x, "site");
			if (a[i].seq)
				cJSON_AddNumberToObject(x, "seq", (double)a[i].seq);
			else
				cJSON_AddNullToObject(x, "seq");
			cJSON_AddStringToObject(x, "kind", a[i].kind);
			cJSON_AddStringToObject(x, "message", a[i].message);
		}
		s = cJSON_Print(o);
		printf("%s\n", s);
		cJSON_free(s);
		cJSON_Delete(o);
	} else {
		printf("%-16s %10s %10s %8s %-25s %8s %7s %8s\n", "SITE", "LAST SEQ", "HIGHEST",
		    "MISSING", "LAST SEEN", "LAG", "ALARMS", "REJECTED");
		for (size_t i = 0; i < n; i++) {
			iso(v[i].last_seen, t, sizeof(t));
			printf("%-16s %10" PRId64 " %10" PRId64 " %8" PRId64 " %-25s %6.1fs %7" PRId64 " %8"
			    PRId64 "%s\n", v[i].site, v[i].contiguous, v[i].highest,
			    v[i].highest - v[i].contiguous - v[i].held_above, t, (double)v[i].lag_ms / 1000.0,
			    v[i].alarms, v[i].rejected, v[i].has_config ? "" : "  (no config yet)");
		}
		if (na > 0)
			printf("\nkept aside (newest first):\n");
		for (size_t i = 0; i < na; i++) {
			iso(a[i].at, t, sizeof(t));
			printf("  %s %s %s", t, strcmp(a[i].kind, "tamper") == 0 ? "TAMPER ALARM" : a[i].kind,
			    a[i].site ? a[i].site : "-");
			if (a[i].seq)
				printf(" #%" PRId64, a[i].seq);
			printf(": %s\n", a[i].message);
		}
	}
	rc = 0;
out:
	pgstore_sites_free(v, n);
	pgstore_aside_free(a, na);
	pgstore_close(ps);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *path = COLLECT_DEFAULT_CONFIG;
	struct collect_conf c;
	int check = 0, ch, rc;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' }, { "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 } };
	int json = 0;

	log_init("tbm-collect", LOG_INFO_, getenv("JOURNAL_STREAM") != NULL || !isatty(STDERR_FILENO));
	while ((ch = getopt_long(argc, argv, "c:nh", longopts, NULL)) != -1)
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (argc == 1 && strcmp(argv[0], "status") != 0) || (json && argc == 0) ||
	    (check && argc)) {
		usage(stderr);
		return 2;
	}
	if (collect_conf_load(path, &c) != 0)
		return 1;
	if (check) {
		printf("configuration OK\n");
		collect_conf_free(&c);
		return 0;
	}
	log_set_level(c.log_level);
	rc = argc == 1 ? status(&c, json) : run(&c);
	collect_conf_free(&c);
	return rc;
}
