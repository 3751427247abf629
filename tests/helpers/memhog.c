// SPDX-License-Identifier: GPL-2.0
/*
 * memhog: touch memory until told to stop, for the memory.max cases of
 * tests/containers.sh.
 *
 *   memhog MIB [ADJ]
 *
 * Writes ADJ to /proc/self/oom_score_adj (if given), then maps MIB MiB of
 * private anonymous memory and writes every page, a MiB at a time; prints
 * "touched MIB" and waits for a line on standard input (or its end). An
 * OOM kill on the way ends it with SIGKILL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	const long mib = 1 << 20;
	char line[16];
	long n, i;
	char *p;

	if (argc < 2 || argc > 3 || (n = strtol(argv[1], NULL, 10)) <= 0 || n > 4096) {
		fprintf(stderr, "usage: memhog MIB [ADJ] (1 to 4096 MiB)\n");
		return 2;
	}
	if (argc == 3) {
		FILE *f = fopen("/proc/self/oom_score_adj", "w");

		if (!f || fprintf(f, "%s\n", argv[2]) < 0 || fclose(f)) {
			perror("memhog: oom_score_adj");
			return 1;
		}
	}
	p = mmap(NULL, n * mib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("memhog: mmap");
		return 1;
	}
	for (i = 0; i < n; i++)
		memset(p + i * mib, 1, mib);
	printf("touched %ld\n", n);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	return 0;
}
