// SPDX-License-Identifier: GPL-2.0
/*
 * forkcost: the cost of making a process from one with MIB MiB touched.
 *
 *   forkcost MIB
 *
 * Maps and writes MIB MiB of private anonymous memory (4 KiB pages: no
 * huge pages), then makes a child that exits at once, three ways, and
 * prints the CLOCK_MONOTONIC time each call took in the parent:
 *
 *   fork_ns=N vfork_ns=N clone_vm_ns=N
 *
 * fork() copies the page tables; vfork() and clone(CLONE_VM) share the
 * address space and copy none (vfork() also waits until the child exits).
 * Under scripts/vm --icount a nanosecond is one guest instruction.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

static int child_fn(void *arg)
{
	(void)arg;
	_exit(0);
}

int main(int argc, char **argv)
{
	static char stack[64 * 1024];
	long mib, pages, i, t0, t_fork, t_vfork, t_clone;
	char *mem;
	pid_t p;

	if (argc != 2 || (mib = strtol(argv[1], NULL, 10)) < 1 || mib > 512) {
		fprintf(stderr, "usage: forkcost MIB (1..512)\n");
		return 2;
	}
	pages = mib * 256;
	mem = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	madvise(mem, pages * 4096, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		mem[i * 4096] = 1;

	t0 = now_ns();
	p = fork();
	if (p == 0)
		_exit(0);
	t_fork = now_ns() - t0;
	if (p < 0 || waitpid(p, NULL, 0) != p)
		return 1;

	t0 = now_ns();
	p = vfork();
	if (p == 0)
		_exit(0);
	t_vfork = now_ns() - t0;
	if (p < 0 || waitpid(p, NULL, 0) != p)
		return 1;

	t0 = now_ns();
	p = clone(child_fn, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
	t_clone = now_ns() - t0;
	if (p < 0 || waitpid(p, NULL, 0) != p)
		return 1;

	printf("fork_ns=%ld vfork_ns=%ld clone_vm_ns=%ld\n", t_fork, t_vfork, t_clone);
	return 0;
}
