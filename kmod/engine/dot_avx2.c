// SPDX-License-Identifier: GPL-2.0
/*
 * AVX2 + FMA + F16C dot-product kernels (see dot.h), written with GCC vector
 * extensions and __builtin_ia32_* so the file builds in the kernel too (no
 * <immintrin.h> there).  Only called when the CPU has the features.
 *
 * Block formats, per group of eight blocks: each block's 32 byte products
 * are summed in pairs by vpmaddubsw (unsigned x signed; no saturation with
 * these ranges) and in fours by vpmaddwd, eight blocks' lanes are reduced to
 * one exact integer per block (vphaddd), and the group is scaled with one
 * vector of eight block scales (dw * dx, converted from eight halves at
 * once) into one 8-lane accumulator, lane b % 8 for block b.  The per-block
 * float work is thus an eighth of a per-block scale-and-add loop's.
 *
 * The 4-bit formats go by pairs of blocks: the two blocks' 16 nibble bytes
 * side by side in one register, one mask for the low nibbles and one
 * shift+mask for the high ones, multiplied with the activation in its pair
 * layout (struct slmq_act.qp), low and high products added as 16-bit sums.
 * A group's totals then come out as blocks 0,2,4,6,1,3,5,7; scales, sums
 * and dot_generic.c's lanes follow that order.  Q4_0 multiplies the raw
 * nibbles (0..15) and subtracts 8 * sum(x) per block afterwards (an exact
 * integer identity), which saves the sign tricks.
 *
 * The scaling is a multiply and a separate add (no FMA), and dot_generic.c
 * computes exactly the same integers and the same float operations in the
 * same order: both paths give the same bits.  That matters because the next
 * layer quantizes the activation to int8 again, and a last-bit difference
 * that flips one rounding there would otherwise grow into visibly different
 * logits.  F16/F32 rows use FMA (nothing downstream of them amplifies a last
 * bit) and agree within a tolerance.
 */
#include "compat.h"
#include "dot.h"

typedef float v8sf __attribute__((vector_size(32)));
typedef float v4sf __attribute__((vector_size(16)));
typedef int v8si __attribute__((vector_size(32)));
typedef short v16hi __attribute__((vector_size(32)));
typedef short v8hi __attribute__((vector_size(16)));
typedef char v32qi __attribute__((vector_size(32)));	/* builtin operand type */
typedef signed char v32qs __attribute__((vector_size(32)));
typedef unsigned char v32qu __attribute__((vector_size(32)));
typedef unsigned char v16qu __attribute__((vector_size(16)));
typedef long long v2di __attribute__((vector_size(16)));
typedef long long v4di __attribute__((vector_size(32)));
typedef int v4si __attribute__((vector_size(16)));
typedef u64 v2du __attribute__((vector_size(16)));

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

