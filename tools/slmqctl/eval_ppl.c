// SPDX-License-Identifier: GPL-2.0
/* Perplexity by non-overlapping windows (the fixtures' reference protocol). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/engine/fbits.h"
#include "cli.h"
#include "eval.h"
#include "pool.h"

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
	uint32_t i;
	int ret;

	slmq_session_reset(s);
	for (i = 0; i + 1 < ctx; i++) {
		ret = slmq_session_eval(s, w[i]);
		if (ret)
			return slmq_fail(err, ret, "evaluating token %u of a window: %s",
					 i, strerror(-ret));
		nll[i] = slmq_session_nll_bits(s, w[i + 1]);
	}
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
	const struct slmq_model *m;
	const struct slmq_env *env;
	const uint32_t *ids;
	uint32_t ctx;
	uint32_t *nll;		/* window w's NLLs at nll + w * ctx */
	const struct eval_ppl_opts *o;
};

struct ppl_worker {
	struct slmq_session *s;
};

static int ppl_setup(void *job, void *state, struct slmq_err *err)
{
	struct ppl_job *j = job;
	struct ppl_worker *w = state;

	w->s = slmq_session_new(j->m, j->env, j->ctx, err);
	return w->s ? 0 : (err->code ? err->code : -ENOMEM);
}

static int ppl_window(void *job, void *state, size_t i, struct slmq_err *err)
{
	struct ppl_job *j = job;
	struct ppl_worker *w = state;

	return eval_score_window(w->s, j->ids + i * j->ctx, j->ctx,
				 j->nll + i * j->ctx, err);
}

static void ppl_teardown(void *job, void *state)
{
	struct ppl_worker *w = state;

	if (w->s)
		slmq_session_free(w->s);
}

static void ppl_progress(void *job, uint64_t done, uint64_t total)
{
	struct ppl_job *j = job;

	if (j->o->progress)
		j->o->progress(j->o->progress_ctx, done, total);
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
	struct ppl_job j = { .m = m, .env = env, .ids = ids, .o = o };
	struct pool_job pj = {
		.threads = o->threads, .state_size = sizeof(struct ppl_worker),
		.setup = ppl_setup, .item = ppl_window, .teardown = ppl_teardown,
		.progress = ppl_progress, .job = &j,
	};
	double total = 0, t0 = cli_now();
	uint32_t w, nw;
	int ret;

	memset(r, 0, sizeof(*r));
	j.ctx = o->ctx ? o->ctx : m->hp.n_ctx_train;
	ret = eval_ppl_windows(o->max_tokens, n, j.ctx, m->hp.n_ctx_train, &nw, err);
	if (ret)
		return ret;
	j.nll = calloc((size_t)nw * j.ctx, sizeof(*j.nll));
	if (!j.nll)
		return slmq_fail(err, -ENOMEM, "out of memory");
	pj.n = nw;
	ret = pool_run(&pj, err);
	for (w = 0; w < nw && !ret; w++)
		ret = eval_nll_add(&total, j.nll + (size_t)w * j.ctx, j.ctx, err);
	free(j.nll);
	if (ret)
		return ret;
	eval_ppl_finish(r, j.ctx, nw, total, t0);
	return 0;
}
