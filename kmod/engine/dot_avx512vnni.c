// SPDX-License-Identifier: GPL-2.0
/*
 * AVX-512 VNNI block kernels (dot.h): vpdpbusd on 512-bit vectors for the
 * integer work, the float part on 256-bit ones.  The block loop and its
 * float part are dot_vnni.h's (the same operations as dot_avx2.c and
 * dot_generic.c, so the same bits); here only the integer totals of 8 rows
 * per block.
 *
 * Why 512 bits for the integers: a block of 8 rows is 256 bytes of Q8_0
 * quants or 128 of Q4, so four or two zmm registers hold it, and what costs
 * on 256-bit vectors is not the products (one vpdpbusd each) but the
 * horizontal reduction of 8 rows' lanes to 8 totals.  With two rows per
 * register (Q8_0) or four (Q4) the reduction is three or two in-lane
 * shuffle-add steps over full registers and one cross-lane step: about
 * half the instructions of the 256-bit tree (dot_avxvnni.c's, which the
 * EVEX test build also measures; Documentation/engine.md has the figures).
 * The float part stays 8 rows wide: it is per row, identical in every path,
 * and a tenth of the work.
 *
 * Q8_0: weights offset by 128 (w ^ 0x80), rows (2i, 2i+1) in register i,
 * the activation block in both halves.  Q4: rows 0,4,1,5 and 2,6,3,7 (the
 * G8 slot order) one per 128-bit lane, low and high nibbles each one
 * vpdpbusd with the activation's halves broadcast to every lane.
 *
 * Built with -mavx512f -mavx512bw -mavx512vl -mavx512vnni (and AVX2, FMA,
 * F16C for the rest).
 */
#include "dot_vnni.h"

typedef int v16si __attribute__((vector_size(64)));
typedef unsigned char v64qu __attribute__((vector_size(64)));

static inline v16si zero16(void)
{
	return (v16si){ 0 };
}

