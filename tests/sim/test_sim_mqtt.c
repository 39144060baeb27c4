/*
 * test_sim_mqtt.c - tbm-sim's MQTT devices against a real mosquitto broker
 * that the test starts on a free loopback port with its own configuration.
 * A libmosquitto subscriber (driven from this single thread) collects what
 * tbm-sim publishes; tbm-sim is driven through stdin. Every wait is for a
 * line or a message, with a deadline; the only waits that are expected to
 * run out are those for a message that must not come (a silent device).
 * Usage: test_sim_mqtt PATH-TO-TBM-SIM PATH-TO-MOSQUITTO
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <mosquitto.h>

#include "tbmtime.h"

static int failures, checks;
static const char *sim_path, *broker_path;
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

static int
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

static char *
read_file(const char *path)
{
	static char text[16384];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	text[0] = '\0';
	if (fp != NULL) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[n] = '\0';
	return text;
}

/* A TCP port on the loopback that nobody listens on right now. */
static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* ---- lines from a child's pipe, with a deadline ---- */

struct lines {
	int fd;
	char buf[8192];
	size_t len;
};

/* line_read: the next line (without its newline) into out; -1 on EOF or
 * when none comes within timeout_ms. */
static int
line_read(struct lines *l, char *out, size_t outlen, int timeout_ms)
{
	int64_t deadline = time_mono_ms() + timeout_ms;

	for (;;) {
		char *nl = memchr(l->buf, '\n', l->len);
		struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
		int64_t left;
		ssize_t n;
		if (nl != NULL) {
			size_t used = (size_t)(nl - l->buf) + 1;
			snprintf(out, outlen, "%.*s", (int)(used - 1), l->buf);
			memmove(l->buf, l->buf + used, l->len - used);
			l->len -= used;
			return 0;
		}
		if (l->len == sizeof(l->buf))
			l->len = 0;   /* a line too long for us: drop it */
		left = deadline - time_mono_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		n = read(l->fd, l->buf + l->len, sizeof(l->buf) - l->len);
		if (n <= 0)
			return -1;
		l->len += (size_t)n;
	}
}

/* ---- the broker ---- */

struct broker {
	pid_t pid;
	int port;
	struct lines log;      /* its stderr */
};

static int
broker_start(struct broker *b, int port)
{
	char conf[300], text[512], line[512], want[128];
	int p[2], opening = 0;

	memset(b, 0, sizeof(*b));
	b->port = port;
	snprintf(conf, sizeof(conf), "%s/mosquitto.conf", dir);
	/* connection_messages off: its log stays a few lines, the pipe never fills */
	snprintf(text, sizeof(text),
	    "listener %d 127.0.0.1\n"
	    "allow_anonymous true\n"
	    "persistence false\n"
	    "connection_messages false\n"
	    "log_dest stderr\n"
	    "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n", port);
	if (write_file(conf, text) != 0 || pipe(p) != 0)
		return -1;
	if ((b->pid = fork()) < 0)
		return -1;
	if (b->pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(p[1], 2);
		close(p[0]);
		execl(broker_path, broker_path, "-c", conf, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	b->log.fd = p[0];
	/* mosquitto logs "Opening ..." before it binds; "... running" comes
	 * once every listener is open */
	snprintf(want, sizeof(want), "Opening ipv4 listen socket on port %d.", port);
	while (line_read(&b->log, line, sizeof(line), 10000) == 0) {
		if (strstr(line, want) != NULL)
			opening = 1;
		else if (opening && strstr(line, " running") != NULL)
			return 0;
	}
	return -1;
}

static void
broker_stop(struct broker *b)
{
	if (b->pid > 0) {
		kill(b->pid, SIGTERM);
		waitpid(b->pid, NULL, 0);
	}
	if (b->log.fd > 0)
		close(b->log.fd);
	b->pid = 0;
	b->log.fd = -1;
}

/* ---- the subscriber: every message on lab/#, in arrival order ---- */

#define MAX_MSGS 4096

struct msg {
	char topic[128];
	char *payload;
	int len;
	int64_t at;
};

struct sub {
	struct mosquitto *mosq;
	int subscribed;
	struct msg msgs[MAX_MSGS];
	int n;
};

static void
sub_on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *m)
{
	struct sub *s = obj;
	struct msg *x;

	(void)mosq;
	if (s->n == MAX_MSGS)
		return;
	x = &s->msgs[s->n++];
	snprintf(x->topic, sizeof(x->topic), "%s", m->topic);
	x->len = m->payloadlen;
	x->payload = malloc((size_t)m->payloadlen + 1);
	if (x->payload != NULL) {
		memcpy(x->payload, m->payload, (size_t)m->payloadlen);
		x->payload[m->payloadlen] = '\0';
	}
	x->at = time_mono_ms();
}

static void
sub_on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count, const int *granted)
{
	(void)mosq;
	(void)mid;
	(void)qos_count;
	(void)granted;
	((struct sub *)obj)->subscribed = 1;
}

