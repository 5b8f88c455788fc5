// SPDX-License-Identifier: GPL-2.0
/*
 * One score request: run token ids through a fresh session and, after each
 * of the first n - 1, take the engine's -log p(next id).  This is the
 * perplexity protocol of `slmqctl perplexity` (one window), so the kernel
 * computes the very numbers userspace does.  Shared by the netlink score
 * op and slmqk_score().  It takes one of the max_concurrent slots, like a
 * generation, and a signal ends it between two FPU sections (the engine's
 * yield returns -EINTR).
 *
 * The NLLs stay IEEE single bit patterns (u32): slmq_session_nll_bits()
 * does its float work in its own FPU section, nothing here touches a float.
 */
#include <linux/ktime.h>

#include "slmq_priv.h"

static int slmq_score_check(const struct slmq_kmodel *m, const u32 *ids, u32 n,
			    struct slmq_err *err)
{
	const struct slmq_hparams *hp = &m->model.hp;

	if (n < 2)
		return slmq_fail(err, -EINVAL, "scoring needs at least 2 tokens, got %u", n);
	if (n > hp->n_ctx_train)
		return slmq_fail(err, -EINVAL, "%u tokens exceed the model's %u-token context",
				 n, hp->n_ctx_train);
	return slmq_ids_check(m, ids, n, "token", err);
}

/* The last id is only predicted, never evaluated: n - 1 steps. */
static int slmq_score_locked(struct slmq_kmodel *m, const u32 *ids, u32 n,
			     u32 *nll_bits, struct slmq_err *err)
{
	struct slmq_session *s;
	struct slmq_kenv ke;
	int ret;

	slmq_env_init(&ke);
	s = slmq_session_new(&m->model, &ke.env, n, err);
	if (!s)
		return slmq_env_session_err(&ke, n, err);
	/* batched, each of the first n - 1 scoring the next: userspace's bits */
	ret = slmq_session_prefill(s, ids, n - 1, ids + 1, nll_bits);
	if (ret)
		slmq_fail(err, ret, ret == -EINTR ? "interrupted by a signal" :
			  "evaluating token %u failed", slmq_session_pos(s));
	slmq_session_free(s);
	return ret;
}

/**
 * slmq_score_run() - score ids with a model the caller holds a reference on
 * @m: the model
 * @ids: token ids, 2..n_ctx of them, each below the vocabulary size
 * @n: how many
 * @nll_bits: receives n - 1 values: after ids[0..i], -log p(ids[i + 1]) as
 *	IEEE-754 single bits
 * @latency_ns: receives the request's wall time (slot wait included)
 * @err: why the request failed
 *
 * Counts in the model's stats (n - 1 tokens) and holds one of the
 * max_concurrent slots while it runs.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL for bad ids (nothing run), -EINTR when a signal
 * arrived while waiting for a slot or while scoring, -EFBIG when the
 * session would exceed max_total_mb, -ENOMEM.
 */
int slmq_score_run(struct slmq_kmodel *m, const u32 *ids, u32 n, u32 *nll_bits,
		   u64 *latency_ns, struct slmq_err *err)
{
	u64 start = ktime_get_ns();
	int ret;

	*latency_ns = 0;
	ret = slmq_score_check(m, ids, n, err);
	if (ret)
		goto count_error;
	ret = slmq_slot_get(m, err);
	if (ret)
		return ret;
	ret = slmq_score_locked(m, ids, n, nll_bits, err);
	slmq_slot_put();
	if (!ret)
		*latency_ns = ktime_get_ns() - start;
	slmq_stats_count(m, ret, n - 1, *latency_ns);
	return ret;

count_error:
	/* Refused before taking a slot: still a request, and an error. */
	atomic64_inc(&m->stats.requests);
	atomic64_inc(&m->stats.errors);
	return ret;
}
