/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AWQ (Lin et al. 2023, "AWQ: Activation-aware Weight Quantization"), on
 * plain row-major float matrices.
 *
 * Linears reading one input X (n channels) are rescaled W -> W diag(s) while
 * the producer of X is divided by s (an RMSNorm weight, or the rows of the
 * preceding linear), which leaves the FP function unchanged but lets the
 * quantization grid favour the channels with large activations.  s =
 * mean|x|^alpha, alpha from a grid, chosen to minimise the quantized
 * linears' output error on the calibration data (AutoAWQ's "duo" family
 * mean|x|^alpha / mean|w/max|^(1-alpha) is searched too), measured exactly through
 * the input Gram matrix G = X^T X / N:  sum_rows (Wq - W) G (Wq - W)^T.
 * Then each group's clipping range is shrunk where that lowers the same
 * error.  (The paper measures the error at the output of the whole
 * attention/MLP block; measuring it at the linears' outputs keeps every
 * search a cheap closed form and uses all calibration tokens.)
 */
#ifndef SLMQ_AWQ_H
#define SLMQ_AWQ_H

#include <stdbool.h>
#include "../../../kmod/engine/compat.h"
#include "layer_fwd.h"

#define AWQ_GRID 20		/* alphas 0, 1/20, ..., 19/20 */
#define AWQ_CLIP_GRID 20	/* clip ratios 1 - i/20 ... */
#define AWQ_CLIP_MAX_SHRINK 0.5	/* ... down to 0.5 */
#define AWQ_CLIP_ASYM_STEPS 6	/* Q4_1: 0, 1/20 .. 5/20 of the range off each end */
#define AWQ_CLIP_PASSES 2	/* coordinate-descent sweeps over a row's groups */

/* One linear reading the shared input: W is rows x n. */
struct awq_lin {
	const float *W;
	u32 rows;
	u32 type;	/* block type it will be stored as */
};

struct awq_choice {
	float alpha;
	bool duo;		/* x^alpha / w^(1-alpha) (AutoAWQ's duo scaling) won */
	double err_plain;	/* output error with s = 1 (plain RTN) */
	double err_best;
};

/*
 * awq_search_scales() - pick s for the linears lins[0..nlin) sharing an
 * input of n channels with Gram matrix G (n x n) and per-channel mean |x|
 * xmean.  gs: quantization group size.  gqa_tie: for o's input, the
 * dimensions whose kv groups must share scales (awq_tie_gqa()), else NULL.
 * Writes s (n floats).
 * Returns 0 or -ENOMEM.
 */
int awq_search_scales(const struct awq_lin *lins, u32 nlin, u32 n,
		      const float *G, const float *xmean, u32 gs,
		      const struct lf_dims *gqa_tie, float *s,
		      struct awq_choice *ch);

/* s from channel means for one alpha, normalised so sqrt(max*min) = 1. */
void awq_scales_for(const float *xmean, u32 n, float alpha, float *s);

/* W[:, j] *= s[j] for W rows x n (the consumers). */
void awq_scale_cols(float *W, u32 rows, u32 n, const float *s);
/* W[r, :] /= s[r] for W rows x n (the producing linear). */
void awq_div_rows(float *W, u32 rows, u32 n, const float *s);
/* v[j] /= s[j] (the producing RMSNorm weight). */
void awq_div_vec(float *v, u32 n, const float *s);
/* G <- diag(1/s) G diag(1/s): the Gram matrix of the rescaled input X/s. */
void awq_rescale_gram(float *G, u32 n, const float *s);

struct qg_params;

/*
 * awq_clip() - AWQ's clipping search, as a choice of each group's
 * quantization range: for each group of gs weights of each row, candidates
 * shrink the range to max|w| * (1 - i/AWQ_CLIP_GRID) (down to
 * AWQ_CLIP_MAX_SHRINK; for Q4_0 with the extra level on either sign), and the
 * one (or plain RTN) minimising the row's quantized output error d^T G d
 * wins: the group's own term plus its coupling with the row's groups
 * already decided (AWQ looks at each group alone; G holds the coupling for
 * free).  par gets rows x n/gs parameters for qg_quantize_row_params().
 * Returns 0 or -ENOMEM.
 */
int awq_clip(const float *W, u32 rows, u32 n, const float *G, u32 type, u32 gs,
	     struct qg_params *par);

#endif /* SLMQ_AWQ_H */
