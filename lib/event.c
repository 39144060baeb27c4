/*
 * event.c - the one table of names of each event word declared in event.h.
 */
#include "event.h"

#include <string.h>

static const char *const kind_names[FK_COUNT] = {
	[FK_FAULT] = FK_FAULT_NAME,
	[FK_COMM] = FK_COMM_NAME,
	[FK_SAFETY] = FK_SAFETY_NAME,
};

static const char *const class_names[SC_COUNT] = {
	[SC_ACCIDENT] = SC_ACCIDENT_NAME,
	[SC_NEAR_MISS] = SC_NEAR_MISS_NAME,
	[SC_DRILL] = SC_DRILL_NAME,
	[SC_NONE] = SC_NONE_NAME,
};

static const char *const class_labels[SC_COUNT] = {
	[SC_ACCIDENT] = "事故",
	[SC_NEAR_MISS] = "未遂",
	[SC_DRILL] = "演练",
	[SC_NONE] = "非事件",
};

/* The index of s in a table of n names, -1 if it is none of them. */
static int
name_index(const char *const *names, int n, const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *
fault_kind_name(enum fault_kind k)
{
	return (unsigned)k < FK_COUNT ? kind_names[k] : "?";
}

int
fault_kind_parse(const char *s)
{
	return name_index(kind_names, FK_COUNT, s);
}

const char *
safety_class_name(enum safety_class c)
{
	return c >= 0 && c < SC_COUNT ? class_names[c] : NULL;
}

int
safety_class_parse(const char *s)
{
	return name_index(class_names, SC_COUNT, s);
}

const char *
safety_class_label(enum safety_class c)
{
	return c >= 0 && c < SC_COUNT ? class_labels[c] : NULL;
}

int
safety_class_parse_word(const char *s)
{
	int c = name_index(class_names, SC_COUNT, s);

	if (c < 0 && (c = name_index(class_labels, SC_COUNT, s)) < 0 && s != NULL &&
	    strcmp(s, "安全事故") == 0)
		c = SC_ACCIDENT;
	return c;
}
