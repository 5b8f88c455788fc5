// SPDX-License-Identifier: GPL-2.0
/* The parallel for of pool.h on pthreads. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pool.h"

struct pool_run {
	const struct pool_job *j;
	pthread_mutex_t lock;
	size_t next;		/* the next item to hand out */
	uint64_t done;
	size_t fail_at;		/* lowest failing item; SIZE_MAX: none */
	struct slmq_err err;	/* its error */
};

unsigned int pool_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > POOL_MAX_THREADS ? POOL_MAX_THREADS : (unsigned int)n;
}

unsigned int pool_parse_threads(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || *s == '-' || !v || v > POOL_MAX_THREADS) {
		cli_fail("--threads: '%s' is not a number in 1..%u", s, POOL_MAX_THREADS);
		return 0;
	}
	return (unsigned int)v;
}

/* Keep the error of the lowest item, so the message is the one thread's. */
static void note_failure(struct pool_run *p, size_t at, const struct slmq_err *e)
{
	pthread_mutex_lock(&p->lock);
	if (at < p->fail_at) {
		p->fail_at = at;
		p->err = *e;
	}
	pthread_mutex_unlock(&p->lock);
}

static size_t take(struct pool_run *p)
{
	size_t i;

	pthread_mutex_lock(&p->lock);
	i = p->next < p->j->n && p->next < p->fail_at ? p->next++ : SIZE_MAX;
	pthread_mutex_unlock(&p->lock);
	return i;
}

static void finished(struct pool_run *p)
{
	pthread_mutex_lock(&p->lock);
	p->done++;
	/* under the lock: the counts a progress line shows only go up */
	if (p->j->progress)
		p->j->progress(p->j->job, p->done, p->j->n);
	pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
	struct pool_run *p = arg;
	const struct pool_job *j = p->j;
	struct slmq_err e = { 0 };
	void *state;
	size_t i;

	state = calloc(1, j->state_size ? j->state_size : 1);
	if (!state) {
		slmq_fail(&e, -ENOMEM, "out of memory");
		note_failure(p, 0, &e);
		return NULL;
	}
	if (j->setup && j->setup(j->job, state, &e)) {
		note_failure(p, 0, &e);
		goto teardown;
	}
	while ((i = take(p)) != SIZE_MAX) {
		if (j->item(j->job, state, i, &e)) {
			note_failure(p, i, &e);
			break;
		}
		finished(p);
	}
teardown:
	if (j->teardown)
		j->teardown(j->job, state);
	free(state);
	return NULL;
}

int pool_run(const struct pool_job *j, struct slmq_err *err)
{
	unsigned int n = j->threads ? j->threads : pool_default_threads(), t;
	struct pool_run p = { .j = j, .fail_at = SIZE_MAX };
	pthread_t *tid;

	if ((size_t)n > j->n)
		n = j->n ? (unsigned int)j->n : 1;
	pthread_mutex_init(&p.lock, NULL);
	tid = calloc(n, sizeof(*tid));
	if (!tid) {
		pthread_mutex_destroy(&p.lock);
		return slmq_fail(err, -ENOMEM, "out of memory");
	}
	/* worker 0 is this thread: one thread creates none */
	for (t = 1; t < n; t++)
		if (pthread_create(&tid[t], NULL, worker, &p))
			break;
	worker(&p);
	while (--t > 0)
		pthread_join(tid[t], NULL);
	free(tid);
	pthread_mutex_destroy(&p.lock);
	if (p.fail_at != SIZE_MAX) {
		if (err)
			*err = p.err;
		return p.err.code ? p.err.code : -EIO;
	}
	return 0;
}
