/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GPTQ (Frantar et al. 2022, "GPTQ: Accurate Post-Training Quantization for
 * Generative Pre-trained Transformers"), on plain row-major float matrices.
 *
 * A linear layer y = W x has W of rows x cols (cols = inputs).  Its Hessian
 * H = 2 X X^T / n comes from the calibration inputs; gptq_prepare() turns it
 * into the upper Cholesky factor of H^-1 once, and gptq_quantize() then
 * quantizes any number of weight matrices that read the same input (q/k/v,
 * gate/up) column by column, spreading each column's rounding error onto
 * the columns not yet quantized.
 */
#ifndef SLMQ_GPTQ_H
#define SLMQ_GPTQ_H

#include <stdbool.h>
#include <stddef.h>
#include "../../../kmod/engine/compat.h"

/* Running sum of X^T X over calibration tokens (upper triangle kept). */
struct gptq_hessian {
	u32 n;
	u64 count;	/* tokens seen */
	float *h;	/* n x n */
};

int gptq_hessian_init(struct gptq_hessian *hs, u32 n);
/* Adds tokens rows of X (tokens x n, row-major, leading dimension ld). */
void gptq_hessian_add(struct gptq_hessian *hs, const float *x, u32 tokens, u32 ld);
/* H = 2 sum / count, both triangles filled (count 0 leaves zeros). */
void gptq_hessian_finish(struct gptq_hessian *hs);
void gptq_hessian_free(struct gptq_hessian *hs);

#define GPTQ_BLOCK 128		/* lazy batch width */
#define GPTQ_MAX_RAISES 6	/* damping x10 at most this often */

/* H^-1 factor shared by the matrices that read one input. */
struct gptq_hinv {
	u32 n;
	float *u;		/* n x n: upper Cholesky factor of (H + damp I)^-1 (row-major, upper part) */
	u32 *perm;		/* processing order -> original column (identity without act-order) */
	u8 *dead;		/* per original column: 1 when diag(H) was 0 */
	bool act_order;
	float damp_frac;	/* fraction of mean(diag) finally used */
	u32 damp_raises;	/* how often Cholesky failed and damping went up x10 */
	u32 n_dead;
};

/*
 * gptq_prepare() - factor H for quantization.
 * @p: result (free with gptq_hinv_free())
 * @H: n x n symmetric Hessian (not modified)
 * @damp_frac: damping as a fraction of mean(diag(H)) (GPTQ: 0.01)
 * @act_order: process columns by decreasing diag(H)
 * @err: reason on failure
 *
 * Dead columns (diag 0) get diag 1.  When a Cholesky factorisation fails the
 * damping is raised x10 (at most GPTQ_MAX_RAISES times), recorded in p.
 * Returns 0 or -errno.
 */
int gptq_prepare(struct gptq_hinv *p, const float *H, u32 n, float damp_frac,
		 bool act_order, struct slmq_err *err);
void gptq_hinv_free(struct gptq_hinv *p);

/*
 * gptq_quantize() - quantize W (rows x p->n) with error compensation.
 * @type: SLMQ_TYPE_Q4_0, Q4_1 or Q8_0
 * @gs: group size, a multiple of 32 dividing both n and GPTQ_BLOCK
 * @out: rows x slmq_row_bytes(type, n) bytes of blocks (may be NULL)
 * @deq: rows x n dequantized weights, exactly what the engine computes (may be NULL)
 * @loss: sum of the GPTQ losses (w - q)^2 / [H^-1]_jj / 2 (may be NULL)
 *
 * Groups are fitted at group boundaries from the error-updated weights; with
 * act-order they are fitted up front from the original weights in the
 * original column order ("static groups"), so each stays one set of 32-weight
 * blocks whatever order the columns are processed in.  Dead columns are
 * quantized as zeros.  Returns 0 or -ENOMEM.
 */
int gptq_quantize(const struct gptq_hinv *p, const float *W, u32 rows,
		  u32 type, u32 gs, void *out, float *deq, double *loss);

#endif /* SLMQ_GPTQ_H */
