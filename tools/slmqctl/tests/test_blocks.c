// SPDX-License-Identifier: GPL-2.0
/*
 * Block formats: half-float conversion, ggml-exact quantized bytes on
 * hand-checked inputs, and reconstruction error bounds on random rows.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "../../../kmod/engine/quant.h"
#include "../../../kmod/engine/type_traits.h"
#include "../../../kmod/engine/fbits.h"

static u64 rng = 0x1234567887654321ull;

static double urand(void)	/* [0, 1) */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

static float grand(void)	/* roughly normal, with some outliers */
{
	double s = urand() + urand() + urand() + urand() - 2.0;

	return (float)(urand() < 0.02 ? s * 8 : s);
}

static void test_f16(void)
{
	static const struct { float f; u16 h; } cases[] = {
		{ 0.0f, 0x0000 }, { -0.0f, 0x8000 }, { 1.0f, 0x3c00 },
		{ -2.0f, 0xc000 }, { 0.1f, 0x2e66 }, { 65504.0f, 0x7bff },
		{ 65520.0f, 0x7c00 },		/* halfway to inf rounds up */
		{ 65519.0f, 0x7bff }, { 5.9604645e-8f, 0x0001 },	/* 2^-24 */
		{ 2.9802322e-8f, 0x0000 },	/* 2^-25: tie to even (0) */
		{ 1.0004883f, 0x3c00 },		/* 1 + 2^-11: tie to even */
		{ 1.0014648f, 0x3c02 },		/* 1 + 3*2^-11: tie to even */
		{ 6.097555e-05f, 0x03ff },	/* largest subnormal */
		{ 1e-10f, 0x0000 }, { 1e10f, 0x7c00 }, { -1e10f, 0xfc00 },
	};
	u32 i, bad = 0;
	float inf;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u16 h = slmq_f32_to_f16(cases[i].f);

		if (!tap_ok(h == cases[i].h, "f16(%g) = 0x%04x", cases[i].f, cases[i].h))
			tap_diag("got 0x%04x", h);
	}
	/* every non-NaN half survives a round trip through float */
	for (i = 0; i < 65536; i++) {
		if ((i & 0x7c00) == 0x7c00 && (i & 0x3ff))
			continue;
		if (slmq_f32_to_f16(slmq_f16_to_f32((u16)i)) != i)
			bad++;
	}
	tap_ok(bad == 0, "all %d finite/inf halves round-trip exactly (%u bad)",
	       65536 - 2 * 1023, bad);
	inf = slmq_f16_to_f32(0x7c00);
	tap_ok(slmq_f32_bits(inf) == 0x7f800000u, "half inf -> float inf");
	tap_ok(isnan(slmq_f16_to_f32(0x7e00)) && isnan(slmq_f16_to_f32(0x7c01)),
	       "half NaNs stay NaN");
	tap_ok((slmq_f32_to_f16(NAN) & 0x7c00) == 0x7c00 &&
	       (slmq_f32_to_f16(NAN) & 0x3ff), "float NaN -> half NaN");
}

/* x[j] = j - 16: bytes worked out by hand from ggml's reference formulas. */
static void test_exact_bytes(void)
{
	static const u8 q4_0[16] = { 0x80, 0x91, 0x91, 0xa2, 0xa2, 0xb3, 0xb3,
		0xc4, 0xc4, 0xd5, 0xd5, 0xe6, 0xe6, 0xf7, 0xf7, 0xf8 };
	static const u8 q4_1[16] = { 0x80, 0x80, 0x91, 0x91, 0xa2, 0xa2, 0xb3,
		0xb3, 0xc4, 0xc4, 0xd5, 0xd5, 0xe6, 0xe6, 0xf7, 0xf7 };
	struct slmq_block_q4_0 b40;
	struct slmq_block_q4_1 b41;
	struct slmq_block_q8_0 b80;
	float x[32], y[32];
	bool ok = true;
	int j;

	for (j = 0; j < 32; j++)
		x[j] = (float)(j - 16);
	slmq_quantize_row(SLMQ_TYPE_Q4_0, x, &b40, 32);
	tap_ok(b40.d == 0x4000 && !memcmp(b40.qs, q4_0, 16),
	       "q4_0 bytes of j-16: d=2 (max -16 -> -8), truncating +8.5, clamp 15");
	slmq_quantize_row(SLMQ_TYPE_Q4_1, x, &b41, 32);
	tap_ok(b41.d == 0x4022 && b41.m == 0xcc00 && !memcmp(b41.qs, q4_1, 16),
	       "q4_1 bytes of j-16: d=31/15, m=-16");
	slmq_quantize_row(SLMQ_TYPE_Q8_0, x, &b80, 32);
	for (j = 0; j < 32; j++) {
		/* round(x*127/16), halves away from zero (x=-8 -> -64, x=8 -> 64) */
		double v = (j - 16) * 127.0 / 16.0;
		int want = (int)(v < 0 ? -floor(-v + 0.5) : floor(v + 0.5));

		ok &= b80.qs[j] == want;
	}
	tap_ok(b80.d == 0x3008 && ok && b80.qs[8] == -64 && b80.qs[24] == 64,
	       "q8_0 bytes of j-16: d=16/127, roundf ties away from zero");
	slmq_dequantize_row(SLMQ_TYPE_Q4_0, &b40, y, 32);
	tap_ok(y[0] == -16.0f && y[31] == 14.0f && y[16] == 0.0f,
	       "q4_0 dequantize: (q-8)*d");
	memset(x, 0, sizeof(x));
	slmq_quantize_row(SLMQ_TYPE_Q4_0, x, &b40, 32);
	slmq_quantize_row(SLMQ_TYPE_Q8_0, x, &b80, 32);
	slmq_dequantize_row(SLMQ_TYPE_Q4_0, &b40, y, 32);
	/* ggml computes d = max / -8 = -0.0 here: the half is 0x8000 */
	tap_ok(b40.d == 0x8000 && b40.qs[0] == 0x88 && y[5] == 0.0f &&
	       b80.d == 0 && b80.qs[3] == 0,
	       "all-zero block: q4_0 d=-0 (as ggml), q8_0 d=0, dequantizes to zeros");
}

