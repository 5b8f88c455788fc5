/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vector types and small helpers that the AVX2 kernels (dot_avx2.c) and
 * the VNNI kernels (dot_vnni.h) share: one copy, so the loads and the
 * reduction whose order the same-bits promise rests on are the same code.
 * Only for files built with SLMQ_ENGINE_AVX2_FLAGS.
 */
#ifndef SLMQ_AVX2_VEC_H
#define SLMQ_AVX2_VEC_H

#include "compat.h"

typedef float v8sf __attribute__((vector_size(32)));
typedef int v8si __attribute__((vector_size(32)));
typedef short v8hi __attribute__((vector_size(16)));
typedef signed char v32qs __attribute__((vector_size(32)));
typedef unsigned char v32qu __attribute__((vector_size(32)));
typedef long long v2di __attribute__((vector_size(16)));
typedef u64 v2du __attribute__((vector_size(16)));

static inline v8sf splat(float s)
{
	return (v8sf){ s, s, s, s, s, s, s, s };
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
 * The halves at p[k] + off, k = 0..7, as floats.  Assembled in general
 * registers: byte stores followed by a vector load would stall on store
 * forwarding.
 */
static inline v8sf halves_at(const u8 *const p[8], u64 off)
{
	v2du w;

	w[0] = half_at(p[0] + off) | half_at(p[1] + off) << 16 |
	       half_at(p[2] + off) << 32 | half_at(p[3] + off) << 48;
	w[1] = half_at(p[4] + off) | half_at(p[5] + off) << 16 |
	       half_at(p[6] + off) << 32 | half_at(p[7] + off) << 48;
	return __builtin_ia32_vcvtph2ps256((v8hi)w);
}

/* Eight consecutive halves as floats. */
static inline v8sf halves8(const u8 *p)
{
	v8hi v;

	__builtin_memcpy(&v, p, sizeof(v));
	return __builtin_ia32_vcvtph2ps256(v);
}

#endif /* SLMQ_AVX2_VEC_H */
