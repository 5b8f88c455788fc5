/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A parallel for over independent items (perplexity windows, os_bench
 * prompts) with one state per worker (its engine session).  Items are handed
 * out in order from a shared counter; each item writes only its own result
 * slot and the caller combines the slots in item order afterwards, so the
 * figures are those of one thread, bit for bit, whatever the thread count.
 */
#ifndef SLMQCTL_POOL_H
#define SLMQCTL_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "../../kmod/engine/compat.h"

/* The most threads a --threads option accepts. */
#define POOL_MAX_THREADS 256

struct pool_job {
	size_t n;		/* items 0 .. n-1 */
	unsigned int threads;	/* workers; 0: the machine's online CPUs */
	size_t state_size;	/* bytes of zeroed state each worker gets */
	/* per worker, before its first item; may be NULL */
	int (*setup)(void *job, void *state, struct slmq_err *err);
	int (*item)(void *job, void *state, size_t i, struct slmq_err *err);
	/* per worker, whether or not setup succeeded; may be NULL */
	void (*teardown)(void *job, void *state);
	/* after each finished item, with the number finished; may be NULL */
	void (*progress)(void *job, uint64_t done, uint64_t total);
	void *job;
};

/* The machine's online CPUs (at least 1): the default thread count. */
unsigned int pool_default_threads(void);

/*
 * Run every item.  Return: 0, or the error of the lowest-numbered item (or
 * worker setup) that failed, in @err; items after a failure may be skipped.
 */
int pool_run(const struct pool_job *j, struct slmq_err *err);

/* Parse a --threads value: 1..POOL_MAX_THREADS; 0 on error (message printed). */
unsigned int pool_parse_threads(const char *s);

#endif /* SLMQCTL_POOL_H */
