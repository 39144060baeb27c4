/*
 * evalfile.c - the evaluation file (INI, read with inih): [evaluation] with
 * its key table and [survey NAME] sections; paths are taken relative to the
 * file. Also the period: a year or from/to, resolved in the current zone.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "tbmreport.h"
#include "tbmtime.h"

#define LINE_MAX_LEN 4096

enum ktype { K_STR, K_PATH, K_PATHLIST, K_FRACTION, K_YEAR, K_TIME, K_BOOL };

static const struct key {
	const char *name;
	enum ktype type;
	size_t off;
} keys[] = {
	{ "policy", K_STR, offsetof(struct evalfile, policy) },
	{ "department", K_STR, offsetof(struct evalfile, department) },
	{ "project", K_STR, offsetof(struct evalfile, project) },
	{ "unit", K_STR, offsetof(struct evalfile, unit) },
	{ "goal", K_STR, offsetof(struct evalfile, goal) },
	{ "achieved", K_STR, offsetof(struct evalfile, achieved) },
	{ "period", K_YEAR, offsetof(struct evalfile, period.year) },
	{ "from", K_TIME, offsetof(struct evalfile, period.from) },
	{ "to", K_TIME, offsetof(struct evalfile, period.to) },
	{ "cutoff", K_TIME, offsetof(struct evalfile, period.cutoff) },
	{ "targets", K_PATH, offsetof(struct evalfile, targets) },
	{ "figures", K_PATH, offsetof(struct evalfile, figures) },
	{ "budget", K_PATH, offsetof(struct evalfile, budget) },
	{ "databases", K_PATHLIST, offsetof(struct evalfile, databases) },
	{ "normal_availability", K_FRACTION, offsetof(struct evalfile, normal_availability) },
	{ "count_comm_faults", K_BOOL, offsetof(struct evalfile, count_comm_faults) },
	{ "min_coverage", K_FRACTION, offsetof(struct evalfile, min_coverage) },
	{ "monitoring_from", K_TIME, offsetof(struct evalfile, monitoring_from) },
	{ "accept_low_coverage", K_STR, offsetof(struct evalfile, accept_low_coverage) },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct section {
	char *name;
	int line;
};

struct parse {
	struct evalfile *ef;
	struct diag *d;
	struct inifile_diag ini;   /* the same list, for lib/inifile.c's complaints */
	FILE *fp;
	char *dir;
	int line;
	int seen[NKEYS];           /* line where each key was set */
	struct section *secs;      /* every section header, as the reader saw it */
	size_t nsecs;
	int oom;
};

static char *
resolve(const struct parse *ps, const char *v)
{
	/* a site of the central store is a connection, not a file */
	if (v[0] == '/' || ps->dir == NULL || source_is_pg(v))
		return strdup(v);
	return xasprintf("%s/%s", ps->dir, v);
}

int
period_set_year(struct period_spec *p, const char *s)
{
	char *end;
	long y;

	errno = 0;
	y = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || y < 1970 || y > 9999 ||
	    !isdigit((unsigned char)s[0]))
		return -1;
	p->year = (int)y;
	return 0;
}

/* A comma-separated list into *out: paths resolved against the file's
 * directory, or items as written. With wide, the full-width ， separates
 * too (a list of answer words; never of headers, which may contain it).
 * -1 out of memory, 1 an empty item (the others are kept), 0 ok. */
static int
set_list(struct parse *ps, char ***out, size_t *n, const char *v, int paths, int wide)
{
	char *copy = strdup(v), *save = NULL, *tok, *p;
	int rc = 0;

	if (copy == NULL)
		return -1;
	/* "，" is three bytes: a comma and two spaces, trimmed below */
	while (wide && (p = strstr(copy, "，")) != NULL)
		memcpy(p, ",  ", 3);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *e = tok + strlen(tok), **nv;
		while (*tok == ' ' || *tok == '\t')
			tok++;
		while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*tok == '\0') {
			rc = 1;
			continue;
		}
		if ((nv = realloc(*out, (*n + 1) * sizeof(*nv))) == NULL ||
		    (nv[*n] = paths ? resolve(ps, tok) : strdup(tok)) == NULL) {
			if (nv)
				*out = nv;
			free(copy);
			return -1;
		}
		*out = nv;
		(*n)++;
	}
	free(copy);
	return *n == 0 ? 1 : rc;
}

