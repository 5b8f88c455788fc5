/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dot products of weight rows with one activation vector, the inner loop of
 * every matrix-vector product.  Implementations with one interface:
 * dot_generic.c (plain C, any CPU), dot_avx2.c (AVX2+FMA+F16C) and, for the
 * block types, dot_avx512vnni.c and dot_avxvnni.c (dot_vnni.h), each a
 * struct slmq_kernels table (kernels.h) of which slmq_kernels_select()
 * picks one.
 *
 * Block-quantized rows (Q4_0, Q4_1, Q8_0) are multiplied with the activation
 * quantized to int8 per 32-block (struct slmq_act): per block an exact
 * integer dot product t, then y = y + (float)t * (dw * dx), block after
 * block in order, for each row on its own.  Quantizing the
 * activation is done once per matrix-vector product (slmq_quantize_act), not
 * once per row.  For these types every implementation gives the same bits.
 * F16 and F32 rows are multiplied with the float activation (FMA on AVX2;
 * the two agree within float rounding).
 *
 * FPU code: only call between slmq_fpu_begin() and slmq_fpu_end().
 */
#ifndef SLMQ_DOT_H
#define SLMQ_DOT_H

#include "compat.h"
#include "type_traits.h"

/*
 * An activation quantized for the integer kernels: x ~= d[b] * qs[32b + j].
 * Scales and sums are kept apart from the int8 values (zero-padded to a
 * multiple of 8 blocks), so a kernel broadcasts block b's scale and sum
 * straight from memory.
 */
struct slmq_act {
	u32 n;		/* values quantized (a multiple of SLMQ_QK) */
	u32 nb;		/* blocks, n / SLMQ_QK */
	u32 max_n;	/* capacity */
	s8 *qs;		/* n int8 values */
	float *d;	/* block scales, padded with zeros */
	s32 *sum;	/* block sums of qs, padded with zeros */
};

/* Blocks rounded up to a group of eight (the padding of d and sum). */
static inline u32 slmq_act_groups8(u32 nb)
{
	return (nb + 7) / 8 * 8;
}

/* Bytes of the buffer an activation of up to max_n values needs. */
static inline u64 slmq_act_bytes(u32 max_n)
{
	return (u64)slmq_act_groups8(max_n / SLMQ_QK) * (8 + SLMQ_QK) + 64;
}

/* Carve an activation out of buf (slmq_act_bytes(max_n) bytes, 64-aligned). */
void slmq_act_init(struct slmq_act *a, void *buf, u32 max_n);

/*
 * x (n floats, n a multiple of SLMQ_QK, n <= a->max_n) to int8 blocks:
 * d = max|x|/127, q = x/d rounded to nearest even, sum = sum of q.
 */
void slmq_quantize_act(const float *x, struct slmq_act *a, u32 n);

/*
 * Added to a Q4_0/Q4_1/Q8_0 type passed to the row kernels when the rows are
 * in SLMQ_LAYOUT_G8 (see interleave.c): every full group of 8 rows interleaved
 * block by block.  Such a call must start at a multiple of 8 rows and end at
 * a multiple of 8 or at the matrix's last row (rows of a last, partial group
 * stay in ggml's layout).
 */
#define SLMQ_DOT_G8 0x100

/*
 * Eight rows (8 * slmq_row_bytes(type, 32 * nb) bytes at src, ggml's layout)
 * into one G8 group at dst (same size, must not overlap src).  interleave.c; no
 * floating point.
 */
void slmq_interleave_rows_g8(u32 type, const void *src, void *dst, u32 nb);
/* Block b of row k (0..7) of a G8 group of nb-block rows, in ggml's layout. */
void slmq_g8_block(u32 type, const void *group, u32 nb, u32 k, u32 b, void *blk);

/*
 * y[r] = dot(row r of w, x) for r in [r0, r1).  w holds rows of n weights of
 * the given type, row_bytes = slmq_row_bytes(type, n) apart.  x is the float
 * activation (F16/F32 rows), xa its int8 form (block rows; may be NULL for
 * F16/F32).
 */
void slmq_dot_rows_generic(u32 type, const void *w, u64 row_bytes, u32 n,
			   const float *x, const struct slmq_act *xa,
			   float *y, u32 r0, u32 r1);
void slmq_dot_rows_avx2(u32 type, const void *w, u64 row_bytes, u32 n,
			const float *x, const struct slmq_act *xa,
			float *y, u32 r0, u32 r1);

/*
 * Attention's inner loops for one head: scores out[t] = dot(q, k_t) * scale,
 * and the weighted sum out[i] = sum_t a[t] * v_t[i], over nt positions of
 * hd floats stored contiguously.  Both paths give the same bits.
 */
void slmq_attn_scores_generic(const float *q, const float *k, u32 hd, u32 nt,
			      float scale, float *out);
void slmq_attn_scores_avx2(const float *q, const float *k, u32 hd, u32 nt,
			   float scale, float *out);
void slmq_attn_wsum_generic(float *out, const float *a, const float *v, u32 hd,
			    u32 nt);
void slmq_attn_wsum_avx2(float *out, const float *a, const float *v, u32 hd,
			 u32 nt);

/*
 * The same over an F16 cache (k_t, v_t of hd halves each): every half is
 * widened exactly and then the F32 versions' operations run in their
 * order, so generic and AVX2 again give the same bits.
 */
void slmq_attn_scores_f16_generic(const float *q, const u16 *k, u32 hd, u32 nt,
				  float scale, float *out);
void slmq_attn_scores_f16_avx2(const float *q, const u16 *k, u32 hd, u32 nt,
			       float scale, float *out);
void slmq_attn_wsum_f16_generic(float *out, const float *a, const u16 *v,
				u32 hd, u32 nt);
void slmq_attn_wsum_f16_avx2(float *out, const float *a, const u16 *v, u32 hd,
			     u32 nt);

/* y[i] = x[i] rounded to half, to nearest even (slmq_f32_to_f16(); F16C vcvtps2ph). */
void slmq_f32_to_f16_row_generic(u16 *y, const float *x, u32 n);
void slmq_f32_to_f16_row_avx2(u16 *y, const float *x, u32 n);

/* slmq_expf_array() (mathf.h) four lanes wide: the same bits. */
void slmq_expf_array_avx2(float *y, const float *x, u32 n);

#endif /* SLMQ_DOT_H */
