/*
 * cfref.h - a configuration shared by whatever was built from it. A reload
 * makes a new one; links that did not change keep running on the old one,
 * which is freed when the last of them lets go. Only the main thread takes
 * and drops references.
 */
#ifndef TBMOND_CFREF_H
#define TBMOND_CFREF_H

#include <stdlib.h>

#include "config.h"

struct cfref {
	struct config *cf;
	int refs;
};

static inline struct cfref *
cfref_new(struct config *cf)
{
	struct cfref *r = calloc(1, sizeof(*r));

	if (r != NULL) {
		r->cf = cf;
		r->refs = 1;
	}
	return r;
}

static inline struct cfref *
cfref_get(struct cfref *r)
{
	r->refs++;
	return r;
}

static inline void
cfref_put(struct cfref *r)
{
	if (r != NULL && --r->refs == 0) {
		config_free(r->cf);
		free(r);
	}
}

#endif
