// SPDX-License-Identifier: GPL-2.0
/*
 * proctest: make the process shapes the task inspector's tests look at,
 * things busybox cannot do, then wait to be inspected.
 *
 *   proctest threads N    a process with N extra pthreads
 *   proctest small-threads N  the same with 16 KiB stacks (PTHREAD_STACK_MIN),
 *                         so thousands fit in the VM's memory
 *   proctest dethread [K] a thread that is not the leader exec()s proctest
 *                         (de_thread(): it takes over the leader's pid), K
 *                         times in a row (default 1); ready once done
 *   proctest zombie-leader N  N children whose leader has called
 *                         pthread_exit() while a second thread lives on (the
 *                         leader is a zombie, the process is not)
 *   proctest thread-churn N   N threads, each creating and joining a
 *                         short-lived thread in a loop
 *   proctest leader-churn N   N children at a time whose leader exits
 *                         before their last thread; each ends and is reaped
 *                         within milliseconds and another takes its place
 *   proctest forkers N    N short-lived processes, 4 at a time, each forking
 *                         a child that exits at once; prints "done N" and
 *                         exits when all are reaped (at SIGTERM: "done" and
 *                         how many were made)
 *   proctest procsnap     one pass over /proc: "L PID" (the pid of a child
 *                         forked first: every task born before it has a
 *                         lower pid, while pids do not wrap), then "P PID"
 *                         per process and
 *                         "T TID" per thread (of /proc/PID/task)
 *   proctest snapread FILE OUT  procsnap into OUT.a, FILE read to its end
 *                         into OUT, procsnap into OUT.b; prints how the read
 *                         went: ok, empty, no-newline (the last byte is not
 *                         a newline) or the errno's name
 *   proctest readall DIR FILE...  each FILE read to its end into DIR/N;
 *                         prints "N HOW FILE" for each (HOW as snapread)
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
 * shape exists, then sleeps until SIGTERM (which ends the children too). The
 * churn shapes (thread-churn, leader-churn) print "ready PID" at once and
 * "done COUNT" (threads or processes made) at SIGTERM.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

/* Small stacks: the scale test wants as many threads as the VM's memory holds. */
static pthread_attr_t small_stack;

static void small_threads(int n)
{
	pthread_t t;
	int err;

	pthread_attr_init(&small_stack);
	pthread_attr_setstacksize(&small_stack, PTHREAD_STACK_MIN > 16384 ? PTHREAD_STACK_MIN : 16384);
	for (int i = 0; i < n; i++) {
		err = pthread_create(&t, &small_stack, idle_thread, NULL);
		if (err) {
			fprintf(stderr, "proctest: pthread_create: %s after %d threads\n",
				strerror(err), i);
			exit(1);
		}
	}
	printf("ready %d %d\n", getpid(), n);
}

/* de_thread(): a second thread exec()s this program again, one round fewer. */
static void *exec_thread(void *arg)
{
	/* The process lives a little in each round (and the loop is no CPU hog). */
	usleep(5000);
	execv("/proc/self/exe", arg);
	perror("proctest: exec");
	_exit(1);
	return NULL;
}

static void dethread(int k)
{
	static char rounds[16];
	static char *argv[] = { "proctest", "dethread", rounds, NULL };
	pthread_t t;

	if (k <= 0) {
		printf("ready %d\n", getpid());
		return;
	}
	/* One line per round, for a count that does not depend on reading /proc at the right time. */
	printf("round %d\n", k);
	snprintf(rounds, sizeof(rounds), "%d", k - 1);
	/* A bystander thread, killed by the exec, and the one that exec()s. */
	if (pthread_create(&t, NULL, idle_thread, NULL) ||
	    pthread_create(&t, NULL, exec_thread, argv)) {
		fprintf(stderr, "proctest: pthread_create failed\n");
		exit(1);
	}
	for (;;)
		pause();
}