static void
apply(struct parse *ps, const struct key *k, const char *v)
{
	struct evalfile *ef = ps->ef;
	void *field = (char *)ef + k->off;
	char *end;
	double x;
	int64_t ms;

	switch (k->type) {
	case K_STR:
	case K_TIME:
		if (k->type == K_TIME && time_parse(v, &ms) != 0) {
			diag_add(ps->d, ef->path, ps->line, _("%s: cannot parse '%s' (2023-12-31, "
			    "\"2023-12-31 23:30\" or ISO 8601)"), k->name, v);
			return;
		}
		free(*(char **)field);
		if ((*(char **)field = strdup(v)) == NULL)
			ps->oom = 1;
		break;
	case K_PATH:
		free(*(char **)field);
		if ((*(char **)field = resolve(ps, v)) == NULL)
			ps->oom = 1;
		break;
	case K_PATHLIST:
		switch (set_list(ps, &ef->databases, &ef->ndatabases, v, 1, 0)) {
		case -1: ps->oom = 1; break;
		case 1: diag_add(ps->d, ef->path, ps->line, _("%s: an empty name in '%s'"), k->name, v);
			break;
		}
		ef->databases_line = ps->line;
		break;
	case K_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
			*(int *)field = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
			*(int *)field = 0;
		else {
			inifile_bad_value(&ps->ini, ef->path, ps->line, k->name, v, _("yes or no"));
			return;
		}
		break;
	case K_FRACTION:
		errno = 0;
		x = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' || !(x > 0 && x <= 1)) {
			inifile_bad_value(&ps->ini, ef->path, ps->line, k->name, v,
			    _("a fraction in (0, 1] (0.95 = 95%)"));
			return;
		}
		*(double *)field = x;
		break;
	case K_YEAR:
		if (period_set_year(&ef->period, v) != 0)
			inifile_bad_value(&ps->ini, ef->path, ps->line, k->name, v,
			    _("a year (2023); use from = and to = for other periods"));
		ef->period_line = ps->line;
		break;
	}
}

/* A survey's keys: file, columns, scale, satisfied (DESIGN.md "Evaluation
 * inputs as people really have them"). */
static void
survey_key(struct parse *ps, struct eval_survey *s, const char *name, const char *v)
{
	const char *path = ps->ef->path;
	int *line = NULL;

	if (strcmp(name, "file") == 0)
		line = &s->line;
	else if (strcmp(name, "columns") == 0)
		line = &s->columns_line;
	else if (strcmp(name, "scale") == 0)
		line = &s->scale_line;
	else if (strcmp(name, "satisfied") == 0)
		line = &s->satisfied_line;
	else {
		inifile_unknown_key(&ps->ini, path, ps->line, name, "survey", s->name,
		    "file, columns, scale, satisfied");
		return;
	}
	if (*line) {
		inifile_set_twice(&ps->ini, path, ps->line, name, "survey", s->name, *line);
		return;
	}
	*line = ps->line;
	if (*v == '\0') {
		inifile_empty_value(&ps->ini, path, ps->line, name);
		return;
	}
	if (line == &s->line) {
		if ((s->file = resolve(ps, v)) == NULL)
			ps->oom = 1;
	} else if (line == &s->columns_line) {
		/* header names, taken as written */
		switch (set_list(ps, &s->columns, &s->ncolumns, v, 0, 0)) {
		case -1: ps->oom = 1; break;
		case 1: diag_add(ps->d, path, ps->line, _("%s: an empty name in '%s'"), name, v);
			break;
		}
	} else if (line == &s->scale_line) {
		if (strcmp(v, "5-best") == 0)
			s->scale = SCALE_5_BEST;
		else if (strcmp(v, "1-best") == 0)
			s->scale = SCALE_1_BEST;
		else
			inifile_bad_value(&ps->ini, path, ps->line, name, v, _("5-best (5 = 非常满意) "
			    "or 1-best (1 = 非常满意, as 问卷星 numbers its options)"));
	} else {
		char **w = NULL;
		size_t nw = 0;
		unsigned mask = 0;
		if (set_list(ps, &w, &nw, v, 0, 1) < 0)
			ps->oom = 1;
		for (size_t i = 0; i < nw; i++) {
			int k = survey_word(w[i]);
			if (k < 0)
				inifile_bad_value(&ps->ini, path, ps->line, name, w[i],
				    _("an answer of the five-point scale (非常满意, 满意, 比较满意, "
				    "一般, 不满意, 非常不满意 ...)"));
			else
				mask |= 1u << k;
			free(w[i]);
		}
		free(w);
		if (mask)
			s->satisfied = mask;
	}
}