static int
sub_start(struct sub *s, int port)
{
	int64_t deadline = time_mono_ms() + 10000;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((s->mosq = mosquitto_new(NULL, true, s)) == NULL)
		return -1;
	mosquitto_message_callback_set(s->mosq, sub_on_message);
	mosquitto_subscribe_callback_set(s->mosq, sub_on_subscribe);
	if ((rc = mosquitto_connect(s->mosq, "127.0.0.1", port, 30)) != MOSQ_ERR_SUCCESS ||
	    (rc = mosquitto_subscribe(s->mosq, NULL, "lab/#", 1)) != MOSQ_ERR_SUCCESS) {
		printf("# subscriber: %s\n", mosquitto_strerror(rc));
		return -1;
	}
	while (!s->subscribed && time_mono_ms() < deadline)
		if ((rc = mosquitto_loop(s->mosq, 100, 1)) != MOSQ_ERR_SUCCESS) {
			printf("# subscriber: %s\n", mosquitto_strerror(rc));
			return -1;
		}
	return s->subscribed ? 0 : -1;
}

static void
sub_stop(struct sub *s)
{
	if (s->mosq != NULL) {
		mosquitto_disconnect(s->mosq);
		mosquitto_destroy(s->mosq);
	}
	for (int i = 0; i < s->n; i++)
		free(s->msgs[i].payload);
	s->mosq = NULL;
	s->n = 0;
}

/* sub_count: messages received on topic so far. */
static int
sub_count(const struct sub *s, const char *topic)
{
	int k = 0;

	for (int i = 0; i < s->n; i++)
		if (strcmp(s->msgs[i].topic, topic) == 0)
			k++;
	return k;
}

/* sub_wait: the idx-th (from 0) message on topic, waiting up to timeout_ms
 * for it; NULL if it did not come. */
static const struct msg *
sub_wait(struct sub *s, const char *topic, int idx, int timeout_ms)
{
	int64_t deadline = time_mono_ms() + timeout_ms;

	for (;;) {
		int k = 0;
		for (int i = 0; i < s->n; i++)
			if (strcmp(s->msgs[i].topic, topic) == 0 && k++ == idx)
				return &s->msgs[i];
		if (time_mono_ms() >= deadline)
			return NULL;
		if (mosquitto_loop(s->mosq, (int)(deadline - time_mono_ms()) < 100 ? (int)(deadline - time_mono_ms()) : 100,
		    1) != MOSQ_ERR_SUCCESS)
			return NULL;
	}
}

/* sub_drain: takes in what is waiting, until the line has been quiet for 50 ms. */
static void
sub_drain(struct sub *s)
{
	int64_t quiet_since = time_mono_ms();
	int n = s->n;

	while (time_mono_ms() - quiet_since < 50) {
		if (mosquitto_loop(s->mosq, 10, 1) != MOSQ_ERR_SUCCESS)
			return;
		if (s->n != n) {
			n = s->n;
			quiet_since = time_mono_ms();
		}
	}
}

