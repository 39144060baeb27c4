/*
 * timeline.c - the scenario's [at TIME] steps, applied when their time
 * comes and announced on stdout; with [sim] loop, the devices go back to
 * their initial values and behaviours and the steps start over.
 */
#include "sim.h"

#include "tbmtime.h"

static struct scenario *tl_sc;
static int64_t tl_base;      /* monotonic ms of the current pass's time 0 */
static size_t tl_next;       /* the next step to apply */
static unsigned long tl_pass;

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
		printf("at %s %s\n", when, st->assigns[i].text);
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
		printf("loop %lu\n", tl_pass);
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