static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct parse *ps = arg;
	struct evalfile *ef = ps->ef;

	if (strcmp(section, "evaluation") == 0) {
		for (size_t i = 0; i < NKEYS; i++) {
			if (strcmp(keys[i].name, name) != 0)
				continue;
			if (ps->seen[i]) {
				inifile_set_twice(&ps->ini, ef->path, ps->line, name, NULL, NULL,
				    ps->seen[i]);
				return 1;
			}
			ps->seen[i] = ps->line;
			if (*value == '\0') {
				inifile_empty_value(&ps->ini, ef->path, ps->line, name);
				return 1;
			}
			apply(ps, &keys[i], value);
			return 1;
		}
		inifile_unknown_key(&ps->ini, ef->path, ps->line, name, "evaluation", NULL, NULL);
		return 1;
	}
	if (strncmp(section, "survey ", 7) == 0) {
		const char *sname = section + 7;
		struct eval_survey *s = NULL;
		while (*sname == ' ')
			sname++;
		for (size_t i = 0; i < ef->nsurveys; i++)
			if (strcmp(ef->surveys[i].name, sname) == 0)
				s = &ef->surveys[i];
		if (s == NULL) {
			struct eval_survey *nv = realloc(ef->surveys, (ef->nsurveys + 1) * sizeof(*nv));
			if (nv == NULL) {
				ps->oom = 1;
				return 1;
			}
			ef->surveys = nv;
			s = &nv[ef->nsurveys++];
			memset(s, 0, sizeof(*s));
			s->satisfied = SURVEY_SATISFIED_DEFAULT;
			if ((s->name = strdup(sname)) == NULL)
				ps->oom = 1;
		}
		survey_key(ps, s, name, value);
		return 1;
	}
	/* unknown sections are reported once, by check_sections() */
	return 1;
}

/* Our reader: counts lines, drops a BOM, cuts inline comments (" #", " ;")
 * and notes each section header with its line. */
