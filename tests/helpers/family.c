// SPDX-License-Identifier: GPL-2.0
/*
 * family: who is whose parent, for tests/lifecycle.sh.
 *
 *   family subreaper   becomes a child subreaper (PR_SET_CHILD_SUBREAPER),
 *                      forks A, which forks G and exits; prints
 *                      "me=PID a=PID g=PID" once A is reaped, then waits on
 *                      standard input: a line ends G and reaps it.
 *   family ptrace      forks C (it sleeps) and T, which attaches to C with
 *                      PTRACE_ATTACH; prints "me=PID c=PID t=PID" once C
 *                      has stopped, then waits on standard input: a line
 *                      ends both.
 *   family stop        moves to a process group of its own (setpgid(0, 0):
 *                      the tests run in an orphaned one, where SIGTSTP is
 *                      discarded), forks A, which stays in that group, and
 *                      B, which starts a session of its own (setsid(): its
 *                      group is orphaned, its parent being in another
 *                      session); both pause. Prints "me=PID a=PID b=PID",
 *                      then waits on standard input: a line ends both.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void wait_line(void)
{
	char line[16];

	if (!fgets(line, sizeof(line), stdin))
		return;
}

static int subreaper(void)
{
	int p[2];
	pid_t a, g;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || pipe(p))
		die("subreaper");
	a = fork();
	if (a < 0)
		die("fork");
	if (a == 0) {
		g = fork();
		if (g < 0)
			_exit(1);
		if (g == 0) {
			close(p[1]);
			for (;;)
				pause();
		}
		if (write(p[1], &g, sizeof(g)) != sizeof(g))
			_exit(1);
		_exit(0);
	}
	if (read(p[0], &g, sizeof(g)) != sizeof(g) || waitpid(a, NULL, 0) != a)
		die("a");
	printf("me=%d a=%d g=%d\n", getpid(), a, g);
	fflush(stdout);
	wait_line();
	kill(g, SIGKILL);
	/* G is ours now: this wait reaps it. */
	if (waitpid(g, NULL, 0) != g)
		die("reap g");
	puts("reaped");
	return 0;
}

static int traced(void)
{
	int p[2], status;
	pid_t c, t;
	char ok;

	if (pipe(p))
		die("pipe");
	c = fork();
	if (c < 0)
		die("fork");
	if (c == 0) {
		for (;;)
			pause();
	}
	t = fork();
	if (t < 0)
		die("fork");
	if (t == 0) {
		if (ptrace(PTRACE_ATTACH, c, NULL, NULL) ||
		    waitpid(c, &status, __WALL) != c || !WIFSTOPPED(status))
			_exit(1);
		if (write(p[1], "s", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	if (read(p[0], &ok, 1) != 1)
		die("attach");
	printf("me=%d c=%d t=%d\n", getpid(), c, t);
	fflush(stdout);
	wait_line();
	kill(t, SIGKILL);
	waitpid(t, NULL, 0);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	puts("done");
	return 0;
}

static pid_t pausing_child(int new_session)
{
	pid_t c = fork();

	if (c < 0)
		die("fork");
	if (c == 0) {
		if (new_session && setsid() < 0)
			_exit(1);
		for (;;)
			pause();
	}
	return c;
}

static int stops(void)
{
	pid_t a, b;

	if (setpgid(0, 0))
		die("setpgid");
	a = pausing_child(0);
	b = pausing_child(1);
	/* B's setsid() before the test signals it: its group is its sid. */
	while (getsid(b) != b)
		usleep(1000);
	printf("me=%d a=%d b=%d\n", getpid(), a, b);
	fflush(stdout);
	wait_line();
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
	puts("done");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "subreaper"))
		return subreaper();
	if (argc == 2 && !strcmp(argv[1], "ptrace"))
		return traced();
	if (argc == 2 && !strcmp(argv[1], "stop"))
		return stops();
	fprintf(stderr, "usage: family subreaper|ptrace|stop\n");
	return 2;
}
