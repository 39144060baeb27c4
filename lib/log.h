/*
 * log.h - logging to stderr with sd-daemon priority prefixes ("<3>...") so
 * that the journal keeps the severity; shared by the daemon and the tools.
 */
#ifndef TBM_LOG_H
#define TBM_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERR_ = 3, LOG_WARNING_ = 4, LOG_NOTICE_ = 5, LOG_INFO_ = 6, LOG_DEBUG_ = 7 };

/* log_init: set the name shown in front of messages and the threshold.
 * prefix != 0 writes "<N>" priority prefixes (for the journal) instead of a name. */
void log_init(const char *ident, int level, int prefix);
void log_set_level(int level);
/* log_level_parse: "debug|info|notice|warning|err" -> level, -1 if unknown. */
int log_level_parse(const char *s);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. Likewise err/errx. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_msg(int level, int with_errno, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* A rate limiter for repeated messages: at most one per `interval_ms`;
 * ratelimit_pass() returns 0 when this one should be suppressed, else how
 * many were suppressed since the last one passed, plus one (this one). Not thread-safe: one per owner. */
struct ratelimit {
	long long interval_ms;
	long long last_ms;
	unsigned long suppressed;
};
unsigned long ratelimit_pass(struct ratelimit *rl, long long now_ms);
/* A limiter's initialiser: `struct ratelimit rl = RATELIMIT_INIT(RATELIMIT_MINUTE);`
 * (as a value: `(struct ratelimit)RATELIMIT_INIT(ms)`). */
#define RATELIMIT_INIT(ms) { .interval_ms = (ms), .last_ms = 0, .suppressed = 0 }
#define RATELIMIT_MINUTE 60000

#endif
