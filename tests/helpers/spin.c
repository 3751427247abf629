// SPDX-License-Identifier: GPL-2.0
/*
 * spin: burn CPU for a while and report how long it was kept off the CPU,
 * for the cpu.max and cpuset cases of tests/containers.sh.
 *
 *   spin MS [THREADS]
 *
 * THREADS threads (default 1) each read CLOCK_MONOTONIC in a loop for MS
 * milliseconds; a gap between two reads is time that thread did not run
 * (preempted or throttled). Prints "ms MS loops N max_gap_us G
 * gaps_over_1ms K off_us T cpu_us C": over all threads, the longest gap,
 * how many gaps exceeded 1 ms, their sum, and the CPU time the process
 * used (CLOCK_PROCESS_CPUTIME_ID).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct spinner {
	pthread_t thread;
	long long end, loops, max_gap, off;
	long over;
};

static long long clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *spin(void *arg)
{
	struct spinner *s = arg;
	long long prev = clock_ns(CLOCK_MONOTONIC), t, gap;

	do {
		t = clock_ns(CLOCK_MONOTONIC);
		gap = t - prev;
		if (gap > s->max_gap)
			s->max_gap = gap;
		if (gap > 1000000) {
			s->over++;
			s->off += gap;
		}
		prev = t;
		s->loops++;
	} while (t < s->end);
	return NULL;
}

int main(int argc, char **argv)
{
	long long cpu0, end, loops = 0, max_gap = 0, off = 0;
	struct spinner *s;
	long ms, n = 1, over = 0, i;

	if (argc < 2 || argc > 3 || (ms = strtol(argv[1], NULL, 10)) <= 0 || ms > 60000 ||
	    (argc == 3 && ((n = strtol(argv[2], NULL, 10)) <= 0 || n > 64))) {
		fprintf(stderr, "usage: spin MS [THREADS] (1 to 60000 ms, 1 to 64 threads)\n");
		return 2;
	}
	s = calloc(n, sizeof(*s));
	if (!s)
		return 1;
	cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	end = clock_ns(CLOCK_MONOTONIC) + ms * 1000000LL;
	for (i = 0; i < n; i++) {
		s[i].end = end;
		if (i > 0 && pthread_create(&s[i].thread, NULL, spin, &s[i]))
			return 1;
	}
	spin(&s[0]);
	for (i = 0; i < n; i++) {
		if (i > 0)
			pthread_join(s[i].thread, NULL);
		loops += s[i].loops;
		over += s[i].over;
		off += s[i].off;
		if (s[i].max_gap > max_gap)
			max_gap = s[i].max_gap;
	}
	printf("ms %ld loops %lld max_gap_us %lld gaps_over_1ms %ld off_us %lld cpu_us %lld\n",
	       ms, loops, max_gap / 1000, over, off / 1000,
	       (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / 1000);
	free(s);
	return 0;
}
