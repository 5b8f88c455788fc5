// SPDX-License-Identifier: GPL-2.0
/*
 * Round-to-nearest conversion of float rows to the stored weight formats and
 * back, bit for bit ggml's quantize_row_*_ref()/dequantize_row_*() so a file
 * quantized here equals one quantized by llama.cpp's reference path.
 *
 * FPU code: in the kernel only between kernel_fpu_begin()/end().  Built with
 * -ffp-contract=off, so every product and sum is rounded where ggml's C
 * rounds it.
 */
#include "compat.h"
#include "fbits.h"
#include "quant.h"

static inline float abs_f32(float f)
{
	return slmq_bits_f32(slmq_f32_bits(f) & 0x7fffffffu);
}

/*
 * roundf(): nearest, halfway cases away from zero.  Only used on values with
 * |x| <= 128 (Q8_0 scaled weights), but correct for any finite x below 2^31.
 */
static inline float round_away(float x)
{
	float t = (float)(s32)x;	/* truncation toward zero */
	float r = x - t;		/* exact: same binade or smaller */

	if (r >= 0.5f)
		t += 1.0f;
	else if (r <= -0.5f)
		t -= 1.0f;
	return t;
}

/**
 * slmq_f32_to_f16() - IEEE single to half, round to nearest even.
 * @f: value
 *
 * Same result as the F16C instruction vcvtps2ph with rounding mode 0 (what
 * ggml's GGML_FP32_TO_FP16 uses on x86), including subnormals, infinities
 * and NaN (kept quiet, payload truncated).
 */
u16 slmq_f32_to_f16(float f)
{
	u32 x = slmq_f32_bits(f);
	u32 sign = (x >> 16) & 0x8000u;
	u32 exp = (x >> 23) & 0xffu;
	u32 mant = x & 0x7fffffu;
	u32 half, shift, rem, halfway;

	if (exp == 0xff)		/* inf or NaN */
		return sign | 0x7c00u | (mant ? 0x200u | (mant >> 13) : 0);
	if (exp > 142)			/* >= 2^16: overflows to inf */
		return sign | 0x7c00u;
	if (exp >= 113) {		/* normal half: exp-127 in [-14, 15] */
		half = ((exp - 112) << 10) | (mant >> 13);
		rem = mant & 0x1fffu;
		/* a carry out of the mantissa correctly bumps the exponent (even to inf) */
		if (rem > 0x1000u || (rem == 0x1000u && (half & 1)))
			half++;
		return sign | half;
	}
	if (exp < 102)			/* below half the smallest subnormal */
		return sign;
	/* subnormal half: value = m * 2^-24 with the implicit bit made explicit */
	mant |= 0x800000u;
	shift = 126 - exp;		/* 14..24 */
	half = mant >> shift;
	rem = mant & ((1u << shift) - 1);
	halfway = 1u << (shift - 1);
	if (rem > halfway || (rem == halfway && (half & 1)))
		half++;
	return sign | half;
}

/**
 * slmq_f16_to_f32() - IEEE half to single (exact).
 * @h: raw half bits
 */
float slmq_f16_to_f32(u16 h)
{
	u32 sign = (u32)(h & 0x8000u) << 16;
	u32 exp = (h >> 10) & 0x1fu;
	u32 mant = h & 0x3ffu;

	if (exp == 0x1f)	/* inf, or NaN made quiet as F16C does */
		return slmq_bits_f32(sign | 0x7f800000u | (mant << 13) |
				(mant ? 0x400000u : 0));
	if (exp)
		return slmq_bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
	if (!mant)
		return slmq_bits_f32(sign);
	/* subnormal: normalise the mantissa */
	exp = 113;
	while (!(mant & 0x400u)) {
		mant <<= 1;
		exp--;
	}
	return slmq_bits_f32(sign | (exp << 23) | ((mant & 0x3ffu) << 13));
}

/**
 * slmq_quantize_row_q4_0() - n floats to Q4_0 blocks, ggml's quantize_row_q4_0_ref().
 * @x: n floats
 * @out: n / SLMQ_QK blocks
 * @n: a multiple of SLMQ_QK
 */
