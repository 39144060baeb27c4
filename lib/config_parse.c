/*
 * config_parse.c - reading the files: tbmond.conf, then every *.conf of the
 * devices directory in name order. Our line reader counts lines, strips
 * comments and sees section headers; inih splits KEY = VALUE.
 */
#include "config_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

static int
grow(void *vec, size_t n, size_t elem)
{
	void **v = vec;
	void *nv;

	if ((n & (n - 1)) != 0 && n != 0)
		return 0;   /* capacity is the next power of two: room left */
	nv = realloc(*v, (n ? n * 2 : 4) * elem);
	if (nv == NULL)
		return -1;
	*v = nv;
	return 0;
}

/*
 * A new object of a section (a device, a point, a notify channel), zeroed
 * and with the section's key defaults, appended to vec (an array of
 * pointers to such objects, *n long) with an empty seen mask in *seen.
 * NULL after reporting.
 */
static void *
object_new(struct parse *ps, enum section sec, void *vec, size_t *n, uint64_t **seen, size_t size)
{
	void **objs, *o;

	if (grow(vec, *n, sizeof(o)) != 0 || grow(seen, *n, sizeof(**seen)) != 0 ||
	    (o = calloc(1, size)) == NULL) {
		inifile_error(&ps->diag, ps->file, ps->line, "out of memory");
		return NULL;
	}
	config_keys_defaults(ps, sec, o);
	memcpy(&objs, vec, sizeof(objs));
	memcpy((char *)objs + *n * sizeof(o), &o, sizeof(o));
	(*seen)[(*n)++] = 0;
	return o;
}

/* An object's id and where it is defined: the current line. */
static void
object_name(const struct parse *ps, char *buf, size_t len, const char **file, int *line, const char *id)
{
	snprintf(buf, len, "%s", id);
	*file = ps->file;
	*line = ps->line;
}

static struct conf_device *
device_new(struct parse *ps, const char *id)
{
	struct config *cf = ps->cf;
	struct conf_device *d;

	if (grow(&ps->dev_lines, cf->ndevices, sizeof(*ps->dev_lines)) != 0) {
		inifile_error(&ps->diag, ps->file, ps->line, "out of memory");
		return NULL;
	}
	if ((d = object_new(ps, SEC_DEVICE, &cf->devices, &cf->ndevices, &ps->dev_seen, sizeof(*d))) == NULL)
		return NULL;
	object_name(ps, d->id, sizeof(d->id), &d->file, &d->line, id);
	memset(&ps->dev_lines[cf->ndevices - 1], 0, sizeof(*ps->dev_lines));
	ps->dev_lines[cf->ndevices - 1].hdr = ps->line;
	return d;
}

static struct conf_point *
point_new(struct parse *ps, const char *id)
{
	struct config *cf = ps->cf;
	struct conf_point *p;

	if (grow(&ps->pt_lines, cf->npoints, sizeof(*ps->pt_lines)) != 0) {
		inifile_error(&ps->diag, ps->file, ps->line, "out of memory");
		return NULL;
	}
	if ((p = object_new(ps, SEC_POINT, &cf->points, &cf->npoints, &ps->pt_seen, sizeof(*p))) == NULL)
		return NULL;
	object_name(ps, p->id, sizeof(p->id), &p->file, &p->line, id);
	snprintf(p->name, sizeof(p->name), "%s", strchr(id, '.') + 1);
	p->bit = -1;
	memset(&ps->pt_lines[cf->npoints - 1], 0, sizeof(*ps->pt_lines));
	ps->pt_lines[cf->npoints - 1].hdr = ps->line;
	return p;
}

static struct conf_notify *
notify_new(struct parse *ps, const char *id)
{
	struct config *cf = ps->cf;
	struct conf_notify *c;

	c = object_new(ps, SEC_NOTIFY, &cf->notifies, &cf->nnotifies, &ps->nt_seen, sizeof(*c));
	if (c != NULL)
		object_name(ps, c->id, sizeof(c->id), &c->file, &c->line, id);
	return c;
}

/* The section the following keys belong to (SEC_BAD: ignore them, its
 * error was reported once). */
static void
section_enter(struct parse *ps, enum section sec, void *obj, uint64_t *seen,
    struct keylines *lines)
{
	ps->sec = sec;
	ps->obj = obj;
	ps->seen = seen != NULL ? seen : &ps->seen_bad;
	ps->lines = lines;
}

