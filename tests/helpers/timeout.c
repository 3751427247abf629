// SPDX-License-Identifier: GPL-2.0
/*
 * timeout - run a command with a time limit (the subset of GNU timeout that
 * the kselftest runner uses).
 *
 *   timeout [--foreground] [-s SIGNAL] [-k DURATION] DURATION COMMAND [ARG]...
 *
 * busybox's timeout rejects --foreground, which the kernel's
 * kselftest/runner.sh passes whenever /usr/bin/timeout exists, and it exits
 * 143 instead of 124 on expiry. Exit status: 124 if the command timed out,
 * 125 on a usage error, 126/127 if it could not be run, else the command's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;
static volatile sig_atomic_t fired;

static double parse_duration(const char *s)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || d < 0)
		return -1;
	switch (*end) {
	case '\0':
	case 's': break;
	case 'm': d *= 60; break;
	case 'h': d *= 3600; break;
	case 'd': d *= 86400; break;
	default: return -1;
	}
	return d;
}

static int parse_signal(const char *s)
{
	static const struct { const char *name; int sig; } names[] = {
		{ "TERM", SIGTERM }, { "KILL", SIGKILL }, { "INT", SIGINT },
		{ "HUP", SIGHUP }, { "QUIT", SIGQUIT }, { "USR1", SIGUSR1 },
		{ "USR2", SIGUSR2 },
	};
	char *end;
	long n;
	size_t i;

	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name))
			return names[i].sig;
	n = strtol(s, &end, 10);
	return (*end || n <= 0 || n >= NSIG) ? -1 : (int)n;
}

static void on_alarm(int sig)
{
	(void)sig;
	fired++;
}

static void arm(double secs)
{
	struct itimerspec its = { 0 };
	static timer_t timer;
	static int created;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };

	if (!created && timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0)
		created = 1;
	its.it_value.tv_sec = (time_t)secs;
	its.it_value.tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9);
	if (secs > 0 && its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	if (created)
		timer_settime(timer, 0, &its, NULL);
}

static void usage(void)
{
	fprintf(stderr, "usage: timeout [--foreground] [-s SIGNAL] [-k DURATION] DURATION COMMAND [ARG]...\n");
	exit(125);
}

int main(int argc, char **argv)
{
	int sig = SIGTERM, status, i = 1, handled = 0;
	double limit, kill_after = 0;
	struct sigaction sa = { .sa_handler = on_alarm };

	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		if (!strcmp(argv[i], "--foreground")) {
			i++;
		} else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			sig = parse_signal(argv[i + 1]);
			if (sig < 0)
				usage();
			i += 2;
		} else if (!strcmp(argv[i], "-k") && i + 1 < argc) {
			kill_after = parse_duration(argv[i + 1]);
			if (kill_after < 0)
				usage();
			i += 2;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			usage();
		}
	}
	if (argc - i < 2)
		usage();
	limit = parse_duration(argv[i]);
	if (limit < 0)
		usage();
	i++;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);

	child = fork();
	if (child < 0) {
		perror("timeout: fork");
		return 125;
	}
	if (child == 0) {
		signal(SIGALRM, SIG_DFL);
		execvp(argv[i], &argv[i]);
		fprintf(stderr, "timeout: %s: %s\n", argv[i], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}

	if (limit > 0)
		arm(limit);
	for (;;) {
		pid_t r = waitpid(child, &status, 0);

		if (r == child)
			break;
		if (r < 0 && errno != EINTR) {
			perror("timeout: waitpid");
			return 125;
		}
		if (fired > handled) {
			/* First expiry: the chosen signal; after -k: SIGKILL. */
			if (handled++ == 0) {
				kill(child, sig);
				if (kill_after > 0)
					arm(kill_after);
			} else {
				kill(child, SIGKILL);
			}
		}
	}
	if (handled)
		return 124;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