static inline v8sf splat(float s)
{
	return (v8sf){ s, s, s, s, s, s, s, s };
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

/* Eight vectors of lane sums -> one vector of their totals, tk in lane k. */
static inline v8si reduce8(v8si t0, v8si t1, v8si t2, v8si t3, v8si t4,
			   v8si t5, v8si t6, v8si t7)
{
	v8si a = __builtin_ia32_phaddd256(t0, t1);
	v8si b = __builtin_ia32_phaddd256(t2, t3);
	v8si c = __builtin_ia32_phaddd256(t4, t5);
	v8si d = __builtin_ia32_phaddd256(t6, t7);
	v8si u0 = __builtin_ia32_phaddd256(a, b);	/* t0..t3: low | high halves */
	v8si u1 = __builtin_ia32_phaddd256(c, d);	/* t4..t7 */
	v8si lo = __builtin_shufflevector(u0, u1, 0, 1, 2, 3, 8, 9, 10, 11);
	v8si hi = __builtin_shufflevector(u0, u1, 4, 5, 6, 7, 12, 13, 14, 15);

	return lo + hi;
}

static inline u64 half_at(const u8 *p)
{
	u16 h;

	__builtin_memcpy(&h, p, 2);
	return h;
}

/*
 * Eight halves at a stride (block scales) -> floats, the first cnt of them
 * (the rest 0).  Assembled in general registers: byte stores followed by a
 * vector load would stall on store forwarding.
 */
static inline v8sf halves8(const u8 *p, u64 stride, u32 cnt)
{
	v2du w = { 0, 0 };
	v8hi v;
	u32 k;

	if (cnt == 8) {
		w[0] = half_at(p) | half_at(p + stride) << 16 |
		       half_at(p + 2 * stride) << 32 | half_at(p + 3 * stride) << 48;
		p += 4 * stride;
		w[1] = half_at(p) | half_at(p + stride) << 16 |
		       half_at(p + 2 * stride) << 32 | half_at(p + 3 * stride) << 48;
	} else {
		for (k = 0; k < cnt; k++)
			w[k / 4] |= half_at(p + k * stride) << (16 * (k % 4));
	}
	v = (v8hi)w;
	return __builtin_ia32_vcvtph2ps256(v);
}

/* Integer lane sums of one Q8_0 block (b: the block, xq: its 32 activations). */
static inline v8si q8_lanes(const u8 *b, const s8 *xq)
{
	return mul_sum_s8s8(load_v32qs((const s8 *)b + 2), load_v32qs(xq));
}

/*
 * Integer sums of two nibble blocks at b and b + bs (quants at offset off),
 * as 16-bit lanes: 0..7 belong to the first block, 8..15 to the second.
 * Each lane holds four products, at most 4 * 15 * 127 = 7620.
 */
static inline v16hi q4_pair_lanes(const u8 *b, u64 bs, u64 off, const s8 *xp)
{
	v2di q0, q1;
	v4di both;
	v32qu lo, hi;

	__builtin_memcpy(&q0, b + off, 16);
	__builtin_memcpy(&q1, b + bs + off, 16);
	both = (v4di)__builtin_ia32_si256_si((v4si)q0);
	both = __builtin_ia32_insert128i256(both, q1, 1);
	lo = (v32qu)both & 0x0f;
	hi = (v32qu)((v16hi)both >> 4) & 0x0f;
	return __builtin_ia32_pmaddubsw256((v32qi)lo, (v32qi)load_v32qs(xp)) +
	       __builtin_ia32_pmaddubsw256((v32qi)hi, (v32qi)load_v32qs(xp + 32));
}

/*
 * Four pairs' 16-bit lanes -> totals of blocks 0,2,4,6,1,3,5,7: one 16-bit
 * horizontal add per two pairs (sums <= 15240, no overflow), widening
 * multiply-adds, one 32-bit horizontal add.
 */
static inline v8si reduce_pairs(v16hi p01, v16hi p23, v16hi p45, v16hi p67)
{
	const v16hi ones = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	v8si x = __builtin_ia32_pmaddwd256(__builtin_ia32_phaddw256(p01, p23), ones);
	v8si y = __builtin_ia32_pmaddwd256(__builtin_ia32_phaddw256(p45, p67), ones);

	return __builtin_ia32_phaddd256(x, y);
}

static inline v8sf perm_0246_1357(v8sf v)
{
	return __builtin_shufflevector(v, v, 0, 2, 4, 6, 1, 3, 5, 7);
}

static inline v8si perm_0246_1357_i(v8si v)
{
	return __builtin_shufflevector(v, v, 0, 2, 4, 6, 1, 3, 5, 7);
}

/* The halves of blocks 0,2,4,6,1,3,5,7 of a full group. */
static inline v8sf halves8_q4(const u8 *p, u64 stride)
{
	v8hi v;
	v2du w;

	w[0] = half_at(p) | half_at(p + 2 * stride) << 16 |
	       half_at(p + 4 * stride) << 32 | half_at(p + 6 * stride) << 48;
	p += stride;
	w[1] = half_at(p) | half_at(p + 2 * stride) << 16 |
	       half_at(p + 4 * stride) << 32 | half_at(p + 6 * stride) << 48;
	v = (v8hi)w;
	return __builtin_ia32_vcvtph2ps256(v);
}

/*
 * hsum() of two accumulators at once, the same additions in the same order
 * as two hsum() calls: ((v0+v4) + (v1+v5)) + ((v2+v6) + (v3+v7)).
 */
static inline void hsum2(v8sf a, v8sf b, float *ra, float *rb)
{
	v8sf lo = __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11);
	v8sf hi = __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
	v8sf s = lo + hi;	/* a: v0+v4 .. v3+v7 | b: the same */
	v8sf t = s + __builtin_shufflevector(s, s, 1, 0, 3, 2, 5, 4, 7, 6);
	v8sf u = t + __builtin_shufflevector(t, t, 2, 3, 0, 1, 6, 7, 4, 5);

	*ra = u[0];
	*rb = u[4];
}

/* A last, partial group copied into zeroed storage (see q4_group_acc()). */
static inline const u8 *q4_group(const u8 *b, u32 left, u64 bs, u8 *tail)
{
	if (likely(left >= 8))
		return b;
	__builtin_memset(tail, 0, 8 * 20);
	__builtin_memcpy(tail, b, left * bs);
	return tail;
}

/* The same as q4_pair_lanes() for a G8 row: the pair's quants are 32 bytes in a row. */
static inline v16hi q4_pair_lanes_g8(const u8 *q, const s8 *xp)
{
	v32qu both, lo, hi;

	__builtin_memcpy(&both, q, sizeof(both));
	lo = both & 0x0f;
	hi = (v32qu)((v16hi)both >> 4) & 0x0f;
	return __builtin_ia32_pmaddubsw256((v32qi)lo, (v32qi)load_v32qs(xp)) +
	       __builtin_ia32_pmaddubsw256((v32qi)hi, (v32qi)load_v32qs(xp + 32));
}