static int
payload_is(const struct msg *m, const char *text)
{
	return m != NULL && m->payload != NULL && (size_t)m->len == strlen(text) && memcmp(m->payload, text, (size_t)m->len) == 0;
}

/* ---- tbm-sim ---- */

struct sim {
	pid_t pid;
	struct lines out;
	int in;
	int port;
	char listening_broker[384];
	char seen[64][512];      /* "at ..." lines met while waiting for others */
	int nseen;
};

static int
sim_start(struct sim *s, const char *scenario, int errfd)
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
		execl(sim_path, sim_path, "--seed", "11", scenario, (char *)NULL);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	s->in = pin[1];
	s->out.fd = pout[0];
	while (line_read(&s->out, line, sizeof(line), 30000) == 0) {
		char name[64], addr[256];
		if (strcmp(line, "ready") == 0)
			return 0;
		if (sscanf(line, "listening %63s %255s", name, addr) == 2) {
			if (strncmp(addr, "127.0.0.1:", 10) == 0)
				s->port = atoi(addr + 10);
			else if (strncmp(addr, "mqtt://", 7) == 0)
				snprintf(s->listening_broker, sizeof(s->listening_broker), "%s %s", name, addr);
		}
	}
	return -1;
}

static int
sim_wait(struct sim *s)
{
	int st;

	if (s->out.fd >= 0)
		close(s->out.fd);
	if (s->in >= 0)
		close(s->in);
	if (waitpid(s->pid, &st, 0) != s->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
remember(struct sim *s, const char *line)
{
	if (s->nseen < (int)(sizeof(s->seen) / sizeof(s->seen[0])))
		snprintf(s->seen[s->nseen++], sizeof(s->seen[0]), "%s", line);
}

/* cmd: one command, its one answer line (timeline lines remembered). */
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
	while (line_read(&s->out, line, sizeof(line), 10000) == 0) {
		if (strncmp(line, "ok", 2) == 0 || strncmp(line, "error:", 6) == 0)
			return line;
		remember(s, line);
	}
	return "(no answer)";
}

/* wait_line: until tbm-sim has printed exactly this line. */
static int
wait_line(struct sim *s, const char *want, int timeout_ms)
{
	char line[512];

	for (int i = 0; i < s->nseen; i++)
		if (strcmp(s->seen[i], want) == 0)
			return 0;
	while (line_read(&s->out, line, sizeof(line), timeout_ms) == 0) {
		remember(s, line);
		if (strcmp(line, want) == 0)
			return 0;
	}
	return -1;
}

#define T03 "lab/weld/03/state"
#define T04 "lab/weld/04/state"
#define T05 "lab/weld/05/state"

static const char scenario_fmt[] =
    "# MQTT devices beside a Modbus one\n"
    "[server plc]\n"
    "listen = 127.0.0.1:0\n"
    "\n"
    "[device bench-01]\n"
    "server = plc\n"
    "holding 0 = 42\n"
    "\n"
    "[broker lab]\n"
    "url = mqtt://127.0.0.1:%d\n"
    "connect_timeout = 5s\n"
    "\n"
    "[device weld-03]              # publishes only on changes: its interval is long\n"
    "broker = lab\n"
    "topic = lab/weld/03/state\n"
    "interval = 1h\n"
    "json sensors.temp = 25.5\n"
    "json sensors.door = 0\n"
    "json status.alarms.0 = 0\n"
    "json status.alarms.1 = 3\n"
    "\n"
    "[device weld-04]              # the timeline's\n"
    "broker = lab\n"
    "topic = lab/weld/04/state\n"
    "interval = 0\n"
    "json temp = 20\n"
    "json hum = 40\n"
    "\n"
    "[device weld-05]              # every 200 ms\n"
    "broker = lab\n"
    "topic = lab/weld/05/state\n"
    "interval = 200ms\n"
    "json temp = 30\n"
    "\n"
    "[at 1s]\n"
    "weld-04.json.temp = 90\n"
    "weld-04.json.hum = 41\n"
    "[at 2s]\n"
    "weld-04.json.temp = 20\n"
    "[at 3s]\n"
    "weld-04.behaviour = silent\n"
    "weld-04.json.temp = 99\n";

static void
test_state_and_commands(struct sim *s, struct sub *sub)
{
	const struct msg *m;
	const char *answer;
	cJSON *doc;
	int n;

	m = sub_wait(sub, T03, 0, 5000);
	CHECK(payload_is(m, "{\"sensors\":{\"temp\":25.5,\"door\":0},\"status\":{\"alarms\":[0,3]}}"),
	    "weld-03's first message is its JSON state (%s)", m ? m->payload : "none");
	doc = m ? cJSON_Parse(m->payload) : NULL;
	CHECK(doc != NULL && cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "sensors"), "temp") != NULL &&
	    cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "sensors"), "temp")->valuedouble == 25.5 &&
	    cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "status"), "alarms")) == 2,
	    "cJSON reads sensors.temp 25.5 and status.alarms[2]");
	cJSON_Delete(doc);
	CHECK(strcmp(cmd(s, "get weld-03.json.sensors.temp"), "ok 25.5") == 0, "get a json point");

	CHECK(strcmp(cmd(s, "set weld-03.json.sensors.temp 90"), "ok") == 0, "set a json point");
	m = sub_wait(sub, T03, 1, 5000);
	CHECK(payload_is(m, "{\"sensors\":{\"temp\":90,\"door\":0},\"status\":{\"alarms\":[0,3]}}"),
	    "the set is published at once, not at the next interval (%s)", m ? m->payload : "none");
	CHECK(strcmp(cmd(s, "get weld-03.json.sensors.temp"), "ok 90") == 0, "get reads the new value");
	CHECK(strcmp(cmd(s, "set weld-03.json.status.alarms.1 -7.25"), "ok") == 0, "set an array element");
	m = sub_wait(sub, T03, 2, 5000);
	CHECK(payload_is(m, "{\"sensors\":{\"temp\":90,\"door\":0},\"status\":{\"alarms\":[0,-7.25]}}"),
	    "array element published (%s)", m ? m->payload : "none");

	CHECK(strcmp(cmd(s, "publish weld-03"), "ok") == 0, "publish");
	m = sub_wait(sub, T03, 3, 5000);
	CHECK(payload_is(m, "{\"sensors\":{\"temp\":90,\"door\":0},\"status\":{\"alarms\":[0,-7.25]}}"),
	    "publish sends the state again (%s)", m ? m->payload : "none");
	answer = cmd(s, "stats weld-03");
	CHECK(strcmp(answer, "ok published=4 dropped=0 behaviour=normal") == 0,
	    "stats counts the messages published (%s)", answer);

	CHECK(strcmp(cmd(s, "behave weld-03 missing sensors.temp"), "ok") == 0, "behave missing sensors.temp");
	m = sub_wait(sub, T03, 4, 5000);
	CHECK(payload_is(m, "{\"sensors\":{\"door\":0},\"status\":{\"alarms\":[0,-7.25]}}"),
	    "missing leaves the key out (%s)", m ? m->payload : "none");
	CHECK(strcmp(cmd(s, "stats weld-03"), "ok published=5 dropped=0 behaviour=missing sensors.temp") == 0,
	    "stats shows the behaviour");
	CHECK(strcmp(cmd(s, "behave weld-03 missing status.alarms.1"), "ok") == 0, "behave missing an array's last element");
	m = sub_wait(sub, T03, 5, 5000);
	CHECK(payload_is(m, "{\"sensors\":{\"temp\":90,\"door\":0},\"status\":{\"alarms\":[0]}}"),
	    "the array is one shorter (%s)", m ? m->payload : "none");
	CHECK(strcmp(cmd(s, "behave weld-03 missing status"), "ok") == 0, "behave missing a whole object");
	m = sub_wait(sub, T03, 6, 5000);
	CHECK(payload_is(m, "{\"sensors\":{\"temp\":90,\"door\":0}}"), "status left out (%s)", m ? m->payload : "none");

	CHECK(strcmp(cmd(s, "behave weld-03 text"), "ok") == 0, "behave text");
	m = sub_wait(sub, T03, 7, 5000);
	CHECK(payload_is(m, "{\"sensors\":{\"temp\":\"90\",\"door\":\"0\"},\"status\":{\"alarms\":[\"0\",\"-7.25\"]}}"),
	    "text: numbers as strings (%s)", m ? m->payload : "none");

	CHECK(strcmp(cmd(s, "behave weld-03 bare"), "ok") == 0, "behave bare");
	m = sub_wait(sub, T03, 8, 5000);
	CHECK(payload_is(m, "90"), "bare: the first value alone (%s)", m ? m->payload : "none");

	CHECK(strcmp(cmd(s, "behave weld-03 garbage"), "ok") == 0, "behave garbage");
	m = sub_wait(sub, T03, 9, 5000);
	doc = m ? cJSON_ParseWithLength(m->payload, (size_t)m->len) : NULL;
	CHECK(m != NULL && m->len >= 8 && doc == NULL && (unsigned char)m->payload[0] >= 0x80,
	    "garbage: %d bytes that are not JSON", m ? m->len : -1);
	cJSON_Delete(doc);

	CHECK(strcmp(cmd(s, "behave weld-03 silent"), "ok") == 0, "behave silent");
	CHECK(strcmp(cmd(s, "set weld-03.json.sensors.temp 91"), "ok") == 0, "set while silent");
	CHECK(strncmp(cmd(s, "publish weld-03"), "error: device weld-03 is silent", 31) == 0, "publish refused while silent");
	/* the one wait that must run out: nothing comes from a silent device */
	m = sub_wait(sub, T03, 10, 2000);
	CHECK(m == NULL, "silent publishes nothing (%s)", m ? m->payload : "none");
	CHECK(strcmp(cmd(s, "stats weld-03"), "ok published=10 dropped=0 behaviour=silent") == 0,
	    "stats: still 10 published");
	CHECK(strcmp(cmd(s, "behave weld-03 normal"), "ok") == 0, "behave normal");
	m = sub_wait(sub, T03, 10, 5000);
	CHECK(payload_is(m, "{\"sensors\":{\"temp\":91,\"door\":0},\"status\":{\"alarms\":[0,-7.25]}}"),
	    "back to normal: the state set while silent (%s)", m ? m->payload : "none");

	/* refusals */
	CHECK(strncmp(cmd(s, "behave weld-03 late 300"), "error:", 6) == 0, "a Modbus behaviour is refused");
	CHECK(strncmp(cmd(s, "behave weld-03 missing nope"), "error:", 6) == 0, "missing needs a path it has");
	CHECK(strncmp(cmd(s, "behave weld-03 missing"), "error:", 6) == 0, "missing needs a path");
	CHECK(strncmp(cmd(s, "behave weld-03 text 1"), "error:", 6) == 0, "text takes no argument");
	CHECK(strncmp(cmd(s, "set weld-03.json.nope 1"), "error:", 6) == 0, "set an unknown path");
	CHECK(strncmp(cmd(s, "set weld-03.json.sensors.temp abc"), "error:", 6) == 0, "set a non-number");
	CHECK(strncmp(cmd(s, "set weld-03.json.sensors.temp nan"), "error:", 6) == 0, "set nan");
	CHECK(strncmp(cmd(s, "set weld-03.holding.0 1"), "error:", 6) == 0, "an MQTT device has no registers");
	CHECK(strncmp(cmd(s, "get weld-03.json.sensors.temp float32"), "error:", 6) == 0, "a json point has no type");
	CHECK(strncmp(cmd(s, "get bench-01.json.x"), "error:", 6) == 0, "a Modbus device has no json");
	CHECK(strncmp(cmd(s, "publish bench-01"), "error:", 6) == 0, "publish a Modbus device");
	CHECK(strncmp(cmd(s, "publish nobody"), "error:", 6) == 0, "publish an unknown device");
	n = sub_count(sub, T03);
	CHECK(strcmp(cmd(s, "stats weld-03"), "ok published=11 dropped=0 behaviour=normal") == 0 && n == 11,
	    "refusals published nothing (%d received)", n);
}

