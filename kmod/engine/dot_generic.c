// SPDX-License-Identifier: GPL-2.0
/*
 * Portable dot-product kernels (see dot.h).  The integer part of each block
 * is exact; the float part accumulates block after block in order.
 */
#include "compat.h"
#include "dot.h"
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
	a->qp = a->qs + (u64)g * SLMQ_QK;
}

/* Copy of block b's values into the pair layout (see struct slmq_act). */
static void pair_layout(struct slmq_act *a, u32 b, const s8 *q)
{
	s8 *p = a->qp + (u64)(b / 2) * 2 * SLMQ_QK + (b % 2) * (SLMQ_QK / 2);

	memcpy(p, q, SLMQ_QK / 2);
	memcpy(p + SLMQ_QK, q + SLMQ_QK / 2, SLMQ_QK / 2);
}

typedef float v4sf __attribute__((vector_size(16)));
typedef int v4si __attribute__((vector_size(16)));

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
	u32 i, j, g;

	a->n = n;
	a->nb = n / SLMQ_QK;
	for (i = 0; i < a->nb; i++, x += SLMQ_QK) {
		s8 *q = a->qs + (u64)i * SLMQ_QK;
		float amax = block_amax(x), id;
		v4si vsum = { 0 };
		v4sf vid;

		a->d[i] = amax / 127;
		id = amax != 0.0f ? 127 / amax : 0.0f;
		vid = (v4sf){ id, id, id, id };
		for (j = 0; j < SLMQ_QK; j += 4) {
			v4si v = __builtin_convertvector((ld4(x + j) * vid + magic) - magic,
							 v4si);

			q[j] = (s8)v[0];
			q[j + 1] = (s8)v[1];
			q[j + 2] = (s8)v[2];
			q[j + 3] = (s8)v[3];
			vsum += v;
		}
		a->sum[i] = (vsum[0] + vsum[1]) + (vsum[2] + vsum[3]);
		pair_layout(a, i, q);
	}
	for (g = slmq_act_groups8(a->nb); i < g; i++) {
		static const s8 zero[SLMQ_QK];

		a->d[i] = 0.0f;
		a->sum[i] = 0;
		pair_layout(a, i, zero);
	}
}

/*
 * The block kernels compute exactly what dot_avx2.c computes: per block the
 * exact integer dot product t, then acc[lane] += (float)t * (dw * dx) over
 * the blocks padded to a multiple of 8 (padding adds 0 * 0), then a fixed
 * reduction of the eight partial sums.  So the generic and the AVX2 path
 * give the same bits (see dot_avx2.c for why that matters).  The lane of
 * block b is b % 8 for Q8_0; the 4-bit kernels work on block pairs and end
 * with blocks 0,2,4,6,1,3,5,7 of each group in lanes 0..7 (q4_lane()).
 */
static inline u32 q4_lane(u32 b)
{
	return (b % 2) * 4 + (b % 8) / 2;
}

/* Where block i's scale, min and quants are in a Q4 row (ggml or G8 layout). */
struct q4_block {
	const u8 *d, *m, *qs;
};

static inline struct q4_block q4_at(const u8 *row, bool asym, bool g8, u32 nb,
				    u32 i)
{
	u32 bs = asym ? 20 : 18, hdr = asym ? 4 : 2;
	struct q4_block r;

	if (g8 && i < nb / 8 * 8) {
		const u8 *g = row + (u64)(i / 8) * 8 * bs;
		u32 k = i % 8;

		r.d = g + 2 * q4_lane(k);
		r.m = g + 16 + 2 * q4_lane(k);
		r.qs = g + 8 * hdr + 16 * k;
	} else {
		r.d = row + (u64)i * bs;
		r.m = r.d + 2;
		r.qs = r.d + hdr;
	}
	return r;
}

static inline float half_at(const u8 *p)
{
	u16 h;

	memcpy(&h, p, 2);
	return slmq_f16_to_f32(h);
}

/**
 * slmq_g8_block() - one block of a G8-layout row in ggml's layout.
 * @type: SLMQ_TYPE_Q4_0 or SLMQ_TYPE_Q4_1
 * @row: the row
 * @nb: blocks in the row
 * @b: block index
 * @blk: 18 or 20 bytes out
 */