void slmq_quantize_row_q4_0(const float *x, void *out, u32 n)
{
	struct slmq_block_q4_0 *y = out;
	u32 i, j, nb = n / SLMQ_QK;

	for (i = 0; i < nb; i++, x += SLMQ_QK) {
		float amax = 0.0f, max = 0.0f, d, id;

		/* the signed value of largest magnitude (first one on ties) maps to -8 */
		for (j = 0; j < SLMQ_QK; j++) {
			if (amax < abs_f32(x[j])) {
				amax = abs_f32(x[j]);
				max = x[j];
			}
		}
		d = max / -8;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		y[i].d = slmq_f32_to_f16(d);
		for (j = 0; j < SLMQ_QK / 2; j++) {
			s8 q0 = (s8)(x[j] * id + 8.5f);
			s8 q1 = (s8)(x[j + SLMQ_QK / 2] * id + 8.5f);

			q0 = q0 > 15 ? 15 : q0;
			q1 = q1 > 15 ? 15 : q1;
			y[i].qs[j] = (u8)q0 | (u8)(q1 << 4);
		}
	}
}

/**
 * slmq_quantize_row_q4_1() - n floats to Q4_1 blocks, ggml's quantize_row_q4_1_ref().
 * @x: n floats
 * @out: n / SLMQ_QK blocks
 * @n: a multiple of SLMQ_QK
 */
void slmq_quantize_row_q4_1(const float *x, void *out, u32 n)
{
	struct slmq_block_q4_1 *y = out;
	u32 i, j, nb = n / SLMQ_QK;

	for (i = 0; i < nb; i++, x += SLMQ_QK) {
		float min = x[0], max = x[0], d, id;

		for (j = 0; j < SLMQ_QK; j++) {
			if (x[j] < min)
				min = x[j];
			if (x[j] > max)
				max = x[j];
		}
		d = (max - min) / 15;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		y[i].d = slmq_f32_to_f16(d);
		y[i].m = slmq_f32_to_f16(min);
		for (j = 0; j < SLMQ_QK / 2; j++) {
			s8 q0 = (s8)((x[j] - min) * id + 0.5f);
			s8 q1 = (s8)((x[j + SLMQ_QK / 2] - min) * id + 0.5f);

			q0 = q0 > 15 ? 15 : q0;
			q1 = q1 > 15 ? 15 : q1;
			y[i].qs[j] = (u8)q0 | (u8)(q1 << 4);
		}
	}
}

/**
 * slmq_quantize_row_q8_0() - n floats to Q8_0 blocks, ggml's quantize_row_q8_0_ref().
 * @x: n floats
 * @out: n / SLMQ_QK blocks
 * @n: a multiple of SLMQ_QK
 */
void slmq_quantize_row_q8_0(const float *x, void *out, u32 n)
{
	struct slmq_block_q8_0 *y = out;
	u32 i, j, nb = n / SLMQ_QK;

	for (i = 0; i < nb; i++, x += SLMQ_QK) {
		float amax = 0.0f, d, id;

		for (j = 0; j < SLMQ_QK; j++)
			if (abs_f32(x[j]) > amax)
				amax = abs_f32(x[j]);
		d = amax / 127;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		y[i].d = slmq_f32_to_f16(d);
		for (j = 0; j < SLMQ_QK; j++)
			y[i].qs[j] = (s8)round_away(x[j] * id);
	}
}

/**
 * slmq_quantize_row_f32() - a row of floats stored as F32 (a copy).
 * @x: n floats
 * @out: 4 * n bytes
 * @n: row length
 */
void slmq_quantize_row_f32(const float *x, void *out, u32 n)
{
	memcpy(out, x, (size_t)n * sizeof(float));
}

/**
 * slmq_quantize_row_f16() - a row of floats to IEEE halves (nearest even).
 * @x: n floats
 * @out: n halves
 * @n: row length
 */
void slmq_quantize_row_f16(const float *x, void *out, u32 n)
{
	u16 *h = out;
	u32 j;

	for (j = 0; j < n; j++)
		h[j] = slmq_f32_to_f16(x[j]);
}

