// SPDX-License-Identifier: GPL-2.0
/*
 * proctest: make the process shapes the task inspector's tests look at,
 * things busybox cannot do, then wait to be inspected.
 *
 *   proctest threads N    a process with N extra pthreads
 *   proctest clone-vm     a child made with CLONE_VM but not CLONE_THREAD
 *   proctest clone-files  a child made with CLONE_FILES (own mm)
 *   proctest clone-newpid a child made with CLONE_NEWPID
 *   proctest fork         a plain fork() child
 *   proctest fork-exec CMD...  a fork() child that has exec'd CMD
 *   proctest zombie       a child that exits at once and is not waited for,
 *                         until SIGUSR1 makes the parent reap it
 *   proctest vfork        a parent blocked in vfork() (state D: it waits
 *                         TASK_KILLABLE for the child to exec or exit)
 *   proctest timeit K CMD...  run CMD K times, output to /dev/null, and
 *                         print the mean wall-clock time per run in ns
 *   proctest timeread K FILE  open FILE, read it to the end and close it, K
 *                         times, and print the mean wall-clock time in ns
 *   proctest write FILE   write standard input to FILE in one write() call
 *                         (even an empty one) and print "ok" or the errno's
 *                         name; exit 0 or 1
 *
 * Each prints one line, "ready PID [CHILD [CHILD_PID_IN_ITS_NS]]", once the
 * shape exists, then sleeps until SIGTERM (which ends the children too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK_SIZE (64 * 1024)

static int report_fd[2];

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* Children: die with the parent, tell the parent their pid as they see it. */
static int child_fn(void *arg)
{
	pid_t self = getpid();

	(void)arg;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (write(report_fd[1], &self, sizeof(self)) != sizeof(self))
		_exit(1);
	for (;;)
		pause();
	return 0;
}

static pid_t clone_child(int flags)
{
	char *stack = malloc(STACK_SIZE);
	pid_t pid, inner = -1;

	if (!stack || pipe(report_fd)) {
		perror("proctest");
		exit(1);
	}
	pid = clone(child_fn, stack + STACK_SIZE, flags | SIGCHLD, NULL);
	if (pid < 0) {
		perror("proctest: clone");
		exit(1);
	}
	if (read(report_fd[0], &inner, sizeof(inner)) != sizeof(inner)) {
		fprintf(stderr, "proctest: the child did not report\n");
		exit(1);
	}
	printf("ready %d %d %d\n", getpid(), pid, inner);
	return pid;
}

static void wait_for_term(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fflush(stdout);
	for (;;) {
		if (sigwait(&set, &sig))
			exit(1);
		if (sig == SIGTERM)
			break;
		if (sig == SIGUSR1) {
			/* Reap every exited child, then report it. */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			printf("reaped\n");
			fflush(stdout);
		}
	}
	kill(0, SIGKILL);
}

/* One write() of all of standard input, so a test sees the errno of exactly one call. */
static int do_write(const char *path)
{
	size_t len = 0, size = 4096;
	char *buf = malloc(size);
	ssize_t n;
	int fd;

	while (buf && (n = read(0, buf + len, size - len)) > 0) {
		len += n;
		if (len == size)
			buf = realloc(buf, size *= 2);
	}
	if (!buf) {
		perror("proctest");
		return 2;
	}
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		perror(path);
		return 2;
	}
	n = write(fd, buf, len);
	if (n < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}

/* Runs argv once, output to /dev/null: fork, exec, wait. 0 if it exited 0. */
static int run_cmd(void *arg)
{
	char **argv = arg;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		perror("proctest: fork");
		return 1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "proctest: %s failed\n", argv[0]);
		return 1;
	}
	return 0;
}

/* Reads the file at arg once: open, read() to EOF with one large buffer, close. */
static int read_file(void *arg)
{
	static char buf[1 << 20];
	const char *path = arg;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	if (n < 0) {
		perror(path);
		return 1;
	}
	return 0;
}

/* Prints the mean wall-clock nanoseconds of K calls of run(arg); 1 if one failed. */
static int mean_time(int k, int (*run)(void *), void *arg)
{
	struct timespec a, b;
	long long total = 0;

	for (int i = 0; i < k; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (run(arg))
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		total += (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
	}
	printf("%lld\n", total / k);
	return 0;
}

/* A child that has exec'd argv: the pipe, close-on-exec, reads EOF at the exec. */
static void fork_exec(char **argv)
{
	int fds[2], err = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC)) {
		perror("proctest: pipe2");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("proctest: fork");
		exit(1);
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execvp(argv[0], argv);
		err = errno;
		if (write(fds[1], &err, sizeof(err)) != sizeof(err))
			_exit(126);
		_exit(127);
	}
	close(fds[1]);
	if (read(fds[0], &err, sizeof(err)) > 0) {
		fprintf(stderr, "proctest: exec %s: %s\n", argv[0], strerror(err));
		exit(1);
	}
	printf("ready %d %d\n", getpid(), pid);
}

static void vfork_parent(void)
{
	pid_t parent = getpid();
	pid_t pid = vfork();

	if (pid < 0) {
		perror("proctest: vfork");
		exit(1);
	}
	if (pid == 0) {
		char line[64];
		int n = snprintf(line, sizeof(line), "ready %d %d\n", parent, getpid());

		/* Only async-signal-safe calls here: the parent's memory is ours. */
		if (write(1, line, n) != n)
			_exit(1);
		for (;;)
			pause();
	}
	/* Resumed when the child has died. */
	exit(0);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Own process group, so SIGTERM's clean-up reaches only our children. */
	setpgid(0, 0);

	if (!strcmp(what, "threads") && argc > 2) {
		int n = atoi(argv[2]);
		pthread_t t;

		for (int i = 0; i < n; i++) {
			if (pthread_create(&t, NULL, idle_thread, NULL)) {
				fprintf(stderr, "proctest: pthread_create failed\n");
				return 1;
			}
		}
		printf("ready %d\n", getpid());
	} else if (!strcmp(what, "clone-vm")) {
		clone_child(CLONE_VM);
	} else if (!strcmp(what, "clone-files")) {
		clone_child(CLONE_FILES);
	} else if (!strcmp(what, "clone-newpid")) {
		clone_child(CLONE_NEWPID);
	} else if (!strcmp(what, "fork")) {
		clone_child(0);
	} else if (!strcmp(what, "fork-exec") && argc > 2) {
		fork_exec(argv + 2);
	} else if (!strcmp(what, "timeit") && argc > 3) {
		return mean_time(atoi(argv[2]), run_cmd, argv + 3);
	} else if (!strcmp(what, "timeread") && argc > 3) {
		return mean_time(atoi(argv[2]), read_file, argv[3]);
	} else if (!strcmp(what, "write") && argc > 2) {
		return do_write(argv[2]);
	} else if (!strcmp(what, "vfork")) {
		vfork_parent();
	} else if (!strcmp(what, "zombie")) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("proctest: fork");
			return 1;
		}
		if (pid == 0)
			_exit(7);
		/* Wait until it is a zombie, without reaping it. */
		siginfo_t info;

		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, pid, &info, WEXITED | WNOWAIT)) {
			perror("proctest: waitid");
			return 1;
		}
		printf("ready %d %d\n", getpid(), pid);
	} else {
		fprintf(stderr,
			"usage: proctest threads N | clone-vm | clone-files | clone-newpid | fork | fork-exec CMD... | zombie | vfork | timeit K CMD... | timeread K FILE | write FILE\n");
		return 2;
	}
	wait_for_term();
	return 0;
}
