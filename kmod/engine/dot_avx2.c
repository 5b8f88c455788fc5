// SPDX-License-Identifier: GPL-2.0
/*
 * AVX2 + FMA + F16C dot-product kernels (see dot.h), written with GCC vector
 * extensions and __builtin_ia32_* so the file builds in the kernel too (no
 * <immintrin.h> there).  Only called when the CPU has the features.
 *
 * Per block the integer work mirrors ggml's: 32 byte products summed in
 * pairs by vpmaddubsw (unsigned x signed, no saturation possible with these
 * ranges), then in fours by vpmaddwd, converted to float and scaled.
 *
 * The block kernels scale with a multiply and a separate add (no FMA) into
 * two 8-lane accumulators (even and odd blocks), and dot_generic.c computes
 * exactly the same lanes in the same order: both paths give the same bits.
 * That matters because the next layer quantizes the activation to int8
 * again, and a last-bit difference that flips one rounding there would
 * otherwise grow into visibly different logits.  The extra add costs
 * nothing measurable: these loops wait for memory.  F16/F32 rows use FMA
 * (their results feed no rounding cliff) and agree within a tolerance.
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

/* 16 bytes of nibbles -> 32 bytes: low nibbles first, then high (ggml order). */
static inline v32qu unpack_nibbles(const u8 *qs)
{
	v16qu q, lo, hi;

	__builtin_memcpy(&q, qs, sizeof(q));
	lo = q & 0x0f;
	hi = q >> 4;
	return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
				       10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
				       20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
				       30, 31);
}

/* Eight lanes of 4-product sums of unsigned a (<= 15 or |.| <= 128 via sign trick) and signed b. */
static inline v8sf mul_sum_u8s8(v32qu a, v32qs b)
{
	const v16hi ones = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	v16hi p16 = __builtin_ia32_pmaddubsw256((v32qi)a, (v32qi)b);
	v8si p32 = __builtin_ia32_pmaddwd256(p16, ones);

	return __builtin_ia32_cvtdq2ps256(p32);
}

/* Signed w times signed x: |w| times x with w's sign moved onto x. */
static inline v8sf mul_sum_s8s8(v32qs w, v32qs x)
{
	v32qu aw = (v32qu)__builtin_ia32_pabsb256((v32qi)w);
	v32qs sx = (v32qs)__builtin_ia32_psignb256((v32qi)x, (v32qi)w);

	return mul_sum_u8s8(aw, sx);
}

static inline v8sf fmadd(v8sf a, v8sf b, v8sf c)
{
	return __builtin_ia32_vfmaddps256(a, b, c);
}

/* acc + p * d, rounded twice (as dot_generic.c does it). */
static inline v8sf muladd(v8sf p, float d, v8sf acc)
{
	return acc + p * splat(d);
}

static float dot_q4_0(const struct slmq_block_q4_0 *w,
		      const struct slmq_block_q8a *x, u32 nb)
{
	v8sf acc0 = splat(0.0f), acc1 = splat(0.0f);
	u32 i = 0;

	for (; i + 2 <= nb; i += 2) {
		v32qs w0 = (v32qs)unpack_nibbles(w[i].qs) - 8;
		v32qs w1 = (v32qs)unpack_nibbles(w[i + 1].qs) - 8;
		v8sf p0 = mul_sum_s8s8(w0, load_v32qs(x[i].qs));
		v8sf p1 = mul_sum_s8s8(w1, load_v32qs(x[i + 1].qs));

		acc0 = muladd(p0, h2f(w[i].d) * x[i].d, acc0);
		acc1 = muladd(p1, h2f(w[i + 1].d) * x[i + 1].d, acc1);
	}
	for (; i < nb; i++) {
		v32qs w0 = (v32qs)unpack_nibbles(w[i].qs) - 8;
		v8sf p0 = mul_sum_s8s8(w0, load_v32qs(x[i].qs));

		acc0 = muladd(p0, h2f(w[i].d) * x[i].d, acc0);
	}
	return hsum(acc0 + acc1);
}

