// SPDX-License-Identifier: GPL-2.0
/*
 * stream-read: the single-thread streaming-read bandwidth of this machine,
 * the ceiling of a decode step that reads every weight once (make bench
 * prints F16 decode as GB/s of weights next to it).
 *
 *   stream-read [MB [PASSES]]      default 1024 MB, 5 passes
 *
 * The buffer (2 MiB pages if transparent huge pages allow) is written first (so every page is backed and none is the
 * shared zero page), then read front to back PASSES times; each pass XORs
 * every 64-bit word into 8 independent accumulators (the compiler turns
 * that into wide vector loads), and the result is printed so the reads
 * cannot be optimised away.  Prints one line:
 *   stream-read: MB MiB, best B GB/s, mean M GB/s over P passes (check C)
 * GB are 1e9 bytes, as the engine's "GB/s of weights".  The buffer should be
 * many times the last-level cache, or this measures the cache.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t read_all(const uint64_t *p, size_t n)
{
	uint64_t a[8] = { 0 };
	size_t i;
	int k;

	for (i = 0; i + 8 <= n; i += 8)
		for (k = 0; k < 8; k++)
			a[k] ^= p[i + k];
	for (k = 1; k < 8; k++)
		a[0] ^= a[k];
	return a[0];
}

static int parse(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	*out = strtoul(s, &end, 10);
	return !*s || *end || *s == '-' || !*out || *out > max;
}

int main(int argc, char **argv)
{
	unsigned long mb = 1024, passes = 5, i;
	double best = 0, sum = 0, t0, gbs;
	uint64_t *buf, check = 0;
	size_t bytes, n;

	if (argc > 3 || (argc > 1 && parse(argv[1], 1ul << 20, &mb)) ||
	    (argc > 2 && parse(argv[2], 1000, &passes))) {
		fprintf(stderr, "usage: stream-read [MB [PASSES]]\n");
		return 1;
	}
	bytes = (size_t)mb << 20;
	n = bytes / sizeof(*buf);
	/* 2 MiB pages where the kernel allows them: TLB misses, not DRAM,
	 * would otherwise cap a single thread (~10% on the development machine) */
	buf = aligned_alloc(2u << 20, bytes);
	if (!buf) {
		fprintf(stderr, "stream-read: cannot allocate %lu MiB\n", mb);
		return 1;
	}
	madvise(buf, bytes, MADV_HUGEPAGE);
	for (i = 0; i < n; i++)
		buf[i] = i * 0x9e3779b97f4a7c15ull;
	for (i = 0; i < passes; i++) {
		t0 = now();
		check ^= read_all(buf, n);
		gbs = (double)bytes / (now() - t0) / 1e9;
		sum += gbs;
		if (gbs > best)
			best = gbs;
	}
	printf("stream-read: %lu MiB, best %.2f GB/s, mean %.2f GB/s over %lu passes (check %016llx)\n",
	       mb, best, sum / passes, passes, (unsigned long long)check);
	free(buf);
	return 0;
}
