/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two VNNI kernel files (dot_avx512vnni.c, dot_avxvnni.c) share:
 * the block loop of 8 rows, one row per lane, and its float part, which is
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
 *    does not fit an int8), so the G8 layout needs no exception here; the
 *    largest lane is 4 * 255 * 128, the block at most 32 * 255 * 128.
 * The activation's block sum is slmq_act's exact integer sum.
 *
 * The including file defines, before including this header,
 *   vnni_q8_tot(g8, q, rp, qo, xq): the 8 rows' integer sums of
 *     (w + 128) * x for one Q8_0 block (G8: the rows' quants at q, 32 bytes
 *     each; otherwise at rp[k] + qo);
 *   vnni_q4_tot(g8, q, rp, qo, xq): the same of nibble * x for a Q4 block
 *     (G8: 16-byte quants at q in the slot order 0,4,1,5,2,6,3,7);
 * and the table (its needs, and the F16/F32, attention and exp entries,
 * which VNNI does not change and so are AVX2's).
 */
#ifndef SLMQ_DOT_VNNI_H
#define SLMQ_DOT_VNNI_H

#include "compat.h"
#include "dot.h"
#include "kernels.h"

typedef float v8sf __attribute__((vector_size(32)));
typedef int v8si __attribute__((vector_size(32)));
typedef short v8hi __attribute__((vector_size(16)));
typedef signed char v32qs __attribute__((vector_size(32)));
typedef unsigned char v32qu __attribute__((vector_size(32)));
typedef long long v2di __attribute__((vector_size(16)));
typedef u64 v2du __attribute__((vector_size(16)));

/* GCC and clang name the vpdpbusd builtins differently. */
#ifdef __clang__
#define vnni_dpbusd256(acc, u, s) __builtin_ia32_vpdpbusd256((acc), (u), (s))
#define vnni_dpbusd512(acc, u, s) __builtin_ia32_vpdpbusd512((acc), (u), (s))
#else
#define vnni_dpbusd256(acc, u, s) __builtin_ia32_vpdpbusd_v8si((acc), (u), (s))
#define vnni_dpbusd512(acc, u, s) __builtin_ia32_vpdpbusd_v16si((acc), (u), (s))
#endif

static inline v8sf vnni_splat(float s)
{
	return (v8sf){ s, s, s, s, s, s, s, s };
}

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

static inline u64 vnni_half_at(const u8 *p)
{
	u16 h;

	__builtin_memcpy(&h, p, 2);
	return h;
}

/* dot_avx2.c's halves_at(): the halves at p[k] + off as floats. */
static inline v8sf vnni_halves_at(const u8 *const p[8], u64 off)
{
	v2du w;

	w[0] = vnni_half_at(p[0] + off) | vnni_half_at(p[1] + off) << 16 |
	       vnni_half_at(p[2] + off) << 32 | vnni_half_at(p[3] + off) << 48;
	w[1] = vnni_half_at(p[4] + off) | vnni_half_at(p[5] + off) << 16 |
	       vnni_half_at(p[6] + off) << 32 | vnni_half_at(p[7] + off) << 48;
	return __builtin_ia32_vcvtph2ps256((v8hi)w);
}

/* Eight consecutive halves as floats. */
static inline v8sf vnni_halves8(const u8 *p)
{
	v8hi v;

	__builtin_memcpy(&v, p, sizeof(v));
	return __builtin_ia32_vcvtph2ps256(v);
}

static v8si vnni_q8_tot(bool g8, const u8 *q, const u8 *const rp[8], u64 qo,
			const s8 *xq);
static v8si vnni_q4_tot(bool g8, const u8 *q, const u8 *const rp[8], u64 qo,
			const s8 *xq);

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
	v8sf acc = vnni_splat(0.0f), macc = vnni_splat(0.0f);
	u32 b, k;

	for (b = 0; b < xa->nb; b++) {
		const s8 *xq = xa->qs + (u64)b * SLMQ_QK;
		const u64 off = (u64)b * bs;
		const u8 *c = g8 ? g + 8 * off : NULL, *q = g8 ? c + 8 * hdr : NULL;
		v8sf dw, mw = vnni_splat(0.0f);
		v8si tot;

		if (g8) {
			dw = vnni_halves8(c);
			if (asym)
				mw = vnni_halves8(c + 16);
		} else {
			dw = vnni_halves_at(rp, off);
			if (asym)
				mw = vnni_halves_at(rp, off + 2);
		}
		if (q8) {	/* sum(w*x) = sum((w+128)*x) - 128*sum(x) */
			tot = vnni_q8_tot(g8, q, rp, off + hdr, xq);
			tot -= vnni_splat_i(xa->sum[b] * 128);
		} else {
			tot = vnni_q4_tot(g8, q, rp, off + hdr, xq);
			if (type == SLMQ_TYPE_Q4_0)	/* sum((q-8)*x) = sum(q*x) - 8*sum(x) */
				tot -= vnni_splat_i(xa->sum[b] * 8);
		}
		acc = acc + __builtin_ia32_cvtdq2ps256(tot) * (dw * vnni_splat(xa->d[b]));
		if (asym)	/* + m * dx * sum(x) */
			macc = macc + mw * vnni_splat(xa->d[b] * (float)xa->sum[b]);
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

/*
 * Rows [r0, r1) of a block-type matrix: G8 groups first (g8: rows below
 * r1 / 8 * 8), then 8 rows at a time in ggml's layout.
 */
static __always_inline void rows_block(u32 type, bool g8, const u8 *base,
				       u64 row_bytes, const struct slmq_act *xa,
				       float *y, u32 r0, u32 r1)
{
	u32 r = r0, k, cnt, full = g8 ? r1 / 8 * 8 : r0;
	const u8 *rp[8];

	for (; r < full; r += 8)
		vnni_rows8(type, true, base + (u64)r * row_bytes, NULL, xa, y + r, 8);
	for (; r < r1; r += 8) {
		cnt = r1 - r < 8 ? r1 - r : 8;
		for (k = 0; k < 8; k++)
			rp[k] = base + (u64)(r + (k < cnt ? k : cnt - 1)) * row_bytes;
		vnni_rows8(type, false, NULL, rp, xa, y + r, cnt);
	}
}

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

/* the block entries SLMQ_KERNEL_DOT_ROWS names (kernels.h) */
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_0, SLMQ_TYPE_Q4_0, false)
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_0_g8, SLMQ_TYPE_Q4_0, true)
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_1, SLMQ_TYPE_Q4_1, false)
SLMQ_KERNEL_BLOCK_ROWS(rows_q4_1_g8, SLMQ_TYPE_Q4_1, true)
SLMQ_KERNEL_BLOCK_ROWS(rows_q8_0, SLMQ_TYPE_Q8_0, false)
SLMQ_KERNEL_BLOCK_ROWS(rows_q8_0_g8, SLMQ_TYPE_Q8_0, true)

#endif /* SLMQ_DOT_VNNI_H */
