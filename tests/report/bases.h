/*
 * bases.h - two bases' databases with a known 2023 history, built through
 * lib/store.h exactly as tbmond and tbmctl would write them, for the
 * evaluation tests. The expected figures are listed in bases.c.
 */
#ifndef TBM_TEST_BASES_H
#define TBM_TEST_BASES_H

/* bases_make: DIR/base-a.db (pudong) and DIR/base-b.db (minhang).
 * 0 ok, -1 with a message on stderr. Sets the zone to Asia/Shanghai. */
int bases_make(const char *dir);
/* bases_make_busy: DIR/base-busy.db (busy): 40 devices, n faults in 2023,
 * two of three not repaired. */
int bases_make_busy(const char *dir, int n);

#endif
