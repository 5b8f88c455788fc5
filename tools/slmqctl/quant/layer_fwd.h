/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Batched FP32 forward of one Llama decoder block over many calibration
 * tokens at once (OpenBLAS sgemm), reporting the input of every linear
 * layer on the way: what GPTQ's Hessians and AWQ's statistics are made of.
 *
 * Weights are in Hugging Face layout (q/k rows NOT permuted; RoPE rotates
 * the two halves of each head, rotate_half), row-major [out x in].  This is
 * the same function as the engine's forward on llama.cpp-permuted rows
 * (adjacent pairs), only with the rows in the other order.
 */
#ifndef SLMQ_LAYER_FWD_H
#define SLMQ_LAYER_FWD_H

#include "../../../kmod/engine/compat.h"

struct lf_dims {
	u32 n_embd, n_head, n_head_kv, head_dim, n_ff;
	float eps, theta;
};

struct lf_weights {
	float *attn_norm;	/* n_embd */
	float *wq;		/* n_head*head_dim x n_embd */
	float *wk, *wv;		/* n_head_kv*head_dim x n_embd */
	float *wo;		/* n_embd x n_head*head_dim */
	float *ffn_norm;	/* n_embd */
	float *wg, *wu;		/* n_ff x n_embd */
	float *wd;		/* n_embd x n_ff */
};

/* Where a linear layer reads its input. */
enum lf_site {
	LF_ATTN_IN,	/* normed x: q, k, v */
	LF_O_IN,	/* attention output: o */
	LF_FFN_IN,	/* normed h: gate, up */
	LF_DOWN_IN,	/* silu(gate) * up: down */
	LF_N_SITES
};

/*
 * Called with ntok rows of dim floats (row-major) for each site, in order.
 * A non-zero return ends the forward early with that value (LF_STOP: the
 * caller only wanted the inputs so far; x is then left half-updated).
 */
#define LF_STOP 1
typedef int (*lf_capture_fn)(void *ctx, enum lf_site site, const float *x,
			     u32 ntok, u32 dim);

/*
 * lf_forward() - x <- block(x) for nseq independent sequences of seqlen
 * tokens each (positions 0..seqlen-1), x being nseq*seqlen rows of n_embd.
 * cap may be NULL.  Returns 0, -ENOMEM, or the first non-zero cap result.
 */
int lf_forward(const struct lf_dims *d, const struct lf_weights *w, float *x,
	       u32 nseq, u32 seqlen, lf_capture_fn cap, void *ctx);

/* y = x * w / rms(x) for each of ntok rows of n (shared with the pipeline). */
void lf_rmsnorm(const float *x, const float *w, float *y, u32 ntok, u32 n,
		float eps);

#endif /* SLMQ_LAYER_FWD_H */