struct bound {
	u32 type;
	double rel_rms;		/* max rms(error)/rms(x) over the test rows */
};

/* Largest error allowed for one weight given its block's stored scale/min. */
static double block_bound(u32 type, const void *blk, const float *x)
{
	const struct slmq_block_q4_0 *b40 = blk;
	const struct slmq_block_q4_1 *b41 = blk;
	const struct slmq_block_q8_0 *b80 = blk;
	double amax = 0;
	int j;

	for (j = 0; j < 32; j++)
		amax = fmax(amax, fabs(x[j]));
	/*
	 * Rounding the scale to f16 costs up to |q| times its rounding error:
	 * relative 2^-11 for normal halves, absolute 2^-25 for subnormal ones
	 * (tiny blocks).
	 */
	switch (type) {
	case SLMQ_TYPE_Q4_0:	/* the far side clamps at +7: up to one step */
		return fabs(slmq_f16_to_f32(b40->d)) * 1.0 + amax * 0x1p-10 +
		       8 * 0x1p-25;
	case SLMQ_TYPE_Q4_1:	/* half a step, plus f16 rounding of d and m */
		return slmq_f16_to_f32(b41->d) * 0.5 + amax * 32 * 0x1p-11 +
		       16 * 0x1p-25;
	default:		/* half a step, plus f16 rounding of d */
		return slmq_f16_to_f32(b80->d) * 0.5 + amax * 0x1p-10 +
		       127 * 0x1p-25;
	}
}

static void test_error_bounds(void)
{
	static const struct bound bounds[] = {
		{ SLMQ_TYPE_Q8_0, 0.01 }, { SLMQ_TYPE_Q4_1, 0.12 },
		{ SLMQ_TYPE_Q4_0, 0.16 }, { SLMQ_TYPE_F16, 0.001 },
	};
	enum { N = 4096 };
	static float x[N], y[N];
	static u8 q[N * 4];
	u32 b, r, j;

	for (b = 0; b < ARRAY_SIZE(bounds); b++) {
		u32 t = bounds[b].type;
		u64 bs = slmq_row_bytes(t, 32);
		double worst_rel = 0, se = 0, sx = 0;
		u32 over = 0;

		for (r = 0; r < 8; r++) {
			double scale = pow(10.0, (double)r - 4);	/* 1e-4 .. 1e3 */

			for (j = 0; j < N; j++)
				x[j] = (float)(grand() * scale);
			slmq_quantize_row(t, x, q, N);
			slmq_dequantize_row(t, q, y, N);
			for (j = 0; j < N; j++) {
				double e = fabs((double)y[j] - x[j]);
				double lim = t == SLMQ_TYPE_F16 ?
					fabs(x[j]) * 0x1p-11 + 0x1p-25 :
					block_bound(t, q + j / 32 * bs, x + j / 32 * 32);

				over += e > lim;
				if (r < 2)	/* f16 subnormal scales: bound only */
					continue;
				se += e * e / (scale * scale);
				sx += (double)x[j] * x[j] / (scale * scale);
			}
		}
		worst_rel = sqrt(se / sx);
		tap_ok(over == 0, "%s: every weight within its block's error bound (%u over)",
		       slmq_type_name(t), over);
		tap_ok(worst_rel < bounds[b].rel_rms,
		       "%s: relative rms error %.4f < %.3f", slmq_type_name(t),
		       worst_rel, bounds[b].rel_rms);
	}
}

int main(void)
{
	test_f16();
	test_exact_bytes();
	test_error_bounds();
	tap_ok(!strcmp(slmq_type_name(SLMQ_TYPE_Q4_1), "q4_1") &&
	       !slmq_type_name(7), "type names");
	tap_ok(slmq_row_bytes(SLMQ_TYPE_Q4_0, 64) == 36 &&
	       slmq_row_bytes(SLMQ_TYPE_Q4_1, 64) == 40 &&
	       slmq_row_bytes(SLMQ_TYPE_Q8_0, 64) == 68 &&
	       slmq_row_bytes(SLMQ_TYPE_Q8_0, 33) == 0, "row sizes match ggml");
	return tap_done();
}
