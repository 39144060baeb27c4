/*
 * log.c - stderr logging with sd-daemon priority prefixes, and a small
 * rate limiter for messages that could otherwise flood the journal.
 */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *log_ident = "tbmon";
/* a reload changes it while other threads log: an atomic */
static atomic_int log_threshold = LOG_INFO_;
static int log_prefix;

static const struct {
	const char *name;
	int level;
} levels[] = {
	{ "debug", LOG_DEBUG_ }, { "info", LOG_INFO_ }, { "notice", LOG_NOTICE_ },
	{ "warning", LOG_WARNING_ }, { "err", LOG_ERR_ },
};

void
log_init(const char *ident, int level, int prefix)
{
	log_ident = ident;
	atomic_store_explicit(&log_threshold, level, memory_order_relaxed);
	log_prefix = prefix;
}

void
log_set_level(int level)
{
	atomic_store_explicit(&log_threshold, level, memory_order_relaxed);
}

int
log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcmp(s, levels[i].name) == 0)
			return levels[i].level;
	return -1;
}

void
log_msg(int level, int with_errno, const char *fmt, va_list ap)
{
	char buf[1024];
	int saved = errno;
	int n;

	if (level > atomic_load_explicit(&log_threshold, memory_order_relaxed))
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	/* one fprintf per message so that lines from threads do not interleave */
	if (log_prefix)
		fprintf(stderr, "<%d>%s%s%s\n", level, buf, with_errno ? ": " : "",
		    with_errno ? strerror(saved) : "");
	else
		fprintf(stderr, "%s: %s%s%s\n", log_ident, buf, with_errno ? ": " : "",
		    with_errno ? strerror(saved) : "");
	errno = saved;
}

/* One message at a level, then `then`: return, or exit(1) for fatal. */
#define LOG_FN(name, level, with_errno, then)        \
	void name(const char *fmt, ...)              \
	{                                            \
		va_list ap;                          \
		va_start(ap, fmt);                   \
		log_msg(level, with_errno, fmt, ap); \
		va_end(ap);                          \
		then;                                \
	}

LOG_FN(log_debug, LOG_DEBUG_, 0, return)
LOG_FN(log_info, LOG_INFO_, 0, return)
LOG_FN(log_notice, LOG_NOTICE_, 0, return)
LOG_FN(log_warn, LOG_WARNING_, 1, return)
LOG_FN(log_warnx, LOG_WARNING_, 0, return)
LOG_FN(log_err, LOG_ERR_, 1, return)
LOG_FN(log_errx, LOG_ERR_, 0, return)
LOG_FN(fatal, LOG_ERR_, 1, exit(1))
LOG_FN(fatalx, LOG_ERR_, 0, exit(1))

unsigned long
ratelimit_pass(struct ratelimit *rl, long long now_ms)
{
	unsigned long n;

	if (rl->last_ms != 0 && now_ms - rl->last_ms < rl->interval_ms) {
		rl->suppressed++;
		return 0;
	}
	n = rl->suppressed + 1;
	rl->suppressed = 0;
	rl->last_ms = now_ms;
	return n;
}