static char *
reader(char *buf, int size, void *arg)
{
	struct parse *ps = arg;
	char *s, *e;

	if (fgets(buf, size, ps->fp) == NULL)
		return NULL;
	ps->line++;
	if (strchr(buf, '\n') == NULL && !feof(ps->fp)) {
		int c;
		diag_add(ps->d, ps->ef->path, ps->line, _("line longer than %d bytes"), size - 2);
		while ((c = fgetc(ps->fp)) != EOF && c != '\n')
			;
		buf[0] = '\0';
		return buf;
	}
	s = buf;
	if (ps->line == 1 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		memmove(s, s + 3, strlen(s + 3) + 1);
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '#' || *s == ';')
		return buf;
	for (e = s; *e; e++)
		if ((*e == '#' || *e == ';') && e > s && (e[-1] == ' ' || e[-1] == '\t')) {
			*e = '\0';
			break;
		}
	if (*s == '[') {
		struct section *nv;
		char *close = strchr(s, ']');
		if (close == NULL)
			return buf;   /* inih reports it */
		if ((nv = realloc(ps->secs, (ps->nsecs + 1) * sizeof(*nv))) == NULL) {
			ps->oom = 1;
			return buf;
		}
		ps->secs = nv;
		nv[ps->nsecs].name = strndup(s + 1, (size_t)(close - s - 1));
		nv[ps->nsecs].line = ps->line;
		if (nv[ps->nsecs].name == NULL)
			ps->oom = 1;
		ps->nsecs++;
	}
	return buf;
}

/* file = was there, but empty or unusable (reported already) */
static int
survey_file_line(const struct evalfile *ef, const char *name)
{
	for (size_t j = 0; j < ef->nsurveys; j++)
		if (strcmp(ef->surveys[j].name, name) == 0)
			return ef->surveys[j].line;
	return 0;
}

static void
check_sections(struct parse *ps)
{
	struct evalfile *ef = ps->ef;
	int have_eval = 0;

	for (size_t i = 0; i < ps->nsecs; i++) {
		const char *n = ps->secs[i].name;
		if (n == NULL)
			continue;
		if (strcmp(n, "evaluation") == 0) {
			if (have_eval)
				diag_add(ps->d, ef->path, ps->secs[i].line, _("[%s] twice"), n);
			have_eval = 1;
		} else if (strncmp(n, "survey ", 7) == 0) {
			const char *sname = n + 7;
			int found = 0;
			while (*sname == ' ')
				sname++;
			for (size_t j = 0; j < ef->nsurveys; j++)
				if (strcmp(ef->surveys[j].name, sname) == 0 && ef->surveys[j].file)
					found = 1;
			if (*sname == '\0')
				diag_add(ps->d, ef->path, ps->secs[i].line, _("[survey] needs the 三级指标 "
				    "it fills: [survey 实训人员满意度]"));
			else if (!found && !survey_file_line(ef, sname))
				diag_add(ps->d, ef->path, ps->secs[i].line, _("[survey %s] has no file"),
				    sname);
		} else
			inifile_unknown_section(&ps->ini, ef->path, ps->secs[i].line, n, NULL);
	}
	if (!have_eval)
		diag_add(ps->d, ef->path, 0, _("no [evaluation] section"));
}

int
evalfile_load(const char *path, struct evalfile *ef, struct diag *d)
{
	struct parse ps;
	char *slash;
	int before = d->count, rc;

	memset(ef, 0, sizeof(*ef));
	memset(&ps, 0, sizeof(ps));
	ps.ef = ef;
	ps.d = d;
	ps.ini = diag_errors(d);
	ef->normal_availability = 0.95;
	ef->min_coverage = IND_MIN_COVERAGE_DEFAULT;
	if ((ef->path = strdup(path)) == NULL || (ps.dir = strdup(path)) == NULL)
		goto oom;
	if ((slash = strrchr(ps.dir, '/')) != NULL)
		*(slash == ps.dir ? slash + 1 : slash) = '\0';
	else {
		free(ps.dir);
		ps.dir = NULL;   /* relative to the current directory */
	}
	if ((ps.fp = fopen(path, "r")) == NULL) {
		diag_add(d, path, 0, "%s", strerror(errno));
		goto out;
	}
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = LINE_MAX_LEN;
	ini_initial_alloc = LINE_MAX_LEN;
	rc = ini_parse_stream(reader, &ps, handler, &ps);
	if (rc > 0)
		diag_add(d, path, rc, _("not KEY = VALUE or [SECTION]"));
	else if (rc == -2)
		ps.oom = 1;
	if (ps.oom)
		goto oom;
	check_sections(&ps);
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, "cutoff") == 0)
			ef->cutoff_line = ps.seen[i];
		else if (strcmp(keys[i].name, "from") == 0 && ef->period_line == 0)
			ef->period_line = ps.seen[i];
	}
	/* the form's own words for what the key fills */
	if (ef->policy == NULL)
		inifile_missing(&ps.ini, path, 0, "policy", "政策名称");
	if (ef->department == NULL)
		inifile_missing(&ps.ini, path, 0, "department", "主管部门");
	if (ef->targets == NULL)
		inifile_missing(&ps.ini, path, 0, "targets", NULL);
	if (ef->budget == NULL)
		inifile_missing(&ps.ini, path, 0, "budget", NULL);
	if (ef->period.year && (ef->period.from || ef->period.to))
		diag_add(d, path, ef->period_line, _("period = and from =/to = together"));
	else if (!ef->period.year && (ef->period.from == NULL) != (ef->period.to == NULL))
		diag_add(d, path, 0, _("from = and to = go together"));
	goto out;
