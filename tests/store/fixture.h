/*
 * fixture.h - a real database in a scratch directory, recorded from a small
 * configuration, for the store and indicator tests.
 */
#ifndef TBM_TEST_FIXTURE_H
#define TBM_TEST_FIXTURE_H

#include <stdint.h>

#include "config.h"
#include "store.h"

struct fixture {
	char dir[256];
	char db[300];
	struct config *cf;
	struct store *st;
};

/* fixture_open: a fresh database from the standard test configuration. */
int fixture_open(void **state);
int fixture_close(void **state);

/* Shanghai local time as ms. */
int64_t sh(int y, int mo, int d, int h, int mi);
/* An automatic event written through the writer's path. */
void ev(struct store *st, int type, int kind, const char *dev, const char *point, double code,
    int64_t at);

/* The actor of an account the fixture created: 张经理 (manager), 王工 and
 * 李工 (technicians), 赵科 (viewer). */
const struct actor *as(const char *name);

#define HOUR (3600LL * 1000)
#define DAY (24 * HOUR)

#endif