static void
test_modbus_alongside(struct sim *s)
{
	modbus_t *c = modbus_new_tcp("127.0.0.1", s->port);
	uint16_t r = 0;

	CHECK(c != NULL && modbus_connect(c) == 0, "Modbus server on port %d", s->port);
	if (c == NULL)
		return;
	modbus_set_slave(c, 1);
	modbus_set_response_timeout(c, 1, 0);
	CHECK(modbus_read_registers(c, 0, 1, &r) == 1 && r == 42, "Modbus device beside MQTT ones reads 42");
	modbus_close(c);
	modbus_free(c);
}

static void
test_interval(struct sub *sub)
{
	const struct msg *first, *m;
	int64_t dt;

	int k;

	first = sub_wait(sub, T05, 0, 5000);
	CHECK(first != NULL && payload_is(first, "{\"temp\":30}"), "weld-05 publishes {\"temp\":30}");
	/* while the test did other things its messages queued up: take them
	 * all in, so that those timed below are timed as they arrive */
	sub_drain(sub);
	k = sub_count(sub, T05);
	first = sub_wait(sub, T05, k, 5000);
	m = sub_wait(sub, T05, k + 5, 5000);
	dt = first && m ? m->at - first->at : -1;
	CHECK(m != NULL && dt >= 700 && dt < 4000, "6 messages at interval 200ms took %lld ms", (long long)dt);
}

