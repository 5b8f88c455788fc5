// SPDX-License-Identifier: GPL-2.0
/*
 * Portable dot-product kernels (see dot.h).  The integer part of each block
 * is exact; the float part accumulates block after block in order.
 */
#include "compat.h"
#include "dot.h"
#include "quant.h"

static inline float abs_f32(float f)
{
	return f < 0 ? -f : f;
}

/**
 * slmq_quantize_q8a() - quantize an activation vector to int8 blocks.
 * @x: n floats
 * @y: n / SLMQ_QK blocks
 * @n: multiple of SLMQ_QK
 */
void slmq_quantize_q8a(const float *x, struct slmq_block_q8a *y, u32 n)
{
	/* adding 1.5*2^23 rounds |v| <= 2^22 to an integer, ties to even */
	const float magic = 12582912.0f;
	u32 i, j;

	for (i = 0; i < n / SLMQ_QK; i++, x += SLMQ_QK) {
		float amax = 0.0f, id;
		s32 sum = 0;

		for (j = 0; j < SLMQ_QK; j++)
			if (abs_f32(x[j]) > amax)
				amax = abs_f32(x[j]);
		y[i].d = amax / 127;
		id = amax != 0.0f ? 127 / amax : 0.0f;
		for (j = 0; j < SLMQ_QK; j++) {
			s32 q = (s32)((x[j] * id + magic) - magic);

			y[i].qs[j] = (s8)q;
			sum += q;
		}
		y[i].sum = sum;
	}
}

/*
 * The block kernels compute exactly what dot_avx2.c computes, lane for lane:
 * lane l of a block is the integer sum of the products of weights 4l..4l+3
 * (exact), converted to float, times the block scale, added to an 8-lane
 * accumulator, one for even and one for odd blocks; at the end the two are
 * added lane-wise and reduced in a fixed order.  So the generic and the AVX2
 * path give the same bits (see dot_avx2.c for why that matters).
 */
struct lanes {
	float acc[2][8];
	float m[2];		/* Q4_1: min terms of even and odd blocks */
};

static inline void lanes_add(struct lanes *L, u32 block, const s32 *lane,
			     float d)
{
	float *acc = L->acc[block & 1];
	u32 l;

	for (l = 0; l < 8; l++)
		acc[l] = acc[l] + (float)lane[l] * d;
}

static inline float lanes_sum(const struct lanes *L)
{
	float v[8];
	u32 l;

	for (l = 0; l < 8; l++)
		v[l] = L->acc[0][l] + L->acc[1][l];
	return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

/* Weight j of a nibble block: low nibbles are 0..15, high nibbles 16..31. */
static inline s32 nibble(const u8 *qs, u32 j)
{
	return j < SLMQ_QK / 2 ? qs[j] & 0x0f : qs[j - SLMQ_QK / 2] >> 4;
}

static float dot_q4_0(const struct slmq_block_q4_0 *w,
		      const struct slmq_block_q8a *x, u32 nb)
{
	struct lanes L = { 0 };
	s32 lane[8];
	u32 i, j;

	for (i = 0; i < nb; i++) {
		for (j = 0; j < 8; j++)
			lane[j] = 0;
		for (j = 0; j < SLMQ_QK; j++)
			lane[j / 4] += (nibble(w[i].qs, j) - 8) * x[i].qs[j];
		lanes_add(&L, i, lane, slmq_f16_to_f32(w[i].d) * x[i].d);
	}
	return lanes_sum(&L);
}

static float dot_q4_1(const struct slmq_block_q4_1 *w,
		      const struct slmq_block_q8a *x, u32 nb)
{
	struct lanes L = { 0 };
	s32 lane[8];
	u32 i, j;

	for (i = 0; i < nb; i++) {
		for (j = 0; j < 8; j++)
			lane[j] = 0;
		for (j = 0; j < SLMQ_QK; j++)
			lane[j / 4] += nibble(w[i].qs, j) * x[i].qs[j];
		/* sum(d*q + m)*dx*qx = d*dx*sum(q*qx) + m*dx*sum(qx) */
		lanes_add(&L, i, lane, slmq_f16_to_f32(w[i].d) * x[i].d);
		L.m[i & 1] += slmq_f16_to_f32(w[i].m) * (x[i].d * (float)x[i].sum);
	}
	return lanes_sum(&L) + (L.m[0] + L.m[1]);
}

static float dot_q8_0(const struct slmq_block_q8_0 *w,
		      const struct slmq_block_q8a *x, u32 nb)
{
	struct lanes L = { 0 };
	s32 lane[8];
	u32 i, j;

	for (i = 0; i < nb; i++) {
		for (j = 0; j < 8; j++)
			lane[j] = 0;
		for (j = 0; j < SLMQ_QK; j++)
			lane[j / 4] += w[i].qs[j] * x[i].qs[j];
		lanes_add(&L, i, lane, slmq_f16_to_f32(w[i].d) * x[i].d);
	}
	return lanes_sum(&L);
}

/* Four interleaved partial sums: shorter dependency chains, same bits everywhere. */
static float dot_f16(const u16 *w, const float *x, u32 n)
{
	float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
	u32 j = 0;

	for (; j + 4 <= n; j += 4) {
		a0 += slmq_f16_to_f32(w[j]) * x[j];
		a1 += slmq_f16_to_f32(w[j + 1]) * x[j + 1];
		a2 += slmq_f16_to_f32(w[j + 2]) * x[j + 2];
		a3 += slmq_f16_to_f32(w[j + 3]) * x[j + 3];
	}
	for (; j < n; j++)
		a0 += slmq_f16_to_f32(w[j]) * x[j];
	return (a0 + a1) + (a2 + a3);
}

static float dot_f32(const float *w, const float *x, u32 n)
{
	float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
	u32 j = 0;

	for (; j + 4 <= n; j += 4) {
		a0 += w[j] * x[j];
		a1 += w[j + 1] * x[j + 1];
		a2 += w[j + 2] * x[j + 2];
		a3 += w[j + 3] * x[j + 3];
	}
	for (; j < n; j++)
		a0 += w[j] * x[j];
	return (a0 + a1) + (a2 + a3);
}

/**
 * slmq_dot_rows_generic() - portable row dot products (see dot.h).
 * @type: weight type
 * @w: first row of the matrix
 * @row_bytes: bytes per row
 * @n: weights per row
 * @x: float activation
 * @xq: q8a activation (block types)
 * @y: outputs, indexed by row
 * @r0: first row
 * @r1: one past the last row
 */
void slmq_dot_rows_generic(u32 type, const void *w, u64 row_bytes, u32 n,
			   const float *x, const struct slmq_block_q8a *xq,
			   float *y, u32 r0, u32 r1)
{
	const u8 *base = w;
	u32 r, nb = n / SLMQ_QK;

	for (r = r0; r < r1; r++) {
		const void *row = base + (u64)r * row_bytes;

		switch (type) {
		case SLMQ_TYPE_Q4_0:
			y[r] = dot_q4_0(row, xq, nb);
			break;
		case SLMQ_TYPE_Q4_1:
			y[r] = dot_q4_1(row, xq, nb);
			break;
		case SLMQ_TYPE_Q8_0:
			y[r] = dot_q8_0(row, xq, nb);
			break;
		case SLMQ_TYPE_F16:
			y[r] = dot_f16(row, x, n);
			break;
		default:
			y[r] = dot_f32(row, x, n);
			break;
		}
	}
}
