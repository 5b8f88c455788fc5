// SPDX-License-Identifier: GPL-2.0
/*
 * The calibration forward (quant/layer_fwd.c: batched, HF row order,
 * rotate_half RoPE) computes the same function as the engine (llama.cpp row
 * order, adjacent-pair RoPE): logits on pcilm-tiny agree.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli.h"
#include "hf_model.h"
#include "quant/pipeline.h"

#define NTOK 48

static float *tf(struct hf_model *m, const char *fmt, u32 li)
{
	char name[96];

	snprintf(name, sizeof(name), fmt, li);
	return hf_tensor_f32(hf_model_tensor(m, name));
}

int main(void)
{
	static const u32 ids[NTOK] = { 1, 349, 1016, 1032, 28705, 0 };
	char dir[4096];
	struct hf_model m;
	struct cli_model cm;
	struct slmq_err err = { 0 };
	struct slmq_env env;
	struct slmq_session *s;
	struct lf_dims d;
	u32 tok[NTOK], li, t, v, i;
	float *x, *xn, *logits;
	double maxd = 0, maxl = 0;

	snprintf(dir, sizeof(dir), "%s/pcilm-tiny", tap_fixture_dir());
	if (hf_model_open(&m, dir, &err) || cli_model_open(dir, &cm, &err)) {
		tap_ok(0, "open %s: %s", dir, err.msg);
		return tap_done();
	}
	/* a fixed, varied token sequence: <s> then ids spread over the vocabulary */
	for (t = 0; t < NTOK; t++)
		tok[t] = t == 0 ? 1 : (ids[t] ? ids[t] : 7 + t * 37) % m.hp.n_vocab;
	d = (struct lf_dims){ m.hp.n_embd, m.hp.n_head, m.hp.n_head_kv, m.hp.head_dim,
			      m.hp.n_ff, m.hp.rms_eps, m.hp.rope_theta };
	x = malloc(NTOK * d.n_embd * 4);
	xn = malloc(NTOK * d.n_embd * 4);
	logits = malloc(NTOK * m.hp.n_vocab * 4);
	for (t = 0; t < NTOK; t++)
		memcpy(x + t * d.n_embd, tf(&m, "token_embd.weight", 0) + tok[t] * d.n_embd, d.n_embd * 4);
	for (li = 0; li < m.hp.n_layer; li++) {
		struct lf_weights w = {
			tf(&m, "blk.%u.attn_norm.weight", li), tf(&m, "blk.%u.attn_q.weight", li),
			tf(&m, "blk.%u.attn_k.weight", li), tf(&m, "blk.%u.attn_v.weight", li),
			tf(&m, "blk.%u.attn_output.weight", li), tf(&m, "blk.%u.ffn_norm.weight", li),
			tf(&m, "blk.%u.ffn_gate.weight", li), tf(&m, "blk.%u.ffn_up.weight", li),
			tf(&m, "blk.%u.ffn_down.weight", li),
		};
		lf_forward(&d, &w, x, 1, NTOK, NULL, NULL);
	}
	lf_rmsnorm(x, tf(&m, "output_norm.weight", 0), xn, NTOK, d.n_embd, d.eps);
	for (t = 0; t < NTOK; t++)
		for (v = 0; v < m.hp.n_vocab; v++) {
			const float *o = tf(&m, "output.weight", 0) + (size_t)v * d.n_embd;
			double acc = 0;

			for (i = 0; i < d.n_embd; i++)
				acc += (double)xn[t * d.n_embd + i] * o[i];
			logits[t * m.hp.n_vocab + v] = (float)acc;
		}
	cli_env_init(&env);
	s = slmq_session_new(&cm.model, &env, NTOK, &err);
	tap_ok(s != NULL, "engine session: %s", err.msg);
	for (t = 0; s && t < NTOK; t++) {
		const float *el;

		slmq_session_eval(s, tok[t]);
		el = slmq_session_logits(s);
		for (v = 0; v < m.hp.n_vocab; v++) {
			maxd = fmax(maxd, fabs(el[v] - logits[t * m.hp.n_vocab + v]));
			maxl = fmax(maxl, fabs(el[v]));
		}
	}
	tap_ok(s && maxd < 2e-3 * fmax(1, maxl),
	       "pcilm-tiny, %d positions: calibration forward vs engine logits, max |diff| %.2e (max |logit| %.1f)",
	       NTOK, maxd, maxl);
	slmq_session_free(s);
	cli_model_close(&cm);
	hf_model_close(&m);
	free(x); free(xn); free(logits);
	return tap_done();
}