static void
test_timeline(struct sim *s, struct sub *sub)
{
	const struct msg *m;
	const char *answer;

	m = sub_wait(sub, T04, 0, 5000);
	CHECK(payload_is(m, "{\"temp\":20,\"hum\":40}"), "weld-04 initial state (%s)", m ? m->payload : "none");
	CHECK(wait_line(s, "at 1s weld-04.json.temp = 90", 10000) == 0 &&
	    wait_line(s, "at 1s weld-04.json.hum = 41", 1000) == 0, "tbm-sim printed the 1s step");
	m = sub_wait(sub, T04, 1, 5000);
	CHECK(payload_is(m, "{\"temp\":90,\"hum\":41}"), "a step's changes go out in one message (%s)", m ? m->payload : "none");
	CHECK(wait_line(s, "at 2s weld-04.json.temp = 20", 10000) == 0, "tbm-sim printed the 2s step");
	m = sub_wait(sub, T04, 2, 5000);
	CHECK(payload_is(m, "{\"temp\":20,\"hum\":41}"), "2s step (%s)", m ? m->payload : "none");
	CHECK(wait_line(s, "at 3s weld-04.behaviour = silent", 10000) == 0 &&
	    wait_line(s, "at 3s weld-04.json.temp = 99", 1000) == 0, "tbm-sim printed the 3s step");
	/* the step was applied and its publication done before stdin is read again */
	answer = cmd(s, "stats weld-04");
	CHECK(strcmp(answer, "ok published=3 dropped=0 behaviour=silent") == 0,
	    "silent from the timeline: 3 published (%s)", answer);
	CHECK(strcmp(cmd(s, "get weld-04.json.temp"), "ok 99") == 0, "the value changed all the same");
}

