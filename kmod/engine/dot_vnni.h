/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VNNI block kernels, included by dot_avx512vnni.c (built EVEX-encoded,
 * AVX512VL + AVX512_VNNI) and dot_avxvnni.c (VEX-encoded, AVX-VNNI): the
 * same source, 256-bit vectors, two tables because a CPU may have either
 * without the other (Ice Lake and Zen 4: AVX-512 VNNI only; Alder Lake:
 * AVX-VNNI only).
 *
 * The block loop of 8 rows, one row per lane, and its float part are
 * dot_avx2.c's rows8() operation for operation: per block the exact integer
 * total t of each row, then acc = acc + (float)t * (dw * dx) (Q4_1 also
 * macc = macc + mw * (dx * (float)sum(x))), a multiply and a separate add,
 * blocks in order.  Only how t is computed differs, and t is an exact
 * integer, so every path gives dot_generic.c's bits.
 *
 * vpdpbusd multiplies unsigned by signed bytes and adds groups of four
 * products into int32 lanes, without saturation (vpdpbusds would saturate).
 * The weights are the unsigned side:
 *  - Q4_0/Q4_1 nibbles (0..15) as they are; Q4_0 subtracts 8 * sum(x)
 *    afterwards, as dot_avx2.c does;
 *  - Q8_0 weights offset by 128 (w ^ 0x80 = w + 128, 0..255), and
 *    128 * sum(x) subtracted afterwards: sum((w + 128) * x) - 128 * sum(x).
 *    Exact for every int8 w and x, -128 included (the sign trick's |-128|
 *    does not fit an int8); the largest lane is 4 * 255 * 128, the block
 *    at most 32 * 255 * 128.
 * The activation's block sum is slmq_act's exact integer sum.
 *
 * Q8_0: one 32-byte row block per register, one xor and one vpdpbusd with
 * the activation block (AVX2 needs vpabsb, vpsignb, vpmaddubsw and
 * vpmaddwd), then dot_avx2.c's horizontal-add tree to one total per row.
 * Q4: two rows' 16 nibble bytes side by side, low and high nibbles each one
 * vpdpbusd into the same accumulator (lanes 0..3 row a, 4..7 row b), three
 * horizontal adds for the 4 pairs (AVX2: two vpmaddubsw, an add, and
 * vphaddw + vpmaddwd + vphaddd).
 *
 * Why 256 and not 512 bits for AVX-512 VNNI: a 512-bit version (two Q8_0
 * rows or four Q4 rows per register; in git history, dot_avx512vnni.c
 * before the commit that made it include this file) needs a cross-lane permute per block
 * and wastes half of its last reduction step, and on the Zen 4 this was
 * measured on, which executes 512-bit operations as two 256-bit halves,
 * it was about 20% slower than this code for Q4 and no faster for Q8_0
 * (Documentation/engine.md).
 *
 * The including file defines the table: its name, needs, the row and tile
 * entries named here (SLMQ_KERNEL_DOT_ROWS, SLMQ_KERNEL_GEMM_ROWS), and
 * the attention and exp ones, which VNNI does not change and so are AVX2's
 * (as are the F16/F32 entries).
 */
#ifndef SLMQ_DOT_VNNI_H
#define SLMQ_DOT_VNNI_H

#include "compat.h"
#include "avx2_vec.h"
#include "dot.h"
#include "kernels.h"

/* GCC and clang name the vpdpbusd builtins differently. */
#ifdef __clang__
#define vnni_dpbusd256(acc, u, s) __builtin_ia32_vpdpbusd256((acc), (u), (s))
#else
#define vnni_dpbusd256(acc, u, s) __builtin_ia32_vpdpbusd_v8si((acc), (u), (s))
#endif

static inline v8si vnni_splat_i(s32 v)
{
	return (v8si){ v, v, v, v, v, v, v, v };
}