/**
 * slmq_quantize_row() - quantize one row of weights, ggml-exact.
 * @type: SLMQ_TYPE_F32, F16, Q4_0, Q4_1 or Q8_0
 * @x: n floats
 * @out: slmq_row_bytes(type, n) bytes
 * @n: row length, a multiple of SLMQ_QK for the block types
 *
 * Unknown types write nothing; callers validate the type first.
 */
void slmq_quantize_row(u32 type, const float *x, void *out, u32 n)
{
	const struct slmq_type_traits *tt = slmq_type_traits_of(type);

	if (tt)
		tt->from_float(x, out, n);
}

/**
 * slmq_dequantize_row_q4_0() - Q4_0 blocks to n floats, ggml's dequantize_row_q4_0().
 * @in: n / SLMQ_QK blocks
 * @y: n floats
 * @n: a multiple of SLMQ_QK
 */
void slmq_dequantize_row_q4_0(const void *in, float *y, u32 n)
{
	const struct slmq_block_q4_0 *b = in;
	u32 i, j, nb = n / SLMQ_QK;

	for (i = 0; i < nb; i++, y += SLMQ_QK) {
		float d = slmq_f16_to_f32(b[i].d);

		for (j = 0; j < SLMQ_QK / 2; j++) {
			y[j] = (float)((b[i].qs[j] & 0x0f) - 8) * d;
			y[j + SLMQ_QK / 2] = (float)((b[i].qs[j] >> 4) - 8) * d;
		}
	}
}

/**
 * slmq_dequantize_row_q4_1() - Q4_1 blocks to n floats, ggml's dequantize_row_q4_1().
 * @in: n / SLMQ_QK blocks
 * @y: n floats
 * @n: a multiple of SLMQ_QK
 */
void slmq_dequantize_row_q4_1(const void *in, float *y, u32 n)
{
	const struct slmq_block_q4_1 *b = in;
	u32 i, j, nb = n / SLMQ_QK;

	for (i = 0; i < nb; i++, y += SLMQ_QK) {
		float d = slmq_f16_to_f32(b[i].d);
		float m = slmq_f16_to_f32(b[i].m);

		for (j = 0; j < SLMQ_QK / 2; j++) {
			y[j] = (float)(b[i].qs[j] & 0x0f) * d + m;
			y[j + SLMQ_QK / 2] = (float)(b[i].qs[j] >> 4) * d + m;
		}
	}
}

/**
 * slmq_dequantize_row_q8_0() - Q8_0 blocks to n floats, ggml's dequantize_row_q8_0().
 * @in: n / SLMQ_QK blocks
 * @y: n floats
 * @n: a multiple of SLMQ_QK
 */
void slmq_dequantize_row_q8_0(const void *in, float *y, u32 n)
{
	const struct slmq_block_q8_0 *b = in;
	u32 i, j, nb = n / SLMQ_QK;

	for (i = 0; i < nb; i++, y += SLMQ_QK) {
		float d = slmq_f16_to_f32(b[i].d);

		for (j = 0; j < SLMQ_QK; j++)
			y[j] = (float)b[i].qs[j] * d;
	}
}

/**
 * slmq_dequantize_row_f32() - an F32 row to floats (a copy).
 * @in: 4 * n bytes
 * @y: n floats
 * @n: row length
 */
void slmq_dequantize_row_f32(const void *in, float *y, u32 n)
{
	memcpy(y, in, (size_t)n * sizeof(float));
}

/**
 * slmq_dequantize_row_f16() - an F16 row to floats (exact).
 * @in: n halves
 * @y: n floats
 * @n: row length
 */
void slmq_dequantize_row_f16(const void *in, float *y, u32 n)
{
	const u16 *h = in;
	u32 j;

	for (j = 0; j < n; j++)
		y[j] = slmq_f16_to_f32(h[j]);
}

/**
 * slmq_dequantize_row() - expand one stored row to floats, as ggml does.
 * @type: SLMQ_TYPE_F32, F16, Q4_0, Q4_1 or Q8_0
 * @in: slmq_row_bytes(type, n) bytes
 * @y: n floats
 * @n: row length
 */
void slmq_dequantize_row(u32 type, const void *in, float *y, u32 n)
{
	const struct slmq_type_traits *tt = slmq_type_traits_of(type);

	if (tt)
		tt->to_float(in, y, n);
}
