// SPDX-License-Identifier: GPL-2.0
/*
 * pool.c: every item runs once whatever the thread count, a failure reports
 * the lowest failing item (the message one thread would give), progress
 * counts only go up, worker state is set up and torn down once per worker.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "pool.h"
#include "tap.h"

struct job {
	size_t n;
	unsigned int *runs;	/* per item: how often it ran */
	size_t fail_a, fail_b;	/* items that fail (SIZE_MAX: none) */
	int fail_setup;
	pthread_mutex_t lock;
	unsigned int setups, teardowns;
	uint64_t last_done, progress_calls;
	int progress_backwards;
};

struct wstate {
	int ready;
};

static int setup(void *jp, void *st, struct slmq_err *err)
{
	struct job *j = jp;
	struct wstate *w = st;

	pthread_mutex_lock(&j->lock);
	j->setups++;
	pthread_mutex_unlock(&j->lock);
	if (j->fail_setup)
		return slmq_fail(err, -ENOMEM, "setup failed");
	w->ready = 1;
	return 0;
}

static int item(void *jp, void *st, size_t i, struct slmq_err *err)
{
	struct job *j = jp;
	struct wstate *w = st;

	if (!w->ready)
		return slmq_fail(err, -EINVAL, "item %zu ran without setup", i);
	__atomic_add_fetch(&j->runs[i], 1, __ATOMIC_RELAXED);
	if (i == j->fail_a || i == j->fail_b)
		return slmq_fail(err, -EIO, "item %zu failed", i);
	return 0;
}

static void teardown(void *jp, void *st)
{
	struct job *j = jp;

	pthread_mutex_lock(&j->lock);
	j->teardowns++;
	pthread_mutex_unlock(&j->lock);
}

static void progress(void *jp, uint64_t done, uint64_t total)
{
	struct job *j = jp;

	/* pool.c calls this under its lock: no lock of our own */
	if (done <= j->last_done || total != j->n)
		j->progress_backwards = 1;
	j->last_done = done;
	j->progress_calls++;
}

static int run(struct job *j, size_t n, unsigned int threads, struct slmq_err *err)
{
	struct pool_job pj = {
		.n = n, .threads = threads, .state_size = sizeof(struct wstate),
		.setup = setup, .item = item, .teardown = teardown,
		.progress = progress, .job = j,
	};

	j->n = n;
	j->runs = calloc(n + 1, sizeof(*j->runs));
	pthread_mutex_init(&j->lock, NULL);
	return pool_run(&pj, err);
}

static void done(struct job *j)
{
	free(j->runs);
	pthread_mutex_destroy(&j->lock);
}

static void test_all_once(unsigned int threads)
{
	struct job j = { .fail_a = SIZE_MAX, .fail_b = SIZE_MAX };
	struct slmq_err err = { 0 };
	size_t i, bad = 0;
	int ret = run(&j, 5000, threads, &err);

	for (i = 0; i < 5000; i++)
		bad += j.runs[i] != 1;
	tap_ok(!ret && !bad, "%u threads: 5000 items ran exactly once each (%zu did not)",
	       threads, bad);
	tap_ok(j.progress_calls == 5000 && j.last_done == 5000 && !j.progress_backwards,
	       "%u threads: progress 1..5000 in order (%llu calls)", threads,
	       (unsigned long long)j.progress_calls);
	tap_ok(j.setups == j.teardowns && j.setups >= 1 && j.setups <= threads,
	       "%u threads: %u workers set up, each torn down", threads, j.setups);
	done(&j);
}

static void test_lowest_failure(unsigned int threads)
{
	struct job j = { .fail_a = 4321, .fail_b = 17 };
	struct slmq_err err = { 0 };
	int ret = run(&j, 5000, threads, &err);

	tap_ok(ret == -EIO && !strcmp(err.msg, "item 17 failed"),
	       "%u threads: two failures report the lowest item (%d, '%s')", threads,
	       ret, err.msg);
	if (threads == 1) {
		size_t i, after = 0;

		for (i = 18; i < 5000; i++)
			after += j.runs[i];
		tap_ok(!after, "1 thread: no item after the failing one runs (%zu did)", after);
	}
	done(&j);
}

static void test_setup_failure(void)
{
	struct job j = { .fail_a = SIZE_MAX, .fail_b = SIZE_MAX, .fail_setup = 1 };
	struct slmq_err err = { 0 };
	int ret = run(&j, 100, 4, &err);
	size_t i, ran = 0;

	for (i = 0; i < 100; i++)
		ran += j.runs[i];
	tap_ok(ret == -ENOMEM && !strcmp(err.msg, "setup failed") && !ran &&
	       j.teardowns == j.setups,
	       "a worker setup failure is the error, no item runs, every worker torn down (%d, %zu ran)",
	       ret, ran);
	done(&j);
}

static void test_edges(void)
{
	struct job j = { .fail_a = SIZE_MAX, .fail_b = SIZE_MAX };
	struct slmq_err err = { 0 };
	int ret = run(&j, 3, 16, &err);

	tap_ok(!ret && j.runs[0] == 1 && j.runs[1] == 1 && j.runs[2] == 1 && j.setups <= 3,
	       "16 threads for 3 items: at most 3 workers, each item once (%u workers)",
	       j.setups);
	done(&j);
	memset(&j, 0, sizeof(j));
	j.fail_a = j.fail_b = SIZE_MAX;
	ret = run(&j, 0, 4, &err);
	tap_ok(!ret && !j.progress_calls, "no items: success, no progress");
	done(&j);
	tap_ok(pool_default_threads() >= 1, "default threads: %u", pool_default_threads());
}

int main(void)
{
	static const unsigned int counts[] = { 1, 2, 7 };
	size_t k;

	for (k = 0; k < 3; k++)
		test_all_once(counts[k]);
	for (k = 0; k < 3; k++)
		test_lowest_failure(counts[k]);
	test_setup_failure();
	test_edges();
	return tap_done();
}
