/*
 * test_sim.c - tbm-sim as a process: starts it on an ephemeral port with a
 * scenario in a temporary directory, waits for "ready" on its stdout, then
 * talks Modbus TCP and RTU (over the pty it creates) with libmodbus and
 * drives it through stdin. Usage: test_sim PATH-TO-TBM-SIM
 */
#include <errno.h>
#include <fcntl.h>
#include <modbus.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tbmtime.h"

static int failures, checks;
static const char *sim_path;
static char dir[256];

#define CHECK(cond, ...) check((cond), __LINE__, __VA_ARGS__)

static void check(int ok, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
check(int ok, int line, const char *fmt, ...)
{
	va_list ap;

	checks++;
	printf("%s %d - ", ok ? "ok" : "not ok", checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		printf(" (line %d)", line);
		failures++;
	}
	printf("\n");
	fflush(stdout);
}

struct sim {
	pid_t pid;
	FILE *out;       /* its stdout */
	int in;          /* its stdin */
	int port;
	char pty[256];
};

static int
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

/* read_text: the file at path into buf (cut at cap - 1 bytes); "" when it
 * cannot be read. */
static const char *
read_text(const char *path, char *buf, size_t cap)
{
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, cap - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

/* sim_start: runs tbm-sim; with wait_ready, reads its stdout up to "ready". */
static int
sim_start(struct sim *s, const char *scenario, const char *reqlog, int errfd)
{
	int pin[2], pout[2];
	char line[512];

	memset(s, 0, sizeof(*s));
	if (pipe(pin) != 0 || pipe(pout) != 0)
		return -1;
	if ((s->pid = fork()) < 0)
		return -1;
	if (s->pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		if (errfd >= 0)
			dup2(errfd, 2);
		close(pin[1]);
		close(pout[0]);
		if (reqlog != NULL)
			execl(sim_path, sim_path, "--log-requests", reqlog, "--seed", "7", scenario, (char *)NULL);
		else
			execl(sim_path, sim_path, scenario, (char *)NULL);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	s->in = pin[1];
	s->out = fdopen(pout[0], "r");
	while (fgets(line, sizeof(line), s->out) != NULL) {
		char name[64], addr[256];
		if (strcmp(line, "ready\n") == 0)
			return 0;
		if (sscanf(line, "listening %63s %255s", name, addr) == 2) {
			if (strncmp(addr, "127.0.0.1:", 10) == 0)
				s->port = atoi(addr + 10);
			else
				snprintf(s->pty, sizeof(s->pty), "%s", addr);
		}
	}
	return -1;   /* EOF before ready */
}

static int
sim_wait(struct sim *s)
{
	int st;

	if (s->out != NULL)
		fclose(s->out);
	if (s->in >= 0)
		close(s->in);
	if (waitpid(s->pid, &st, 0) != s->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* cmd: one command, its one answer line (timeline lines skipped). */
static const char *
cmd(struct sim *s, const char *fmt, ...)
{
	static char line[512];
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	if (write(s->in, buf, (size_t)n) != n)
		return "(write failed)";
	while (fgets(line, sizeof(line), s->out) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "ok", 2) == 0 || strncmp(line, "error:", 6) == 0)
			return line;
	}
	return "(eof)";
}

static modbus_t *
tcp_client(int port, int unit, int timeout_ms)
{
	modbus_t *ctx = modbus_new_tcp("127.0.0.1", port);

	if (ctx == NULL)
		return NULL;
	modbus_set_slave(ctx, unit);
	modbus_set_response_timeout(ctx, 0, (uint32_t)timeout_ms * 1000);
	if (modbus_connect(ctx) != 0) {
		modbus_free(ctx);
		return NULL;
	}
	return ctx;
}

static void
client_free(modbus_t *ctx)
{
	if (ctx == NULL)
		return;
	modbus_close(ctx);
	modbus_free(ctx);
}

static const char scenario_text[] =
    "# a test base\n"
    "[sim]\n"
    "\n"
    "[server cnc]\n"
    "listen = 127.0.0.1:0     # ephemeral\n"
    "\n"
    "[server line1]\n"
    "serial = pty\n"
    "baud = 19200\n"
    "parity = none\n"
    "\n"
    "[device cnc-01]\n"
    "server = cnc\n"
    "unit = 1\n"
    "holding 100 = 0\n"
    "input 10 = float32 25.5\n"
    "input 12 = float32 -3.25 order cdab\n"
    "input 14 = int32 -100000\n"
    "coil 3 = 1\n"
    "discrete 0 = 0\n"
    "\n"
    "[device cnc-02]\n"
    "server = cnc\n"
    "unit = 2\n"
    "holding 100 = 7\n"
    "behaviour = exception 4\n"
    "\n"
    "[device bench-01]\n"
    "server = line1\n"
    "unit = 5\n"
    "holding 0 = 0x1234\n"
    "holding 1 = 42\n"
    "\n"
    "[at 1h]\n"
    "cnc-01.holding.100 = 9\n";

static void
test_tcp(struct sim *s)
{
	modbus_t *c;
	uint16_t r[8];
	uint8_t b[8];
	int64_t t0, dt;
	int rc;

	c = tcp_client(s->port, 1, 1000);
	CHECK(c != NULL, "connect to 127.0.0.1:%d", s->port);
	if (c == NULL)
		return;
	rc = modbus_read_registers(c, 100, 1, r);
	CHECK(rc == 1 && r[0] == 0, "holding 100 reads 0 (rc %d)", rc);
	rc = modbus_read_input_registers(c, 10, 6, r);
	CHECK(rc == 6 && modbus_get_float_abcd(r) == 25.5f, "input 10 float32 abcd 25.5");
	CHECK(rc == 6 && modbus_get_float_cdab(r + 2) == -3.25f, "input 12 float32 cdab -3.25");
	CHECK(rc == 6 && (int32_t)((uint32_t)r[4] << 16 | r[5]) == -100000, "input 14 int32 -100000");
	rc = modbus_read_bits(c, 3, 1, b);
	CHECK(rc == 1 && b[0] == 1, "coil 3 reads 1");
	rc = modbus_read_input_bits(c, 0, 1, b);
	CHECK(rc == 1 && b[0] == 0, "discrete 0 reads 0");

	CHECK(strcmp(cmd(s, "set cnc-01.holding.100 1021"), "ok") == 0, "set holding 100");
	rc = modbus_read_registers(c, 100, 1, r);
	CHECK(rc == 1 && r[0] == 1021, "set takes effect (%u)", r[0]);
	CHECK(strcmp(cmd(s, "get cnc-01.holding.100"), "ok 1021") == 0, "get holding 100");
	CHECK(strcmp(cmd(s, "get cnc-01.input.10 float32"), "ok 25.5") == 0, "get input 10 float32");
	CHECK(strcmp(cmd(s, "set cnc-01.input.10 float32 80.25"), "ok") == 0, "set a float32");
	rc = modbus_read_input_registers(c, 10, 2, r);
	CHECK(rc == 2 && modbus_get_float_abcd(r) == 80.25f, "float32 set takes effect");
	CHECK(strncmp(cmd(s, "set cnc-01.holding.5000 1"), "error:", 6) == 0, "set outside the map is an error");
	CHECK(strncmp(cmd(s, "set cnc-01.coil.3 2"), "error:", 6) == 0, "a coil takes 0 or 1");
	CHECK(strncmp(cmd(s, "frobnicate"), "error:", 6) == 0, "unknown command");

	errno = 0;
	rc = modbus_read_registers(c, 101, 1, r);
	CHECK(rc == -1 && errno == EMBXILADD, "holding 101 outside the map: exception 2 (%s)", modbus_strerror(errno));
	rc = modbus_read_registers(c, 99, 2, r);
	CHECK(rc == -1 && errno == EMBXILADD, "a block running into the map: exception 2");
	rc = modbus_write_register(c, 100, 5);
	CHECK(rc == -1 && errno == EMBXILFUN, "FC 6 is refused with exception 1 (%s)", modbus_strerror(errno));
	CHECK(strcmp(cmd(s, "get cnc-01.holding.100"), "ok 1021") == 0, "and did not write");

	modbus_set_slave(c, 2);
	rc = modbus_read_registers(c, 100, 1, r);
	CHECK(rc == -1 && errno == EMBXSFAIL, "behaviour exception 4 from the scenario");
	CHECK(strcmp(cmd(s, "behave cnc-02 normal"), "ok") == 0, "behave normal");
	rc = modbus_read_registers(c, 100, 1, r);
	CHECK(rc == 1 && r[0] == 7, "unit 2 on the same server reads its own map");
	client_free(c);

	/* several connections at once, answered independently */
	{
		modbus_t *a = tcp_client(s->port, 1, 1000), *bb = tcp_client(s->port, 2, 1000);
		CHECK(a && bb && modbus_read_registers(a, 100, 1, r) == 1 &&
		    modbus_read_registers(bb, 100, 1, r) == 1 && modbus_read_registers(a, 100, 1, r) == 1,
		    "two clients at once");
		client_free(a);
		client_free(bb);
	}

	c = tcp_client(s->port, 9, 100);
	rc = modbus_read_registers(c, 100, 1, r);
	CHECK(rc == -1 && errno == ETIMEDOUT, "unknown unit 9: no answer (%s)", modbus_strerror(errno));
	client_free(c);

	c = tcp_client(s->port, 1, 100);
	CHECK(strcmp(cmd(s, "behave cnc-01 silent"), "ok") == 0, "behave silent");
	rc = modbus_read_registers(c, 100, 1, r);
	CHECK(rc == -1 && errno == ETIMEDOUT, "silent times out");
	client_free(c);

	CHECK(strcmp(cmd(s, "behave cnc-01 late 300"), "ok") == 0, "behave late 300");
	c = tcp_client(s->port, 1, 100);
	t0 = time_mono_ms();
	rc = modbus_read_registers(c, 100, 1, r);
	dt = time_mono_ms() - t0;
	CHECK(rc == -1 && errno == ETIMEDOUT && dt < 300, "late 300 misses a 100ms timeout (%lld ms)", (long long)dt);
	client_free(c);   /* the late reply finds the connection closed */
	c = tcp_client(s->port, 1, 2000);
	t0 = time_mono_ms();
	rc = modbus_read_registers(c, 100, 1, r);
	dt = time_mono_ms() - t0;
	CHECK(rc == 1 && r[0] == 1021 && dt >= 290 && dt < 1500, "late 300 answers after %lld ms", (long long)dt);
	/* a late device does not hold up another one on the same server */
	{
		modbus_t *o = tcp_client(s->port, 2, 1000);
		t0 = time_mono_ms();
		modbus_send_raw_request(c, (uint8_t[]){ 1, 3, 0, 100, 0, 1 }, 6);
		rc = modbus_read_registers(o, 100, 1, r);
		dt = time_mono_ms() - t0;
		CHECK(rc == 1 && dt < 200, "unit 2 answers while unit 1's reply waits (%lld ms)", (long long)dt);
		client_free(o);
	}
	client_free(c);

	CHECK(strcmp(cmd(s, "behave cnc-01 wrong_tid"), "ok") == 0, "behave wrong_tid");
	c = tcp_client(s->port, 1, 300);
	rc = modbus_read_registers(c, 100, 1, r);
	CHECK(rc == -1 && errno == EMBBADDATA, "wrong_tid is refused (%s)", modbus_strerror(errno));
	client_free(c);

	CHECK(strcmp(cmd(s, "behave cnc-01 drop"), "ok") == 0, "behave drop");
	c = tcp_client(s->port, 1, 300);
	rc = modbus_read_registers(c, 100, 1, r);
	CHECK(rc == -1 && errno != ETIMEDOUT, "drop closes the connection (%s)", modbus_strerror(errno));
	client_free(c);

	CHECK(strcmp(cmd(s, "behave cnc-01 truncated"), "ok") == 0, "behave truncated");
	c = tcp_client(s->port, 1, 200);
	rc = modbus_read_registers(c, 100, 1, r);
	CHECK(rc == -1, "truncated reply fails (%s)", modbus_strerror(errno));
	client_free(c);

	CHECK(strcmp(cmd(s, "behave cnc-01 garbage"), "ok") == 0, "behave garbage");
	c = tcp_client(s->port, 1, 200);
	rc = modbus_read_registers(c, 100, 1, r);
	CHECK(rc == -1, "garbage fails (%s)", modbus_strerror(errno));
	client_free(c);

	/* wrong_unit: libmodbus 3.1.6 does not check the unit id of a TCP reply, look at the bytes */
	CHECK(strcmp(cmd(s, "behave cnc-01 wrong_unit"), "ok") == 0, "behave wrong_unit");
	c = tcp_client(s->port, 1, 500);
	if (c != NULL) {
		uint8_t raw[64];
		ssize_t n;
		modbus_send_raw_request(c, (uint8_t[]){ 1, 3, 0, 100, 0, 1 }, 6);
		struct pollfd pfd = { .fd = modbus_get_socket(c), .events = POLLIN };
		/* libmodbus's sockets are non-blocking */
		n = poll(&pfd, 1, 1000) == 1 ? recv(pfd.fd, raw, sizeof(raw), 0) : -1;
		CHECK(n >= 9 && raw[6] == 2 && raw[7] == 3, "wrong_unit answers as unit 2 (%zd bytes: unit %d fc %d)",
		    n, n >= 8 ? raw[6] : -1, n >= 8 ? raw[7] : -1);
	}
	client_free(c);
	CHECK(strcmp(cmd(s, "behave cnc-01 normal"), "ok") == 0, "behave normal");
}

static void
test_rtu(struct sim *s)
{
	modbus_t *c;
	uint16_t r[2];
	int rc;

	CHECK(s->pty[0] == '/', "serial = pty printed a device (%s)", s->pty);
	if (s->pty[0] != '/')
		return;
	c = modbus_new_rtu(s->pty, 19200, 'N', 8, 1);
	CHECK(c != NULL && modbus_connect(c) == 0, "open %s", s->pty);
	modbus_set_slave(c, 5);
	modbus_set_response_timeout(c, 0, 500000);
	rc = modbus_read_registers(c, 0, 2, r);
	CHECK(rc == 2 && r[0] == 0x1234 && r[1] == 42, "RTU unit 5 holding 0..1");
	modbus_set_slave(c, 6);
	modbus_set_response_timeout(c, 0, 100000);
	rc = modbus_read_registers(c, 0, 1, r);
	CHECK(rc == -1 && errno == ETIMEDOUT, "RTU unknown unit 6: no answer");
	modbus_set_slave(c, 5);
	modbus_set_response_timeout(c, 0, 500000);
	CHECK(strcmp(cmd(s, "behave bench-01 wrong_unit"), "ok") == 0, "behave wrong_unit");
	rc = modbus_read_registers(c, 0, 1, r);
	CHECK(rc == -1 && errno == EMBBADSLAVE, "RTU wrong_unit is refused (%s)", modbus_strerror(errno));
	modbus_flush(c);
	CHECK(strcmp(cmd(s, "behave bench-01 normal"), "ok") == 0, "behave normal");
	rc = modbus_read_registers(c, 1, 1, r);
	CHECK(rc == 1 && r[0] == 42, "RTU reads again");
	rc = modbus_read_registers(c, 2, 1, r);
	CHECK(rc == -1 && errno == EMBXILADD, "RTU outside the map: exception 2");
	client_free(c);
}

static void
test_log(const char *path)
{
	char line[256];
	int fc3 = 0, unknown = 0, fc6 = 0, rtu = 0, n = 0;
	long long prev = -1, mono;
	int mono_ok = 1;
	FILE *fp = fopen(path, "r");

	CHECK(fp != NULL, "request log exists");
	if (fp == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		char dev[64], a[16], cnt[16];
		int unit, fc;
		if (sscanf(line, "%lld %63s %d %d %15s %15s", &mono, dev, &unit, &fc, a, cnt) != 6)
			continue;
		n++;
		if (mono < prev)
			mono_ok = 0;
		prev = mono;
		if (strcmp(dev, "cnc-01") == 0 && unit == 1 && fc == 3 && strcmp(a, "100") == 0 && strcmp(cnt, "1") == 0)
			fc3++;
		if (strcmp(dev, "-") == 0 && unit == 9)
			unknown++;
		if (fc == 6)
			fc6++;
		if (strcmp(dev, "bench-01") == 0 && unit == 5 && fc == 3)
			rtu++;
	}
	fclose(fp);
	CHECK(n > 20 && mono_ok, "request log: %d lines, monotonic", n);
	CHECK(fc3 > 5, "request log has cnc-01 FC 3 at 100 x1 (%d)", fc3);
	CHECK(unknown == 1, "request log has the unknown unit as '-'");
	CHECK(fc6 == 1, "request log has the FC 6 request");
	CHECK(rtu >= 3, "request log has the RTU requests");
}

static void
test_bad_scenario(void)
{
	static const char bad[] =
	    "[sim]\n"
	    "loop = 10s\n"
	    "[server s]\n"
	    "listen = 127.0.0.1:99999\n"                /* 4 */
	    "[device d1]\n"
	    "server = nowhere\n"                        /* 6 */
	    "holding 1 = 70000\n"                       /* 7 */
	    "[device d2]\n"
	    "server = s\n"
	    "behaviour = late\n"                        /* 10 */
	    "input 3 = float32 abc\n"                   /* 11 */
	    "[at 20s]\n"                                /* 12 */
	    "d2.holding.1 = 1\n"
	    "nope.holding.1 = 1\n"                      /* 14 */
	    "[weird]\n"                                 /* 15 */
	    "[at 5s]\n"
	    "d2.behaviour = sleepy\n";                  /* 17 */
	static const int lines[] = { 4, 6, 7, 10, 11, 12, 14, 15, 17 };
	char path[300], errpath[300], text[4096] = "", expect[320];
	struct sim s;
	int errfd, rc;

	snprintf(path, sizeof(path), "%s/bad.sim", dir);
	snprintf(errpath, sizeof(errpath), "%s/bad.err", dir);
	write_file(path, bad);
	errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rc = sim_start(&s, path, NULL, errfd);
	close(errfd);
	CHECK(rc == -1, "a bad scenario never gets ready");
	rc = sim_wait(&s);
	CHECK(rc == 2, "a bad scenario exits 2 (%d)", rc);
	read_text(errpath, text, sizeof(text));
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(expect, sizeof(expect), "%s:%d: ", path, lines[i]);
		CHECK(strstr(text, expect) != NULL, "error reported at line %d", lines[i]);
	}
	if (failures)
		printf("# stderr was:\n%s", text);
}

/* EOF on stdin keeps it running; SIGTERM ends it with 0. */
static void
test_eof_and_sigterm(const char *scenario)
{
	struct sim s;
	modbus_t *c;
	uint16_t r;
	int rc;

	rc = sim_start(&s, scenario, NULL, -1);
	CHECK(rc == 0, "second instance ready");
	if (rc != 0)
		return;
	close(s.in);
	s.in = -1;
	c = tcp_client(s.port, 1, 1000);
	CHECK(c != NULL && modbus_read_registers(c, 100, 1, &r) == 1, "still serving after EOF on stdin");
	client_free(c);
	kill(s.pid, SIGTERM);
	rc = sim_wait(&s);
	CHECK(rc == 0, "SIGTERM exits 0 (%d)", rc);
}

/* file_has: the file at path contains needle. */
static int
file_has(const char *path, const char *needle)
{
	char text[8192];

	return strstr(read_text(path, text, sizeof(text)), needle) != NULL;
}

/*
 * Nobody reads its stdout: a timeline that prints about 30 KB a second fills
 * the pipe (64 KB) within seconds. tbm-sim must drop the lines (and say so
 * once on stderr) and go on answering, not block in write().
 */
static void
test_unread_stdout(void)
{
	char path[300], errpath[300], text[8192];
	size_t len = 0;
	int64_t deadline;
	struct sim s;
	modbus_t *c;
	uint16_t r;
	int errfd, rc, dropped = 0;

	len += (size_t)snprintf(text + len, sizeof(text) - len,
	    "[sim]\nloop = 100ms\n[server s]\nlisten = 127.0.0.1:0\n[device d]\nserver = s\n");
	for (int a = 0; a < 10; a++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "holding %d = 0\n", a);
	for (int t = 0; t < 10; t++) {
		len += (size_t)snprintf(text + len, sizeof(text) - len, "[at %dms]\n", t * 10);
		for (int a = 0; a < 10; a++)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "d.holding.%d = %d\n", a, t);
	}
	snprintf(path, sizeof(path), "%s/chatty.sim", dir);
	snprintf(errpath, sizeof(errpath), "%s/chatty.err", dir);
	write_file(path, text);
	errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rc = sim_start(&s, path, NULL, errfd);
	close(errfd);
	CHECK(rc == 0, "chatty scenario ready");
	if (rc != 0)
		return;
	/* its stdout is not read from here on */
	deadline = time_mono_ms() + 30000;
	while (!(dropped = file_has(errpath, "timeline lines are dropped")) && time_mono_ms() < deadline)
		poll(NULL, 0, 20);
	CHECK(dropped, "the full stdout is noticed and said on stderr");
	c = tcp_client(s.port, 1, 1000);
	CHECK(c != NULL && modbus_read_registers(c, 0, 1, &r) == 1, "still answering with stdout full");
	client_free(c);
	kill(s.pid, SIGTERM);
	rc = sim_wait(&s);
	CHECK(rc == 0, "SIGTERM exits 0 with stdout full (%d)", rc);
	CHECK(file_has(errpath, "timeline lines dropped: nobody read stdout"), "the dropped lines counted at exit");
}

int
main(int argc, char **argv)
{
	char scenario[300], reqlog[300];
	const char *tmp = getenv("TMPDIR");
	struct sim s;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: test_sim TBM-SIM\n");
		return 2;
	}
	sim_path = argv[1];
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "%s/tbm-sim-test.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(scenario, sizeof(scenario), "%s/base.sim", dir);
	snprintf(reqlog, sizeof(reqlog), "%s/requests.log", dir);
	write_file(scenario, scenario_text);

	rc = sim_start(&s, scenario, reqlog, -1);
	CHECK(rc == 0 && s.port > 0, "tbm-sim ready on port %d", s.port);
	if (rc != 0)
		return 1;
	test_tcp(&s);
	test_rtu(&s);
	CHECK(strncmp(cmd(&s, "stats"), "ok requests=", 12) == 0, "stats");
	CHECK(strcmp(cmd(&s, "quit"), "ok") == 0, "quit");
	rc = sim_wait(&s);
	CHECK(rc == 0, "quit exits 0 (%d)", rc);
	test_log(reqlog);
	test_bad_scenario();
	test_eof_and_sigterm(scenario);
	test_unread_stdout();

	if (failures == 0) {
		char rm[400];
		snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
		if (system(rm) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}
