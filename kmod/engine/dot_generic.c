// SPDX-License-Identifier: GPL-2.0
/*
 * Portable dot-product kernels (see dot.h).  The integer part of each block
 * is exact; the float part accumulates block after block in order.
 */
#include "compat.h"
#include "dot.h"
#include "kernels.h"
#include "mathf.h"
#include "quant.h"

/**
 * slmq_act_init() - lay an activation out in a caller-provided buffer.
 * @a: activation
 * @buf: slmq_act_bytes(max_n) bytes, 64-byte aligned
 * @max_n: the longest vector it will hold
 */
void slmq_act_init(struct slmq_act *a, void *buf, u32 max_n)
{
	u8 *p = buf;
	u32 g = slmq_act_groups8(max_n / SLMQ_QK);

	a->n = 0;
	a->nb = 0;
	a->max_n = max_n;
	a->d = (float *)p;
	a->sum = (s32 *)(p + (u64)g * 4);
	a->qs = (s8 *)(p + (u64)g * 8);
}

typedef float v4sf __attribute__((vector_size(16)));
typedef int v4si __attribute__((vector_size(16)));
typedef short v8hi __attribute__((vector_size(16)));
typedef char v16qi __attribute__((vector_size(16)));

static inline v4sf ld4(const float *p)
{
	v4sf v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* max |x[j]| of one block, 4 lanes at a time (max is exact: same as scalar). */
static inline float block_amax(const float *x)
{
	v4si m = { 0 };
	u32 j;

	for (j = 0; j < SLMQ_QK; j += 4) {
		v4si a = (v4si)ld4(x + j) & 0x7fffffff;
		v4si gt = (v4si)((v4sf)a > (v4sf)m);

		m = (a & gt) | (m & ~gt);
	}
	return max_t(float, max_t(float, ((v4sf)m)[0], ((v4sf)m)[1]),
		     max_t(float, ((v4sf)m)[2], ((v4sf)m)[3]));
}

/*
 * Sixteen ints, each within [-127, 127], stored as int8: SSE2's saturating
 * packs where available (exact in this range), plain stores elsewhere.
 */
static inline void store16(s8 *q, const v4si *v)
{
#ifdef __SSE2__
	v8hi a = __builtin_ia32_packssdw128(v[0], v[1]);
	v8hi b = __builtin_ia32_packssdw128(v[2], v[3]);
	v16qi c = __builtin_ia32_packsswb128(a, b);

	__builtin_memcpy(q, &c, sizeof(c));
#else
	u32 k;

	for (k = 0; k < 16; k++)
		q[k] = (s8)v[k / 4][k % 4];
#endif
}

/**
 * slmq_quantize_act() - quantize an activation vector to int8 blocks.
 * @x: n floats
 * @a: destination (capacity >= n)
 * @n: multiple of SLMQ_QK
 *
 * Written with generic 4-wide vectors (SSE in every build); each value is
 * computed by the same IEEE operations as the plain loop would.
 */
void slmq_quantize_act(const float *x, struct slmq_act *a, u32 n)
{
	/* adding 1.5*2^23 rounds |v| <= 2^22 to an integer, ties to even */
	const v4sf magic = { 12582912.0f, 12582912.0f, 12582912.0f, 12582912.0f };
	const v4sf lim = { 127.0f, 127.0f, 127.0f, 127.0f };
	const u32 nan_bits = 0x7fc00000u;
	u32 i, j, g;

	a->n = n;
	a->nb = n / SLMQ_QK;
	for (i = 0; i < a->nb; i++, x += SLMQ_QK) {
		s8 *q = a->qs + (u64)i * SLMQ_QK;
		float amax = block_amax(x), id;
		v4si vsum = { 0 }, bad = { 0 };
		v4sf vid;

		a->d[i] = amax / 127;
		id = amax != 0.0f ? 127 / amax : 0.0f;
		/*
		 * amax below 127/FLT_MAX makes id +inf (and 0 * id NaN): such a
		 * block adds under 1e-36 to any dot product, so it quantizes
		 * to zeros.
		 */
		if (id > 3.40282347e+38f) {
			id = 0.0f;
			a->d[i] = 0.0f;
		}
		vid = (v4sf){ id, id, id, id };
		for (j = 0; j < SLMQ_QK; j += 16) {
			v4si v[4];
			u32 k;

			for (k = 0; k < 4; k++) {
				v4sf r = (ld4(x + j + 4 * k) * vid + magic) - magic;
				/*
				 * Finite x gives |r| <= 127; a NaN or Inf in
				 * the block does not (and converting it to int
				 * is undefined: INT_MIN on x86, whose sums
				 * overflowed).  Such lanes become 0 here and
				 * the block's scale NaN below.
				 */
				v4si ok = (r >= -lim) & (r <= lim);

				bad |= ~ok;
				r = (v4sf)((v4si)r & ok);
				v[k] = __builtin_convertvector(r, v4si);
				vsum += v[k];
			}
			store16(q + j, v);
		}
		a->sum[i] = (vsum[0] + vsum[1]) + (vsum[2] + vsum[3]);
		/* a non-finite input stays non-finite: every dot with it is NaN */
		if (bad[0] | bad[1] | bad[2] | bad[3])
			memcpy(&a->d[i], &nan_bits, sizeof(nan_bits));
	}
	for (g = slmq_act_groups8(a->nb); i < g; i++) {
		a->d[i] = 0.0f;
		a->sum[i] = 0;
	}
}

/*
 * The block kernels compute exactly what dot_avx2.c computes, row by row:
 * per block the exact integer dot product t, then
 * acc = acc + (float)t * (dw * dx), blocks in order (for Q4_1 also
 * macc = macc + mw * (dx * (float)sum(x)), and the result acc + macc).
 * dot_avx2.c does the same float operations for 8 rows at once, one row per
 * lane, so the two paths give the same bits (see dot_avx2.c for why that
 * matters).
 */

/* Where block b of row r is: ggml's layout, or a G8 group (see interleave.c). */
struct blk_at {
	const u8 *d, *m, *qs;
};

static inline struct blk_at blk_at(u32 type, const u8 *base, u64 row_bytes,
				   u32 g8_rows, u32 r, u32 b)
{
	u32 bs = (u32)slmq_row_bytes(type, SLMQ_QK);
	u32 hdr = type == SLMQ_TYPE_Q4_1 ? 4 : 2, k;
	struct blk_at p;

	if (r < g8_rows) {
		const u8 *g = base + (u64)(r / 8) * 8 * row_bytes + (u64)b * 8 * bs;

		r %= 8;
		p.d = g + 2 * r;
		p.m = g + 16 + 2 * r;
		/* Q4 rows' quants go 0,4,1,5,2,6,3,7 (see interleave.c) */
		k = type == SLMQ_TYPE_Q8_0 ? r : (r % 4) * 2 + r / 4;
		p.qs = g + 8 * hdr + (u64)k * (bs - hdr);
	} else {
		p.d = base + (u64)r * row_bytes + (u64)b * bs;
		p.m = p.d + 2;
		p.qs = p.d + hdr;
	}
	return p;
}

static inline float half_at(const u8 *p)
{
	u16 h;

	memcpy(&h, p, 2);
	return slmq_f16_to_f32(h);
}

/* Weight j of a nibble block: low nibbles are 0..15, high nibbles 16..31. */
static inline s32 nibble(const u8 *qs, u32 j)
{
	return j < SLMQ_QK / 2 ? qs[j] & 0x0f : qs[j - SLMQ_QK / 2] >> 4;
}

/* Exact integer dot product of one weight block with activation block xq. */
static inline s32 block_dot(u32 type, const u8 *qs, const s8 *xq)
{
	s32 t = 0;
	u32 j;

	for (j = 0; j < SLMQ_QK; j++) {
		if (type == SLMQ_TYPE_Q8_0)
			t += (s8)qs[j] * xq[j];
		else if (type == SLMQ_TYPE_Q4_0)
			t += (nibble(qs, j) - 8) * xq[j];
		else
			t += nibble(qs, j) * xq[j];
	}
	return t;
}

static float dot_block_row(u32 type, const u8 *base, u64 row_bytes,
			   u32 g8_rows, u32 r, const struct slmq_act *xa)
{
	float acc = 0.0f, macc = 0.0f;
	u32 b;

	for (b = 0; b < xa->nb; b++) {
		struct blk_at p = blk_at(type, base, row_bytes, g8_rows, r, b);
		s32 t = block_dot(type, p.qs, xa->qs + (u64)b * SLMQ_QK);

		acc = acc + (float)t * (half_at(p.d) * xa->d[b]);
		/* sum(d*q + m)*dx*qx = d*dx*sum(q*qx) + m*dx*sum(qx) */
		if (type == SLMQ_TYPE_Q4_1)
			macc = macc + half_at(p.m) * (xa->d[b] * (float)xa->sum[b]);
	}
	return type == SLMQ_TYPE_Q4_1 ? acc + macc : acc;
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

/* Block-type rows, each on its own; below g8_rows they are in G8 groups. */
static void rows_block(u32 type, bool g8, const void *w, u64 row_bytes,
		       const struct slmq_act *xa, float *y, u32 r0, u32 r1)
{
	u32 r, g8_rows = g8 ? r1 / 8 * 8 : 0;

	for (r = r0; r < r1; r++)
		y[r] = dot_block_row(type, w, row_bytes, g8_rows, r, xa);
}

/*
 * The same rows for the nt tokens of a tile, row by row: a row's blocks are
 * read from memory once and stay in cache for the other tokens, and each
 * token's result is dot_block_row() as rows_block() computes it.
 */
static void gemm_block(u32 type, bool g8, const void *w, u64 row_bytes,
		       const struct slmq_act *xa, u32 nt, float *y, u32 ys,
		       u32 r0, u32 r1)
{
	u32 r, t, g8_rows = g8 ? r1 / 8 * 8 : 0;

	for (r = r0; r < r1; r++)
		for (t = 0; t < nt; t++)
			y[(u64)t * ys + r] = dot_block_row(type, w, row_bytes,
							   g8_rows, r, xa + t);
}

/* the entries SLMQ_KERNEL_DOT_ROWS and SLMQ_KERNEL_GEMM_ROWS name (kernels.h) */
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_0, SLMQ_TYPE_Q4_0, false)
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_0_g8, SLMQ_TYPE_Q4_0, true)
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_1, SLMQ_TYPE_Q4_1, false)
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_1_g8, SLMQ_TYPE_Q4_1, true)
SLMQ_KERNEL_BLOCK_ROWS(rows_q8_0, SLMQ_TYPE_Q8_0, false)
SLMQ_KERNEL_BLOCK_ROWS(rows_q8_0_g8, SLMQ_TYPE_Q8_0, true)
SLMQ_KERNEL_FLOAT_ROWS(rows_f16, dot_f16)
SLMQ_KERNEL_FLOAT_ROWS(rows_f32, dot_f32)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q4_0, SLMQ_TYPE_Q4_0, false)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q4_0_g8, SLMQ_TYPE_Q4_0, true)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q4_1, SLMQ_TYPE_Q4_1, false)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q4_1_g8, SLMQ_TYPE_Q4_1, true)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q8_0, SLMQ_TYPE_Q8_0, false)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q8_0_g8, SLMQ_TYPE_Q8_0, true)
SLMQ_KERNEL_FLOAT_GEMM(gemm_f16, dot_f16)
SLMQ_KERNEL_FLOAT_GEMM(gemm_f32, dot_f32)