static inline v8sf halves8_g8(const u8 *p)
{
	v8hi v;

	__builtin_memcpy(&v, p, sizeof(v));
	return __builtin_ia32_vcvtph2ps256(v);
}

/* The activation's part of one group, shared by the rows. */
struct q4_xgroup {
	const s8 *xp;
	v8si sum;	/* block sums, lane order 0,2,4,6,1,3,5,7 */
	v8sf dx;	/* activation scales, same order */
	v8sf dxs;	/* dx * sum (Q4_1) */
};

/*
 * One group of one row into acc (and macc for Q4_1).  g: the group's bytes,
 * left: blocks from here to the row's end.  A G8 row's full groups are read
 * in their packed form; anything else in ggml's, a last partial group
 * copied into a zeroed buffer first: the missing blocks then have zero
 * weights and scales (the activation's padding is zero too), exactly the
 * zero terms dot_generic.c adds.
 */
static __always_inline void q4_group_acc(bool asym, bool g8, const u8 *g,
					 u32 left, const struct q4_xgroup *x,
					 u8 *tail, v8sf *acc, v8sf *macc)
{
	const u64 bs = asym ? 20 : 18, off = asym ? 4 : 2;
	v8sf dw, mw = splat(0.0f);
	v8si tot;

	if (g8 && likely(left >= 8)) {
		const u8 *q = g + 8 * off;

		tot = reduce_pairs(q4_pair_lanes_g8(q, x->xp),
				   q4_pair_lanes_g8(q + 32, x->xp + 64),
				   q4_pair_lanes_g8(q + 64, x->xp + 128),
				   q4_pair_lanes_g8(q + 96, x->xp + 192));
		dw = halves8_g8(g);
		if (asym)
			mw = halves8_g8(g + 16);
	} else {
		g = q4_group(g, left, bs, tail);
		tot = reduce_pairs(q4_pair_lanes(g, bs, off, x->xp),
				   q4_pair_lanes(g + 2 * bs, bs, off, x->xp + 64),
				   q4_pair_lanes(g + 4 * bs, bs, off, x->xp + 128),
				   q4_pair_lanes(g + 6 * bs, bs, off, x->xp + 192));
		dw = halves8_q4(g, bs);
		if (asym)
			mw = halves8_q4(g + 2, bs);
	}
	if (!asym)	/* sum((q-8)*x) = sum(q*x) - 8*sum(x) */
		tot -= x->sum * 8;
	*acc = *acc + __builtin_ia32_cvtdq2ps256(tot) * (dw * x->dx);
	if (asym)	/* + m * dx * sum(x) */
		*macc = *macc + mw * x->dxs;
}

/*
 * Two rows of Q4_0 (asym false) or Q4_1 (asym true), in ggml's or the G8
 * layout, sharing the activation's per-group work.  always_inline with
 * constant flags: each variant gets its own loop.  With rb == NULL only
 * row a is computed.
 */
static __always_inline void dot_q4(bool asym, bool g8, const u8 *ra,
				   const u8 *rb, const struct slmq_act *xa,
				   float *ya, float *yb)
{
	const u64 bs = asym ? 20 : 18;
	v8sf acc_a = splat(0.0f), acc_b = splat(0.0f);
	v8sf macc_a = splat(0.0f), macc_b = splat(0.0f);
	u8 tail_a[8 * 20], tail_b[8 * 20];
	struct q4_xgroup x;
	u32 i, nb = xa->nb;

	for (i = 0; i < nb; i += 8) {
		x.xp = xa->qp + (u64)i * SLMQ_QK;
		x.dx = perm_0246_1357(load_v8sf(xa->d + i));
		x.sum = perm_0246_1357_i(load_v8si(xa->sum + i));
		x.dxs = asym ? x.dx * __builtin_ia32_cvtdq2ps256(x.sum) : splat(0.0f);
		q4_group_acc(asym, g8, ra + (u64)i * bs, nb - i, &x, tail_a,
			     &acc_a, &macc_a);
		if (rb)
			q4_group_acc(asym, g8, rb + (u64)i * bs, nb - i, &x, tail_b,
				     &acc_b, &macc_b);
	}
	if (!rb) {
		*ya = asym ? hsum(acc_a) + hsum(macc_a) : hsum(acc_a);
		return;
	}
	hsum2(acc_a, acc_b, ya, yb);
	if (asym) {
		float ma, mb;

		hsum2(macc_a, macc_b, &ma, &mb);
		*ya += ma;
		*yb += mb;
	}
}

