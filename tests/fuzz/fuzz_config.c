/*
 * fuzz_config.c - config_load on arbitrary text: the input is tbmond.conf,
 * and what follows a line "%%" becomes a drop-in devices.d/10-fuzz.conf.
 * Whatever the text, config_load must not crash or leak, and it must
 * return a configuration exactly when it reported no error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], main_path[128], dropin_path[160], dropin_dir[128];

static void
remove_dir(void)
{
	unlink(dropin_path);
	rmdir(dropin_dir);
	unlink(main_path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/fuzz-config.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		exit(1);
	}
	snprintf(main_path, sizeof(main_path), "%s/tbmond.conf", dir);
	snprintf(dropin_dir, sizeof(dropin_dir), "%s/devices.d", dir);
	snprintf(dropin_path, sizeof(dropin_path), "%s/10-fuzz.conf", dropin_dir);
	if (mkdir(dropin_dir, 0700) != 0) {
		perror(dropin_dir);
		exit(1);
	}
	atexit(remove_dir);
	log_init("fuzz", LOG_ERR_, 0);
	return 0;
}

static void
write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL) {
		perror(path);
		abort();
	}
	if (n > 0 && fwrite(p, 1, n, f) != n)
		abort();
	if (fclose(f) != 0)
		abort();
}

static void
count_report(void *arg, const char *msg)
{
	int *n = arg;

	/* every message names its file */
	if (strncmp(msg, dir, strlen(dir)) != 0 && strstr(msg, ":") == NULL)
		abort();
	(*n)++;
}

/* What the daemon relies on in a configuration that loaded. */
static void
check_config(const struct config *cf)
{
	for (size_t i = 0; i < cf->npoints; i++) {
		const struct conf_point *p = cf->points[i];
		const struct conf_device *d = p->device;
		size_t k;

		if (d == NULL || config_device(cf, d->id) != d || config_point(cf, p->id) != p)
			abort();
		for (k = 0; k < d->npoints && d->points[k] != p; k++)
			;
		if (k == d->npoints)
			abort();
		if (d->protocol == PROTO_MODBUS_TCP || d->protocol == PROTO_MODBUS_RTU) {
			if (p->table == TABLE_NONE || p->address < 0 || p->address > 65535)
				abort();
			if (p->bit < -1 || p->bit > 15)
				abort();
		}
	}
	for (size_t i = 0; i < cf->ndevices; i++) {
		const struct conf_device *d = cf->devices[i];
		if (d->protocol == PROTO_NONE)
			abort();
		if (d->protocol != PROTO_MQTT && (d->interval_ms <= 0 || d->timeout_ms <= 0 ||
		    d->offline_polls < 1 || d->max_registers < 1 || d->max_bits < 1))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = NULL;
	struct config *cf;
	int nerr = 0, reported = 0;

	for (size_t i = 0; i + 3 <= size; i++)
		if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, "%%", 2) == 0 &&
		    (i + 2 == size || data[i + 2] == '\n')) {
			sep = data + i;
			break;
		}
	if (sep != NULL) {
		write_file(main_path, data, (size_t)(sep - data));
		write_file(dropin_path, sep + 2, size - (size_t)(sep + 2 - data));
	} else {
		write_file(main_path, data, size);
		unlink(dropin_path);
	}
	cf = config_load(main_path, count_report, &reported, &nerr);
	if ((cf == NULL) != (nerr > 0) || (cf == NULL && reported == 0))
		abort();
	if (cf != NULL)
		check_config(cf);
	config_free(cf);
	return 0;
}
