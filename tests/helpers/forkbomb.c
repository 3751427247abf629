// SPDX-License-Identifier: GPL-2.0
/*
 * forkbomb: a bounded fork bomb, for the pids.max case of
 * tests/containers.sh.
 *
 *   forkbomb MAX
 *
 * Forks children that pause, at most MAX, until a fork fails; prints
 * "forked N errno NAME" (NAME is "none" if all MAX were forked), then waits
 * for a line on standard input, kills the children and reaps them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char line[16];
	pid_t *kids;
	long max, n;
	int err = 0;

	if (argc != 2 || (max = strtol(argv[1], NULL, 10)) <= 0 || max > 100000) {
		fprintf(stderr, "usage: forkbomb MAX (1 to 100000)\n");
		return 2;
	}
	kids = calloc(max, sizeof(*kids));
	if (!kids)
		return 1;
	for (n = 0; n < max; n++) {
		pid_t p = fork();

		if (p < 0) {
			err = errno;
			break;
		}
		if (p == 0) {
			pause();
			_exit(0);
		}
		kids[n] = p;
	}
	printf("forked %ld errno %s\n", n,
	       err == 0 ? "none" : err == EAGAIN ? "EAGAIN" : strerror(err));
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	return 0;
}
