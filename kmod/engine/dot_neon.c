// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 Advanced SIMD dot-product kernels (see dot.h): the "neon" table,
 * ARMv8.0 only (Cortex-A72 has no dot-product instructions), and, when
 * dot_neon_dp.c includes this file with SLMQ_NEON_DOTPROD defined and
 * -march=armv8.2-a+dotprod, the "dotprod" table, whose only difference is
 * the integer part of a block: sdot instead of widening multiplies.  Only
 * called when the CPU has what the table needs (kernels.c).
 *
 * Block formats go 8 rows at a time, one row per lane of two 4-lane float
 * vectors: for each block, the activation block is loaded once for the 8
 * rows, and each row's 32 byte products are summed exactly into 4 int32
 * lanes:
 *   neon     smull/smlal (int8 x int8 -> int16, two products per lane, at
 *            most 2 * 128 * 127 = 32512) then saddlp/sadalp (pairwise into
 *            int32); Q4 nibbles (0..15) take four products per int16 lane
 *            (at most 4 * 15 * 127 = 7620) and one saddlp;
 *   dotprod  two sdot per row (four products per int32 lane).
 * Two addp steps reduce 4 rows' vectors to one vector of 4 exact row
 * totals; Q4_0 subtracts 8 * sum(x) per block afterwards (the identity
 * dot_avx2.c uses).  The float part is then dot_generic.c's, lane by lane:
 * acc = acc + (float)t * (dw * dx) as fmul, fmul, fadd (no FMA: the file is
 * built with -ffp-contract=off like every FPU source), blocks in order, for
 * Q4_1 macc = macc + mw * (dx * (float)sum) and acc + macc.  So both tables
 * give dot_generic.c's bits for the block types, and so x86-64's.  F16/F32
 * rows use FMA (fmla) and agree within a tolerance, as on AVX2.
 *
 * In the G8 layout (interleave.c) a block of 8 rows is one contiguous run:
 * 8 scales (one 16-byte load), for Q4_1 8 mins, then the quants (Q4 rows in
 * the order 0,4,1,5,2,6,3,7, which only changes where a row's 16 bytes are).
 */
#include "compat.h"
#include "dot.h"
#include "kernels.h"
#include "mathf.h"
#include "quant.h"

#ifdef __KERNEL__
#include <asm/neon-intrinsics.h>
#else
#include <arm_neon.h>
#endif

/* The integer part of one block of one row: 4 lanes whose sum is exact. */
static __always_inline int32x4_t bdot_q8(const u8 *q, int8x16_t x0, int8x16_t x1)
{
	int8x16_t w0 = vld1q_s8((const s8 *)q), w1 = vld1q_s8((const s8 *)q + 16);
#ifdef SLMQ_NEON_DOTPROD
	return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, x0), w1, x1);
#else
	int16x8_t lo = vmlal_s8(vmull_s8(vget_low_s8(w0), vget_low_s8(x0)),
				vget_low_s8(w1), vget_low_s8(x1));
	int16x8_t hi = vmlal_high_s8(vmull_high_s8(w0, x0), w1, x1);

	return vpadalq_s16(vpaddlq_s16(lo), hi);
#endif
}

/* Raw nibbles (0..15): low nibbles are weights 0..15, high ones 16..31. */
static __always_inline int32x4_t bdot_q4(const u8 *q, int8x16_t x0, int8x16_t x1)
{
	uint8x16_t v = vld1q_u8(q);
	int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(0x0f)));
	int8x16_t hi = vreinterpretq_s8_u8(vshrq_n_u8(v, 4));
#ifdef SLMQ_NEON_DOTPROD
	return vdotq_s32(vdotq_s32(vdupq_n_s32(0), lo, x0), hi, x1);
#else
	int16x8_t p = vmull_s8(vget_low_s8(lo), vget_low_s8(x0));

	p = vmlal_high_s8(p, lo, x0);
	p = vmlal_s8(p, vget_low_s8(hi), vget_low_s8(x1));
	p = vmlal_high_s8(p, hi, x1);
	return vpaddlq_s16(p);
