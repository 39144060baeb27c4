/*
 * api.c - /api/: read-only JSON for integrators, with tbmctl's keys (the
 * builders are lib/jsonout.c's):
 *   /api/status                    tbmctl status --json
 *   /api/faults[?open=1&device=ID&from=T&to=T]   tbmctl faults --json
 *   /api/faults/ID                 tbmctl show ID --json
 *   /api/indicators?period=P       tbmctl indicators --json
 * The session cookie is the credential, as for the pages.
 */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicators.h"
#include "jsonout.h"
#include "log.h"
#include "tbmtime.h"
#include "web.h"


static void
api_error(struct req *r, int status, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "error", msg);
	s = cJSON_PrintUnformatted(o);
	buf_free(&r->out);
	buf_init(&r->out);
	buf_put(&r->out, s ? s : "{}");
	buf_put(&r->out, "\n");
	cJSON_free(s);
	cJSON_Delete(o);
	r->status = status;
	r->ctype = "application/json";
}

static void
api_send(struct req *r, cJSON *o)
{
	char *s = o ? cJSON_Print(o) : NULL;

	if (s == NULL) {
		cJSON_Delete(o);
		api_error(r, 500, "out of memory");
		return;
	}
	buf_put(&r->out, s);
	buf_put(&r->out, "\n");
	cJSON_free(s);
	cJSON_Delete(o);
	r->ctype = "application/json";
}

static void
api_status(struct req *r)
{
	struct device_row *dev = NULL;
	struct run_row run;
	size_t n = 0;
	int found;
	const struct conf_site *s = &r->w->cf->site;

	if ((found = store_last_run(r->w->st, &run)) < 0 || store_devices(r->w->st, &dev, &n) != 0) {
		api_error(r, 500, "database error");
		return;
	}
	api_send(r, json_status(s->id, s->name, s->timezone, found ? &run : NULL,
	    found && ind_watching(&run, r->now, NULL), dev, n));
	store_devices_free(dev, n);
}

static void
api_faults(struct req *r)
{
	struct fault_filter flt = { 0 };
	struct fault *v = NULL;
	size_t n = 0;
	const char *from = web_form_get(&r->query, "from"), *to = web_form_get(&r->query, "to");
	const char *open = web_form_get(&r->query, "open");
	cJSON *a;

	flt.device = web_form_get(&r->query, "device");
	flt.unresolved = open != NULL && strcmp(open, "1") == 0;
	if ((from && time_parse(from, &flt.from_ms) != 0) || (to && time_parse(to, &flt.to_ms) != 0)) {
		api_error(r, 400, "from/to: not a time");
		return;
	}
	if (store_faults(r->w->st, &flt, &v, &n) != 0) {
		api_error(r, 500, "database error");
		return;
	}
	a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++) {
		cJSON *o = json_fault(&v[i]);

		if (o == NULL || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			cJSON_Delete(a);
			a = NULL;
		}
	}
	store_faults_free(v, n);
	api_send(r, a);
}

static void
api_fault(struct req *r, int64_t id)
{
	struct fault f;
	struct audit_rec *a = NULL;
	size_t na = 0;
	int found = store_fault_get(r->w->st, id, &f);

	if (found <= 0) {
		api_error(r, found < 0 ? 500 : 404, found < 0 ? "database error" : "no such fault");
		return;
	}
	if (store_audit_for(r->w->st, id, &a, &na) != 0) {
		fault_clear(&f);
		api_error(r, 500, "database error");
		return;
	}
	api_send(r, json_fault_show(&f, a, na));
	store_audit_free(a, na);
	fault_clear(&f);
}

static void
api_indicators(struct req *r)
{
	const struct indicators *in;
	int rc = web_indicators(r, &in);

	if (rc < 0) {
		api_error(r, rc == -1 ? 400 : 500,
		    rc == -1 ? "period: YYYY, YYYY-MM or FROM..TO" : "database error");
		return;
	}
	api_send(r, json_indicators(in));
}

void
api_get(struct req *r)
{
	int64_t id;

	if (strcmp(r->path, "/api/status") == 0)
		api_status(r);
	else if (strcmp(r->path, "/api/faults") == 0)
		api_faults(r);
	else if (web_path_id(r->path, "/api/faults/", &id) == 0)
		api_fault(r, id);
	else if (strcmp(r->path, "/api/indicators") == 0)
		api_indicators(r);
	else
		api_error(r, 404, "no such resource");
}
