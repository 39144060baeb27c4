/*
 * i18n.h - the language people read: tbmctl (and the other tools people
 * use) speak Chinese through gettext's zh_CN catalog when the locale is
 * Chinese, English otherwise. tbmond never calls i18n_init(): its log stays
 * English, whatever the locale, for whoever greps it.
 */
#ifndef TBM_I18N_H
#define TBM_I18N_H

#include <libintl.h>

#define TBM_TEXTDOMAIN "tbmon"
/* a message people read */
#define _(s) dgettext(TBM_TEXTDOMAIN, s)
/* marks a string for the catalog where it is translated later (tables) */
#define N_(s) (s)
/* a message with a number: singular, plural, the number */
#define P_(s, p, n) dngettext(TBM_TEXTDOMAIN, s, p, n)

/* i18n_init: the locale's messages category, our catalog's directory
 * (TBMON_LOCALEDIR overrides the installed one, for tests from the build
 * tree). A Chinese LANG/LC_ALL/LC_MESSAGES is honoured even where the system
 * lacks that locale's definition (minimal containers have only C.UTF-8). */
void i18n_init(void);
/* i18n_chinese: 1 when messages are in Chinese. */
int i18n_chinese(void);

#endif
