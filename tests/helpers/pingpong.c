// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong: the cost of a context switch, between two threads of one
 * process or between two processes.
 *
 *   pingpong threads|processes ROUNDS [CPU]
 *
 * Pins itself to CPU (default 0) with sched_setaffinity(), then makes the
 * second task, a thread or a child made with fork(), which inherits the
 * pinning: both run on that one CPU. The first task (A) and the second (B)
 * pass a byte back and forth through two pipes: each round A writes to
 * the first, B reads it and writes to the second, A reads that, so a round
 * costs two context switches. After a first exchange (the warm-up, in
 * which B also sends its thread id), A reads both tasks' voluntary and
 * nonvoluntary_ctxt_switches (/proc/self/task/TID/status for threads,
 * /proc/PID/status for processes), times ROUNDS rounds with
 * CLOCK_MONOTONIC and reads the counts again; B waits for one more byte,
 * so it is still there to be read, and then ends. Prints
 *
 *   mode M rounds N switches S ns_total T ns_per_switch X
 *
 * S is the growth of the counts over the timed loop, summed: 2*N, one
 * switch per hand-off (voluntary when the task blocks in read(),
 * nonvoluntary when the task it woke preempts it first).
 * T is the loop's time and X = T / (2*N).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int ping[2], pong[2];
static long rounds;

/* A whole number from MIN to MAX, or -1. */
static long number(const char *s, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < min || n > max)
		return -1;
	return n;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void put(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len) {
		perror("pingpong: write");
		exit(1);
	}
}

static void get(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	if (n < 0) {
		perror("pingpong: read");
		exit(1);
	}
	if (n != (ssize_t)len) {
		fprintf(stderr, "pingpong: read: short read or end of pipe\n");
		exit(1);
	}
}

/*
 * The switches of a /proc status file: voluntary_ctxt_switches plus
 * nonvoluntary_ctxt_switches.
 */
static long long vcsw(const char *path)
{
	char line[256];
	long long n, sum = 0;
	int found = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "pingpong: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %lld", &n) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %lld", &n) == 1) {
			sum += n;
			found++;
		}
	}
	fclose(f);
	if (found != 2) {
		fprintf(stderr, "pingpong: %s: no ctxt_switches lines\n", path);
		exit(1);
	}
	return sum;
}

/* B: the warm-up (sending its thread id), ROUNDS echoes, the release. */
static void *task_b(void *arg)
{
	pid_t tid = gettid();
	long i;
	char c;

	(void)arg;
	get(ping[0], &c, 1);
	put(pong[1], &tid, sizeof(tid));
	for (i = 0; i < rounds; i++) {
		get(ping[0], &c, 1);
		put(pong[1], &c, 1);
	}
	get(ping[0], &c, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	long long a0, b0, a1, b1, t0, t;
	char apath[64], bpath[64];
	int threads, err, status;
	pthread_t thread;
	long cpu = 0, i;
	cpu_set_t set;
	pid_t child = 0, btid;
	char c = 'x';

	if (argc == 3 || argc == 4) {
		rounds = number(argv[2], 1, 10000000);
		if (argc == 4)
			cpu = number(argv[3], 0, CPU_SETSIZE - 1);
	}
	if (argc < 3 || argc > 4 || rounds < 0 || cpu < 0 ||
	    (strcmp(argv[1], "threads") && strcmp(argv[1], "processes"))) {
		fprintf(stderr, "usage: pingpong threads|processes ROUNDS [CPU] (1 to 10000000 rounds)\n");
		return 2;
	}
	threads = !strcmp(argv[1], "threads");

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "pingpong: sched_setaffinity CPU %ld: %s\n", cpu,
			strerror(errno));
		return 1;
	}
	if (pipe(ping) || pipe(pong)) {
		perror("pingpong: pipe");
		return 1;
	}
	if (threads) {
		err = pthread_create(&thread, NULL, task_b, NULL);
		if (err) {
			fprintf(stderr, "pingpong: pthread_create: %s\n", strerror(err));
			return 1;
		}
	} else {
		child = fork();
		if (child < 0) {
			perror("pingpong: fork");
			return 1;
		}
		if (child == 0) {
			/* So that B sees the end of the pipe if A dies. */
			close(ping[1]);
			close(pong[0]);
			task_b(NULL);
			_exit(0);
		}
		close(ping[0]);
		close(pong[1]);
	}

	put(ping[1], &c, 1);
	get(pong[0], &btid, sizeof(btid));
	if (threads) {
		snprintf(apath, sizeof(apath), "/proc/self/task/%d/status", gettid());
		snprintf(bpath, sizeof(bpath), "/proc/self/task/%d/status", btid);
	} else {
		snprintf(apath, sizeof(apath), "/proc/%d/status", getpid());
		snprintf(bpath, sizeof(bpath), "/proc/%d/status", child);
	}
	a0 = vcsw(apath);
	b0 = vcsw(bpath);
	t0 = now_ns();
	for (i = 0; i < rounds; i++) {
		put(ping[1], &c, 1);
		get(pong[0], &c, 1);
	}
	t = now_ns() - t0;
	a1 = vcsw(apath);
	b1 = vcsw(bpath);
	put(ping[1], &c, 1);

	if (threads) {
		pthread_join(thread, NULL);
	} else if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
		   WEXITSTATUS(status)) {
		fprintf(stderr, "pingpong: the child process failed\n");
		return 1;
	}
	printf("mode %s rounds %ld switches %lld ns_total %lld ns_per_switch %lld\n",
	       argv[1], rounds, (a1 - a0) + (b1 - b0), t, t / (2 * rounds));
	return 0;
}