oom:
	diag_add(d, path, 0, _("out of memory"));
out:
	if (ps.fp)
		fclose(ps.fp);
	for (size_t i = 0; i < ps.nsecs; i++)
		free(ps.secs[i].name);
	free(ps.secs);
	free(ps.dir);
	return d->count > before ? -1 : 0;
}

void
evalfile_free(struct evalfile *ef)
{
	if (ef == NULL)
		return;
	free(ef->path);
	free(ef->policy);
	free(ef->department);
	free(ef->project);
	free(ef->unit);
	free(ef->goal);
	free(ef->achieved);
	free(ef->period.from);
	free(ef->period.to);
	free(ef->period.cutoff);
	free(ef->targets);
	free(ef->figures);
	free(ef->budget);
	free(ef->monitoring_from);
	free(ef->accept_low_coverage);
	for (size_t i = 0; i < ef->ndatabases; i++)
		free(ef->databases[i]);
	free(ef->databases);
	for (size_t i = 0; i < ef->nsurveys; i++) {
		free(ef->surveys[i].name);
		free(ef->surveys[i].file);
		for (size_t j = 0; j < ef->surveys[i].ncolumns; j++)
			free(ef->surveys[i].columns[j]);
		free(ef->surveys[i].columns);
	}
	free(ef->surveys);
	memset(ef, 0, sizeof(*ef));
}

int
period_resolve(const struct period_spec *p, int64_t *from, int64_t *to, int64_t *cutoff,
    char *err, size_t len)
{
	if (p->year) {
		*from = time_local_mktime(p->year, 1, 1, 0, 0, 0);
		*to = time_local_mktime(p->year + 1, 1, 1, 0, 0, 0);
	} else if (p->from && p->to) {
		if (time_parse(p->from, from) != 0 || time_parse(p->to, to) != 0) {
			snprintf(err, len, _("cannot parse the period %s – %s"), p->from, p->to);
			return -1;
		}
	} else {
		snprintf(err, len, "%s", _("no period: period = YYYY, or from = and to ="));
		return -1;
	}
	if (*from >= *to) {
		snprintf(err, len, "%s", _("the period ends before it begins"));
		return -1;
	}
	*cutoff = *to;
	if (p->cutoff) {
		if (time_parse(p->cutoff, cutoff) != 0) {
			snprintf(err, len, _("cannot parse the cutoff '%s'"), p->cutoff);
			return -2;
		}
		if (*cutoff < *to) {
			snprintf(err, len, _("the cutoff %s is before the period's end"), p->cutoff);
			return -2;
		}
	}
	return 0;
}

char *
period_text(const struct period_spec *p)
{
	if (p->year)
		return xasprintf("%d年01月-%d年12月", p->year, p->year);
	return xasprintf("%s 至 %s（不含）", p->from ? p->from : "", p->to ? p->to : "");
}
