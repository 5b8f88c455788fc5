// SPDX-License-Identifier: GPL-2.0
/* Perplexity by non-overlapping windows (the fixtures' reference protocol). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/engine/fbits.h"
#include "cli.h"
#include "eval.h"

int eval_ppl_windows(size_t max_tokens, size_t n, uint32_t ctx, uint32_t n_ctx_train,
		     uint32_t *nw, struct slmq_err *err)
{
	size_t use = max_tokens ? max_tokens : EVAL_PPL_DEFAULT_TOKENS;

	if (ctx < 2)
		return slmq_fail(err, -EINVAL, "perplexity: context must be at least 2");
	if (ctx > n_ctx_train)
		return slmq_fail(err, -EINVAL,
				 "perplexity: context %u exceeds the model's %u",
				 ctx, n_ctx_train);
	if (use > n)
		use = n;
	*nw = (uint32_t)(use / ctx);
	if (!*nw)
		return slmq_fail(err, -EINVAL,
				 "perplexity: %zu tokens do not fill one window of %u",
				 use, ctx);
	return 0;
}

int eval_score_window(struct slmq_session *s, const uint32_t *w, uint32_t ctx,
		      uint32_t *nll, struct slmq_err *err)
{
	int ret;

	slmq_session_reset(s);
	/* the window's first ctx - 1 tokens, each scoring the next: batched */
	ret = slmq_session_prefill(s, w, ctx - 1, w + 1, nll);
	if (ret)
		return slmq_fail(err, ret, "evaluating token %u of a window: %s",
				 slmq_session_pos(s), strerror(-ret));
	return 0;
}

int eval_nll_add(double *total, const uint32_t *nll, uint32_t ctx,
		 struct slmq_err *err)
{
	uint32_t i;

	for (i = 0; i + 1 < ctx; i++) {
		if (!isfinite(slmq_bits_f32(nll[i])))
			return slmq_fail(err, -ERANGE,
					 "perplexity: the NLL of prediction %u of a window is %s (the model's logits are not finite)",
					 i, isnan(slmq_bits_f32(nll[i])) ? "NaN" : "infinite");
		*total += slmq_bits_f32(nll[i]);
	}
	return 0;
}

void eval_ppl_finish(struct eval_ppl *r, uint32_t ctx, uint32_t nw, double total,
		     double t0)
{
	r->ctx = ctx;
	r->windows = nw;
	r->tokens_used = (uint64_t)nw * ctx;
	r->scored = (uint64_t)nw * (ctx - 1);
	r->nll = total / (double)r->scored;
	r->ppl = exp(r->nll);
	r->seconds = cli_now() - t0;
}

struct ppl_job {
	struct eval_pool_job base;	/* first: the item gets it back */
	const uint32_t *ids;
	uint32_t *nll;			/* window w's NLLs at nll + w * ctx */
};

static int ppl_window(struct eval_pool_job *base, struct slmq_session *s,
		      size_t i, struct slmq_err *err)
{
	struct ppl_job *j = (struct ppl_job *)base;

	return eval_score_window(s, j->ids + i * base->ctx, base->ctx,
				 j->nll + i * base->ctx, err);
}

/**
 * eval_perplexity() - perplexity of a model on token data.
 * @m: model
 * @env: engine environment
 * @ids: token data
 * @n: number of ids
 * @o: window length, token budget, threads, progress
 * @r: result
 * @err: error line
 *
 * The windows are scored on o->threads workers, each with its own session;
 * their NLLs are summed in window order afterwards, so the result is the
 * one thread's to the last bit.
 *
 * Return: 0 or a negative errno.
 */
int eval_perplexity(const struct slmq_model *m, const struct slmq_env *env,
		    const uint32_t *ids, size_t n,
		    const struct eval_ppl_opts *o, struct eval_ppl *r,
		    struct slmq_err *err)
{
	struct ppl_job j = {
		.base = { .m = m, .env = env, .progress = o->progress,
			  .progress_ctx = o->progress_ctx },
		.ids = ids,
	};
	double total = 0, t0 = cli_now();
	uint32_t w, nw, ctx;
	int ret;

	memset(r, 0, sizeof(*r));
	ctx = o->ctx ? o->ctx : m->hp.n_ctx_train;
	ret = eval_ppl_windows(o->max_tokens, n, ctx, m->hp.n_ctx_train, &nw, err);
	if (ret)
		return ret;
	j.base.ctx = ctx;
	j.nll = calloc((size_t)nw * ctx, sizeof(*j.nll));
	if (!j.nll)
		return slmq_fail(err, -ENOMEM, "out of memory");
	ret = eval_pool_run(&j.base, nw, o->threads, ppl_window, err);
	for (w = 0; w < nw && !ret; w++)
		ret = eval_nll_add(&total, j.nll + (size_t)w * ctx, ctx, err);
	free(j.nll);
	if (ret)
		return ret;
	eval_ppl_finish(r, ctx, nw, total, t0);
	return 0;
}