/*
 * All rows of a 4-bit matrix: two at a time in ggml's layout (sharing the
 * scale gathers' neighbours' work pays there), one at a time in G8, where
 * the kernel is light enough that a single sequential stream through memory
 * is faster than two interleaved ones.
 */
static __always_inline void
rows_q4(bool asym, bool g8, const u8 *base, u64 row_bytes,
	const struct slmq_act *xa, float *y, u32 r0, u32 r1)
{
	u32 r = r0;

	for (; g8 && r < r1; r++)
		dot_q4(asym, g8, base + (u64)r * row_bytes, NULL, xa, &y[r], NULL);
	for (; r + 2 <= r1; r += 2)
		dot_q4(asym, g8, base + (u64)r * row_bytes,
		       base + (u64)(r + 1) * row_bytes, xa, &y[r], &y[r + 1]);
	if (r < r1)
		dot_q4(asym, g8, base + (u64)r * row_bytes, NULL, xa, &y[r], NULL);
}

/* One row of Q8_0: blocks in natural lane order. */
static float dot_q8_0(const u8 *row, const struct slmq_act *xa)
{
	const u64 bs = 34;
	v8sf acc = splat(0.0f);
	u32 i, k, nb = xa->nb;

	for (i = 0; i < nb; i += 8) {
		u32 cnt = nb - i < 8 ? nb - i : 8;
		const u8 *b = row + (u64)i * bs;
		const s8 *xq = xa->qs + (u64)i * SLMQ_QK;
		v8si tot;

		if (likely(cnt == 8)) {
			tot = reduce8(q8_lanes(b, xq), q8_lanes(b + bs, xq + 32),
				      q8_lanes(b + 2 * bs, xq + 64),
				      q8_lanes(b + 3 * bs, xq + 96),
				      q8_lanes(b + 4 * bs, xq + 128),
				      q8_lanes(b + 5 * bs, xq + 160),
				      q8_lanes(b + 6 * bs, xq + 192),
				      q8_lanes(b + 7 * bs, xq + 224));
		} else {
			v8si t[8];

			for (k = 0; k < 8; k++)
				t[k] = k < cnt ? q8_lanes(b + k * bs, xq + 32 * k) :
						 (v8si){ 0 };
			tot = reduce8(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
		}
		acc = acc + __builtin_ia32_cvtdq2ps256(tot) *
			    (halves8(b, bs, cnt) * load_v8sf(xa->d + i));
	}
	return hsum(acc);
}

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

/**
 * slmq_dot_rows_avx2() - AVX2 row dot products (see dot.h).
 * @type: weight type
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
	const u8 *base = w;
	u32 r;

	/* the switch is outside the row loop so each loop inlines its kernel */
	switch (type) {
	case SLMQ_TYPE_Q4_0:
		rows_q4(false, false, base, row_bytes, xa, y, r0, r1);
		break;
	case SLMQ_TYPE_Q4_0 | SLMQ_DOT_G8:
		rows_q4(false, true, base, row_bytes, xa, y, r0, r1);
		break;
	case SLMQ_TYPE_Q4_1:
		rows_q4(true, false, base, row_bytes, xa, y, r0, r1);
		break;
	case SLMQ_TYPE_Q4_1 | SLMQ_DOT_G8:
		rows_q4(true, true, base, row_bytes, xa, y, r0, r1);
		break;
	case SLMQ_TYPE_Q8_0:
		for (r = r0; r < r1; r++)
			y[r] = dot_q8_0(base + (u64)r * row_bytes, xa);
		break;
	case SLMQ_TYPE_F16:
		for (r = r0; r < r1; r++)
			y[r] = dot_f16((const void *)(base + (u64)r * row_bytes), x, n);
		break;
	default:
		for (r = r0; r < r1; r++)
			y[r] = dot_f32((const void *)(base + (u64)r * row_bytes), x, n);
		break;
	}
}

/*
 * Attention's inner loops, the same additions in the same order as
 * dot_generic.c's 4-wide versions (no FMA): the same bits, twice the width.
 */

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
	u32 t, i;

	for (t = 0; t < nt; t++) {
		const float *kt = k + (u64)t * hd;
		v8sf s = splat(0.0f);
		float tail = 0.0f;
		v4sf h;

		for (i = 0; i + 8 <= hd; i += 8)
			s += load_v8sf(q + i) * load_v8sf(kt + i);
		for (; i < hd; i++)
			tail += q[i] * kt[i];
		h = __builtin_shufflevector(s, s, 0, 1, 2, 3) +
		    __builtin_shufflevector(s, s, 4, 5, 6, 7);
		out[t] = (((h[0] + h[2]) + (h[1] + h[3])) + tail) * scale;
	}
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
