// SPDX-License-Identifier: GPL-2.0
/*
 * nsrun: run a command in new namespaces, for tests/containers.sh. Busybox's
 * unshare cannot make cgroup or time namespaces; this calls unshare(2) with
 * the flags named.
 *
 *   nsrun KINDS CMD [ARG...]
 *
 * KINDS is a comma-separated list of user, uts, ipc, mnt, net, pid, time,
 * cgroup. nsrun calls unshare() with those flags, then execs CMD. A new pid
 * namespace takes effect for children only (the caller's pid_for_children),
 * so with pid nsrun forks first: the child, pid 1 of the new namespace, execs
 * CMD, and nsrun waits for it and exits with its status. A new time
 * namespace is the caller's time_for_children until it execs, when it
 * becomes its time namespace too.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *name;
	int flag;
} kinds[] = {
	{ "user", CLONE_NEWUSER }, { "uts", CLONE_NEWUTS },
	{ "ipc", CLONE_NEWIPC },   { "mnt", CLONE_NEWNS },
	{ "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID },
	{ "time", CLONE_NEWTIME }, { "cgroup", CLONE_NEWCGROUP },
};

static int parse(char *list)
{
	int flags = 0;
	char *k;
	size_t i;

	for (k = strtok(list, ","); k; k = strtok(NULL, ",")) {
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!strcmp(k, kinds[i].name))
				break;
		if (i == sizeof(kinds) / sizeof(kinds[0])) {
			fprintf(stderr, "nsrun: unknown namespace kind %s\n", k);
			exit(2);
		}
		flags |= kinds[i].flag;
	}
	return flags;
}

int main(int argc, char **argv)
{
	int flags, status;
	pid_t child;

	if (argc < 3) {
		fprintf(stderr, "usage: nsrun KINDS CMD [ARG...]\n");
		return 2;
	}
	flags = parse(argv[1]);
	if (unshare(flags)) {
		perror("nsrun: unshare");
		return 1;
	}
	if (flags & CLONE_NEWPID) {
		child = fork();
		if (child < 0) {
			perror("nsrun: fork");
			return 1;
		}
		if (child > 0) {
			if (waitpid(child, &status, 0) < 0)
				return 1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
	}
	execvp(argv[2], argv + 2);
	perror("nsrun: exec");
	return 127;
}