void slmq_g8_block(u32 type, const void *row, u32 nb, u32 b, void *blk)
{
	bool asym = type == SLMQ_TYPE_Q4_1;
	struct q4_block q = q4_at(row, asym, true, nb, b);
	u8 *o = blk;

	memcpy(o, q.d, 2);
	if (asym)
		memcpy(o + 2, q.m, 2);
	memcpy(o + (asym ? 4 : 2), q.qs, 16);
}

static inline float sum8(const float *a)
{
	return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}

/* Weight j of a nibble block: low nibbles are 0..15, high nibbles 16..31. */
static inline s32 nibble(const u8 *qs, u32 j)
{
	return j < SLMQ_QK / 2 ? qs[j] & 0x0f : qs[j - SLMQ_QK / 2] >> 4;
}

static float dot_q4_0(const u8 *row, bool g8, const struct slmq_act *xa)
{
	u32 i, j, g = slmq_act_groups8(xa->nb);
	float acc[8] = { 0 };

	for (i = 0; i < g; i++) {
		const s8 *xq = xa->qs + (u64)i * SLMQ_QK;
		float dw = 0.0f;
		s32 t = 0;

		if (i < xa->nb) {
			struct q4_block b = q4_at(row, false, g8, xa->nb, i);

			for (j = 0; j < SLMQ_QK; j++)
				t += (nibble(b.qs, j) - 8) * xq[j];
			dw = half_at(b.d);
		}
		acc[q4_lane(i)] = acc[q4_lane(i)] + (float)t * (dw * xa->d[i]);
	}
	return sum8(acc);
}

static float dot_q4_1(const u8 *row, bool g8, const struct slmq_act *xa)
{
	u32 i, j, g = slmq_act_groups8(xa->nb);
	float acc[8] = { 0 }, macc[8] = { 0 };

	for (i = 0; i < g; i++) {
		const s8 *xq = xa->qs + (u64)i * SLMQ_QK;
		float dw = 0.0f, mw = 0.0f;
		s32 t = 0;

		if (i < xa->nb) {
			struct q4_block b = q4_at(row, true, g8, xa->nb, i);

			for (j = 0; j < SLMQ_QK; j++)
				t += nibble(b.qs, j) * xq[j];
			dw = half_at(b.d);
			mw = half_at(b.m);
		}
		/* sum(d*q + m)*dx*qx = d*dx*sum(q*qx) + m*dx*sum(qx) */
		acc[q4_lane(i)] = acc[q4_lane(i)] + (float)t * (dw * xa->d[i]);
		macc[q4_lane(i)] = macc[q4_lane(i)] +
				   mw * (xa->d[i] * (float)xa->sum[i]);
	}
	return sum8(acc) + sum8(macc);
}

static float dot_q8_0(const struct slmq_block_q8_0 *w, const struct slmq_act *xa)
{
	u32 i, j, g = slmq_act_groups8(xa->nb);
	float acc[8] = { 0 };

	for (i = 0; i < g; i++) {
		const s8 *xq = xa->qs + (u64)i * SLMQ_QK;
		float dw = 0.0f;
		s32 t = 0;

		if (i < xa->nb) {
			for (j = 0; j < SLMQ_QK; j++)
				t += w[i].qs[j] * xq[j];
			dw = slmq_f16_to_f32(w[i].d);
		}
		acc[i % 8] = acc[i % 8] + (float)t * (dw * xa->d[i]);
	}
	return sum8(acc);
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
 * @xa: int8 activation (block types)
 * @y: outputs, indexed by row
 * @r0: first row
 * @r1: one past the last row
 */
void slmq_dot_rows_generic(u32 type, const void *w, u64 row_bytes, u32 n,
			   const float *x, const struct slmq_act *xa,
			   float *y, u32 r0, u32 r1)
{
	const u8 *base = w;
	u32 r;

	for (r = r0; r < r1; r++) {
		const void *row = base + (u64)r * row_bytes;

		switch (type) {
		case SLMQ_TYPE_Q4_0:
		case SLMQ_TYPE_Q4_0 | SLMQ_DOT_G8:
			y[r] = dot_q4_0(row, type & SLMQ_DOT_G8, xa);
			break;
		case SLMQ_TYPE_Q4_1:
		case SLMQ_TYPE_Q4_1 | SLMQ_DOT_G8:
			y[r] = dot_q4_1(row, type & SLMQ_DOT_G8, xa);
			break;
		case SLMQ_TYPE_Q8_0:
			y[r] = dot_q8_0(row, xa);
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
