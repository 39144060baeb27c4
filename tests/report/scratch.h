/*
 * scratch.h - a scratch directory per test with the fixture evaluation
 * (tests/report/data) copied in, and small file helpers.
 */
#ifndef TBM_TEST_SCRATCH_H
#define TBM_TEST_SCRATCH_H

struct scratch {
	char dir[256];
};

/* scratch_new: a fresh directory holding a copy of data/. */
void scratch_new(struct scratch *s);
void scratch_free(struct scratch *s);
/* scratch_write: DIR/name with the given text (printf-style). */
void scratch_write(const struct scratch *s, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* scratch_path: DIR/name in a static buffer (one at a time). */
const char *scratch_path(const struct scratch *s, const char *name);

#endif