/* The broker goes away and comes back on the same port: tbm-sim keeps
 * running, reconnects, and publishes again. */
static void
test_reconnect(struct sim *s, struct broker *b, struct sub *sub)
{
	const struct msg *m;
	int port = b->port, rc;

	sub_stop(sub);
	broker_stop(b);
	CHECK(strncmp(cmd(s, "stats weld-05"), "ok published=", 13) == 0, "tbm-sim answers while the broker is down");
	rc = broker_start(b, port);
	CHECK(rc == 0, "broker restarted on port %d", port);
	if (rc != 0)
		return;
	rc = sub_start(sub, port);
	CHECK(rc == 0, "subscribed again");
	m = rc == 0 ? sub_wait(sub, T05, 0, 15000) : NULL;
	CHECK(payload_is(m, "{\"temp\":30}"), "weld-05 publishes again after the broker's restart");
	CHECK(strcmp(cmd(s, "publish weld-03"), "ok") == 0, "publish after the restart");
	m = sub_wait(sub, T03, 0, 5000);
	CHECK(payload_is(m, "{\"sensors\":{\"temp\":91,\"door\":0},\"status\":{\"alarms\":[0,-7.25]}}"),
	    "weld-03 kept its state across the outage (%s)", m ? m->payload : "none");
}