/* Whether this process's leader is a zombie: /proc/self/stat shows the leader's state. */
static int leader_is_zombie(void)
{
	char buf[512], *p;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

/*
 * The thread that outlives its leader: once the leader is a zombie it either
 * (linger_ms 0) reports its process's pid and lives until killed, or ends
 * the process linger_ms later.
 */
static void *survivor(void *arg)
{
	int linger_ms = (int)(long)arg;
	pid_t self = getpid();

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (!leader_is_zombie())
		usleep(1000);
	if (linger_ms > 0) {
		usleep(linger_ms * 1000);
		_exit(0);
	}
	if (write(report_fd[1], &self, sizeof(self)) != sizeof(self))
		_exit(1);
	for (;;)
		pause();
	return NULL;
}

/* A child whose leader exits first; returns its pid once the leader is a zombie. */
static pid_t zombie_leader_child(void)
{
	pid_t pid, seen = -1;

	pid = fork();
	if (pid < 0) {
		perror("proctest: fork");
		exit(1);
	}
	if (pid == 0) {
		pthread_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pthread_create(&t, NULL, survivor, NULL))
			_exit(1);
		pthread_exit(NULL);
	}
	if (read(report_fd[0], &seen, sizeof(seen)) != sizeof(seen) || seen != pid) {
		fprintf(stderr, "proctest: child %d did not report\n", pid);
		exit(1);
	}
	return pid;
}

static void zombie_leaders(int n)
{
	if (pipe(report_fd)) {
		perror("proctest: pipe");
		exit(1);
	}
	printf("ready %d", getpid());
	for (int i = 0; i < n; i++)
		printf(" %d", zombie_leader_child());
	printf("\n");
}

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

static void *exit_at_once(void *arg)
{
	return arg;
}

static long churned[64];

static void *churn_thread(void *arg)
{
	long *count = arg;
	pthread_t t;

	/* A pause between rounds: churn, not a CPU hog that starves the readers. */
	while (!stopping) {
		if (!pthread_create(&t, NULL, exit_at_once, NULL)) {
			pthread_join(t, NULL);
			(*count)++;
		}
		usleep(2000);
	}
	return NULL;
}

static int thread_churn(int n)
{
	pthread_t t[64];
	sigset_t term;
	long total = 0;
	int sig;

	if (n < 1 || n > 64)
		return 2;
	/* Only the main thread takes SIGTERM (all inherit the blocked mask). */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, churn_thread, &churned[i]))
			return 1;
	printf("ready %d\n", getpid());
	sigwait(&term, &sig);
	stopping = 1;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		total += churned[i];
	}
	printf("done %ld\n", total);
	return 0;
}

