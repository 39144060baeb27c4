/*
 * opts.c - the one option parser of tbmctl's commands: each command lists
 * its options as a table (name, whether it takes a value, where it goes), so
 * that the messages for a bad, missing, refused or empty option are the
 * same everywhere and a fix lands once.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "tbmctl.h"

#define OPT_FIRST 256   /* getopt's values for our options: above any character */

int
ctl_bad_option(struct ctl *ctl, int ch, char **argv)
{
	char opt[3] = { '-', (char)optopt, '\0' };
	const char *prev = optind > 0 ? argv[optind - 1] : "";
	const char *name = strncmp(prev, "--", 2) == 0 || optopt == 0 ? prev : opt;

	if (ch == ':')
		return ctl_usage_error(ctl, _("option %s needs an argument"), name);
	return ctl_usage_error(ctl, _("unknown option %s"), name);
}

/* Whether `name` is one of the space-separated words of `allowed`. */
static int
takes(const char *allowed, const char *name)
{
	size_t len = strlen(name);

	for (const char *w = allowed; *w; ) {
		size_t wl = strcspn(w, " ");
		if (wl == len && strncmp(w, name, len) == 0)
			return 1;
		w += wl;
		w += strspn(w, " ");
	}
	return 0;
}

/* Stores one option's value where its row says. */
static int
store_opt(struct ctl *ctl, const struct ctl_opt *o, const char *arg)
{
	switch (o->arg) {
	case CTL_FLAG:
		*(int *)o->to = 1;
		return 0;
	case CTL_TEXT:
		if (arg[0] == '\0' || strspn(arg, " \t") == strlen(arg))
			return ctl_usage_error(ctl, _("--%s must not be empty"), o->name);
		break;
	case CTL_LIST: {
		struct ctl_list *l = o->to;
		if (arg[0] == '\0' || strspn(arg, " \t") == strlen(arg))
			return ctl_usage_error(ctl, _("--%s must not be empty"), o->name);
		if (l->n == CTL_LIST_MAX)
			return ctl_usage_error(ctl, _("at most %d --%s"), CTL_LIST_MAX, o->name);
		l->v[l->n++] = (char *)arg;
		return 0;
	}
	case CTL_ARG:
		break;
	}
	*(const char **)o->to = arg;
	return 0;
}

int
ctl_opts(struct ctl *ctl, int argc, char **argv, const struct ctl_opt *opts, size_t nopts,
    const char *allowed)
{
	struct option longopts[CTL_OPTS_MAX + 1];
	char label[64];
	int ch;

	if (nopts > CTL_OPTS_MAX) {
		ctl_error("internal: %zu options, at most %d", nopts, CTL_OPTS_MAX);
		return EXIT_ERR;
	}
	memset(longopts, 0, sizeof(longopts));
	for (size_t i = 0; i < nopts; i++) {
		longopts[i].name = opts[i].name;
		longopts[i].has_arg = opts[i].arg == CTL_FLAG ? no_argument : required_argument;
		longopts[i].val = OPT_FIRST + (int)i;
	}
	/* a subcommand (user add) is named with its command */
	if (argc > 0 && ctl->cmd != NULL && strcmp(argv[0], ctl->cmd) != 0)
		snprintf(label, sizeof(label), "%s %s", ctl->cmd, argv[0]);
	else
		snprintf(label, sizeof(label), "%s", ctl->cmd ? ctl->cmd : "tbmctl");
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		const struct ctl_opt *o;
		int rc;

		if (ch < OPT_FIRST || ch >= OPT_FIRST + (int)nopts)
			return ctl_bad_option(ctl, ch, argv);
		o = &opts[ch - OPT_FIRST];
		if (allowed != NULL && !takes(allowed, o->name))
			return ctl_usage_error(ctl, _("%s does not take --%s"), label, o->name);
		if ((rc = store_opt(ctl, o, optarg)) != 0)
			return rc;
	}
	return 0;
}

int
ctl_no_args(struct ctl *ctl, int argc, char **argv)
{
	if (optind < argc)
		return ctl_usage_error(ctl, _("unexpected argument '%s'"), argv[optind]);
	return 0;
}

int
ctl_arg_id(struct ctl *ctl, int argc, char **argv, int64_t *id)
{
	if (optind >= argc)
		return ctl_usage_error(ctl, _("%s: which fault? (an ID from 'tbmctl faults')"), ctl->cmd);
	if (optind + 1 < argc)
		return ctl_usage_error(ctl, _("unexpected argument '%s'"), argv[optind + 1]);
	return ctl_parse_id(argv[optind], id) == 0 ? 0 : EXIT_ERR;
}
