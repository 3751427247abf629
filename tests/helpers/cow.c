// SPDX-License-Identifier: GPL-2.0
/*
 * cow: the course's copy-on-write experiment, driven line by line.
 *
 *   cow MIB
 *
 * Pins itself to CPU 0 (so that no other CPU's page batches hold a
 * reference to its pages), maps MIB MiB of private anonymous memory,
 * writes every page, forks, and prints
 *
 *   parent=PID child=PID addr=0xADDR pages=N fork_ns=NS
 *
 * The child waits. Then each line on standard input is a command, answered
 * with one line once done:
 *
 *   child-write    the child writes the first page  -> "child-wrote"
 *   parent-write   the parent writes the first page -> "parent-wrote"
 *   quit           the child exits and is reaped    -> "quit"
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	int to_child[2], to_parent[2];
	char line[64], c;
	long mib, pages, i, t0, t1;
	cpu_set_t cpus;
	char *mem;
	pid_t child;

	if (argc != 2 || (mib = strtol(argv[1], NULL, 10)) < 1 || mib > 512) {
		fprintf(stderr, "usage: cow MIB (1..512)\n");
		return 2;
	}
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		die("sched_setaffinity");
	pages = mib * 256;
	mem = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	/* No huge pages: the experiment is about 4 KiB pages. */
	madvise(mem, pages * 4096, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		mem[i * 4096] = 1;
	if (pipe(to_child) || pipe(to_parent))
		die("pipe");
	t0 = now_ns();
	child = fork();
	t1 = now_ns();
	if (child < 0)
		die("fork");
	if (child == 0) {
		while (read(to_child[0], &c, 1) == 1) {
			if (c == 'w') {
				mem[0] = 2;
				if (write(to_parent[1], "w", 1) != 1)
					_exit(1);
			} else {
				_exit(0);
			}
		}
		_exit(0);
	}
	printf("parent=%d child=%d addr=%p pages=%ld fork_ns=%ld\n",
	       getpid(), child, (void *)mem, pages, t1 - t0);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "child-write\n")) {
			if (write(to_child[1], "w", 1) != 1 ||
			    read(to_parent[0], &c, 1) != 1)
				die("child-write");
			puts("child-wrote");
		} else if (!strcmp(line, "parent-write\n")) {
			mem[0] = 3;
			puts("parent-wrote");
		} else if (!strcmp(line, "quit\n")) {
			break;
		} else {
			puts("?");
		}
		fflush(stdout);
	}
	if (write(to_child[1], "q", 1) != 1 || waitpid(child, NULL, 0) != child)
		die("quit");
	puts("quit");
	return 0;
}
