// SPDX-License-Identifier: GPL-2.0
/* Matrix-vector products and row lookups on engine tensors (FPU code). */
#include "compat.h"
#include "dot.h"
#include "kernels.h"
#include "matvec.h"
#include "quant.h"

/**
 * slmq_matvec_q() - y = W x with x's int8 form already in xa.
 * @env: its kernels compute the rows
 * @w: weight matrix, ne1 rows of ne0
 * @x: ne0 floats
 * @xa: x quantized (needed for block types)
 * @y: ne1 outputs
 */
void slmq_matvec_q(const struct slmq_env *env, const struct slmq_tensor *w,
		   const float *x, const struct slmq_act *xa, float *y)
{
	slmq_matvec_rows(env, w, x, xa, y, 0, w->ne1);
}

/**
 * slmq_matvec_rows() - rows [r0, r1) of y = W x, x's int8 form in xa.
 * @env: picks the AVX2 or the generic kernels
 * @w: weight matrix, ne1 rows of ne0
 * @x: ne0 floats
 * @xa: x quantized (needed for block types)
 * @y: ne1 outputs, of which [r0, r1) are written
 * @r0: first row, a multiple of 8
 * @r1: one past the last row, a multiple of 8 or w->ne1
 *
 * Each row's result does not depend on the range it was computed in, so
 * a product split into ranges (one per FPU section) has the same bits.
 */
void slmq_matvec_rows(const struct slmq_env *env, const struct slmq_tensor *w,
		      const float *x, const struct slmq_act *xa, float *y,
		      u32 r0, u32 r1)
{
	u64 rb = slmq_row_bytes(w->type, w->ne0);
	u32 t = w->type | (w->layout == SLMQ_LAYOUT_G8 ? SLMQ_DOT_G8 : 0);

	slmq_dot_rows(slmq_env_kernels(env), t, w->data, rb, w->ne0, x, xa, y, r0, r1);
}

/**
 * slmq_matvec() - y = W x, quantizing x first when W is block-quantized.
 * @env: its kernels compute the rows
 * @w: weight matrix, ne1 rows of ne0
 * @x: ne0 floats
 * @xa: scratch activation, capacity >= ne0
 * @y: ne1 outputs
 */
void slmq_matvec(const struct slmq_env *env, const struct slmq_tensor *w,
		 const float *x, struct slmq_act *xa, float *y)
{
	if (slmq_type_is_block(w->type))
		slmq_quantize_act(x, xa, w->ne0);
	slmq_matvec_q(env, w, x, xa, y);
}

/**
 * slmq_tensor_row() - expand one row of a tensor to floats.
 * @w: tensor
 * @row: row index, < w->ne1
 * @out: w->ne0 floats
 */
void slmq_tensor_row(const struct slmq_tensor *w, u32 row, float *out)
{
	u64 rb = slmq_row_bytes(w->type, w->ne0);
	const u8 *src = (const u8 *)w->data + (u64)row * rb;
	const u8 *group = (const u8 *)w->data + (u64)(row / 8) * 8 * rb;
	u32 b, nb = w->ne0 / SLMQ_QK;
	u8 blk[40];

	/* rows of a last, partial group of 8 stay in ggml's layout */
	if (w->layout != SLMQ_LAYOUT_G8 || row >= w->ne1 / 8 * 8) {
		slmq_dequantize_row(w->type, src, out, w->ne0);
		return;
	}
	for (b = 0; b < nb; b++) {
		slmq_g8_block(w->type, group, nb, row % 8, b, blk);
		slmq_dequantize_row(w->type, blk, out + (u64)b * SLMQ_QK, SLMQ_QK);
	}
}