/* No broker where the scenario says: exit 1 with a clear message. */
static void
test_no_broker(void)
{
	char path[300], errpath[300], text[512];
	struct sim s;
	int errfd, rc, port = free_port();
	int64_t t0;
	const char *err;

	snprintf(path, sizeof(path), "%s/nobroker.sim", dir);
	snprintf(errpath, sizeof(errpath), "%s/nobroker.err", dir);
	snprintf(text, sizeof(text),
	    "[broker lab]\nurl = mqtt://127.0.0.1:%d\nconnect_timeout = 1s\n"
	    "[device weld-03]\nbroker = lab\ntopic = lab/weld/03/state\njson temp = 1\n", port);
	write_file(path, text);
	errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	t0 = time_mono_ms();
	rc = sim_start(&s, path, errfd);
	close(errfd);
	CHECK(rc == -1, "without its broker tbm-sim never gets ready");
	rc = sim_wait(&s);
	CHECK(rc == 1, "and exits 1 (%d) after %lld ms", rc, (long long)(time_mono_ms() - t0));
	err = read_file(errpath);
	snprintf(text, sizeof(text), "broker lab (mqtt://127.0.0.1:%d): could not connect within 1s", port);
	CHECK(strstr(err, text) != NULL, "stderr says which broker and why: %s", err);
}