int
config_keyline(const struct keylines *kl, enum section sec, const char *key)
{
	uint64_t bit = config_keys_bit(sec, key);
	int at = bit ? kl->at[__builtin_ctzll(bit)] : 0;

	return at > 0 ? at : kl->hdr;
}

/* "[device ID]": a new device, or NULL after reporting why not. */
static struct conf_device *
section_device(struct parse *ps, const char *id)
{
	struct conf_device *d;

	if (!config_value_id_ok(id, 0))
		inifile_error(&ps->diag, ps->file, ps->line, "device id '%s' is not valid ([A-Za-z0-9_-]+, at most %d characters)", id, CONF_ID_MAX - 1);
	else if ((d = config_device(ps->cf, id)) != NULL)
		inifile_error(&ps->diag, ps->file, ps->line, "duplicate device '%s' (first defined at %s:%d)", id, d->file, d->line);
	else
		return device_new(ps, id);   /* NULL: reported */
	return NULL;
}

/* "[point DEVICE.NAME]": a new point, or NULL after reporting why not. */
static struct conf_point *
section_point(struct parse *ps, const char *id)
{
	const char *dot = strchr(id, '.');
	char dev[CONF_ID_MAX];
	struct conf_point *p;

	if (dot != NULL && dot != id && (size_t)(dot - id) < sizeof(dev))
		snprintf(dev, sizeof(dev), "%.*s", (int)(dot - id), id);
	if (dot == NULL || dot == id || (size_t)(dot - id) >= sizeof(dev) ||
	    !config_value_id_ok(dot + 1, 0) || !config_value_id_ok(dev, 0))
		inifile_error(&ps->diag, ps->file, ps->line, "point id '%s' is not DEVICE.NAME", id);
	else if (strcmp(dot + 1, EVENT_POINT_COMM) == 0 || strcmp(dot + 1, EVENT_POINT_MANUAL) == 0)
		inifile_error(&ps->diag, ps->file, ps->line, "point name '%s' is reserved", dot + 1);
	else if ((p = config_point(ps->cf, id)) != NULL)
		inifile_error(&ps->diag, ps->file, ps->line, "duplicate point '%s' (first defined at %s:%d)", id, p->file, p->line);
	else
		return point_new(ps, id);   /* NULL: reported */
	return NULL;
}

/* "[notify NAME]": a new channel, or NULL after reporting why not. */
static struct conf_notify *
section_notify(struct parse *ps, const char *id)
{
	struct conf_notify *c;

	if (ps->dropin)
		inifile_error(&ps->diag, ps->file, ps->line, "section [notify] belongs in the main configuration file, not in the devices directory");
	else if (!config_value_id_ok(id, 0))
		inifile_error(&ps->diag, ps->file, ps->line, "notify channel name '%s' is not valid ([A-Za-z0-9_-]+, at most %d characters)", id, CONF_ID_MAX - 1);
	else if ((c = config_notify(ps->cf, id)) != NULL)
		inifile_error(&ps->diag, ps->file, ps->line, "duplicate notify channel '%s' (first defined at %s:%d)", id, c->file, c->line);
	else
		return notify_new(ps, id);   /* NULL: reported */
	return NULL;
}

