/*
 * inifile.h - what every INI-style reader of the project shares: an error
 * names its place as FILE:LINE: message (FILE: message for the file as a
 * whole), every error is counted, and each goes to the caller's sink or to
 * stderr. tbmond.conf, the simulator's scenarios and the evaluation files
 * all report this way, and say their common complaints (an unknown key or
 * section, a missing or repeated key, a bad value) in the same words, in the
 * language of the messages (lib/i18n.h: Chinese under a Chinese locale in the
 * tools people run; tbmond's log stays English).
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

/* The shared complaints. Keys, sections and values are quoted as written in
 * the file (people search their file for them); `known`, where not NULL, is
 * the list of what would have been right, as written in the file too. */
/* unknown key 'KEY' in [SECTION NAME] (KNOWN); name may be NULL */
void inifile_unknown_key(struct inifile_diag *d, const char *file, int line, const char *key,
    const char *section, const char *name, const char *known);
/* unknown section [SECTION] (KNOWN) */
void inifile_unknown_section(struct inifile_diag *d, const char *file, int line,
    const char *section, const char *known);
/* KEY = is missing (WHAT); what (already in the messages' language) may be NULL */
void inifile_missing(struct inifile_diag *d, const char *file, int line, const char *key,
    const char *what);
/* KEY set twice [in [SECTION NAME]] (first on line FIRST); section may be NULL */
void inifile_set_twice(struct inifile_diag *d, const char *file, int line, const char *key,
    const char *section, const char *name, int first);
/* KEY: empty value */
void inifile_empty_value(struct inifile_diag *d, const char *file, int line, const char *key);
/* KEY: 'VALUE' is not EXPECTED (a phrase already in the messages' language:
 * _("a number"), _("yes or no")) */
void inifile_bad_value(struct inifile_diag *d, const char *file, int line, const char *key,
    const char *value, const char *expected);
/* KEY: VALUE is out of range [LO, HI] */
void inifile_out_of_range(struct inifile_diag *d, const char *file, int line, const char *key,
    const char *value, const char *lo, const char *hi);
#endif