static void
test_bad_scenario(void)
{
	static const char bad[] =
	    "[broker lab]\n"
	    "url = http://127.0.0.1:1883\n"             /* 2 */
	    "[broker b2]\n"                             /* 3: no url */
	    "[server s]\n"
	    "listen = 127.0.0.1:0\n"
	    "[device m1]\n"
	    "server = s\n"
	    "json temp = 1\n"                           /* 8: json in a Modbus device */
	    "[device q1]\n"                             /* 9: no topic */
	    "broker = lab\n"
	    "json a.b = 1\n"
	    "json a.b.c = 2\n"                          /* (9) a.b is a number and an object */
	    "behaviour = late 300\n"                    /* 13 */
	    "[device q2]\n"
	    "broker = lab\n"
	    "server = s\n"                              /* (15) both a server and a broker */
	    "topic = x/+/y\n"                           /* 17 */
	    "[device q3]\n"                             /* 18: array gap */
	    "broker = nowhere\n"                        /* 19 */
	    "topic = t\n"
	    "json list.1 = 1\n"
	    "holding 1 = 2\n"                           /* 22 */
	    "json x = abc\n"                            /* 23 */
	    "[device q4]\n"
	    "broker = lab\n"
	    "topic = t4\n"
	    "json v = 1\n"
	    "behaviour = missing w\n"                   /* 28 */
	    "[at 1s]\n"
	    "q4.json.nope = 1\n"                        /* 30 */
	    "q4.json.v = many\n"                        /* 31 */
	    "q4.behaviour = bare\n"
	    "q4.holding.1 = 1\n";                       /* 33 */
	static const int lines[] = { 2, 3, 8, 9, 13, 15, 17, 18, 19, 22, 23, 28, 30, 31, 33 };
	char path[300], errpath[300], expect[320];
	const char *text;
	struct sim s;
	int errfd, rc;

	snprintf(path, sizeof(path), "%s/bad.sim", dir);
	snprintf(errpath, sizeof(errpath), "%s/bad.err", dir);
	write_file(path, bad);
	errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rc = sim_start(&s, path, errfd);
	close(errfd);
	CHECK(rc == -1, "a bad MQTT scenario never gets ready");
	rc = sim_wait(&s);
	CHECK(rc == 2, "a bad MQTT scenario exits 2 (%d)", rc);
	text = read_file(errpath);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(expect, sizeof(expect), "%s:%d: ", path, lines[i]);
		CHECK(strstr(text, expect) != NULL, "error reported at line %d", lines[i]);
	}
	CHECK(strstr(text, "a.b.c") != NULL, "the conflicting path is named");
	CHECK(strstr(text, "list.0") != NULL, "the array gap is named");
	if (failures)
		printf("# stderr was:\n%s", text);
}

int
main(int argc, char **argv)
{
	char scenario[300], text[4096], want[128];
	const char *tmp = getenv("TMPDIR");
	struct broker b;
	struct sub sub;
	struct sim s;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: test_sim_mqtt TBM-SIM MOSQUITTO\n");
		return 2;
	}
	sim_path = argv[1];
	broker_path = argv[2];
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "%s/tbm-sim-mqtt.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	mosquitto_lib_init();

	rc = broker_start(&b, free_port());
	CHECK(rc == 0, "mosquitto listening on port %d", b.port);
	if (rc != 0)
		return 1;
	rc = sub_start(&sub, b.port);
	CHECK(rc == 0, "subscribed to lab/#");
	if (rc != 0) {
		broker_stop(&b);
		return 1;
	}
	snprintf(scenario, sizeof(scenario), "%s/mqtt.sim", dir);
	snprintf(text, sizeof(text), scenario_fmt, b.port);
	write_file(scenario, text);

	rc = sim_start(&s, scenario, -1);
	CHECK(rc == 0 && s.port > 0, "tbm-sim ready (Modbus port %d)", s.port);
	if (rc != 0) {
		broker_stop(&b);
		return 1;
	}
	snprintf(want, sizeof(want), "lab mqtt://127.0.0.1:%d", b.port);
	CHECK(strcmp(s.listening_broker, want) == 0, "'listening %s' before ready (%s)", want, s.listening_broker);
	test_modbus_alongside(&s);
	test_state_and_commands(&s, &sub);
	test_interval(&sub);
	test_timeline(&s, &sub);
	CHECK(strncmp(cmd(&s, "stats"), "ok requests=1 answered=1 published=", 35) == 0, "stats counts both sides");
	test_reconnect(&s, &b, &sub);
	CHECK(strcmp(cmd(&s, "quit"), "ok") == 0, "quit");
	rc = sim_wait(&s);
	CHECK(rc == 0, "quit exits 0 (%d)", rc);
	sub_stop(&sub);
	broker_stop(&b);

	test_no_broker();
	test_bad_scenario();
	mosquitto_lib_cleanup();

	if (failures == 0) {
		char rm[400];
		snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
		if (system(rm) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	printf("1..%d\n", checks);
	return failures ? 1 : 0;
}
