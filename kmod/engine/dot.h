/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dot products of one weight row with one activation vector, the inner loop
 * of every matrix-vector product.  Two implementations with one interface:
 * dot_generic.c (plain C, any CPU) and dot_avx2.c (AVX2+FMA+F16C, only
 * called when env->use_avx2).
 *
 * Block-quantized rows (Q4_0, Q4_1, Q8_0) are multiplied with the activation
 * quantized to int8 per 32-block (struct slmq_block_q8a) using integer
 * multiply-adds per block and one float scale per block; F16 and F32 rows are
 * multiplied with the float activation.  Quantizing the activation is done
 * once per matrix-vector product (slmq_quantize_q8a), not once per row.
 *
 * FPU code: only call between slmq_fpu_begin() and slmq_fpu_end().
 */
#ifndef SLMQ_DOT_H
#define SLMQ_DOT_H

#include "compat.h"
#include "blocks.h"

/* True for the types that need the activation as q8a blocks. */
static inline bool slmq_type_is_block(u32 type)
{
	return type == SLMQ_TYPE_Q4_0 || type == SLMQ_TYPE_Q4_1 ||
	       type == SLMQ_TYPE_Q8_0;
}

/*
 * Activation to q8a blocks: d = max|x|/127, q = x/d rounded to nearest even,
 * sum = sum of q.  n is a multiple of SLMQ_QK.  One implementation for both
 * paths, so generic and AVX2 see the same integers.
 */
void slmq_quantize_q8a(const float *x, struct slmq_block_q8a *y, u32 n);

/*
 * y[r] = dot(row r of w, x) for r in [r0, r1).  w holds rows of n weights of
 * the given type, row_bytes = slmq_row_bytes(type, n) apart.  x is the float
 * activation (F16/F32 rows), xq its q8a form (block rows; may be NULL for
 * F16/F32).
 */
void slmq_dot_rows_generic(u32 type, const void *w, u64 row_bytes, u32 n,
			   const float *x, const struct slmq_block_q8a *xq,
			   float *y, u32 r0, u32 r1);
void slmq_dot_rows_avx2(u32 type, const void *w, u64 row_bytes, u32 n,
			const float *x, const struct slmq_block_q8a *xq,
			float *y, u32 r0, u32 r1);

#endif /* SLMQ_DOT_H */
