// SPDX-License-Identifier: GPL-2.0
/*
 * AVX2 + FMA + F16C dot-product kernels (see dot.h), written with GCC vector
 * extensions and __builtin_ia32_* so the file builds in the kernel too (no
 * <immintrin.h> there).  Only called when the CPU has the features.
 *
 * Block formats go 8 rows at a time, one row per lane: for each block, the
 * 8 rows' 32 byte products are summed in pairs by vpmaddubsw (unsigned x
 * signed; no saturation with these ranges) and in fours by vpmaddwd, then
 * reduced to one exact integer per row with horizontal adds, and scaled by
 * one vector of the 8 rows' scales (8 halves converted at once) times the
 * activation block's scale.  The activation block is loaded once for the 8
 * rows, there is no padding whatever the row length, and no horizontal float
 * sum at the end: lane k is row k's result.  In the G8 layout (interleave.c) a
 * block of 8 rows is one contiguous run: 8 scales, then the quants.
 *
 * Q8_0 uses the sign trick (|w| times x with w's sign moved onto x).  The
 * 4-bit formats take two rows' 16 nibble bytes side by side in one
 * register: one mask for the low nibbles and one shift+mask for the high
 * ones, multiplied with the activation block's halves broadcast to both
 * 128-bit lanes.  Q4_0 multiplies the raw nibbles (0..15) and subtracts
 * 8 * sum(x) per block afterwards (an exact integer identity).
 *
 * The scaling is a multiply and a separate add (no FMA), and dot_generic.c
 * computes exactly the same integers and the same float operations in the
 * same order for each row: both paths give the same bits.  That matters because the next
 * layer quantizes the activation to int8 again, and a last-bit difference
 * that flips one rounding there would otherwise grow into visibly different
 * logits.  F16/F32 rows use FMA (nothing downstream of them amplifies a last
 * bit) and agree within a tolerance.
 */
#include "compat.h"
#include "avx2_vec.h"
#include "dot.h"
#include "kernels.h"
#include "mathf.h"

typedef float v4sf __attribute__((vector_size(16)));
typedef short v16hi __attribute__((vector_size(32)));
typedef char v32qi __attribute__((vector_size(32)));	/* builtin operand type */
typedef unsigned char v16qu __attribute__((vector_size(16)));
typedef long long v4di __attribute__((vector_size(32)));
typedef int v4si __attribute__((vector_size(16)));