static float dot_q4_1(const struct slmq_block_q4_1 *w,
		      const struct slmq_block_q8a *x, u32 nb)
{
	v8sf acc0 = splat(0.0f), acc1 = splat(0.0f);
	float m0 = 0.0f, m1 = 0.0f;
	u32 i = 0;

	/* sum(d*q + m)*dx*qx = d*dx*sum(q*qx) + m*dx*sum(qx) */
	for (; i + 2 <= nb; i += 2) {
		v8sf p0 = mul_sum_u8s8(unpack_nibbles(w[i].qs), load_v32qs(x[i].qs));
		v8sf p1 = mul_sum_u8s8(unpack_nibbles(w[i + 1].qs),
				       load_v32qs(x[i + 1].qs));

		acc0 = muladd(p0, h2f(w[i].d) * x[i].d, acc0);
		acc1 = muladd(p1, h2f(w[i + 1].d) * x[i + 1].d, acc1);
		m0 += h2f(w[i].m) * (x[i].d * (float)x[i].sum);
		m1 += h2f(w[i + 1].m) * (x[i + 1].d * (float)x[i + 1].sum);
	}
	for (; i < nb; i++) {
		v8sf p0 = mul_sum_u8s8(unpack_nibbles(w[i].qs), load_v32qs(x[i].qs));

		acc0 = muladd(p0, h2f(w[i].d) * x[i].d, acc0);
		m0 += h2f(w[i].m) * (x[i].d * (float)x[i].sum);
	}
	return hsum(acc0 + acc1) + (m0 + m1);
}

static float dot_q8_0(const struct slmq_block_q8_0 *w,
		      const struct slmq_block_q8a *x, u32 nb)
{
	v8sf acc0 = splat(0.0f), acc1 = splat(0.0f);
	u32 i = 0;

	for (; i + 2 <= nb; i += 2) {
		v8sf p0 = mul_sum_s8s8(load_v32qs(w[i].qs), load_v32qs(x[i].qs));
		v8sf p1 = mul_sum_s8s8(load_v32qs(w[i + 1].qs),
				       load_v32qs(x[i + 1].qs));

		acc0 = muladd(p0, h2f(w[i].d) * x[i].d, acc0);
		acc1 = muladd(p1, h2f(w[i + 1].d) * x[i + 1].d, acc1);
	}
	for (; i < nb; i++) {
		v8sf p0 = mul_sum_s8s8(load_v32qs(w[i].qs), load_v32qs(x[i].qs));

		acc0 = muladd(p0, h2f(w[i].d) * x[i].d, acc0);
	}
	return hsum(acc0 + acc1);
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
 * @xq: q8a activation (block types)
 * @y: outputs, indexed by row
 * @r0: first row
 * @r1: one past the last row
 */
void slmq_dot_rows_avx2(u32 type, const void *w, u64 row_bytes, u32 n,
			const float *x, const struct slmq_block_q8a *xq,
			float *y, u32 r0, u32 r1)
{
	const u8 *base = w;
	u32 r, nb = n / SLMQ_QK;

	/* the switch is outside the row loop so each loop inlines its kernel */
	switch (type) {
	case SLMQ_TYPE_Q4_0:
		for (r = r0; r < r1; r++)
			y[r] = dot_q4_0((const void *)(base + (u64)r * row_bytes), xq, nb);
		break;
	case SLMQ_TYPE_Q4_1:
		for (r = r0; r < r1; r++)
			y[r] = dot_q4_1((const void *)(base + (u64)r * row_bytes), xq, nb);
		break;
	case SLMQ_TYPE_Q8_0:
		for (r = r0; r < r1; r++)
			y[r] = dot_q8_0((const void *)(base + (u64)r * row_bytes), xq, nb);
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
