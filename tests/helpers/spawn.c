// SPDX-License-Identifier: GPL-2.0
/*
 * spawn - fork N children that sleep until the parent goes away.
 *
 *   spawn N
 *
 * Prints the children's pids, one a line, then "ready" and waits for a
 * signal. SIGTERM/SIGINT kill the children and reap them before exiting; a
 * child also dies if the parent dies (PR_SET_PDEATHSIG). Forking from one
 * process is far cheaper than N shell fork+exec pairs in an emulated VM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	long n, i;
	pid_t *pids;
	char *end;

	if (argc != 2 || (n = strtol(argv[1], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "usage: spawn N\n");
		return 2;
	}
	pids = calloc(n, sizeof(*pids));
	if (!pids)
		return 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (i = 0; i < n && !stop; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("spawn: fork");
			break;
		}
		if (pids[i] == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			for (;;)
				pause();
		}
		printf("%d\n", pids[i]);
	}
	if (i == n)
		printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	while (i-- > 0)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
