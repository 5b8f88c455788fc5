// SPDX-License-Identifier: GPL-2.0
/* Perplexity by non-overlapping windows (the fixtures' reference protocol). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "cli.h"
#include "eval.h"

#define DEFAULT_MAX_TOKENS 100000

static float bits_f32(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* One window: ctx-1 predictions, the NLLs as the engine computes them. */
static int score_window(struct slmq_session *s, const uint32_t *w, uint32_t ctx,
			double *total, struct slmq_err *err)
{
	uint32_t i;
	int ret;

	slmq_session_reset(s);
	for (i = 0; i + 1 < ctx; i++) {
		ret = slmq_session_eval(s, w[i]);
		if (ret)
			return slmq_fail(err, ret, "evaluating token %u of a window: %s",
					 i, strerror(-ret));
		*total += bits_f32(slmq_session_nll_bits(s, w[i + 1]));
	}
	return 0;
}

/**
 * eval_perplexity() - perplexity of a model on token data.
 * @m: model
 * @env: engine environment
 * @ids: token data
 * @n: number of ids
 * @o: window length, token budget, progress
 * @r: result
 * @err: error line
 *
 * Return: 0 or a negative errno.
 */
int eval_perplexity(const struct slmq_model *m, const struct slmq_env *env,
		    const uint32_t *ids, size_t n,
		    const struct eval_ppl_opts *o, struct eval_ppl *r,
		    struct slmq_err *err)
{
	uint32_t ctx = o->ctx ? o->ctx : m->hp.n_ctx_train;
	size_t use = o->max_tokens ? o->max_tokens : DEFAULT_MAX_TOKENS;
	struct slmq_session *s;
	double total = 0, t0 = cli_now();
	uint32_t w, nw;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (ctx < 2)
		return slmq_fail(err, -EINVAL, "perplexity: context must be at least 2");
	if (ctx > m->hp.n_ctx_train)
		return slmq_fail(err, -EINVAL,
				 "perplexity: context %u exceeds the model's %u",
				 ctx, m->hp.n_ctx_train);
	if (use > n)
		use = n;
	nw = (uint32_t)(use / ctx);
	if (!nw)
		return slmq_fail(err, -EINVAL,
				 "perplexity: %zu tokens do not fill one window of %u",
				 use, ctx);
	s = slmq_session_new(m, env, ctx, err);
	if (!s)
		return err ? err->code : -ENOMEM;
	for (w = 0; w < nw && !ret; w++) {
		ret = score_window(s, ids + (size_t)w * ctx, ctx, &total, err);
		if (o->progress)
			o->progress(o->progress_ctx, w + 1, nw);
	}
	slmq_session_free(s);
	if (ret)
		return ret;
	r->ctx = ctx;
	r->windows = nw;
	r->tokens_used = (uint64_t)nw * ctx;
	r->scored = (uint64_t)nw * (ctx - 1);
	r->nll = total / (double)r->scored;
	r->ppl = exp(r->nll);
	r->seconds = cli_now() - t0;
	return 0;
}
