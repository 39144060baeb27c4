/*
 * payload.c - an MQTT device's state as the message it publishes: its
 * `json` points (dotted paths, a number for an array index) built into one
 * compact JSON document with cJSON, keys in file order, and the ways a
 * misbehaving device bends it (missing, text, bare, garbage).
 */
#include "sim.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define INDEX_MAX 999                 /* largest array index in a path */
#define GARBAGE_MIN 8
#define GARBAGE_SPREAD 32

static int
is_index(const char *seg, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)seg[i]))
			return 0;
	return 1;
}

int
json_path_check(const char *path, char *err, size_t errlen)
{
	const char *seg = path, *p;

	if (*path == '\0') {
		snprintf(err, errlen, "empty json path");
		return -1;
	}
	if (strlen(path) >= SIM_PATH_MAX) {
		snprintf(err, errlen, "json path '%.40s...' is longer than %d bytes", path, SIM_PATH_MAX - 1);
		return -1;
	}
	for (;;) {
		size_t len;
		p = strchr(seg, '.');
		len = p ? (size_t)(p - seg) : strlen(seg);
		if (len == 0) {
			snprintf(err, errlen, "json path '%s' has an empty part", path);
			return -1;
		}
		for (size_t i = 0; i < len; i++)
			if (isspace((unsigned char)seg[i]) || iscntrl((unsigned char)seg[i]) || seg[i] == '=') {
				snprintf(err, errlen, "json path '%s': a part has a space, '=' or a control character", path);
				return -1;
			}
		if (is_index(seg, len) && ((len > 1 && seg[0] == '0') || len > 3 || atoi(seg) > INDEX_MAX)) {
			snprintf(err, errlen, "json path '%s': array index '%.*s' is not in 0..%d (no leading zeros)",
			    path, (int)len, seg, INDEX_MAX);
			return -1;
		}
		if (p == NULL)
			return 0;
		seg = p + 1;
	}
}

int
json_number_parse(const char *s, double *v, char *err, size_t errlen)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(d) || isspace((unsigned char)*s)) {
		snprintf(err, errlen, "'%s' is not a number", s);
		return -1;
	}
	*v = d;
	return 0;
}

void
json_number_format(double v, char *buf, size_t len)
{
	cJSON *n = cJSON_CreateNumber(v);

	if (n == NULL || !cJSON_PrintPreallocated(n, buf, (int)len, 0))
		snprintf(buf, len, "%.17g", v);
	cJSON_Delete(n);
}

int
json_point_find(const struct sim_device *d, const char *path)
{
	for (size_t i = 0; i < d->npoints; i++)
		if (strcmp(d->points[i].path, path) == 0)
			return (int)i;
	return -1;
}

/* A new container for the part `seg` of `len` bytes will index. */
static cJSON *
container_for(const char *seg, size_t len)
{
	return is_index(seg, len) ? cJSON_CreateArray() : cJSON_CreateObject();
}

/* tree_add: puts `leaf` at `path` under *root (created as needed); takes
 * the leaf in every case. -1 with a message when the path runs into a
 * value, or a container of the other kind, or a value already there. */
