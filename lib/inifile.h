/*
 * inifile.h - what every INI-style reader of the project shares: an error
 * names its place as FILE:LINE: message (FILE: message for the file as a
 * whole), every error is counted, and each goes to the caller's sink or to
 * stderr. tbmond.conf, the simulator's scenarios and the evaluation files
 * all report this way.
 */
#ifndef TBM_INIFILE_H
#define TBM_INIFILE_H

#include <stdarg.h>

/* Where a reader's errors go. Zero-initialised: counted, printed on stderr. */
struct inifile_diag {
	int nerrors;
	void (*sink)(void *arg, const char *msg);   /* NULL: one line on stderr */
	void *arg;
};

/* Reports one error at FILE:LINE (line <= 0: the whole file; file NULL: no place,
 * as for the command line) and counts it. */
void inifile_error(struct inifile_diag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void inifile_verror(struct inifile_diag *d, const char *file, int line, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

#endif
