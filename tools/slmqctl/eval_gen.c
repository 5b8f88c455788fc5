// SPDX-License-Identifier: GPL-2.0
/* Prompted generation on a session (greedy or sampled), with decoding. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/engine/fbits.h"
#include "cli.h"
#include "eval.h"

/**
 * eval_detokenize() - decoded text of a token sequence.
 * @v: vocabulary
 * @prev: token before ids[0] (UINT32_MAX at the start of a text)
 * @ids: tokens
 * @n: count
 * @len: bytes of the result (not counting the NUL)
 *
 * Return: malloc'd NUL-terminated text, or NULL on out of memory.
 */
char *eval_detokenize(const struct slmq_vocab *v, uint32_t prev,
		      const uint32_t *ids, uint32_t n, size_t *len)
{
	size_t cap = (size_t)n * 8 + 16, used = 0;
	char *out = malloc(cap), piece[SLMQ_TOKEN_MAX_BYTES];
	uint32_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		int k = slmq_detokenize(v, prev, ids[i], piece, sizeof(piece));

		prev = ids[i];
		if (k <= 0)
			continue;
		if (k > (int)sizeof(piece))
			k = sizeof(piece);
		if (used + (size_t)k + 1 > cap) {
			char *p;

			cap = (used + (size_t)k + 1) * 2;
			p = realloc(out, cap);
			if (!p) {
				free(out);
				return NULL;
			}
			out = p;
		}
		memcpy(out + used, piece, (size_t)k);
		used += (size_t)k;
	}
	out[used] = 0;
	if (len)
		*len = used;
	return out;
}

/*
 * The sampler's comparisons are all false on NaN and it would return some
 * token anyway (token 0 forever): a model whose activations overflowed
 * must fail loudly instead.  One pass over n_vocab floats per token, small
 * next to the output head's matvec that produced them.
 */
static int logits_finite(const struct slmq_session *s, uint32_t n,
			 struct slmq_err *err)
{
	const float *lg = slmq_session_logits(s);
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(lg[i]))
			return slmq_fail(err, -ERANGE,
					 "generate: logit %u at position %u is %s (the model's activations overflowed)",
					 i, slmq_session_pos(s), isnan(lg[i]) ? "NaN" : "infinite");
	return 0;
}

static int feed_prompt(struct slmq_session *s, const uint32_t *prompt,
		       uint32_t n_prompt, struct slmq_err *err)
{
	uint32_t start;
	int ret;

	if (!n_prompt)
		return slmq_fail(err, -EINVAL, "generate: empty prompt");
	start = slmq_session_pos(s);
	ret = slmq_session_prefill(s, prompt, n_prompt, NULL, NULL);
	if (ret == -ENOSPC)
		return slmq_fail(err, ret,
				 "generate: prompt of %u tokens does not fit the context of %u",
				 n_prompt, slmq_session_n_ctx(s));
	if (ret)
		return slmq_fail(err, ret, "generate: token %u: %s",
				 prompt[slmq_session_pos(s) - start], strerror(-ret));
	return 0;
}

/**
 * eval_gen_ctx() - session length for a generation.
 * @m: model
 * @n_prompt: prompt ids
 * @max_new: new tokens at most
 *
 * Return: min(n_prompt + max_new, the model's context).
 */
uint32_t eval_gen_ctx(const struct slmq_model *m, uint64_t n_prompt,
		      uint64_t max_new)
{
	uint64_t need = n_prompt + max_new;

	return need < m->hp.n_ctx_train ? (uint32_t)need : m->hp.n_ctx_train;
}

/**
 * eval_generate() - continue a prompt.
 * @s: session (reset here)
 * @v: vocabulary (for </s> and decoding)
 * @prompt: prompt ids, including <s> if wanted
 * @n_prompt: count
 * @o: sampling and stopping
 * @r: result (free with eval_gen_free())
 * @err: error line
 *
 * Return: 0 or a negative errno.
 */
int eval_generate(struct slmq_session *s, const struct slmq_vocab *v,
		  const uint32_t *prompt, uint32_t n_prompt,
		  const struct eval_gen_opts *o, struct eval_gen *r,
		  struct slmq_err *err)
{
	struct slmq_sampler sp;
	double t0 = cli_now(), t1;
	uint64_t max_new;
	uint32_t tok;
	int ret;

	memset(r, 0, sizeof(*r));
	/*
	 * No more new tokens than the session has room for: each but the
	 * last takes a position after the prompt's.
	 */
	max_new = (uint64_t)slmq_session_n_ctx(s) + 1 > n_prompt ?
		  (uint64_t)slmq_session_n_ctx(s) + 1 - n_prompt : 0;
	if (max_new > o->max_new)
		max_new = o->max_new;
	r->ids = malloc(((size_t)max_new + 1) * sizeof(uint32_t));
	if (!r->ids)
		return slmq_fail(err, -ENOMEM, "generate: out of memory");
	slmq_sampler_init(&sp, o->temp > 0 ? slmq_f32_bits(o->temp) : 0, o->top_k,
			  slmq_f32_bits(o->top_p > 0 && o->top_p <= 1 ? o->top_p : 1.0f),
			  o->seed);
	slmq_session_reset(s);
	ret = feed_prompt(s, prompt, n_prompt, err);
	t1 = cli_now();
	r->prompt_seconds = t1 - t0;
	while (!ret && r->n < max_new) {
		ret = logits_finite(s, v->n_tokens, err);
		if (ret)
			break;
		tok = slmq_sample(&sp, s);
		if (tok == v->eos_id || tok == o->stop_id) {
			r->stopped = true;
			r->stop_token = tok;
			break;
		}
		r->ids[r->n++] = tok;
		if (r->n == max_new)
			break;
		ret = slmq_session_eval(s, tok);
		if (ret == -ENOSPC) {	/* context full: stop like max_new */
			ret = 0;
			break;
		}
		if (ret)
			slmq_fail(err, ret, "generate: %s", strerror(-ret));
	}
	r->gen_seconds = cli_now() - t1;
	if (!ret) {
		r->text = eval_detokenize(v, prompt[n_prompt - 1], r->ids, r->n,
					  &r->text_len);
		if (!r->text)
			ret = slmq_fail(err, -ENOMEM, "generate: out of memory");
	}
	if (ret)
		eval_gen_free(r);
	return ret;
}

/**
 * eval_gen_free() - release a generation result.
 * @r: result
 */
void eval_gen_free(struct eval_gen *r)
{
	free(r->ids);
	free(r->text);
	r->ids = NULL;
	r->text = NULL;
}