/* begin_section: "[device cnc-01]" etc. Sets ps->sec/obj/seen. */
static void
begin_section(struct parse *ps, const char *name)
{
	static const struct {
		const char *word;
		enum section sec;
	} fixed[] = { { "site", SEC_SITE }, { "daemon", SEC_DAEMON }, { "mqtt", SEC_MQTT },
		{ "web", SEC_WEB } };
	char word[16], rest[256];
	int n = 0;
	void *obj;

	section_enter(ps, SEC_BAD, NULL, NULL, NULL);
	rest[0] = '\0';
	if (sscanf(name, "%15s%n", word, &n) != 1) {
		inifile_error(&ps->diag, ps->file, ps->line, "empty section name");
		return;
	}
	while (isspace((unsigned char)name[n]))
		n++;
	snprintf(rest, sizeof(rest), "%s", name + n);

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (strcmp(word, fixed[i].word) != 0)
			continue;
		if (rest[0] != '\0')
			inifile_error(&ps->diag, ps->file, ps->line, "section [%s] takes no name", word);
		else if (ps->dropin)
			inifile_error(&ps->diag, ps->file, ps->line, "section [%s] belongs in the main configuration file, not in the devices directory", word);
		else if (fixed[i].sec == SEC_SITE)
			section_enter(ps, SEC_SITE, &ps->cf->site, &ps->seen_site, NULL);
		else if (fixed[i].sec == SEC_DAEMON)
			section_enter(ps, SEC_DAEMON, &ps->cf->daemon, &ps->seen_daemon, NULL);
		else if (fixed[i].sec == SEC_WEB) {
			section_enter(ps, SEC_WEB, &ps->cf->web, &ps->seen_web, NULL);
			ps->cf->web.present = 1;
		} else {
			section_enter(ps, SEC_MQTT, &ps->cf->mqtt, &ps->seen_mqtt, &ps->mqtt_lines);
			if (!ps->cf->mqtt.present)
				ps->mqtt_lines.hdr = ps->line;
			ps->cf->mqtt.present = 1;
		}
		return;
	}
	if (strcmp(word, "device") == 0) {
		if ((obj = section_device(ps, rest)) != NULL)
			section_enter(ps, SEC_DEVICE, obj, &ps->dev_seen[ps->cf->ndevices - 1],
			    &ps->dev_lines[ps->cf->ndevices - 1]);
		return;
	}
	if (strcmp(word, "point") == 0) {
		if ((obj = section_point(ps, rest)) != NULL)
			section_enter(ps, SEC_POINT, obj, &ps->pt_seen[ps->cf->npoints - 1],
			    &ps->pt_lines[ps->cf->npoints - 1]);
		return;
	}
	if (strcmp(word, "notify") == 0) {
		if ((obj = section_notify(ps, rest)) != NULL)
			section_enter(ps, SEC_NOTIFY, obj, &ps->nt_seen[ps->cf->nnotifies - 1], NULL);
		return;
	}
	inifile_unknown_section(&ps->diag, ps->file, ps->line, name, NULL);
}

/* strip_comment: an inline comment is whitespace, then '#' or ';', then
 * whitespace or the end: "CK6140 #1" keeps its "#1". */
static void
strip_comment(char *v)
{
	char *p;

	for (p = v; *p; p++)
		if ((*p == '#' || *p == ';') && p > v && isspace((unsigned char)p[-1]) &&
		    (p[1] == '\0' || isspace((unsigned char)p[1]))) {
			*p = '\0';
			break;
		}
	p = v + strlen(v);
	while (p > v && isspace((unsigned char)p[-1]))
		*--p = '\0';
}

/* Where a channel's file and list keys are, for what is found wrong with
 * them when the whole configuration is validated. */
static void
notify_key_line(struct conf_notify *c, const char *name, int line)
{
	if (strcmp(name, "url_file") == 0)
		c->url_file_line = line;
	else if (strcmp(name, "secret_file") == 0)
		c->secret_file_line = line;
	else if (strcmp(name, "password_file") == 0)
		c->password_file_line = line;
	else if (strcmp(name, "send") == 0)
		c->send_line = line;
	else if (strcmp(name, "labs") == 0)
		c->labs_line = line;
}

static int
conf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *ps = user;
	char v[LINE_MAX_LEN];
	uint64_t bit;
	size_t ki;

	(void)section;   /* sections are recognised by the reader, with their line */
	if (ps->sec == SEC_NONE) {
		inifile_error(&ps->diag, ps->file, ps->line, "key '%s' outside of any section", name);
		section_enter(ps, SEC_BAD, NULL, NULL, NULL);
		return 1;
	}
	if (ps->sec == SEC_BAD || ps->obj == NULL)
		return 1;   /* the section's error was reported once */

	snprintf(v, sizeof(v), "%s", value);
	strip_comment(v);
	for (ki = 0; ki < config_nkeys; ki++)
		if (config_keys[ki].sec == ps->sec && strcmp(config_keys[ki].name, name) == 0)
			break;
	if (ki == config_nkeys) {
		if (ps->sec == SEC_DEVICE || ps->sec == SEC_POINT)
			inifile_unknown_key(&ps->diag, ps->file, ps->line, name,
			    ps->sec == SEC_DEVICE ? "device" : "point",
			    ps->sec == SEC_DEVICE ? ((struct conf_device *)ps->obj)->id :
						    ((struct conf_point *)ps->obj)->id, NULL);
		else if (ps->sec == SEC_NOTIFY)
			inifile_unknown_key(&ps->diag, ps->file, ps->line, name, "notify",
			    ((struct conf_notify *)ps->obj)->id, NULL);
		else
			inifile_unknown_key(&ps->diag, ps->file, ps->line, name,
			    ps->sec == SEC_SITE ? "site" : ps->sec == SEC_DAEMON ? "daemon" :
			    ps->sec == SEC_WEB ? "web" : "mqtt", NULL, NULL);
		return 1;
	}
	bit = config_keys_bit(ps->sec, name);
	if (*ps->seen & bit) {
		inifile_error(&ps->diag, ps->file, ps->line, "duplicate key '%s'", name);
		return 1;
	}
	*ps->seen |= bit;
	if (ps->lines != NULL)
		ps->lines->at[__builtin_ctzll(bit)] = ps->line;
	if (ps->sec == SEC_NOTIFY)
		notify_key_line(ps->obj, name, ps->line);
	if (config_value_apply(ps, &config_keys[ki], ps->obj, v, ps->line) == 0 && ps->sec == SEC_POINT &&
	    strcmp(name, "type") == 0)
		((struct conf_point *)ps->obj)->type_set = 1;
	return 1;
}

