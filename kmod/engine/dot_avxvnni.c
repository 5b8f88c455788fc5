// SPDX-License-Identifier: GPL-2.0
/*
 * AVX-VNNI block kernels (dot.h): the VEX-encoded 256-bit vpdpbusd of
 * Alder Lake-class and Zen 5 CPUs, which have VNNI without AVX-512.  The
 * block loop and its float part are dot_vnni.h's (the same operations as
 * dot_avx2.c and dot_generic.c, so the same bits); here only the integer
 * totals of 8 rows per block.
 *
 * Q8_0: one 32-byte row block per register, offset by 128 (one xor) and
 * one vpdpbusd with the activation block, then dot_avx2.c's horizontal-add
 * tree to one total per row (AVX2 needs vpabsb, vpsignb, vpmaddubsw and
 * vpmaddwd for the products).  Q4: two rows' 16 nibble bytes side by side,
 * low and high nibbles each one vpdpbusd into the same accumulator (lanes
 * 0..3 row a, 4..7 row b), three horizontal adds for the 4 pairs.
 *
 * Built with -mavxvnni (and AVX2/FMA/F16C for the rest); the unit tests
 * also build this file with AVX512VL+VNNI (SLMQ_AVXVNNI_EVEX: the same
 * source, EVEX-encoded) so its arithmetic is tested on CPUs that have
 * AVX-512 VNNI but not AVX-VNNI.
 */
#include "dot_vnni.h"

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

/* (w + 128) * x summed in fours: w ^ 0x80 is w + 128 as an unsigned byte. */
static inline v8si q8_row(v32qu w, v8si x)
{
	return vnni_dpbusd256(vnni_splat_i(0), (v8si)(w ^ 0x80), x);
}

/* Row k's quants (written out below: -O2 would not unroll a loop). */
static inline v32qu q8_row_at(bool g8, const u8 *q, const u8 *const rp[8],
			      u64 qo, u32 k)
{
	return vnni_load32(g8 ? q + 32 * k : rp[k] + qo);
}

static __always_inline v8si vnni_q8_tot(bool g8, const u8 *q,
					const u8 *const rp[8], u64 qo,
					const s8 *xq)
{
	v8si x = (v8si)vnni_load32(xq);

	return reduce8(q8_row(q8_row_at(g8, q, rp, qo, 0), x),
		       q8_row(q8_row_at(g8, q, rp, qo, 1), x),
		       q8_row(q8_row_at(g8, q, rp, qo, 2), x),
		       q8_row(q8_row_at(g8, q, rp, qo, 3), x),
		       q8_row(q8_row_at(g8, q, rp, qo, 4), x),
		       q8_row(q8_row_at(g8, q, rp, qo, 5), x),
		       q8_row(q8_row_at(g8, q, rp, qo, 6), x),
		       q8_row(q8_row_at(g8, q, rp, qo, 7), x));
}

/* 16 bytes in both 128-bit lanes. */
static inline v8si bcast16(const s8 *p)
{
	v2di q = vnni_load16(p);

	return (v8si)__builtin_shufflevector(q, q, 0, 1, 0, 1);
}

/* Two rows' nibbles (row a's 16 bytes, then row b's) times x: 4 lanes a row. */
static inline v8si q4_pair(v32qu q, v8si xlo, v8si xhi)
{
	v32qu lo = q & 0x0f, hi = (v32qu)((v8si)q >> 4) & 0x0f;

	return vnni_dpbusd256(vnni_dpbusd256(vnni_splat_i(0), (v8si)lo, xlo),
			      (v8si)hi, xhi);
}

static inline v32qu join16(const u8 *a, const u8 *b)
{
	return (v32qu)__builtin_shufflevector(vnni_load16(a), vnni_load16(b), 0, 1, 2, 3);
}

/* Rows k and k+4, the G8 slot order (written out below, as above). */
static inline v32qu q4_rows(bool g8, const u8 *q, const u8 *const rp[8],
			    u64 qo, u32 k)
{
	return g8 ? vnni_load32(q + 32 * k) : join16(rp[k] + qo, rp[k + 4] + qo);
}

static __always_inline v8si vnni_q4_tot(bool g8, const u8 *q,
					const u8 *const rp[8], u64 qo,
					const s8 *xq)
{
	v8si xlo = bcast16(xq), xhi = bcast16(xq + 16);
	v8si p0 = q4_pair(q4_rows(g8, q, rp, qo, 0), xlo, xhi);
	v8si p1 = q4_pair(q4_rows(g8, q, rp, qo, 1), xlo, xhi);
	v8si p2 = q4_pair(q4_rows(g8, q, rp, qo, 2), xlo, xhi);
	v8si p3 = q4_pair(q4_rows(g8, q, rp, qo, 3), xlo, xhi);

	/* lanes: rows 0..3 of the low halves, then 4..7 of the high ones */
	return __builtin_ia32_phaddd256(__builtin_ia32_phaddd256(p0, p1),
					__builtin_ia32_phaddd256(p2, p3));
}

#ifdef SLMQ_AVXVNNI_EVEX
#define SLMQ_AVXVNNI_TABLE slmq_kernels_avxvnni_evex
#define SLMQ_AVXVNNI_NEEDS (SLMQ_CPU_AVX512F | SLMQ_CPU_AVX512VL | SLMQ_CPU_AVX512_VNNI)
#else
#define SLMQ_AVXVNNI_TABLE slmq_kernels_avxvnni
#define SLMQ_AVXVNNI_NEEDS SLMQ_CPU_AVX_VNNI
#endif

/* Only chosen by slmq_kernels_select() on a CPU with AVX2, FMA, F16C and AVX-VNNI. */
const struct slmq_kernels SLMQ_AVXVNNI_TABLE = {
	.name = "avxvnni",
	.needs = SLMQ_CPU_AVX2 | SLMQ_CPU_FMA | SLMQ_CPU_F16C | SLMQ_AVXVNNI_NEEDS,
	SLMQ_KERNEL_DOT_ROWS,
	.attn_scores = slmq_attn_scores_avx2,
	.attn_wsum = slmq_attn_wsum_avx2,
	.expf_array = slmq_expf_array_avx2,
};
