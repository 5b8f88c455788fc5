// SPDX-License-Identifier: GPL-2.0
/*
 * Evaluation on the worker pool (pool.h): every worker owns one engine
 * session of the job's length, so perplexity and os_bench only say what one
 * item is.
 */
#include <errno.h>

#include "eval.h"
#include "pool.h"

struct eval_pool_run {
	struct eval_pool_job *base;
	eval_item_fn item;
};

static int session_setup(void *job, void *state, struct slmq_err *err)
{
	struct eval_pool_run *r = job;
	struct slmq_session **s = state;

	*s = slmq_session_open(r->base->m, r->base->env, r->base->ctx,
			       r->base->session_flags, err);
	return *s ? 0 : (err->code ? err->code : -ENOMEM);
}

static int session_item(void *job, void *state, size_t i, struct slmq_err *err)
{
	struct eval_pool_run *r = job;

	return r->item(r->base, *(struct slmq_session **)state, i, err);
}

static void session_teardown(void *job, void *state)
{
	struct slmq_session **s = state;

	if (*s)
		slmq_session_free(*s);
}

static void forward_progress(void *job, uint64_t done, uint64_t total)
{
	struct eval_pool_run *r = job;

	if (r->base->progress)
		r->base->progress(r->base->progress_ctx, done, total);
}

int eval_pool_run(struct eval_pool_job *base, size_t n, unsigned int threads,
		  eval_item_fn item, struct slmq_err *err)
{
	struct eval_pool_run r = { .base = base, .item = item };
	struct pool_job pj = {
		.n = n, .threads = threads,
		.state_size = sizeof(struct slmq_session *),
		.setup = session_setup, .item = session_item,
		.teardown = session_teardown, .progress = forward_progress,
		.job = &r,
	};

	return pool_run(&pj, err);
}
