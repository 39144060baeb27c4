/*
 * i18n.c - choosing the language of the tools' messages (see i18n.h).
 */
#include "i18n.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TBM_LOCALEDIR
#define TBM_LOCALEDIR "/usr/share/locale"
#endif

/* The first of the variables that name the messages' locale, as setlocale
 * reads them. */
static const char *
wanted_locale(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i]);
		if (v != NULL && *v != '\0')
			return v;
	}
	return NULL;
}

void
i18n_init(void)
{
	const char *dir = getenv("TBMON_LOCALEDIR");
	const char *cur, *want = wanted_locale();

	cur = setlocale(LC_MESSAGES, "");
	/* gettext ignores LANGUAGE in the "C" locale: where the Chinese locale
	 * is not installed, C.UTF-8 with LANGUAGE set to it does the same */
	if ((cur == NULL || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0) && want != NULL &&
	    strncmp(want, "zh", 2) == 0 &&
	    (setlocale(LC_MESSAGES, "C.UTF-8") != NULL || setlocale(LC_MESSAGES, "C.utf8") != NULL)) {
		char lang[32];
		snprintf(lang, sizeof(lang), "%.*s", (int)strcspn(want, ".@"), want);
		setenv("LANGUAGE", lang, 0);
	}
	bindtextdomain(TBM_TEXTDOMAIN, dir != NULL && *dir != '\0' ? dir : TBM_LOCALEDIR);
	bind_textdomain_codeset(TBM_TEXTDOMAIN, "UTF-8");
}

int
i18n_chinese(void)
{
	/* the catalog answers for its own header: a translated empty id */
	const char *h = dgettext(TBM_TEXTDOMAIN, "");

	return h != NULL && *h != '\0' && strstr(h, "Language: zh") != NULL;
}
