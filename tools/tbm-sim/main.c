/*
 * main.c - tbm-sim: command line, signals, and the single poll() loop over
 * stdin, the servers' sockets and serial lines and the brokers' sockets,
 * whose timeout is the next timeline step, delayed reply, publication or
 * reconnection.
 */
#include "sim.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"
#include "tbmtime.h"
#include "textwidth.h"

#define STDIN_LINE 4096

static volatile sig_atomic_t quit_signal;

static void
on_signal(int sig)
{
	(void)sig;
	quit_signal = 1;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: tbm-sim [--log-requests FILE] [--seed N] [--exit-on-eof] [--debug] SCENARIO\n"
	    "       tbm-sim -n|--check SCENARIO\n"
	    "\n"
	    "Serves the scenario's simulated devices over Modbus TCP and RTU, and\n"
	    "publishes its MQTT devices' JSON states to the scenario's brokers.\n"
	    "stdout: 'listening NAME ADDRESS' per server and per broker (once connected),\n"
	    "then 'ready'; 'at T ...' as the timeline changes things (dropped, and\n"
	    "counted, while nobody reads stdout).\n"
	    "stdin: set|get|behave|publish|stats|quit, one line each, answered with one\n"
	    "line 'ok [VALUE]' or 'error: message'.\n"
	    "Exit status: 0 after quit or SIGTERM, 1 when a server or broker cannot be\n"
	    "used (a broker not reached within its connect_timeout), 2 for a bad scenario.\n");
}

/* Signals are blocked except inside ppoll(), so a SIGTERM is never lost
 * between checking the flag and going to sleep. */
static int
signals_setup(sigset_t *during_poll)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0)
		return -1;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	return sigprocmask(SIG_BLOCK, &block, during_poll);
}

struct input {
	int open;
	char buf[STDIN_LINE];
	size_t len;
};

/* stdin_read: runs the complete lines read; 1 when a command (or EOF with
 * --exit-on-eof) ends the program. */
static int
stdin_read(struct scenario *sc, struct input *in, int exit_on_eof)
{
	ssize_t n;
	char *nl;

	n = read(STDIN_FILENO, in->buf + in->len, sizeof(in->buf) - 1 - in->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		in->open = 0;   /* keep serving: we may run in the background */
		if (in->len > 0) {
			in->buf[in->len] = '\0';
			in->len = 0;
			if (command_run(sc, in->buf))
				return 1;
		}
		return exit_on_eof;
	}
	in->len += (size_t)n;
	in->buf[in->len] = '\0';
	while ((nl = strchr(in->buf, '\n')) != NULL) {
		size_t used = (size_t)(nl - in->buf) + 1;
		*nl = '\0';
		if (command_run(sc, in->buf))
			return 1;
		memmove(in->buf, in->buf + used, in->len - used + 1);
		in->len -= used;
	}
	if (in->len == sizeof(in->buf) - 1) {
		printf("error: line longer than %zu bytes\n", sizeof(in->buf) - 2);
		in->len = 0;
	}
	return 0;
}