/* A child whose leader exits first and whose last thread ends it 5 ms later. */
static int leader_churn(int n)
{
	struct sigaction sa = { .sa_handler = on_term };
	pid_t live[64], pid;
	long made = 0;
	int nlive = 0;

	if (n < 1 || n > 64)
		return 2;
	/* No SA_RESTART: SIGTERM interrupts the blocking read() or waitpid(). */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	printf("ready %d\n", getpid());
	while (!stopping) {
		if (nlive < n) {
			pid = fork();
			if (pid < 0) {
				perror("proctest: fork");
				break;
			}
			if (pid == 0) {
				pthread_t t;

				signal(SIGTERM, SIG_DFL);
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (pthread_create(&t, NULL, survivor, (void *)5L))
					_exit(1);
				pthread_exit(NULL);
			}
			live[nlive++] = pid;
			made++;
			continue;
		}
		pid = waitpid(-1, NULL, 0);
		for (int i = 0; i < nlive; i++)
			if (live[i] == pid)
				live[i] = live[--nlive];
	}
	for (int i = 0; i < nlive; i++)
		kill(live[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	printf("done %ld\n", made);
	return 0;
}

static int forkers(int n)
{
	struct sigaction sa = { .sa_handler = on_term };
	int live = 0, made = 0;

	/* SIGTERM: fork no more, reap the rest and report how many were made. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	while ((made < n && !stopping) || live > 0) {
		if (made < n && !stopping && live < 4) {
			pid_t pid = fork();

			if (pid < 0) {
				perror("proctest: fork");
				return 1;
			}
			if (pid == 0) {
				pid_t child = fork();

				if (child == 0)
					_exit(0);
				if (child > 0)
					waitpid(child, NULL, 0);
				_exit(0);
			}
			made++;
			live++;
			continue;
		}
		if (wait(NULL) > 0)
			live--;
	}
	printf("done %d\n", made);
	return 0;
}

static int numeric(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* A pid allocated now: that of a child that exits at once. */
static pid_t fresh_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

static int procsnap(FILE *out)
{
	char path[PATH_MAX];
	struct dirent *e, *t;
	DIR *proc, *task;

	fprintf(out, "L %d\n", fresh_pid());
	proc = opendir("/proc");
	if (!proc)
		return 1;
	while ((e = readdir(proc))) {
		if (!numeric(e->d_name))
			continue;
		fprintf(out, "P %s\n", e->d_name);
		snprintf(path, sizeof(path), "/proc/%s/task", e->d_name);
		task = opendir(path);
		if (!task)
			continue;
		while ((t = readdir(task)))
			if (numeric(t->d_name))
				fprintf(out, "T %s\n", t->d_name);
		closedir(task);
	}
	closedir(proc);
	return 0;
}

/*
 * Reads path to its end into the file out, as cat would, and returns how it
 * went: "ok", "empty", "no-newline" (the last byte is not a newline) or the
 * errno's name.
 */
static const char *read_whole(const char *path, const char *out)
{
	static char buf[1 << 16];
	int fd, ofd;
	char last = 0;
	ssize_t n;
	size_t total = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return strerrorname_np(errno);
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (ofd < 0) {
		close(fd);
		return strerrorname_np(errno);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write(ofd, buf, n) != n)
			break;
		total += n;
		last = buf[n - 1];
	}
	if (n < 0) {
		const char *name = strerrorname_np(errno);

		close(fd);
		close(ofd);
		return name;
	}
	close(fd);
	close(ofd);
	if (n > 0)
		return "short-write";
	if (!total)
		return "empty";
	return last == '\n' ? "ok" : "no-newline";
}

/* snapread FILE OUT: OUT.a (procsnap), OUT (FILE, read whole), OUT.b (procsnap). */
static int snapread(const char *path, const char *out)
{
	char name[PATH_MAX];
	const char *how;
	FILE *f;

	snprintf(name, sizeof(name), "%s.a", out);
	f = fopen(name, "w");
	if (!f || procsnap(f) || fclose(f))
		return 1;
	how = read_whole(path, out);
	snprintf(name, sizeof(name), "%s.b", out);
	f = fopen(name, "w");
	if (!f || procsnap(f) || fclose(f))
		return 1;
	printf("%s\n", how);
	return 0;
}

/* readall DIR FILE...: each FILE read whole into DIR/N; "N HOW FILE" per file. */
static int readall(const char *dir, int n, char **paths)
{
	char out[PATH_MAX];

	for (int i = 0; i < n; i++) {
		snprintf(out, sizeof(out), "%s/%d", dir, i);
		printf("%d %s %s\n", i, read_whole(paths[i], out), paths[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	/* Fully buffered output: a few thousand lines in a few write()s. */
	if (!strcmp(what, "procsnap"))
		return procsnap(stdout);
	if (!strcmp(what, "snapread") && argc > 3)
		return snapread(argv[2], argv[3]);
	if (!strcmp(what, "readall") && argc > 2)
		return readall(argv[2], argc - 3, argv + 3);
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
	} else if (!strcmp(what, "small-threads") && argc > 2) {
		small_threads(atoi(argv[2]));
	} else if (!strcmp(what, "dethread")) {
		dethread(argc > 2 ? atoi(argv[2]) : 1);
	} else if (!strcmp(what, "zombie-leader") && argc > 2) {
		zombie_leaders(atoi(argv[2]));
	} else if (!strcmp(what, "thread-churn") && argc > 2) {
		return thread_churn(atoi(argv[2]));
	} else if (!strcmp(what, "leader-churn") && argc > 2) {
		return leader_churn(atoi(argv[2]));
	} else if (!strcmp(what, "forkers") && argc > 2) {
		return forkers(atoi(argv[2]));
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
			"usage: proctest threads N | small-threads N | dethread [K] | zombie-leader N | thread-churn N | leader-churn N | forkers N | procsnap | snapread FILE OUT | readall DIR FILE... | clone-vm | clone-files | clone-newpid | fork | fork-exec CMD... | zombie | vfork | timeit K CMD... | timeread K FILE | write FILE\n");
		return 2;
	}
	wait_for_term();
	return 0;
}