static int
tree_add(cJSON **root, const char *path, cJSON *leaf, char *err, size_t errlen)
{
	const char *seg = path, *dot;
	cJSON *node;
	char key[SIM_PATH_MAX];

	if (leaf == NULL)
		goto nomem;
	dot = strchr(seg, '.');
	if (*root == NULL && (*root = container_for(seg, dot ? (size_t)(dot - seg) : strlen(seg))) == NULL)
		goto nomem;
	node = *root;
	for (;;) {
		size_t len;
		int last;
		cJSON *child;

		dot = strchr(seg, '.');
		len = dot ? (size_t)(dot - seg) : strlen(seg);
		last = dot == NULL;
		snprintf(key, sizeof(key), "%.*s", (int)len, seg);
		if (is_index(seg, len)) {
			int idx = atoi(key);
			if (!cJSON_IsArray(node)) {
				snprintf(err, errlen, "json %s: '%s' is an array index where other paths have %s",
				    path, key, cJSON_IsObject(node) ? "an object" : "a number");
				goto fail;
			}
			while (cJSON_GetArraySize(node) <= idx) {
				cJSON *nul = cJSON_CreateNull();
				if (nul == NULL || !cJSON_AddItemToArray(node, nul)) {
					cJSON_Delete(nul);
					goto nomem;
				}
			}
			child = cJSON_GetArrayItem(node, idx);
			if (last || cJSON_IsNull(child)) {
				cJSON *put = last ? leaf : container_for(dot + 1, strcspn(dot + 1, "."));
				if (!cJSON_IsNull(child)) {
					snprintf(err, errlen, "json %s: given twice, or also a container", path);
					goto fail;
				}
				if (put == NULL || !cJSON_ReplaceItemInArray(node, idx, put)) {
					if (put != leaf)
						cJSON_Delete(put);
					goto nomem;
				}
				if (last)
					return 0;
				child = put;
			}
		} else {
			if (!cJSON_IsObject(node)) {
				snprintf(err, errlen, "json %s: '%s' is a key where other paths have %s",
				    path, key, cJSON_IsArray(node) ? "an array" : "a number");
				goto fail;
			}
			child = cJSON_GetObjectItemCaseSensitive(node, key);
			if (child != NULL && last) {
				snprintf(err, errlen, "json %s: given twice, or also a container", path);
				goto fail;
			}
			if (child == NULL) {
				cJSON *put = last ? leaf : container_for(dot + 1, strcspn(dot + 1, "."));
				if (put == NULL || !cJSON_AddItemToObject(node, key, put)) {
					if (put != leaf)
						cJSON_Delete(put);
					goto nomem;
				}
				if (last)
					return 0;
				child = put;
			}
		}
		node = child;
		seg = dot + 1;
	}
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	cJSON_Delete(leaf);
	return -1;
}

/* first_null: the path of the first array element left without a value. */
static int
first_null(const cJSON *node, char *path, size_t len)
{
	const cJSON *c;
	size_t base = strlen(path);
	int i = 0;

	cJSON_ArrayForEach(c, node) {
		if (cJSON_IsArray(node))
			snprintf(path + base, len - base, "%s%d", base ? "." : "", i);
		else
			snprintf(path + base, len - base, "%s%s", base ? "." : "", c->string);
		if (cJSON_IsNull(c) || first_null(c, path, len))
			return 1;
		path[base] = '\0';
		i++;
	}
	return 0;
}

/* omitted: whether a `missing PATH` behaviour leaves this point out. */
static int
omitted(const struct behaviour *bh, const char *path)
{
	size_t n;

	if (bh->kind != BH_MISSING)
		return 0;
	n = strlen(bh->path);
	return strncmp(path, bh->path, n) == 0 && (path[n] == '\0' || path[n] == '.');
}

/* build_tree: the document for the device's current values. */
static cJSON *
build_tree(const struct sim_device *d, const struct behaviour *bh, int as_init, char *err, size_t errlen)
{
	cJSON *root = NULL;

	for (size_t i = 0; i < d->npoints; i++) {
		const struct json_point *p = &d->points[i];
		double v = as_init ? p->init : p->value;
		cJSON *leaf;
		if (omitted(bh, p->path))
			continue;
		if (bh->kind == BH_TEXT) {
			char num[64];
			json_number_format(v, num, sizeof(num));
			leaf = cJSON_CreateString(num);
		} else
			leaf = cJSON_CreateNumber(v);
		if (tree_add(&root, p->path, leaf, err, errlen) != 0) {
			cJSON_Delete(root);
			return NULL;
		}
	}
	if (root == NULL && (root = cJSON_CreateObject()) == NULL)
		snprintf(err, errlen, "out of memory");
	return root;
}

