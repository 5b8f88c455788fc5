// SPDX-License-Identifier: GPL-2.0
/*
 * The FP-plausibility check of the generation criterion.  A quantized model
 * that is practically the FP model (INT8 at +0.01 % perplexity) still takes
 * the other branch at a near tie now and then, and a small model's greedy
 * text after that may loop where the FP model's own text happened not to.
 * Whether that is the quantization's fault is checked by teacher-forcing the
 * FP model along the quantized completion: if every token is one the FP
 * model could have written there (greedy: its argmax or, at most
 * near_tie_max times, within near_tie_logits of it; sampled: probability
 * >= min_sample_prob at the sampling temperature), the FP model could have
 * produced the very same text, and the failure is excused (recorded, not
 * counted).  Early EOS is never excused.
 */
#include <stdlib.h>
#include <string.h>

#include "validate.h"

/*
 * Teacher-force the FP model along q's completion (and its EOS): is every
 * token one the FP model could have written there (gf_fp_plausible)?
 */
static int fp_plausible_run(struct slmq_session *s, const struct slmq_vocab *v,
			    const struct gf_params *gp, const char *prompt,
			    const struct val_gen_item *qi, float temp,
			    struct val_fork *out, struct slmq_err *err)
{
	uint32_t pre[512], i, n_vocab = v->n_tokens;
	int r, np;

	memset(out, 0, sizeof(*out));
	np = slmq_tokenize(v, prompt, (u32)strlen(prompt), true, pre, 512, &cli_allocator);
	if (np < 0 || np >= 512)
		return slmq_fail(err, -EINVAL, "fork: prompt does not tokenize");
	slmq_session_reset(s);
	for (r = 0; r < np; r++)
		if (slmq_session_eval(s, pre[r]))
			return slmq_fail(err, -EIO, "fork: evaluation failed");
	out->plausible = true;
	for (i = 0; i <= qi->g.n; i++) {
		uint32_t tok = i < qi->g.n ? qi->g.ids[i] : v->eos_id;
		bool tie;
		float gap;

		if (i == qi->g.n && !qi->eos)
			break;
		if (!gf_fp_plausible(gp, slmq_session_logits(s), n_vocab, tok, temp,
				     &tie, &gap))
			out->plausible = false;
		out->ties += tie;
		if (gap > out->max_gap)
			out->max_gap = gap;
		if (i == qi->g.n)
			break;
		r = slmq_session_eval(s, tok);
		if (r == -ENOSPC)
			break;
		if (r)
			return slmq_fail(err, r, "fork: evaluation failed");
	}
	if (out->ties > gp->near_tie_max)
		out->plausible = false;
	out->checked = true;
	return 0;
}

int val_fork_check(const struct cli_model *fp_model, const struct val_opts *o,
		   const struct val_prompts *ps, const struct val_figs *fp,
		   const struct val_figs *q, struct val_gen_cmp *c,
		   struct val_measure *m, struct slmq_err *err)
{
	const struct slmq_vocab *v = &fp_model->model.vocab;
	struct slmq_session *s = NULL;
	struct slmq_env env;
	int k, ret = 0;

	cli_env_init(&env);
	for (k = 0; k < c->n && !ret; k++) {
		const struct val_gen_item *qi = &q->gen[k];
		struct eval_gen_opts go;

		if (!(c->q_mask[k] & ~(1u << GF_EARLY_EOS)))
			continue;
		if (!s) {
			s = slmq_session_new(&fp_model->model, &env,
					     fp_model->model.hp.n_ctx_train, err);
			if (!s)
				return err->code ? err->code : -ENOMEM;
		}
		val_gen_opts(o, qi->sampled, qi->seed, &go);
		ret = fp_plausible_run(s, v, &o->gp, ps->p[qi->prompt], qi, go.temp,
				       &c->fork[k], err);
		if (!ret && c->fork[k].plausible) {
			c->excused[k] = c->q_mask[k] & ~(1u << GF_EARLY_EOS);
			c->q_mask[k] &= ~c->excused[k];
		}
	}
	slmq_session_free(s);
	m->gen_failures_q = 0;
	for (k = 0; k < c->n; k++)
		m->gen_failures_q += c->q_mask[k] != 0;
	return ret;
}
