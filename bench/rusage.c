/*
 * rusage.c - runs a command and records what it cost: wall time, CPU time
 * (user + system) and peak RSS of the child, from wait4().
 *
 * usage: tbm-bench-rusage OUTFILE COMMAND [ARG...]
 * OUTFILE gets one line: "wall=S cpu=S maxrss_kib=N status=N".
 * Exits with the command's status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	double t0, t1;
	pid_t pid;
	int status = 0, code;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: tbm-bench-rusage OUTFILE COMMAND [ARG...]\n");
		return 2;
	}
	t0 = mono_s();
	if ((pid = fork()) < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("wait4");
			return 1;
		}
	t1 = mono_s();
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if ((f = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	fprintf(f, "wall=%.3f cpu=%.3f maxrss_kib=%ld status=%d\n", t1 - t0,
	    (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
	    ru.ru_maxrss, code);
	fclose(f);
	return code;
}