static inline v8sf load_v8sf(const float *p)
{
	v8sf v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline v8hi load_v8hi(const u16 *p)
{
	v8hi v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline v32qs load_v32qs(const s8 *p)
{
	v32qs v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline float h2f(u16 h)
{
	v8hi v = { (short)h };
	v4sf f = __builtin_ia32_vcvtph2ps(v);

	return f[0];
}

static inline float hsum(v8sf v)
{
	return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

static inline v8si load_v8si(const s32 *p)
{
	v8si v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* Eight lanes of 4-product sums of unsigned a (<= 15, or |w| <= 127) and signed b. */
static inline v8si mul_sum_u8s8(v32qu a, v32qs b)
{
	const v16hi ones = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	v16hi p16 = __builtin_ia32_pmaddubsw256((v32qi)a, (v32qi)b);

	return __builtin_ia32_pmaddwd256(p16, ones);
}

/* Signed w times signed x: |w| times x with w's sign moved onto x. */
static inline v8si mul_sum_s8s8(v32qs w, v32qs x)
{
	v32qu aw = (v32qu)__builtin_ia32_pabsb256((v32qi)w);
	v32qs sx = (v32qs)__builtin_ia32_psignb256((v32qi)x, (v32qi)w);

	return mul_sum_u8s8(aw, sx);
}

static inline v2di load_v2di(const void *p)
{
	v2di v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* 16 bytes in both 128-bit lanes. */
static inline v32qs bcast16(const s8 *p)
{
	v2di q = load_v2di(p);

	return (v32qs)__builtin_shufflevector(q, q, 0, 1, 0, 1);
}

/*
 * Two nibble rows' 16-bit lane sums: quants q (32 bytes, row a's 16 then
 * row b's) times the activation block's halves xlo (x[0..15] twice) and xhi
 * (x[16..31] twice).  Lanes 0..7 are row a's, 8..15 row b's; each holds four
 * products, at most 4 * 15 * 127 = 7620.
 */
static inline v16hi q4_pair(v32qu q, v32qs xlo, v32qs xhi)
{
	v32qu lo = q & 0x0f, hi = (v32qu)((v16hi)q >> 4) & 0x0f;

	return __builtin_ia32_pmaddubsw256((v32qi)lo, (v32qi)xlo) +
	       __builtin_ia32_pmaddubsw256((v32qi)hi, (v32qi)xhi);
}

static inline v32qu load_v32qu(const u8 *p)
{
	v32qu v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* Two 16-byte quant runs side by side. */
static inline v32qu join16(const u8 *a, const u8 *b)
{
	return (v32qu)__builtin_shufflevector(load_v2di(a), load_v2di(b), 0, 1, 2, 3);
}

/*
 * Four row pairs' 16-bit lanes -> totals of the pairs' first rows, then of
 * their second rows: one 16-bit horizontal add per two pairs (sums <= 15240,
 * no overflow), widening multiply-adds, one 32-bit horizontal add.  With
 * the pairs (0,4), (1,5), (2,6), (3,7) that is rows 0..7 in order.
 */
static inline v8si reduce_pairs(v16hi p0, v16hi p1, v16hi p2, v16hi p3)
{
	const v16hi ones = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	v8si x = __builtin_ia32_pmaddwd256(__builtin_ia32_phaddw256(p0, p1), ones);
	v8si y = __builtin_ia32_pmaddwd256(__builtin_ia32_phaddw256(p2, p3), ones);

	return __builtin_ia32_phaddd256(x, y);
}

/*
 * The same as mul_sum_s8s8(w, x) with the sign moved the other way: |x|
 * (computed once per block, shared by the rows) times w * sign(x).  Exact
 * only when no weight is -128 (its negation does not fit), which is why
 * only G8 rows, checked by interleave.c, take this path.
 */
static inline v8si mul_sum_g8(v32qu w, v32qs x, v32qu ax)
{
	return mul_sum_u8s8(ax, (v32qs)__builtin_ia32_psignb256((v32qi)w, (v32qi)x));
}

static inline v8si splat_i(s32 v)
{
	return (v8si){ v, v, v, v, v, v, v, v };
}

/*
 * Up to 8 rows of a block type, one per lane, written to y[0..cnt).  g8:
 * the rows are the G8 group at g; otherwise rp[k] is row k in ggml's
 * layout (rows past cnt repeat a valid row, their lanes are dropped).
 * always_inline with constant type and g8: each variant gets its own loop.
 */
static __always_inline void rows8(u32 type, bool g8, const u8 *g,
				  const u8 *const rp[8],
				  const struct slmq_act *xa, float *y, u32 cnt)
{
	const bool q8 = type == SLMQ_TYPE_Q8_0, asym = type == SLMQ_TYPE_Q4_1;
	const u64 bs = q8 ? 34 : asym ? 20 : 18, hdr = asym ? 4 : 2;
	v8sf acc = splat(0.0f), macc = splat(0.0f);
	u32 b, k;

	for (b = 0; b < xa->nb; b++) {
		const s8 *xq = xa->qs + (u64)b * SLMQ_QK;
		const u64 off = (u64)b * bs;
		v8sf dw, mw = splat(0.0f);
		v8si tot;

		if (g8) {
			const u8 *c = g + 8 * off, *q = c + 8 * hdr;

			dw = halves8(c);
			if (asym)
				mw = halves8(c + 16);
			if (q8) {
				/* G8 Q8_0 weights are never -128 (interleave.c checks) */
				v32qs x = load_v32qs(xq);
				v32qu ax = (v32qu)__builtin_ia32_pabsb256((v32qi)x);

				tot = reduce8(mul_sum_g8(load_v32qu(q), x, ax),
					      mul_sum_g8(load_v32qu(q + 32), x, ax),
					      mul_sum_g8(load_v32qu(q + 64), x, ax),
					      mul_sum_g8(load_v32qu(q + 96), x, ax),
					      mul_sum_g8(load_v32qu(q + 128), x, ax),
					      mul_sum_g8(load_v32qu(q + 160), x, ax),
					      mul_sum_g8(load_v32qu(q + 192), x, ax),
					      mul_sum_g8(load_v32qu(q + 224), x, ax));
			} else {
				v32qs xlo = bcast16(xq), xhi = bcast16(xq + 16);

				tot = reduce_pairs(q4_pair(load_v32qu(q), xlo, xhi),
						   q4_pair(load_v32qu(q + 32), xlo, xhi),
						   q4_pair(load_v32qu(q + 64), xlo, xhi),
						   q4_pair(load_v32qu(q + 96), xlo, xhi));
			}
		} else {
			const u64 qo = off + hdr;

			dw = halves_at(rp, off);
			if (asym)
				mw = halves_at(rp, off + 2);
			if (q8) {
				v32qs x = load_v32qs(xq);

				tot = reduce8(mul_sum_s8s8((v32qs)load_v32qu(rp[0] + qo), x),
					      mul_sum_s8s8((v32qs)load_v32qu(rp[1] + qo), x),
					      mul_sum_s8s8((v32qs)load_v32qu(rp[2] + qo), x),
					      mul_sum_s8s8((v32qs)load_v32qu(rp[3] + qo), x),
					      mul_sum_s8s8((v32qs)load_v32qu(rp[4] + qo), x),
					      mul_sum_s8s8((v32qs)load_v32qu(rp[5] + qo), x),
					      mul_sum_s8s8((v32qs)load_v32qu(rp[6] + qo), x),
					      mul_sum_s8s8((v32qs)load_v32qu(rp[7] + qo), x));
			} else {
				v32qs xlo = bcast16(xq), xhi = bcast16(xq + 16);

				tot = reduce_pairs(q4_pair(join16(rp[0] + qo, rp[4] + qo), xlo, xhi),
						   q4_pair(join16(rp[1] + qo, rp[5] + qo), xlo, xhi),
						   q4_pair(join16(rp[2] + qo, rp[6] + qo), xlo, xhi),
						   q4_pair(join16(rp[3] + qo, rp[7] + qo), xlo, xhi));
			}
		}
		if (type == SLMQ_TYPE_Q4_0)	/* sum((q-8)*x) = sum(q*x) - 8*sum(x) */
			tot -= splat_i(xa->sum[b] * 8);
		acc = acc + __builtin_ia32_cvtdq2ps256(tot) * (dw * splat(xa->d[b]));
		if (asym)	/* + m * dx * sum(x) */
			macc = macc + mw * splat(xa->d[b] * (float)xa->sum[b]);
	}
	if (asym)
		acc = acc + macc;
	if (likely(cnt == 8)) {
		__builtin_memcpy(y, &acc, sizeof(acc));
		return;
	}
	for (k = 0; k < cnt; k++)
		y[k] = acc[k];
}

#define SLMQ_ROWS8 rows8
#include "rows8_loops.h"

static inline v8sf fmadd(v8sf a, v8sf b, v8sf c)
{
	return __builtin_ia32_vfmaddps256(a, b, c);
}

/* F16 row: vcvtph2ps 8 at a time, four accumulators (32 weights in flight). */
static float dot_f16(const u16 *w, const float *x, u32 n)
{
	v8sf a0 = splat(0.0f), a1 = splat(0.0f), a2 = splat(0.0f), a3 = splat(0.0f);
	float tail = 0.0f;
	u32 j = 0;

	for (; j + 32 <= n; j += 32) {
		a0 = fmadd(__builtin_ia32_vcvtph2ps256(load_v8hi(w + j)),
			   load_v8sf(x + j), a0);
		a1 = fmadd(__builtin_ia32_vcvtph2ps256(load_v8hi(w + j + 8)),
			   load_v8sf(x + j + 8), a1);
		a2 = fmadd(__builtin_ia32_vcvtph2ps256(load_v8hi(w + j + 16)),
			   load_v8sf(x + j + 16), a2);
		a3 = fmadd(__builtin_ia32_vcvtph2ps256(load_v8hi(w + j + 24)),
			   load_v8sf(x + j + 24), a3);
	}
	for (; j + 8 <= n; j += 8)
		a0 = fmadd(__builtin_ia32_vcvtph2ps256(load_v8hi(w + j)),
			   load_v8sf(x + j), a0);
	for (; j < n; j++)
		tail += h2f(w[j]) * x[j];
	return hsum((a0 + a1) + (a2 + a3)) + tail;
}

static float dot_f32(const float *w, const float *x, u32 n)
{
	v8sf a0 = splat(0.0f), a1 = splat(0.0f), a2 = splat(0.0f), a3 = splat(0.0f);
	float tail = 0.0f;
	u32 j = 0;

	for (; j + 32 <= n; j += 32) {
		a0 = fmadd(load_v8sf(w + j), load_v8sf(x + j), a0);
		a1 = fmadd(load_v8sf(w + j + 8), load_v8sf(x + j + 8), a1);
		a2 = fmadd(load_v8sf(w + j + 16), load_v8sf(x + j + 16), a2);
		a3 = fmadd(load_v8sf(w + j + 24), load_v8sf(x + j + 24), a3);
	}
	for (; j + 8 <= n; j += 8)
		a0 = fmadd(load_v8sf(w + j), load_v8sf(x + j), a0);
	for (; j < n; j++)
		tail += w[j] * x[j];
	return hsum((a0 + a1) + (a2 + a3)) + tail;
}

/*
 * dot_f16() of one row with two tokens' activations at once: each block of
 * weights is converted once for both, and each token has its own four
 * accumulators, tail and final sum in dot_f16()'s order: the same bits.
 */
static void dot_f16_x2(const u16 *w, const float *x0, const float *x1, u32 n,
		       float *y0, float *y1)
{
	v8sf a0 = splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
	v8sf b0 = a0, b1 = a0, b2 = a0, b3 = a0;
	float ta = 0.0f, tb = 0.0f;
	u32 j = 0;

	for (; j + 32 <= n; j += 32) {
		v8sf w0 = __builtin_ia32_vcvtph2ps256(load_v8hi(w + j));
		v8sf w1 = __builtin_ia32_vcvtph2ps256(load_v8hi(w + j + 8));
		v8sf w2 = __builtin_ia32_vcvtph2ps256(load_v8hi(w + j + 16));
		v8sf w3 = __builtin_ia32_vcvtph2ps256(load_v8hi(w + j + 24));

		a0 = fmadd(w0, load_v8sf(x0 + j), a0);
		a1 = fmadd(w1, load_v8sf(x0 + j + 8), a1);
		a2 = fmadd(w2, load_v8sf(x0 + j + 16), a2);
		a3 = fmadd(w3, load_v8sf(x0 + j + 24), a3);
		b0 = fmadd(w0, load_v8sf(x1 + j), b0);
		b1 = fmadd(w1, load_v8sf(x1 + j + 8), b1);
		b2 = fmadd(w2, load_v8sf(x1 + j + 16), b2);
		b3 = fmadd(w3, load_v8sf(x1 + j + 24), b3);
	}
	for (; j + 8 <= n; j += 8) {
		v8sf w0 = __builtin_ia32_vcvtph2ps256(load_v8hi(w + j));

		a0 = fmadd(w0, load_v8sf(x0 + j), a0);
		b0 = fmadd(w0, load_v8sf(x1 + j), b0);
	}
	for (; j < n; j++) {
		float h = h2f(w[j]);

		ta += h * x0[j];
		tb += h * x1[j];
	}
	*y0 = hsum((a0 + a1) + (a2 + a3)) + ta;
	*y1 = hsum((b0 + b1) + (b2 + b3)) + tb;
}

/* F16 rows for a tile: row by row, two tokens at a time through dot_f16_x2(). */
static void gemm_f16(const void *w, u64 row_bytes, u32 n, const float *x,
		     u32 xs, const struct slmq_act *xa, u32 nt, float *y,
		     u32 ys, u32 r0, u32 r1)
{
	u32 r, t;

	for (r = r0; r < r1; r++) {
		const u16 *row = (const u16 *)((const u8 *)w + (u64)r * row_bytes);

		for (t = 0; t + 2 <= nt; t += 2)
			dot_f16_x2(row, x + (u64)t * xs, x + (u64)(t + 1) * xs, n,
				   &y[(u64)t * ys + r], &y[(u64)(t + 1) * ys + r]);
		if (t < nt)
			y[(u64)t * ys + r] = dot_f16(row, x + (u64)t * xs, n);
	}
}

/* the entries SLMQ_KERNEL_DOT_ROWS names (kernels.h) */
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
SLMQ_KERNEL_FLOAT_GEMM(gemm_f32, dot_f32)

/**
 * slmq_dot_rows_avx2() - AVX2 row dot products (see dot.h).
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
void slmq_dot_rows_avx2(u32 type, const void *w, u64 row_bytes, u32 n,
			const float *x, const struct slmq_act *xa,
			float *y, u32 r0, u32 r1)
{
	slmq_dot_rows(&slmq_kernels_avx2, type, w, row_bytes, n, x, xa, y,
		      r0, r1);
}

/*
 * Attention's inner loops, the same additions in the same order as
 * dot_generic.c's 4-wide versions (no FMA): the same bits, twice the width.
 */

static inline float score_reduce(v8sf s, float tail, float scale)
{
	v4sf h = __builtin_shufflevector(s, s, 0, 1, 2, 3) +
		 __builtin_shufflevector(s, s, 4, 5, 6, 7);

	return (((h[0] + h[2]) + (h[1] + h[3])) + tail) * scale;
}

static inline float score_one(const float *q, const float *kt, u32 hd, float scale)
{
	v8sf s = splat(0.0f);
	float tail = 0.0f;
	u32 i;

	for (i = 0; i + 8 <= hd; i += 8)
		s += load_v8sf(q + i) * load_v8sf(kt + i);
	for (; i < hd; i++)
		tail += q[i] * kt[i];
	return score_reduce(s, tail, scale);
}

/**
 * slmq_attn_scores_avx2() - out[t] = dot(q, k_t) * scale.
 * @q: query of one head, hd floats
 * @k: nt keys of hd floats, contiguous
 * @hd: head dimension
 * @nt: positions
 * @scale: 1/sqrt(hd)
 * @out: nt scores
 */
void slmq_attn_scores_avx2(const float *q, const float *k, u32 hd, u32 nt,
			   float scale, float *out)
{
	u32 t = 0, i;

	/*
	 * Four positions at a time: four independent add chains instead of
	 * one keep the adder busy (a head is only a few vectors long, so one
	 * chain is all latency).  Each position still sums in the same order.
	 */
	if (!(hd % 8)) {
		for (; t + 4 <= nt; t += 4) {
			const float *k0 = k + (u64)t * hd;
			v8sf s0 = splat(0.0f), s1 = s0, s2 = s0, s3 = s0;

			for (i = 0; i < hd; i += 8) {
				v8sf qi = load_v8sf(q + i);

				s0 += qi * load_v8sf(k0 + i);
				s1 += qi * load_v8sf(k0 + hd + i);
				s2 += qi * load_v8sf(k0 + 2 * hd + i);
				s3 += qi * load_v8sf(k0 + 3 * hd + i);
			}
			out[t] = score_reduce(s0, 0.0f, scale);
			out[t + 1] = score_reduce(s1, 0.0f, scale);
			out[t + 2] = score_reduce(s2, 0.0f, scale);
			out[t + 3] = score_reduce(s3, 0.0f, scale);
		}
	}
	for (; t < nt; t++)
		out[t] = score_one(q, k + (u64)t * hd, hd, scale);
}

/**
 * slmq_attn_wsum_avx2() - out[i] = sum over t of a[t] * v_t[i], t ascending.
 * @out: hd outputs
 * @a: nt weights
 * @v: nt value vectors of hd floats, contiguous
 * @hd: head dimension
 * @nt: positions
 */
void slmq_attn_wsum_avx2(float *out, const float *a, const float *v, u32 hd,
			 u32 nt)
{
	u32 i = 0, t;

	for (; i + 16 <= hd; i += 16) {
		v8sf s0 = splat(0.0f), s1 = splat(0.0f);

		for (t = 0; t < nt; t++) {
			const float *vt = v + (u64)t * hd + i;
			v8sf at = splat(a[t]);

			s0 += at * load_v8sf(vt);
			s1 += at * load_v8sf(vt + 8);
		}
		__builtin_memcpy(out + i, &s0, sizeof(s0));
		__builtin_memcpy(out + i + 8, &s1, sizeof(s1));
	}
	for (; i < hd; i++) {
		float s = 0.0f;

		for (t = 0; t < nt; t++)
			s += a[t] * v[(u64)t * hd + i];
		out[i] = s;
	}
}

/* Eight halves widened: vcvtph2ps is exact, as slmq_f16_to_f32() is. */
static inline v8sf load_h8(const u16 *p)
{
	return __builtin_ia32_vcvtph2ps256(load_v8hi(p));
}

static inline float score_one_f16(const float *q, const u16 *kt, u32 hd,
				  float scale)
{
	v8sf s = splat(0.0f);
	float tail = 0.0f;
	u32 i;

	for (i = 0; i + 8 <= hd; i += 8)
		s += load_v8sf(q + i) * load_h8(kt + i);
	for (; i < hd; i++)
		tail += q[i] * h2f(kt[i]);
	return score_reduce(s, tail, scale);
}

/**
 * slmq_attn_scores_f16_avx2() - out[t] = dot(q, k_t) * scale, keys in F16.
 * @q: query of one head, hd floats
 * @k: nt keys of hd halves, contiguous
 * @hd: head dimension
 * @nt: positions
 * @scale: 1/sqrt(hd)
 * @out: nt scores
 *
 * slmq_attn_scores_avx2() with each key widened where it loads a float.
 */
void slmq_attn_scores_f16_avx2(const float *q, const u16 *k, u32 hd, u32 nt,
			       float scale, float *out)
{
	u32 t = 0, i;

	if (!(hd % 8)) {
		for (; t + 4 <= nt; t += 4) {
			const u16 *k0 = k + (u64)t * hd;
			v8sf s0 = splat(0.0f), s1 = s0, s2 = s0, s3 = s0;

			for (i = 0; i < hd; i += 8) {
				v8sf qi = load_v8sf(q + i);

				s0 += qi * load_h8(k0 + i);
				s1 += qi * load_h8(k0 + hd + i);
				s2 += qi * load_h8(k0 + 2 * hd + i);
				s3 += qi * load_h8(k0 + 3 * hd + i);
			}
			out[t] = score_reduce(s0, 0.0f, scale);
			out[t + 1] = score_reduce(s1, 0.0f, scale);
			out[t + 2] = score_reduce(s2, 0.0f, scale);
			out[t + 3] = score_reduce(s3, 0.0f, scale);
		}
	}
	for (; t < nt; t++)
		out[t] = score_one_f16(q, k + (u64)t * hd, hd, scale);
}

/**
 * slmq_attn_wsum_f16_avx2() - out[i] = sum over t of a[t] * v_t[i], values in F16.
 * @out: hd outputs
 * @a: nt weights
 * @v: nt value vectors of hd halves, contiguous
 * @hd: head dimension
 * @nt: positions
 */
void slmq_attn_wsum_f16_avx2(float *out, const float *a, const u16 *v, u32 hd,
			     u32 nt)
{
	u32 i = 0, t;

	for (; i + 16 <= hd; i += 16) {
		v8sf s0 = splat(0.0f), s1 = splat(0.0f);

		for (t = 0; t < nt; t++) {
			const u16 *vt = v + (u64)t * hd + i;
			v8sf at = splat(a[t]);

			s0 += at * load_h8(vt);
			s1 += at * load_h8(vt + 8);
		}
		__builtin_memcpy(out + i, &s0, sizeof(s0));
		__builtin_memcpy(out + i + 8, &s1, sizeof(s1));
	}
	for (; i < hd; i++) {
		float s = 0.0f;

		for (t = 0; t < nt; t++)
			s += a[t] * h2f(v[(u64)t * hd + i]);
		out[i] = s;
	}
}

/*
 * vcvtps2ph's immediate 0: round to nearest even whatever MXCSR says (bit 2
 * clear), the rounding slmq_f32_to_f16() implements.
 */
#define SLMQ_F16C_RNE 0

/**
 * slmq_f32_to_f16_row_avx2() - n floats to halves, round to nearest even.
 * @y: n halves
 * @x: n floats
 * @n: count
 */
void slmq_f32_to_f16_row_avx2(u16 *y, const float *x, u32 n)
{
	u32 i = 0;

	for (; i + 8 <= n; i += 8) {
		v8hi h = __builtin_ia32_vcvtps2ph256(load_v8sf(x + i),
						     SLMQ_F16C_RNE);

		__builtin_memcpy(y + i, &h, sizeof(h));
	}
	for (; i < n; i++) {
		v4sf f = { x[i] };
		v8hi h = __builtin_ia32_vcvtps2ph(f, SLMQ_F16C_RNE);

		y[i] = (u16)h[0];
	}
}

typedef double v4df __attribute__((vector_size(32)));

/*
 * mathf.c's exp_pair() four lanes wide: the same double operations in the
 * same order (mul then add, no FMA), so each lane has slmq_expf()'s bits.
 * Valid for |x| <= 690, where 2^k needs no two-step scaling.
 */
static inline v4df exp_quad(v4df x)
{
	const v4df magic = { 6755399441055744.0, 6755399441055744.0,
			     6755399441055744.0, 6755399441055744.0 };
	v4df t = x * 1.44269504088896338700e+00 + magic;
	v4df n = t - magic;
	v4di k = (v4di)t - (v4di)magic;	/* t = magic + k exactly */
	v4df r = (x - n * 6.93147180369123816490e-01) -
		 n * 1.90821492927058770002e-10;
	v4df p;

	p = 1.0 + r * (1.0 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 +
	    r * (1.0 / 120 + r * (1.0 / 720 + r * (1.0 / 5040 +
	    r * (1.0 / 40320 + r * (1.0 / 362880 + r * (1.0 / 3628800 +
	    r * (1.0 / 39916800)))))))))));
	return p * (v4df)((k + 1023) << 52);
}

static inline bool quad_in_range(v4df x)
{
	v4di ok = (x >= -690.0) & (x <= 690.0);	/* false for NaN */

	return __builtin_ia32_movmskpd256((v4df)ok) == 0xf;
}

/**
 * slmq_expf_array_avx2() - slmq_expf_array() four lanes at a time.
 * @y: results (may be x)
 * @x: arguments
 * @n: count
 */
void slmq_expf_array_avx2(float *y, const float *x, u32 n)
{
	u32 i = 0;

	/* Two quads per step: the polynomial is one long chain, two hide it. */
	for (; i + 8 <= n; i += 8) {
		v4sf f0, f1;
		v4df v0, v1;

		__builtin_memcpy(&f0, x + i, sizeof(f0));
		__builtin_memcpy(&f1, x + i + 4, sizeof(f1));
		v0 = __builtin_convertvector(f0, v4df);
		v1 = __builtin_convertvector(f1, v4df);
		if (unlikely(!quad_in_range(v0) || !quad_in_range(v1)))
			break;
		f0 = __builtin_convertvector(exp_quad(v0), v4sf);
		f1 = __builtin_convertvector(exp_quad(v1), v4sf);
		__builtin_memcpy(y + i, &f0, sizeof(f0));
		__builtin_memcpy(y + i + 4, &f1, sizeof(f1));
	}
	for (; i + 4 <= n; i += 4) {
		v4sf f;
		v4df v;

		__builtin_memcpy(&f, x + i, sizeof(f));
		v = __builtin_convertvector(f, v4df);

		if (likely(quad_in_range(v))) {
			f = __builtin_convertvector(exp_quad(v), v4sf);
			__builtin_memcpy(y + i, &f, sizeof(f));
		} else {
			slmq_expf_array(y + i, x + i, 4);
		}
	}
	slmq_expf_array(y + i, x + i, n - i);
}

/*
 * One rows_*() per type and layout, each with its own inlined loop (the
 * type is a constant in rows_block()).  Only chosen by slmq_kernels_select()
 * on a CPU with AVX2, FMA and F16C.
 */
const struct slmq_kernels slmq_kernels_avx2 = {
	.name = "avx2",
	.needs = SLMQ_CPU_AVX2 | SLMQ_CPU_FMA | SLMQ_CPU_F16C,
	SLMQ_KERNEL_DOT_ROWS,
	SLMQ_KERNEL_GEMM_ROWS,
	.attn_scores = slmq_attn_scores_avx2,
	.attn_wsum = slmq_attn_wsum_avx2,
	.attn_scores_f16 = slmq_attn_scores_f16_avx2,
	.attn_wsum_f16 = slmq_attn_wsum_f16_avx2,
	.f32_to_f16_row = slmq_f32_to_f16_row_avx2,
	.expf_array = slmq_expf_array_avx2,
};
