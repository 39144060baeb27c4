/*
 * timeline.c - the scenario's [at TIME] steps, applied when their time
 * comes and announced on stdout; with [sim] loop, the devices go back to
 * their initial values and behaviours and the steps start over.
 */
#include "sim.h"

#include <stdarg.h>
#include <unistd.h>

#include "log.h"
#include "tbmtime.h"

static struct scenario *tl_sc;
static int64_t tl_base;      /* monotonic ms of the current pass's time 0 */
static size_t tl_next;       /* the next step to apply */
static unsigned long tl_pass;
static unsigned long long tl_dropped;   /* announcements nobody could take */

/*
 * An announcement is news, not an answer: when nobody reads stdout (a pipe
 * that is full, or whose reader has gone) it is dropped and counted instead
 * of stopping the simulator, whose devices must go on answering. A line of
 * less than a page never blocks once poll() says the pipe has room.
 */
static void
announce(const char *fmt, ...)
{
	struct pollfd p = { STDOUT_FILENO, POLLOUT, 0 };
	va_list ap;

	fflush(stdout);
	if (poll(&p, 1, 0) != 1 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)) || !(p.revents & POLLOUT)) {
		if (tl_dropped++ == 0)
			log_warnx("nobody reads stdout: timeline lines are dropped (counted at exit)");
		return;
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

unsigned long long
timeline_dropped(void)
{
	return tl_dropped;
}

void
timeline_start(struct scenario *sc, int64_t now)
{
	tl_sc = sc;
	tl_base = now;
	tl_next = 0;
	tl_pass = 1;
}

static void
apply_step(const struct step *st)
{
	char when[32];

	time_format_duration(st->at_ms, when, sizeof(when));
	for (size_t i = 0; i < st->nassigns; i++) {
		assign_apply(&st->assigns[i]);
		announce("at %s %s\n", when, st->assigns[i].text);
	}
}

void
timeline_run(int64_t now)
{
	if (tl_sc == NULL)
		return;
	for (;;) {
		while (tl_next < tl_sc->nsteps && tl_base + tl_sc->steps[tl_next].at_ms <= now)
			apply_step(&tl_sc->steps[tl_next++]);
		if (tl_sc->loop_ms <= 0 || now < tl_base + tl_sc->loop_ms)
			return;
		/* steps are all before loop_ms (checked when parsing), so each
		 * pass has applied them all by now */
		tl_base += tl_sc->loop_ms;
		tl_next = 0;
		tl_pass++;
		for (size_t i = 0; i < tl_sc->ndevices; i++)
			device_reset(tl_sc->devices[i]);
		announce("loop %lu\n", tl_pass);
	}
}

int64_t
timeline_next_deadline(void)
{
	if (tl_sc == NULL)
		return INT64_MAX;
	if (tl_next < tl_sc->nsteps)
		return tl_base + tl_sc->steps[tl_next].at_ms;
	if (tl_sc->loop_ms > 0)
		return tl_base + tl_sc->loop_ms;
	return INT64_MAX;
}