int
json_points_check(const struct sim_device *d, char *err, size_t errlen)
{
	struct behaviour normal = { .kind = BH_NORMAL };
	char path[SIM_PATH_MAX * 2] = "";
	cJSON *root;

	if ((root = build_tree(d, &normal, 1, err, errlen)) == NULL)
		return -1;
	if (first_null(root, path, sizeof(path))) {
		snprintf(err, errlen, "json %s: this array element has no value (array indexes must start at 0 with no gaps)", path);
		cJSON_Delete(root);
		return -1;
	}
	cJSON_Delete(root);
	return 0;
}

int
mqtt_behaviour_parse(const struct sim_device *d, const char *s, struct behaviour *b, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum behaviour_kind kind;
	} names[] = { { "normal", BH_NORMAL }, { "silent", BH_SILENT }, { "garbage", BH_GARBAGE },
		      { "missing", BH_MISSING }, { "text", BH_TEXT }, { "bare", BH_BARE } };
	char buf[256], *w[3] = { NULL, NULL, NULL }, *save = NULL, *word;
	const char *path;
	int nw = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, " \t", &save); t != NULL && nw < 3; t = strtok_r(NULL, " \t", &save))
		w[nw++] = t;
	if (nw == 0 || nw > 2) {
		snprintf(err, errlen, "'%s' is not BEHAVIOUR [PATH]", s);
		return -1;
	}
	word = w[0];
	path = w[1] ? w[1] : "";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(word, names[i].name) != 0)
			continue;
		if (names[i].kind != BH_MISSING) {
			if (path[0] != '\0') {
				snprintf(err, errlen, "behaviour %s takes no argument", word);
				return -1;
			}
			memset(b, 0, sizeof(*b));
			b->kind = names[i].kind;
			return 0;
		}
		if (path[0] == '\0') {
			snprintf(err, errlen, "behaviour missing needs a json PATH to leave out");
			return -1;
		}
		if (json_path_check(path, err, errlen) != 0)
			return -1;
		for (size_t k = 0; k < d->npoints; k++) {
			size_t pl = strlen(path);
			if (strncmp(d->points[k].path, path, pl) == 0 &&
			    (d->points[k].path[pl] == '\0' || d->points[k].path[pl] == '.')) {
				memset(b, 0, sizeof(*b));
				b->kind = BH_MISSING;
				snprintf(b->path, sizeof(b->path), "%s", path);
				return 0;
			}
		}
		snprintf(err, errlen, "missing %s: device %s has no json path %s (or below it)", path, d->name, path);
		return -1;
	}
	snprintf(err, errlen, "unknown behaviour '%s' for an MQTT device (normal|silent|garbage|missing PATH|text|bare)", word);
	return -1;
}

char *
payload_build(const struct sim_device *d, size_t *len)
{
	char err[256], *text, *buf;
	cJSON *root;

	*len = 0;
	switch (d->bh.kind) {
	case BH_SILENT:
		return NULL;
	case BH_GARBAGE: {
		size_t n = GARBAGE_MIN + (size_t)(sim_random() % GARBAGE_SPREAD);
		if ((buf = malloc(n)) == NULL)
			return NULL;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)sim_random();
		buf[0] = (char)(0x80 | (unsigned char)buf[0]);   /* never the start of a JSON text */
		*len = n;
		return buf;
	}
	case BH_BARE: {
		char num[64];
		json_number_format(d->npoints ? d->points[0].value : 0, num, sizeof(num));
		*len = strlen(num);
		return strdup(num);
	}
	default:
		break;
	}
	if ((root = build_tree(d, &d->bh, 0, err, sizeof(err))) == NULL)
		return NULL;
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text == NULL)
		return NULL;
	/* cJSON's buffer goes back through cJSON_free; hand out a plain one */
	*len = strlen(text);
	buf = strdup(text);
	cJSON_free(text);
	if (buf == NULL)
		*len = 0;
	return buf;
}