static inline v2di vnni_load16(const void *p)
{
	v2di v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline v32qu vnni_load32(const void *p)
{
	v32qu v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
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

/* 16 bytes in both 128-bit lanes (GCC: one vbroadcasti128 from memory). */
static inline v8si bcast16(const s8 *p)
{
	v2di q = vnni_load16(p);

#ifdef __clang__
	return (v8si)__builtin_shufflevector(q, q, 0, 1, 0, 1);
#else
	return (v8si)__builtin_ia32_vbroadcastsi256(q);
#endif
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

	/* lane k is row k: rows 0..3 from the low 128-bit halves, 4..7 the high */
	return __builtin_ia32_phaddd256(__builtin_ia32_phaddd256(p0, p1),
					__builtin_ia32_phaddd256(p2, p3));
}

/*
 * Up to 8 rows of a block type, one per lane, written to y[0..cnt): g8,
 * the G8 group at g; otherwise rp[k] is row k in ggml's layout (rows past
 * cnt repeat a valid row, their lanes are dropped).
 */
static __always_inline void vnni_rows8(u32 type, bool g8, const u8 *g,
				       const u8 *const rp[8],
				       const struct slmq_act *xa, float *y,
				       u32 cnt)
{
	const bool q8 = type == SLMQ_TYPE_Q8_0, asym = type == SLMQ_TYPE_Q4_1;
	const u64 bs = q8 ? 34 : asym ? 20 : 18, hdr = asym ? 4 : 2;
	v8sf acc = splat(0.0f), macc = splat(0.0f);
	u32 b, k;

	for (b = 0; b < xa->nb; b++) {
		const s8 *xq = xa->qs + (u64)b * SLMQ_QK;
		const u64 off = (u64)b * bs;
		const u8 *c = g8 ? g + 8 * off : NULL, *q = g8 ? c + 8 * hdr : NULL;
		v8sf dw, mw = splat(0.0f);
		v8si tot;

		if (g8) {
			dw = halves8(c);
			if (asym)
				mw = halves8(c + 16);
		} else {
			dw = halves_at(rp, off);
			if (asym)
				mw = halves_at(rp, off + 2);
		}
		if (q8) {	/* sum(w*x) = sum((w+128)*x) - 128*sum(x) */
			tot = vnni_q8_tot(g8, q, rp, off + hdr, xq);
			tot -= vnni_splat_i(xa->sum[b] * 128);
		} else {
			tot = vnni_q4_tot(g8, q, rp, off + hdr, xq);
			if (type == SLMQ_TYPE_Q4_0)	/* sum((q-8)*x) = sum(q*x) - 8*sum(x) */
				tot -= vnni_splat_i(xa->sum[b] * 8);
		}
		acc = acc + __builtin_convertvector(tot, v8sf) * (dw * splat(xa->d[b]));
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

#define SLMQ_ROWS8 vnni_rows8
#include "rows8_loops.h"

/* F16/F32 rows: VNNI changes nothing there, so AVX2's kernels. */
static void rows_f16(const void *w, u64 row_bytes, u32 n, const float *x,
		     const struct slmq_act *xa, float *y, u32 r0, u32 r1)
{
	slmq_dot_rows_avx2(SLMQ_TYPE_F16, w, row_bytes, n, x, xa, y, r0, r1);
}

static void rows_f32(const void *w, u64 row_bytes, u32 n, const float *x,
		     const struct slmq_act *xa, float *y, u32 r0, u32 r1)
{
	slmq_dot_rows_avx2(SLMQ_TYPE_F32, w, row_bytes, n, x, xa, y, r0, r1);
}

/* F16/F32 tiles: AVX2's batched kernels too. */
static void gemm_f16(const void *w, u64 row_bytes, u32 n, const float *x,
		     u32 xs, const struct slmq_act *xa, u32 nt, float *y,
		     u32 ys, u32 r0, u32 r1)
{
	slmq_gemm_rows(&slmq_kernels_avx2, SLMQ_TYPE_F16, w, row_bytes, n, x,
		       xs, xa, nt, y, ys, r0, r1);
}

static void gemm_f32(const void *w, u64 row_bytes, u32 n, const float *x,
		     u32 xs, const struct slmq_act *xa, u32 nt, float *y,
		     u32 ys, u32 r0, u32 r1)
{
	slmq_gemm_rows(&slmq_kernels_avx2, SLMQ_TYPE_F32, w, row_bytes, n, x,
		       xs, xa, nt, y, ys, r0, r1);
}

/* the block entries SLMQ_KERNEL_DOT_ROWS names (kernels.h) */
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_0, SLMQ_TYPE_Q4_0, false)
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_0_g8, SLMQ_TYPE_Q4_0, true)
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_1, SLMQ_TYPE_Q4_1, false)
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_1_g8, SLMQ_TYPE_Q4_1, true)
SLMQ_KERNEL_BLOCK_ROWS(rows_q8_0, SLMQ_TYPE_Q8_0, false)
SLMQ_KERNEL_BLOCK_ROWS(rows_q8_0_g8, SLMQ_TYPE_Q8_0, true)

/* the batched entries SLMQ_KERNEL_GEMM_ROWS names (kernels.h) */
SLMQ_KERNEL_BLOCK_GEMM(gemm_q4_0, SLMQ_TYPE_Q4_0, false)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q4_0_g8, SLMQ_TYPE_Q4_0, true)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q4_1, SLMQ_TYPE_Q4_1, false)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q4_1_g8, SLMQ_TYPE_Q4_1, true)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q8_0, SLMQ_TYPE_Q8_0, false)
SLMQ_KERNEL_BLOCK_GEMM(gemm_q8_0_g8, SLMQ_TYPE_Q8_0, true)

#endif /* SLMQ_DOT_VNNI_H */