/**
 * slmq_dot_rows_generic() - portable row dot products (see dot.h).
 * @type: weight type, | SLMQ_DOT_G8 for rows in G8 groups
 * @w: first row of the matrix
 * @row_bytes: bytes per row
 * @n: weights per row
 * @x: float activation
 * @xa: int8 activation (block types)
 * @y: outputs, indexed by row
 * @r0: first row
 * @r1: one past the last row
 */
void slmq_dot_rows_generic(u32 type, const void *w, u64 row_bytes, u32 n,
			   const float *x, const struct slmq_act *xa,
			   float *y, u32 r0, u32 r1)
{
	slmq_dot_rows(&slmq_kernels_generic, type, w, row_bytes, n, x, xa, y,
		      r0, r1);
}

/*
 * Attention's inner loops.  Eight partial sums for the scores (two 4-wide
 * vectors), 16 outputs at a time for the weighted sum; dot_avx2.c does the
 * same additions in the same order with 8-wide vectors, so both paths give
 * the same bits.
 */
static inline void st4(float *p, v4sf v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

static float dot8(const float *a, const float *b, u32 n)
{
	v4sf s0 = { 0 }, s1 = { 0 };
	float tail = 0.0f;
	u32 i;

	for (i = 0; i + 8 <= n; i += 8) {
		s0 += ld4(a + i) * ld4(b + i);
		s1 += ld4(a + i + 4) * ld4(b + i + 4);
	}
	for (; i < n; i++)
		tail += a[i] * b[i];
	s0 += s1;
	return ((s0[0] + s0[2]) + (s0[1] + s0[3])) + tail;
}

/**
 * slmq_attn_scores_generic() - out[t] = dot(q, k_t) * scale.
 * @q: query of one head, hd floats
 * @k: nt keys of hd floats, contiguous
 * @hd: head dimension
 * @nt: positions
 * @scale: 1/sqrt(hd)
 * @out: nt scores
 */
void slmq_attn_scores_generic(const float *q, const float *k, u32 hd, u32 nt,
			      float scale, float *out)
{
	u32 t;

	for (t = 0; t < nt; t++)
		out[t] = dot8(q, k + (u64)t * hd, hd) * scale;
}

/**
 * slmq_attn_wsum_generic() - out[i] = sum over t of a[t] * v_t[i], t ascending.
 * @out: hd outputs
 * @a: nt weights
 * @v: nt value vectors of hd floats, contiguous
 * @hd: head dimension
 * @nt: positions
 */
void slmq_attn_wsum_generic(float *out, const float *a, const float *v, u32 hd,
			    u32 nt)
{
	u32 i = 0, t;

	for (; i + 16 <= hd; i += 16) {
		v4sf s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 };

		for (t = 0; t < nt; t++) {
			const float *vt = v + (u64)t * hd + i;
			v4sf at = { a[t], a[t], a[t], a[t] };

			s0 += at * ld4(vt);
			s1 += at * ld4(vt + 4);
			s2 += at * ld4(vt + 8);
			s3 += at * ld4(vt + 12);
		}
		st4(out + i, s0);
		st4(out + i + 4, s1);
		st4(out + i + 8, s2);
		st4(out + i + 12, s3);
	}
	for (; i < hd; i++) {
		float s = 0.0f;

		for (t = 0; t < nt; t++)
			s += a[t] * v[(u64)t * hd + i];
		out[i] = s;
	}
}

/* The portable kernels: any CPU, and the reference the AVX2 ones match. */
const struct slmq_kernels slmq_kernels_generic = {
	.name = "generic",
	SLMQ_KERNEL_DOT_ROWS,
	SLMQ_KERNEL_GEMM_ROWS,
	.attn_scores = slmq_attn_scores_generic,
	.attn_wsum = slmq_attn_wsum_generic,
	.expf_array = slmq_expf_array,
};