/*
 * reader: inih's line source. It counts lines (inih does not tell the
 * handler where it is), recognises section headers so that empty and
 * repeated sections are seen, and reports lines inih would reject, so that
 * every error is reported, not only the first.
 */
static char *
reader(char *buf, int size, void *arg)
{
	struct parse *ps = arg;
	char *s, *e;
	size_t n;

	if (fgets(buf, size, ps->fp) == NULL)
		return NULL;
	ps->line++;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] != '\n' && !feof(ps->fp)) {
		int c;
		inifile_error(&ps->diag, ps->file, ps->line, "line longer than %d bytes", size - 3);
		while ((c = fgetc(ps->fp)) != EOF && c != '\n')
			;
		buf[0] = '\0';   /* a blank line for inih */
		return buf;
	}
	s = buf;
	if (ps->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
	    (unsigned char)s[2] == 0xBF)
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#' || *s == ';')
		return buf;
	if (*s == '[') {
		char name[256];
		e = strchr(s, ']');
		if (e == NULL) {
			inifile_error(&ps->diag, ps->file, ps->line, "section header without ']'");
			section_enter(ps, SEC_BAD, NULL, NULL, NULL);
			buf[0] = '\0';
			return buf;
		}
		s++;
		while (isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		snprintf(name, sizeof(name), "%.*s", (int)(e - s), s);
		begin_section(ps, name);
		return buf;
	}
	if (strpbrk(s, "=:") == NULL) {
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		inifile_error(&ps->diag, ps->file, ps->line, "expected KEY = VALUE or [SECTION]: '%.*s'", (int)(e - s), s);
		buf[0] = '\0';
	}
	return buf;
}

int
config_parse_file(struct parse *ps, const char *path, int dropin)
{
	struct config *cf = ps->cf;
	char **nf, *slash;
	int rc;

	nf = realloc(cf->files, (cf->nfiles + 1) * sizeof(*cf->files));
	if (nf == NULL)
		return -1;
	cf->files = nf;
	if ((cf->files[cf->nfiles] = strdup(path)) == NULL)
		return -1;
	ps->file = cf->files[cf->nfiles++];
	free(ps->dir);
	ps->dir = strdup(path);
	if (ps->dir != NULL && (slash = strrchr(ps->dir, '/')) != NULL)
		*(slash == ps->dir ? slash + 1 : slash) = '\0';
	else {
		free(ps->dir);
		ps->dir = strdup(".");
	}
	if ((ps->fp = fopen(path, "r")) == NULL) {
		inifile_error(&ps->diag, path, 0, "%s", strerror(errno));
		return -1;
	}
	ps->line = 0;
	ps->dropin = dropin;
	ps->sec = SEC_NONE;
	ps->obj = NULL;

	/* our reader does comments, long lines and headers; inih splits KEY = VALUE */
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = LINE_MAX_LEN;
	ini_initial_alloc = LINE_MAX_LEN;   /* without realloc, the heap buffer's size is this */
	rc = ini_parse_stream(reader, ps, conf_handler, ps);
	if (rc == -2)
		inifile_error(&ps->diag, path, 0, "out of memory");
	fclose(ps->fp);
	ps->fp = NULL;
	return 0;
}

static int
conf_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* parse_dropins: every *.conf of the devices directory, in name order. */
void
config_parse_dropins(struct parse *ps, const char *dir, int explicit)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT || explicit)
			inifile_error(&ps->diag, dir, 0, "devices directory: %s", strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char **nn;
		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nn = realloc(names, cap * sizeof(*names))) == NULL)
				break;
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", dir, de->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), conf_name_cmp);
	for (size_t i = 0; i < n; i++) {
		(void)config_parse_file(ps, names[i], 1);
		free(names[i]);
	}
	free(names);
}