#endif
}

/* Four rows' lane vectors -> their totals, row k in lane k. */
static __always_inline int32x4_t reduce4(int32x4_t s0, int32x4_t s1,
					 int32x4_t s2, int32x4_t s3)
{
	return vpaddq_s32(vpaddq_s32(s0, s1), vpaddq_s32(s2, s3));
}

static inline u64 half_at(const u8 *p)
{
	u16 h;

	memcpy(&h, p, 2);
	return h;
}

/* The halves at p[k] + off, k = 0..3, as floats (exact conversions). */
static inline float32x4_t halves4_at(const u8 *const p[4], u64 off)
{
	u64 w = half_at(p[0] + off) | half_at(p[1] + off) << 16 |
		half_at(p[2] + off) << 32 | half_at(p[3] + off) << 48;

	return vcvt_f32_f16(vreinterpret_f16_u64(vcreate_u64(w)));
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
	const u64 bs = q8 ? 34 : asym ? 20 : 18, hdr = asym ? 4 : 2, qsz = bs - hdr;
	float32x4_t acc0 = vdupq_n_f32(0.0f), acc1 = acc0, macc0 = acc0, macc1 = acc0;
	float lanes[8];
	u32 b, k;

	for (b = 0; b < xa->nb; b++) {
		const s8 *xq = xa->qs + (u64)b * SLMQ_QK;
		const int8x16_t x0 = vld1q_s8(xq), x1 = vld1q_s8(xq + 16);
		const u64 off = (u64)b * bs;
		float32x4_t dw0, dw1, mw0 = vdupq_n_f32(0.0f), mw1 = mw0, dx;
		int32x4_t s[8], t0, t1;
		const u8 *q[8];

		if (g8) {
			const u8 *c = g + 8 * off;
			uint16x8_t h = vld1q_u16((const u16 *)c);

			dw0 = vcvt_f32_f16(vreinterpret_f16_u16(vget_low_u16(h)));
			dw1 = vcvt_f32_f16(vreinterpret_f16_u16(vget_high_u16(h)));
			if (asym) {
				h = vld1q_u16((const u16 *)(c + 16));
				mw0 = vcvt_f32_f16(vreinterpret_f16_u16(vget_low_u16(h)));
				mw1 = vcvt_f32_f16(vreinterpret_f16_u16(vget_high_u16(h)));
			}
			for (k = 0; k < 8; k++)	/* interleave.c's g8_qslot() */
				q[k] = c + 8 * hdr + (q8 ? k : (k % 4) * 2 + k / 4) * qsz;
		} else {
			dw0 = halves4_at(rp, off);
			dw1 = halves4_at(rp + 4, off);
			if (asym) {
				mw0 = halves4_at(rp, off + 2);
				mw1 = halves4_at(rp + 4, off + 2);
			}
			for (k = 0; k < 8; k++)
				q[k] = rp[k] + off + hdr;
		}
		for (k = 0; k < 8; k++)
			s[k] = q8 ? bdot_q8(q[k], x0, x1) : bdot_q4(q[k], x0, x1);
		t0 = reduce4(s[0], s[1], s[2], s[3]);
		t1 = reduce4(s[4], s[5], s[6], s[7]);
		if (type == SLMQ_TYPE_Q4_0) {	/* sum((q-8)*x) = sum(q*x) - 8*sum(x) */
			t0 = vsubq_s32(t0, vdupq_n_s32(xa->sum[b] * 8));
			t1 = vsubq_s32(t1, vdupq_n_s32(xa->sum[b] * 8));
		}
		dx = vdupq_n_f32(xa->d[b]);
		acc0 = vaddq_f32(acc0, vmulq_f32(vcvtq_f32_s32(t0), vmulq_f32(dw0, dx)));
		acc1 = vaddq_f32(acc1, vmulq_f32(vcvtq_f32_s32(t1), vmulq_f32(dw1, dx)));
		if (asym) {	/* + m * dx * sum(x) */
			float32x4_t sx = vdupq_n_f32(xa->d[b] * (float)xa->sum[b]);

			macc0 = vaddq_f32(macc0, vmulq_f32(mw0, sx));
			macc1 = vaddq_f32(macc1, vmulq_f32(mw1, sx));
		}
	}
	if (asym) {
		acc0 = vaddq_f32(acc0, macc0);
		acc1 = vaddq_f32(acc1, macc1);
	}
	if (likely(cnt == 8)) {
		vst1q_f32(y, acc0);
		vst1q_f32(y + 4, acc1);
		return;
	}
	vst1q_f32(lanes, acc0);
	vst1q_f32(lanes + 4, acc1);
	for (k = 0; k < cnt; k++)
		y[k] = lanes[k];
}

