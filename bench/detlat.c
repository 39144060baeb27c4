/*
 * detlat.c - detection latency: sets a fault register through tbm-sim's
 * stdin and watches the database (read only, through lib/store.h) until the
 * fault row is committed; then clears it, waits for the clear, waits a
 * random part of the poll interval (so changes land at every phase of the
 * polling schedule) and goes on with the next device.
 *
 * usage: tbm-bench-detlat DATABASE SIM_STDIN_FIFO INTERVAL_MS COUNT DEVICE...
 * stdout: "change DEVICE LATENCY_MS DETECT_MS" per change (LATENCY: set to row
 * visible; DETECT: set to the row's opened_at), then
 * "detlat: n=N p50=MS p99=MS max=MS timeouts=N".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "tbmtime.h"

#define POLL_US 2000

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* open_faults: how many kind-fault faults of DEVICE are open; -1 on error. */
static int
open_faults(struct store *st, const char *device, int64_t *opened_at)
{
	struct fault_filter flt = { 0 };
	struct fault *v = NULL;
	size_t n = 0;

	flt.open_only = 1;
	flt.device = device;
	flt.kinds = 1 << FK_FAULT;
	if (store_faults(st, &flt, &v, &n) != 0)
		return -1;
	if (n > 0 && opened_at != NULL)
		*opened_at = v[0].opened_at;
	store_faults_free(v, n);
	return (int)n;
}

static int
sim_set(int fd, const char *device, int value)
{
	char line[160];
	int len = snprintf(line, sizeof(line), "set %s.holding.100 %d\n", device, value);

	return write(fd, line, (size_t)len) == len ? 0 : -1;
}

/* wait_for: until open_faults(device) == want or timeout_ms; the moment it
 * was seen (monotonic ms), or -1 on timeout. */
static int64_t
wait_for(struct store *st, const char *device, int want, int64_t timeout_ms, int64_t *opened_at)
{
	int64_t end = time_mono_ms() + timeout_ms;

	while (time_mono_ms() < end) {
		int n = open_faults(st, device, opened_at);
		if (n == want)
			return time_mono_ms();
		if (n < 0) {
			fprintf(stderr, "detlat: %s\n", store_errmsg(st));
			return -1;
		}
		usleep(POLL_US);
	}
	return -1;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct store *st = NULL;
	char err[256];
	long long *lat;
	int fd, count, ndev, n = 0, timeouts = 0;
	int64_t interval;
	unsigned seed = (unsigned)getpid();

	if (argc < 6 || (interval = atoll(argv[3])) <= 0 || (count = atoi(argv[4])) <= 0) {
		fprintf(stderr, "usage: tbm-bench-detlat DATABASE SIM_STDIN_FIFO INTERVAL_MS COUNT DEVICE...\n");
		return 2;
	}
	ndev = argc - 5;
	if ((fd = open(argv[2], O_WRONLY | O_CLOEXEC)) < 0) {
		perror(argv[2]);
		return 1;
	}
	if (store_open(argv[1], 1, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "detlat: %s\n", err);
		return 1;
	}
	if ((lat = calloc((size_t)count, sizeof(*lat))) == NULL)
		return 1;
	for (int i = 0; i < count; i++) {
		const char *dev = argv[5 + i % ndev];
		int64_t t_set, w_set, seen, opened_at = 0;

		sleep_ms(rand_r(&seed) % interval);
		w_set = time_now_ms();
		t_set = time_mono_ms();
		if (sim_set(fd, dev, 1) != 0) {
			perror("write");
			break;
		}
		seen = wait_for(st, dev, 1, 5 * interval + 2000, &opened_at);
		if (seen < 0) {
			timeouts++;
			printf("change %s timeout\n", dev);
		} else {
			lat[n++] = seen - t_set;
			printf("change %s %lld %lld\n", dev, (long long)(seen - t_set),
			    (long long)(opened_at - w_set));
		}
		if (sim_set(fd, dev, 0) != 0 || wait_for(st, dev, 0, 5 * interval + 2000, NULL) < 0) {
			fprintf(stderr, "detlat: %s did not clear\n", dev);
			timeouts++;
		}
		fflush(stdout);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_ll);
	if (n > 0) {
		size_t p99 = (size_t)((n - 1) * 99 / 100.0 + 0.5);
		printf("detlat: n=%d p50=%lld p99=%lld max=%lld timeouts=%d\n", n, lat[(n - 1) / 2],
		    lat[p99], lat[n - 1], timeouts);
	} else
		printf("detlat: n=0 timeouts=%d\n", timeouts);
	free(lat);
	store_close(st);
	close(fd);
	return timeouts > 0;
}