static inline v16si load64(const void *p)
{
	v16si v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* Two 32-byte runs in one register. */
static inline v16si join32(const void *a, const void *b)
{
	v8si x = (v8si)vnni_load32(a), y = (v8si)vnni_load32(b);

	return __builtin_shufflevector(x, y, 0, 1, 2, 3, 4, 5, 6, 7,
				       8, 9, 10, 11, 12, 13, 14, 15);
}

/* Four 16-byte runs in one register. */
static inline v16si join16x4(const u8 *a, const u8 *b, const u8 *c, const u8 *d)
{
	v2di ab0 = vnni_load16(a), ab1 = vnni_load16(b);
	v2di cd0 = vnni_load16(c), cd1 = vnni_load16(d);
	v8si ab = (v8si)__builtin_shufflevector(ab0, ab1, 0, 1, 2, 3);
	v8si cd = (v8si)__builtin_shufflevector(cd0, cd1, 0, 1, 2, 3);

	return __builtin_shufflevector(ab, cd, 0, 1, 2, 3, 4, 5, 6, 7,
				       8, 9, 10, 11, 12, 13, 14, 15);
}

typedef float v16sf __attribute__((vector_size(64)));

/*
 * Per 128-bit lane: a0+a1, a2+a3, b0+b1, b2+b3 (vphaddd, 512 bits wide).
 * The selections are written on floats so that they become two in-lane
 * vshufps (integer selections become cross-lane vpermt2d, slower).
 */
static inline v16si hadd(v16si a, v16si b)
{
	v16sf fa = (v16sf)a, fb = (v16sf)b;

	return (v16si)__builtin_shufflevector(fa, fb, 0, 2, 16, 18, 4, 6, 20, 22,
					      8, 10, 24, 26, 12, 14, 28, 30) +
	       (v16si)__builtin_shufflevector(fa, fb, 1, 3, 17, 19, 5, 7, 21, 23,
					      9, 11, 25, 27, 13, 15, 29, 31);
}

/* (w + 128) * x of two rows summed in fours: w ^ 0x80 is w + 128 unsigned. */
static inline v16si q8_pair(v16si w, v16si x)
{
	return vnni_dpbusd512(zero16(), (v16si)((v64qu)w ^ 0x80), x);
}

/* Rows 2i and 2i+1 of the 8 (written out: -O2 would not unroll a loop). */
static inline v16si q8_rows(bool g8, const u8 *q, const u8 *const rp[8],
			    u64 qo, u32 i)
{
	return g8 ? load64(q + 64 * i) : join32(rp[2 * i] + qo, rp[2 * i + 1] + qo);
}

static __always_inline v8si vnni_q8_tot(bool g8, const u8 *q,
					const u8 *const rp[8], u64 qo,
					const s8 *xq)
{
	v16si x = join32(xq, xq), h;
	v16si p0 = q8_pair(q8_rows(g8, q, rp, qo, 0), x);
	v16si p1 = q8_pair(q8_rows(g8, q, rp, qo, 1), x);
	v16si p2 = q8_pair(q8_rows(g8, q, rp, qo, 2), x);
	v16si p3 = q8_pair(q8_rows(g8, q, rp, qo, 3), x);

	/*
	 * Lane l of h = hadd(hadd(p0, p1), hadd(p2, p3)) holds, for register
	 * i = l % 4, half of row 2i's total in 128-bit lanes 0 and 1 and
	 * of row 2i+1's in lanes 2 and 3.
	 */
	h = hadd(hadd(p0, p1), hadd(p2, p3));
	return __builtin_shufflevector(h, h, 0, 8, 1, 9, 2, 10, 3, 11) +
	       __builtin_shufflevector(h, h, 4, 12, 5, 13, 6, 14, 7, 15);
}

/* Nibbles times the activation halves in every 128-bit lane: 4 lanes a row. */
static inline v16si q4_quad(v16si q, v16si xlo, v16si xhi)
{
	v64qu lo = (v64qu)q & 0x0f, hi = (v64qu)(q >> 4) & 0x0f;

	return vnni_dpbusd512(vnni_dpbusd512(zero16(), (v16si)lo, xlo),
			      (v16si)hi, xhi);
}

static inline v16si bcast16x4(const s8 *p)
{
	v2di v = vnni_load16(p);
	v8si h = (v8si)__builtin_shufflevector(v, v, 0, 1, 0, 1);

	return __builtin_shufflevector(h, h, 0, 1, 2, 3, 4, 5, 6, 7,
				       0, 1, 2, 3, 4, 5, 6, 7);
}

static __always_inline v8si vnni_q4_tot(bool g8, const u8 *q,
					const u8 *const rp[8], u64 qo,
					const s8 *xq)
{
	v16si xlo = bcast16x4(xq), xhi = bcast16x4(xq + 16), a, b, h;

	/* a: rows 0, 4, 1, 5 in its 128-bit lanes; b: rows 2, 6, 3, 7 */
	if (g8) {
		a = load64(q);
		b = load64(q + 64);
	} else {
		a = join16x4(rp[0] + qo, rp[4] + qo, rp[1] + qo, rp[5] + qo);
		b = join16x4(rp[2] + qo, rp[6] + qo, rp[3] + qo, rp[7] + qo);
	}
	a = q4_quad(a, xlo, xhi);
	b = q4_quad(b, xlo, xhi);
	/* per 128-bit lane: half of a's row, of b's row, of a's, of b's */
	h = hadd(a, b);
	/* per 128-bit lane: a's row total, b's row total (twice) */
	h = hadd(h, h);
	return __builtin_shufflevector(h, h, 0, 8, 1, 9, 4, 12, 5, 13);
}

/* Only chosen by slmq_kernels_select() on a CPU with AVX2, FMA, F16C and AVX-512 F/BW/VL/VNNI. */
const struct slmq_kernels slmq_kernels_avx512vnni = {
	.name = "avx512vnni",
	.needs = SLMQ_CPU_AVX2 | SLMQ_CPU_FMA | SLMQ_CPU_F16C |
		 SLMQ_CPU_AVX512F | SLMQ_CPU_AVX512BW | SLMQ_CPU_AVX512VL |
		 SLMQ_CPU_AVX512_VNNI,
	SLMQ_KERNEL_DOT_ROWS,
	.attn_scores = slmq_attn_scores_avx2,
	.attn_wsum = slmq_attn_wsum_avx2,
	.expf_array = slmq_expf_array_avx2,
};