#define SLMQ_ROWS8 rows8
#include "rows8_loops.h"

/* F16 row: fcvtl 4 at a time, four FMA accumulators (16 weights in flight). */
static float dot_f16(const u16 *w, const float *x, u32 n)
{
	float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
	float tail = 0.0f;
	u32 j = 0;

	for (; j + 16 <= n; j += 16) {
		uint16x8_t h0 = vld1q_u16(w + j), h1 = vld1q_u16(w + j + 8);

		a0 = vfmaq_f32(a0, vcvt_f32_f16(vreinterpret_f16_u16(vget_low_u16(h0))),
			       vld1q_f32(x + j));
		a1 = vfmaq_f32(a1, vcvt_f32_f16(vreinterpret_f16_u16(vget_high_u16(h0))),
			       vld1q_f32(x + j + 4));
		a2 = vfmaq_f32(a2, vcvt_f32_f16(vreinterpret_f16_u16(vget_low_u16(h1))),
			       vld1q_f32(x + j + 8));
		a3 = vfmaq_f32(a3, vcvt_f32_f16(vreinterpret_f16_u16(vget_high_u16(h1))),
			       vld1q_f32(x + j + 12));
	}
	for (; j + 4 <= n; j += 4)
		a0 = vfmaq_f32(a0, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(w + j))),
			       vld1q_f32(x + j));
	for (; j < n; j++)
		tail += slmq_f16_to_f32(w[j]) * x[j];
	return vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3))) + tail;
}

static float dot_f32(const float *w, const float *x, u32 n)
{
	float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
	float tail = 0.0f;
	u32 j = 0;

	for (; j + 16 <= n; j += 16) {
		a0 = vfmaq_f32(a0, vld1q_f32(w + j), vld1q_f32(x + j));
		a1 = vfmaq_f32(a1, vld1q_f32(w + j + 4), vld1q_f32(x + j + 4));
		a2 = vfmaq_f32(a2, vld1q_f32(w + j + 8), vld1q_f32(x + j + 8));
		a3 = vfmaq_f32(a3, vld1q_f32(w + j + 12), vld1q_f32(x + j + 12));
	}
	for (; j + 4 <= n; j += 4)
		a0 = vfmaq_f32(a0, vld1q_f32(w + j), vld1q_f32(x + j));
	for (; j < n; j++)
		tail += w[j] * x[j];
	return vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3))) + tail;
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

/*
 * Attention and exp: dot_generic.c's 4-wide vector code is already Advanced
 * SIMD here (GCC vector extensions), and its bits are the reference, so both
 * arm64 tables use it as it is.
 */
#ifdef SLMQ_NEON_DOTPROD
/* Chosen by slmq_kernels_select() on a CPU with ASIMD and ASIMDDP. */
const struct slmq_kernels slmq_kernels_dotprod = {
	.name = "dotprod",
	.needs = SLMQ_CPU_NEON | SLMQ_CPU_DOTPROD,
#else
/* Chosen by slmq_kernels_select() on a CPU with ASIMD (every arm64 Linux CPU). */
const struct slmq_kernels slmq_kernels_neon = {
	.name = "neon",
	.needs = SLMQ_CPU_NEON,
#endif
	SLMQ_KERNEL_DOT_ROWS,
	.attn_scores = slmq_attn_scores_generic,
	.attn_wsum = slmq_attn_wsum_generic,
	.expf_array = slmq_expf_array,
};