static int
run(struct scenario *sc, int exit_on_eof, const sigset_t *during_poll)
{
	struct input in = { .open = 1 };
	struct pollfd *pfd = NULL;
	size_t cap = 0;
	int rc = 0;

	timeline_start(sc, time_mono_ms());
	while (!quit_signal) {
		int64_t now = time_mono_ms(), deadline;
		struct timespec ts, *tsp = NULL;
		size_t n = 0, nsrv, want = 1 + server_npollfds() + mqtt_npollfds();
		int off = 0;

		server_run_timers(now);
		timeline_run(now);
		mqtt_run_timers(now);   /* after the timeline: a step's changes go out in one message */
		deadline = server_next_deadline();
		if (timeline_next_deadline() < deadline)
			deadline = timeline_next_deadline();
		if (mqtt_next_deadline() < deadline)
			deadline = mqtt_next_deadline();
		if (deadline != INT64_MAX) {
			int64_t wait = deadline > now ? deadline - now : 0;
			ts.tv_sec = (time_t)(wait / 1000);
			ts.tv_nsec = (long)(wait % 1000) * 1000000L;
			tsp = &ts;
		}
		if (want > cap) {
			struct pollfd *np = realloc(pfd, want * 2 * sizeof(*pfd));
			if (np == NULL) {
				log_warnx("out of memory");
				rc = -1;
				break;
			}
			pfd = np;
			cap = want * 2;
		}
		if (in.open) {
			pfd[0].fd = STDIN_FILENO;
			pfd[0].events = POLLIN;
			off = 1;
		}
		nsrv = server_pollfds(pfd + off, cap - (size_t)off);
		n = (size_t)off + nsrv;
		n += mqtt_pollfds(pfd + n, cap - n);
		fflush(stdout);
		if (ppoll(pfd, n, tsp, during_poll) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			rc = -1;
			break;
		}
		now = time_mono_ms();
		if (off && pfd[0].revents != 0 && stdin_read(sc, &in, exit_on_eof))
			break;
		server_handle(pfd + off, nsrv, now);
		mqtt_handle(pfd + off + nsrv, n - (size_t)off - nsrv, now);
	}
	fflush(stdout);
	if (timeline_dropped() > 0)
		log_warnx("%llu timeline lines dropped: nobody read stdout", timeline_dropped());
	free(pfd);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log-requests", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },
		{ "exit-on-eof", no_argument, NULL, 'e' },
		{ "check", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *logpath = NULL;
	struct scenario *sc = NULL;
	unsigned long long seed = 0;
	int exit_on_eof = 0, check_only = 0, level = LOG_INFO_, nerrors = 0, c, status = 1;
	sigset_t during_poll;
	char *end;

	/* a scenario's shared complaints (lib/inifile.c) in the locale's language;
	 * a UTF-8 character type, or the C library's Chinese would be "???" */
	text_init_locale();
	i18n_init();
	log_init("tbm-sim", LOG_INFO_, 0);
	while ((c = getopt_long(argc, argv, "dhn", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			logpath = optarg;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (*optarg == '\0' || *end != '\0' || errno != 0) {
				fprintf(stderr, "tbm-sim: --seed: '%s' is not a number\n", optarg);
				return 2;
			}
			break;
		case 'e':
			exit_on_eof = 1;
			break;
		case 'd':
			level = LOG_DEBUG_;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tbm-sim %s\n", TBM_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	log_set_level(level);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if ((sc = scenario_load(argv[optind], &nerrors)) == NULL) {
		fprintf(stderr, P_("%s: %d error\n", "%s: %d errors\n", nerrors), argv[optind], nerrors);
		return 2;
	}
	if (check_only) {
		printf("scenario OK: %zu servers, %zu devices, %zu timeline steps", sc->nservers, sc->ndevices, sc->nsteps);
		if (sc->nbrokers > 0)
			printf(", %zu broker%s", sc->nbrokers, sc->nbrokers == 1 ? "" : "s");
		printf("\n");
		scenario_free(sc);
		return 0;
	}
	if (signals_setup(&during_poll) != 0) {
		log_warn("signals");
		goto out;
	}
	server_seed(seed ? (uint64_t)seed : (uint64_t)time_now_ms() ^ (uint64_t)getpid() << 32);
	if (logpath != NULL && server_log_open(logpath) != 0)
		goto out;
	if (server_open_all(sc) != 0)
		goto out;
	for (size_t i = 0; i < sc->nservers; i++) {
		struct sim_server *s = sc->servers[i];
		if (s->serial)
			printf("listening %s %s\n", s->name, s->bound_path);
		else
			printf("listening %s %s:%d\n", s->name, s->host, s->bound_port);
	}
	if (mqtt_start(sc) != 0)
		goto out;
	printf("ready\n");
	log_info("%zu devices on %zu servers and %zu brokers, %zu timeline steps", sc->ndevices, sc->nservers,
	    sc->nbrokers, sc->nsteps);
	if (run(sc, exit_on_eof, &during_poll) == 0)
		status = 0;
out:
	mqtt_stop();
	server_close_all(sc);
	server_log_close();
	scenario_free(sc);
	return status;
}
