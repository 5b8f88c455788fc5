// SPDX-License-Identifier: GPL-2.0
/*
 * Generic vs SIMD kernels (AVX2 on x86-64; NEON or dotprod on arm64, the
 * table cli_kernels() picks, SLMQ_CPU pins one): row dot products for every weight type on random
 * data, both against a double-precision reference of the same integer
 * decomposition; and a whole model (pcilm-tiny, and a random synthetic one)
 * run with both paths: identical greedy tokens, logits within tolerance.
 *
 * Block-quantized rows (Q4_0/Q4_1/Q8_0) must give the same bits on both
 * paths (dot_generic.c replicates the AVX2 lanes; see dot_avx2.c), so a
 * model whose matrices are all block-quantized gives identical logits.
 * F16/F32 rows use FMA on AVX2; their tolerance is 2e-6 * sum|w_i x_i|:
 * float32 accumulation of a few thousand terms in different orders differs
 * by a few ulps of the absolute sum, never more.  Whole-model logits with
 * F16 matrices: within 1e-3.
 *
 * The F16 KV cache: rounding to halves (generic C and F16C's vcvtps2ph)
 * the same bits on every half, every midpoint between halves, subnormals,
 * overflow, infinities, NaNs and a sweep of all exponents; the F16
 * attention kernels the same bits on both paths, and the same as the F32
 * kernels on the widened values; a table without them falls back.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli.h"
#include "../../../kmod/engine/dot.h"
#include "../../../kmod/engine/kernels.h"
#include "../../../kmod/engine/mathf.h"
#include "../../../kmod/engine/matvec.h"
#include "../../../kmod/engine/quant.h"

#define DOT_TOL 2e-6
#define LOGIT_TOL 1e-3

/* The SIMD table compared with generic: cli_kernels()'s (avx2, neon, dotprod). */
static const struct slmq_kernels *alt;

static u64 rng = 0x9e3779b97f4a7c15ull;

static double urand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

static float grand(void)
{
	return (float)(urand() + urand() + urand() - 1.5);
}

/* Reference of one row in double, from the very integers the kernels use. */
static double ref_dot(u32 type, const void *row, const float *x,
		      const struct slmq_act *xa, u32 n, double *l1)
{
	const u8 *p = row;
	double acc = 0, a = 0;
	u32 b, j;

	*l1 = 0;
	if (type == SLMQ_TYPE_F32 || type == SLMQ_TYPE_F16) {
		for (j = 0; j < n; j++) {
			double w = type == SLMQ_TYPE_F32 ? ((const float *)row)[j] :
				   slmq_f16_to_f32(((const u16 *)row)[j]);

			acc += w * x[j];
			*l1 += fabs(w * x[j]);
		}
		return acc;
	}
	for (b = 0; b < n / 32; b++) {
		float wd[32];

		slmq_dequantize_row(type, p + b * slmq_row_bytes(type, 32), wd, 32);
		for (j = 0; j < 32; j++) {
			a = (double)wd[j] * xa->d[b] * xa->qs[b * 32 + j];
			acc += a;
			*l1 += fabs(a);
		}
	}
	return acc;
}

static void test_dots(void)
{
	static const u32 types[] = { SLMQ_TYPE_F32, SLMQ_TYPE_F16, SLMQ_TYPE_Q4_0,
				     SLMQ_TYPE_Q4_1, SLMQ_TYPE_Q8_0 };
	static const u32 lens[] = { 32, 96, 288, 768, 2048, 40 };
	enum { ROWS = 37 };
	u32 t, li, r, j;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		for (li = 0; li < ARRAY_SIZE(lens); li++) {
			u32 type = types[t], n = lens[li];
			u64 rb = slmq_row_bytes(type, n);
			float *w, *x, yg[ROWS], ya[ROWS];
			struct slmq_act xa;
			void *xbuf;
			double worst = 0;
			u8 *wq;
			bool ok = true;

			if (!rb)	/* 40 is only valid for F16/F32 */
				continue;
			w = malloc(sizeof(float) * n * ROWS);
			x = malloc(sizeof(float) * n);
			wq = malloc(rb * ROWS);
			xbuf = aligned_alloc(64, (slmq_act_bytes(n) + 63) / 64 * 64);
			slmq_act_init(&xa, xbuf, n);
			for (j = 0; j < n * ROWS; j++)
				w[j] = grand() * 0.05f;
			for (j = 0; j < n; j++)
				x[j] = grand() * (j % 7 ? 1.0f : 6.0f);
			for (r = 0; r < ROWS; r++)
				slmq_quantize_row(type, w + r * n, wq + r * rb, n);
			if (slmq_type_is_block(type))
				slmq_quantize_act(x, &xa, n);
			slmq_dot_rows_generic(type, wq, rb, n, x, &xa, yg, 0, ROWS);
			slmq_dot_rows(alt, type, wq, rb, n, x, &xa, ya, 0, ROWS);
			for (r = 0; r < ROWS; r++) {
				double l1, ref = ref_dot(type, wq + r * rb, x, &xa, n, &l1);
				double tol = DOT_TOL * l1 + 1e-30;

				ok &= fabs(yg[r] - ref) <= tol && fabs(ya[r] - ref) <= tol &&
				      fabs(yg[r] - ya[r]) <= tol;
				if (slmq_type_is_block(type))
					ok &= !memcmp(&yg[r], &ya[r], sizeof(float));
				worst = fmax(worst, fabs(yg[r] - ya[r]) / (l1 + 1e-30));
			}
			tap_ok(ok, "%s n=%u: generic and SIMD agree with the double reference%s (worst |g-a|/L1 %.2e)",
			       slmq_type_name(type), n,
			       slmq_type_is_block(type) ? " and bit for bit" : "",
			       worst);
			free(w);
			free(x);
			free(wq);
			free(xbuf);
		}
	}
}

static void test_act(void)
{
	enum { N = 288 };	/* 9 blocks: one full group of 8 and a partial one */
	static float x[N];
	struct slmq_act a;
	void *buf = aligned_alloc(64, (slmq_act_bytes(N) + 63) / 64 * 64);
	bool ok = true;
	u32 j;

	memset(buf, 0x5a, slmq_act_bytes(N));	/* padding must be rewritten */
	slmq_act_init(&a, buf, N);
	for (j = 0; j < N; j++)
		x[j] = grand() * 3;
	x[5] = 0;
	slmq_quantize_act(x, &a, N);
	for (j = 0; j < N; j++)
		ok &= fabs(a.d[j / 32] * a.qs[j] - x[j]) <= a.d[j / 32] * 0.5000001;
	for (j = 0; j < N / 32; j++) {
		s32 s = 0;
		u32 k;

		for (k = 0; k < 32; k++)
			s += a.qs[j * 32 + k];
		ok &= s == a.sum[j];
	}
	for (j = N / 32; j < slmq_act_groups8(N / 32); j++)
		ok &= a.d[j] == 0.0f && a.sum[j] == 0;
	tap_ok(ok && a.nb == N / 32,
	       "activation int8 blocks: error <= d/2, sums exact, padding zeroed");
	free(buf);
}

/*
 * Blocks the int8 conversion cannot represent: an Inf or a NaN among
 * finite values, and a block so small that 127/max|x| overflows.  Every
 * quant must stay in [-127, 127] with an exact sum (they came out as -128
 * with an overflowed int sum: converting NaN to int is undefined), the
 * non-finite blocks' scale NaN (so their dot products stay NaN) and the
 * tiny block zero, within d/2 of its values.
 */
static void test_act_nonfinite(void)
{
	enum { N = 128 };
	static float x[N];
	struct slmq_act a;
	void *buf = aligned_alloc(64, (slmq_act_bytes(N) + 63) / 64 * 64);
	bool range = true, sums = true;
	u32 j, k;

	slmq_act_init(&a, buf, N);
	for (j = 0; j < N; j++)
		x[j] = grand();
	x[3] = INFINITY;			/* block 0 */
	x[32 + 17] = NAN;			/* block 1 */
	for (j = 64; j < 96; j++)		/* block 2: max 3e-37 */
		x[j] = (float)(j - 64) * 1e-38f;
	slmq_quantize_act(x, &a, N);
	for (j = 0; j < N / 32; j++) {
		s32 s = 0;

		for (k = 0; k < 32; k++) {
			range &= a.qs[j * 32 + k] != -128;	/* s8: > -128 is the test */
			s += a.qs[j * 32 + k];
		}
		sums &= s == a.sum[j];
	}
	tap_ok(range && sums, "activation blocks with Inf, NaN or max 3e-37: quants in [-127, 127], sums exact");
	tap_ok(isnan(a.d[0]) && isnan(a.d[1]) && isfinite(a.d[3]),
	       "a block with Inf or NaN gets scale NaN, the others stay finite");
	tap_ok(a.d[2] == 0.0f && fabsf(a.d[2] * a.qs[64 + 31] - x[64 + 31]) < 1e-36f,
	       "a block of max 3e-37 quantizes to zeros (d %g)", a.d[2]);
	free(buf);
}

/*
 * G8 layout (8 rows interleaved block by block, a last partial group left in
 * ggml's layout): blocks reassemble, and both paths give the same bits as
 * on ggml's layout, for whole matrices and for row ranges that start and
 * end on groups of 8.
 */
static void test_g8(void)
{
	static const u32 types[] = { SLMQ_TYPE_Q4_0, SLMQ_TYPE_Q4_1, SLMQ_TYPE_Q8_0 };
	static const u32 lens[] = { 32, 128, 288, 352, 768, 2048 };
	static const u32 nrows[] = { 8, 21, 40 };
	u32 t, li, ri, r, j;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		for (li = 0; li < ARRAY_SIZE(lens); li++) {
			for (ri = 0; ri < ARRAY_SIZE(nrows); ri++) {
				u32 type = types[t], n = lens[li], nb = n / 32, rows = nrows[ri];
				u64 rb = slmq_row_bytes(type, n), bs = slmq_row_bytes(type, 32);
				u8 *w = malloc(rb * rows), *p = malloc(rb * rows), blk[40];
				float *row = malloc(n * sizeof(float)), *x = malloc(n * sizeof(float));
				float *y = malloc(5 * rows * sizeof(float));
				void *xbuf = aligned_alloc(64, (slmq_act_bytes(n) + 63) / 64 * 64);
				struct slmq_act xa;
				bool same = true, rt = true;
				u32 gt = type | SLMQ_DOT_G8, mid = rows / 8 * 8 > 8 ? 8 : 0;

				slmq_act_init(&xa, xbuf, n);
				for (j = 0; j < n; j++)
					x[j] = grand() * (j % 5 ? 1.0f : 4.0f);
				slmq_quantize_act(x, &xa, n);
				for (r = 0; r < rows; r++) {
					for (j = 0; j < n; j++)
						row[j] = grand() * 0.1f;
					slmq_quantize_row(type, row, w + r * rb, n);
				}
				memcpy(p, w, rb * rows);
				for (r = 0; r + 8 <= rows; r += 8)
					slmq_interleave_rows_g8(type, w + r * rb, p + r * rb, nb);
				for (r = 0; r < rows / 8 * 8; r++)
					for (j = 0; j < nb; j++) {
						slmq_g8_block(type, p + r / 8 * 8 * rb, nb, r % 8, j, blk);
						rt &= !memcmp(blk, w + r * rb + j * bs, bs);
					}
				slmq_dot_rows_generic(type, w, rb, n, x, &xa, y, 0, rows);
				slmq_dot_rows(alt, type, w, rb, n, x, &xa, y + rows, 0, rows);
				slmq_dot_rows_generic(gt, p, rb, n, x, &xa, y + 2 * rows, 0, rows);
				slmq_dot_rows(alt, gt, p, rb, n, x, &xa, y + 3 * rows, 0, rows);
				/* two ranges split on a group boundary */
				slmq_dot_rows(alt, gt, p, rb, n, x, &xa, y + 4 * rows, 0, mid);
				slmq_dot_rows(alt, gt, p, rb, n, x, &xa, y + 4 * rows, mid, rows);
				for (j = 1; j < 5; j++)
					same &= !memcmp(y, y + j * rows, rows * sizeof(float));
				tap_ok(rt && same, "%s n=%u rows=%u: G8 blocks reassemble; same bits on both layouts and paths",
				       slmq_type_name(type), n, rows);
				free(w);
				free(p);
				free(row);
				free(x);
				free(y);
				free(xbuf);
			}
		}
	}
}

/*
 * Q8_0 weights of -128 (valid in a file, never written by ggml's quantizer):
 * the ggml-layout kernels stay exact on both paths (the G8 kernel's sign
 * trick would not be, so interleave.c leaves such matrices alone; see
 * test_fixture_model()).
 */
static void test_q8_min(void)
{
	enum { N = 128, ROWS = 12 };
	u64 rb = slmq_row_bytes(SLMQ_TYPE_Q8_0, N);
	u8 *w = malloc(rb * ROWS);
	float x[N], row[N], yg[ROWS], ya[ROWS];
	void *xbuf = aligned_alloc(64, (slmq_act_bytes(N) + 63) / 64 * 64);
	struct slmq_act xa;
	u32 r, j;

	slmq_act_init(&xa, xbuf, N);
	for (j = 0; j < N; j++)
		x[j] = grand();
	slmq_quantize_act(x, &xa, N);
	for (r = 0; r < ROWS; r++) {
		for (j = 0; j < N; j++)
			row[j] = grand();
		slmq_quantize_row(SLMQ_TYPE_Q8_0, row, w + r * rb, N);
		for (j = 0; j < N; j += 3)	/* against both signs of x */
			w[r * rb + (j / 32) * 34 + 2 + j % 32] = 0x80;
	}
	slmq_dot_rows_generic(SLMQ_TYPE_Q8_0, w, rb, N, x, &xa, yg, 0, ROWS);
	slmq_dot_rows(alt, SLMQ_TYPE_Q8_0, w, rb, N, x, &xa, ya, 0, ROWS);
	tap_ok(!memcmp(yg, ya, sizeof(yg)),
	       "q8_0 with -128 weights, ggml layout: same bits on both paths");
	free(w);
	free(xbuf);
}

/* The two-lane exp helpers give exactly the scalar functions' results. */
static void test_exp_arrays(void)
{
	enum { N = 4097 };
	static float x[N], y[N], ya[N];
	double sum = 0;
	bool same = true, accurate = true;
	u32 i;

	for (i = 0; i < N; i++)	/* mostly softmax/silu range, some overflow/underflow */
		x[i] = (float)((urand() - 0.7) * (i % 97 ? 60.0 : 2000.0));
	x[7] = NAN;
	slmq_expf_array(y, x, N);
	for (i = 0; i < N; i++) {
		float e = slmq_expf(x[i]);

		same &= !memcmp(&e, &y[i], sizeof(e));
		if (fabsf(x[i]) < 80)
			accurate &= fabs(y[i] - exp((double)x[i])) <= 1e-6 * exp((double)x[i]);
	}
	tap_ok(same, "slmq_expf_array() equals slmq_expf() bit for bit (NaN and out-of-range lanes too)");
	tap_ok(accurate, "slmq_expf_array() within 1e-6 relative of libm's exp()");
	alt->expf_array(ya, x, N);
	tap_ok(!memcmp(y, ya, sizeof(y)),
	       "the SIMD expf_array equals slmq_expf_array() bit for bit (tail, NaN, out of range)");
	x[7] = 1.0f;
	sum = 0;
	for (i = 0; i < N; i++)
		sum += slmq_exp((double)x[i] - 3.0f);
	tap_ok(sum == slmq_exp_sum(x, N, 3.0f), "slmq_exp_sum() equals the scalar sum bit for bit");
	/* How slmq_session_nll_bits() splits it over FPU sections: even pieces. */
	sum = 0;
	for (i = 0; i < N; i += 6)
		sum = slmq_exp_sum_from(x + i, N - i < 6 ? N - i : 6, 3.0f, sum);
	tap_ok(sum == slmq_exp_sum(x, N, 3.0f),
	       "slmq_exp_sum_from() in pieces of 6 equals one slmq_exp_sum() bit for bit");
}

/* Attention loops: generic and SIMD give the same bits (tails included). */
static void test_attention(void)
{
	static const u32 hds[] = { 32, 64, 40, 8, 100 };
	enum { NT = 77 };
	u32 h, j;

	for (h = 0; h < ARRAY_SIZE(hds); h++) {
		u32 hd = hds[h];
		float *q = malloc(hd * sizeof(float)), *kv = malloc(NT * hd * sizeof(float));
		float sg[NT], sa[NT], *og = malloc(hd * sizeof(float)), *oa = malloc(hd * sizeof(float));
		bool same;

		for (j = 0; j < hd; j++)
			q[j] = grand();
		for (j = 0; j < NT * hd; j++)
			kv[j] = grand();
		slmq_attn_scores_generic(q, kv, hd, NT, 0.125f, sg);
		alt->attn_scores(q, kv, hd, NT, 0.125f, sa);
		same = !memcmp(sg, sa, sizeof(sg));
		slmq_attn_wsum_generic(og, sg, kv, hd, NT);
		alt->attn_wsum(oa, sg, kv, hd, NT);
		same &= !memcmp(og, oa, hd * sizeof(float));
		tap_ok(same, "attention scores and weighted sum, head dim %u: same bits on both paths", hd);
		free(q);
		free(kv);
		free(og);
		free(oa);
	}
}

/* Both roundings of x[0..n) to halves, chunk by chunk (tails included); mismatches. */
static u64 f16_mismatches(const float *x, size_t n, u32 *first)
{
	enum { CHUNK = 4099 };	/* not a multiple of 8: the AVX2 tail runs too */
	u16 g[CHUNK], a[CHUNK];
	size_t i, j, c;
	u64 bad = 0;

	for (i = 0; i < n; i += c) {
		c = n - i < CHUNK ? n - i : CHUNK;
		slmq_f32_to_f16_row_generic(g, x + i, (u32)c);
		slmq_f32_to_f16_row_avx2(a, x + i, (u32)c);
		for (j = 0; j < c; j++) {
			if (g[j] == a[j] && g[j] == slmq_f32_to_f16(x[i + j]))
				continue;
			if (!bad++)
				memcpy(first, &x[i + j], sizeof(*first));
		}
	}
	return bad;
}

static float f32_of(u32 bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* Generic rounding to halves == vcvtps2ph (round to nearest even), bit for bit. */
static void test_f16_rounding(void)
{
	static const u32 edge[] = {
		0x00000000, 0x80000000,			/* +-0 */
		0x00000001, 0x807fffff,			/* float subnormals: to +-0 */
		0x33000000, 0x33000001, 0xb3000000,	/* 2^-25: tie to 0, just above: 2^-24 */
		0x33800000, 0x33c00000, 0x34000000,	/* 2^-24, 1.5 * 2^-24 (tie to even), 2^-23 */
		0x387fc000, 0x387fe000, 0x38800000,	/* around the largest subnormal / smallest normal */
		0x477fe000, 0x477fefff, 0x477ff000,	/* 65504, just below the tie, 65520: to inf */
		0xc77ff000, 0x7f7fffff, 0xff7fffff,	/* -65520, +-FLT_MAX */
		0x7f800000, 0xff800000,			/* +-inf */
		0x7fc00000, 0xffc00001, 0x7f800001,	/* quiet and signalling NaNs */
		0x7fbfe000, 0x3f800fff, 0x3f801000,	/* 1 + a half ulp minus, tie */
		0x3f803000,				/* tie, odd: up */
	};
	size_t n = 0, i, cap = 65536 * 3 + ARRAY_SIZE(edge) + (1u << 22) + 1;
	float *x = malloc(cap * sizeof(float));
	u32 first = 0, h, u;
	u64 bad;

	for (i = 0; i < ARRAY_SIZE(edge); i++)
		x[n++] = f32_of(edge[i]);
	/* every half, and the midpoints to the next one (exact floats) +- 1 ulp */
	for (h = 0; h < 65536; h++) {
		float f = slmq_f16_to_f32((u16)h), g = slmq_f16_to_f32((u16)(h + 1));
		u32 b;

		x[n++] = f;
		if ((h & 0x7c00) == 0x7c00 || ((h + 1) & 0x7c00) == 0x7c00 ||
		    (h & 0x7fff) == 0x7fff)
			continue;
		x[n] = (f + g) / 2;		/* exact: both have 11 bits */
		memcpy(&b, &x[n], sizeof(b));
		n++;
		x[n++] = f32_of(b + 1);
	}
	/* all exponents: a stride through every bit pattern */
	for (u = 0; n < cap && u <= 0xffffffffu - 1021; u += 1021)
		x[n++] = f32_of(u);
	bad = f16_mismatches(x, n, &first);
	tap_ok(!bad, "f32 -> f16 rounding: generic == F16C vcvtps2ph on %zu values (halves, midpoints, subnormals, overflow, inf, NaN, a sweep)%s",
	       n, bad ? " -- mismatch" : "");
	if (bad)
		tap_diag("%llu mismatches, first at bits 0x%08x", (unsigned long long)bad, first);
	free(x);
}

/* F16 attention: generic == AVX2, == the F32 kernels on the widened cache; NULL falls back. */
static void test_attention_f16(void)
{
	static const u32 hds[] = { 32, 64, 40, 8, 100, 13 };
	enum { NT = 77 };
	struct slmq_kernels none = slmq_kernels_avx2;
	u32 h, j;

	none.attn_scores_f16 = NULL;
	none.attn_wsum_f16 = NULL;
	none.f32_to_f16_row = NULL;
	for (h = 0; h < ARRAY_SIZE(hds); h++) {
		u32 hd = hds[h];
		float *q = malloc(hd * sizeof(float)), *kv = malloc(NT * hd * sizeof(float));
		float *kw = malloc(NT * hd * sizeof(float));
		u16 *kh = malloc(NT * hd * sizeof(u16)), *kn = malloc(NT * hd * sizeof(u16));
		float sg[NT], sa[NT], sf[NT], sn[NT];
		float *og = malloc(hd * sizeof(float)), *oa = malloc(hd * sizeof(float));
		float *of = malloc(hd * sizeof(float)), *on = malloc(hd * sizeof(float));
		bool same, as_f32, fallback;

		for (j = 0; j < hd; j++)
			q[j] = grand();
		for (j = 0; j < NT * hd; j++)
			kv[j] = grand();
		slmq_f32_to_f16_row(&slmq_kernels_avx2, kh, kv, NT * hd);
		slmq_f32_to_f16_row(&none, kn, kv, NT * hd);
		for (j = 0; j < NT * hd; j++)
			kw[j] = slmq_f16_to_f32(kh[j]);
		slmq_attn_scores_f16_generic(q, kh, hd, NT, 0.125f, sg);
		slmq_attn_scores_f16_avx2(q, kh, hd, NT, 0.125f, sa);
		slmq_attn_scores_generic(q, kw, hd, NT, 0.125f, sf);
		slmq_attn_scores_f16(&none, q, kh, hd, NT, 0.125f, sn);
		same = !memcmp(sg, sa, sizeof(sg));
		as_f32 = !memcmp(sg, sf, sizeof(sg));
		fallback = !memcmp(sg, sn, sizeof(sg)) && !memcmp(kh, kn, NT * hd * sizeof(u16));
		slmq_attn_wsum_f16_generic(og, sg, kh, hd, NT);
		slmq_attn_wsum_f16_avx2(oa, sg, kh, hd, NT);
		slmq_attn_wsum_generic(of, sg, kw, hd, NT);
		slmq_attn_wsum_f16(&none, on, sg, kh, hd, NT);
		same &= !memcmp(og, oa, hd * sizeof(float));
		as_f32 &= !memcmp(og, of, hd * sizeof(float));
		fallback &= !memcmp(og, on, hd * sizeof(float));
		tap_ok(same, "F16 KV attention scores and weighted sum, head dim %u: same bits on both paths", hd);
		tap_ok(as_f32, "F16 KV attention, head dim %u: the F32 kernels' bits on the widened cache", hd);
		tap_ok(fallback, "F16 KV attention, head dim %u: a table without F16 entries falls back to generic's", hd);
		free(q);
		free(kv);
		free(kw);
		free(kh);
		free(kn);
		free(og);
		free(oa);
		free(of);
		free(on);
	}
}

/* Run n greedy steps from prompt with a given kernel choice; keep all logits. */
static int run_greedy(const struct slmq_model *m, bool avx2, const u32 *prompt,
		      u32 np, u32 steps, u32 *out, float *logits)
{
	struct slmq_env env;
	struct slmq_sampler sp;
	struct slmq_session *s;
	struct slmq_err err = { 0 };
	u32 i, tok = 0, nv = m->hp.n_vocab;

	cli_env_init(&env);
	env.kernels = avx2 ? alt : &slmq_kernels_generic;
	s = slmq_session_new(m, &env, 0, &err);
	if (!s) {
		tap_diag("session: %s", err.msg);
		return -1;
	}
	slmq_sampler_init(&sp, 0, 0, 0x3f800000u, 1);
	for (i = 0; i < np + steps - 1; i++) {
		tok = i < np ? prompt[i] : out[i - np];
		if (slmq_session_eval(s, tok))
			break;
		if (i >= np - 1) {
			out[i - np + 1] = slmq_sample(&sp, s);
			memcpy(logits + (size_t)(i - np + 1) * nv,
			       slmq_session_logits(s), nv * sizeof(float));
		}
	}
	slmq_session_free(s);
	return 0;
}

static void compare_paths(const struct slmq_model *m, const char *what,
			  const u32 *prompt, u32 np, u32 steps, bool exact)
{
	size_t nl = (size_t)steps * m->hp.n_vocab, i;
	float *lg = calloc(nl, sizeof(float)), *la = calloc(nl, sizeof(float));
	u32 *tg = calloc(steps, sizeof(u32)), *ta = calloc(steps, sizeof(u32));
	double worst = 0;

	if (run_greedy(m, false, prompt, np, steps, tg, lg) ||
	    run_greedy(m, true, prompt, np, steps, ta, la)) {
		tap_ok(0, "%s: sessions", what);
		goto out;
	}
	for (i = 0; i < nl; i++)
		worst = fmax(worst, fabs((double)lg[i] - la[i]));
	tap_ok(!memcmp(tg, ta, steps * sizeof(u32)),
	       "%s: generic and SIMD give the same %u greedy tokens", what, steps);
	if (exact)
		tap_ok(!memcmp(lg, la, nl * sizeof(float)),
		       "%s: logits identical bit for bit (max diff %.2e)", what, worst);
	else
		tap_ok(worst <= LOGIT_TOL, "%s: logits agree within %g (max diff %.2e)",
		       what, LOGIT_TOL, worst);
out:
	free(lg);
	free(la);
	free(tg);
	free(ta);
}

static const u32 prompt[] = { 1, 342, 574, 1956, 2009, 1984, 2009, 2012, 284 };

static void test_fixture_model(void)
{
	static const u32 types[] = { SLMQ_TYPE_F16, SLMQ_TYPE_Q8_0,
				     SLMQ_TYPE_Q4_0, SLMQ_TYPE_Q4_1 };
	char path[4200], what[64];
	struct cli_model cm;
	struct slmq_err err = { 0 };
	u32 t;

	snprintf(path, sizeof(path), "%s/pcilm-tiny", tap_fixture_dir());
	if (cli_model_open(path, &cm, &err)) {
		tap_ok(0, "open %s: %s", path, err.msg);
		return;
	}
	compare_paths(&cm.model, "pcilm-tiny f16", prompt, ARRAY_SIZE(prompt), 48,
		      false);
	/* the same model with its matrices (output head too) re-quantized in memory */
	for (t = 1; t < ARRAY_SIZE(types); t++) {
		struct slmq_model qm = cm.model;
		struct slmq_layer *layers = calloc(qm.hp.n_layer + 1, sizeof(*layers));
		void **bufs = calloc(qm.hp.n_layer * 7 + 1, sizeof(void *));
		u32 l, k, nb = 0;

		for (l = 0; l <= qm.hp.n_layer; l++) {
			struct slmq_tensor *mats[] = { &layers[l].wq, &layers[l].wk,
				&layers[l].wv, &layers[l].wo, &layers[l].w_gate,
				&layers[l].w_up, &layers[l].w_down };
			bool head = l == qm.hp.n_layer;

			if (!head)
				layers[l] = cm.model.layers[l];
			for (k = 0; k < (head ? 1 : ARRAY_SIZE(mats)); k++) {
				struct slmq_tensor *w = head ? &qm.output : mats[k];
				u64 rb = slmq_row_bytes(types[t], w->ne0), r;
				float *row = malloc(w->ne0 * sizeof(float));
				u8 *q = malloc(rb * w->ne1);

				for (r = 0; r < w->ne1; r++) {
					slmq_tensor_row(w, r, row);
					slmq_quantize_row(types[t], row, q + r * rb, w->ne0);
				}
				free(row);
				w->type = types[t];
				w->data = q;
				w->nbytes = rb * w->ne1;
				bufs[nb++] = q;
			}
		}
		qm.layers = layers;
		snprintf(what, sizeof(what), "pcilm-tiny %s", slmq_type_name(types[t]));
		compare_paths(&qm, what, prompt, ARRAY_SIZE(prompt), 48, true);
		/* a weight of -128 keeps a Q8_0 matrix out of G8 (see interleave.c) */
		if (types[t] == SLMQ_TYPE_Q8_0)
			((u8 *)layers[0].wq.data)[5] = 0x80;
		tap_ok(!slmq_model_interleave(&qm, &cli_allocator, &err) &&
		       layers[0].w_up.layout == SLMQ_LAYOUT_G8 &&
		       qm.output.layout == SLMQ_LAYOUT_G8 &&
		       layers[0].wq.layout == (types[t] == SLMQ_TYPE_Q8_0 ?
					       SLMQ_LAYOUT_GGML : SLMQ_LAYOUT_G8),
		       "pcilm-tiny %s: packed (a q8_0 matrix holding -128 left in ggml's layout)",
		       slmq_type_name(types[t]));
		snprintf(what, sizeof(what), "pcilm-tiny %s packed", slmq_type_name(types[t]));
		compare_paths(&qm, what, prompt, ARRAY_SIZE(prompt), 48, true);
		for (k = 0; k < nb; k++)
			free(bufs[k]);
		free(bufs);
		free(layers);
	}
	cli_model_close(&cm);
}

int main(void)
{
	struct slmq_env env;

	cli_env_init(&env);
#ifdef SLMQ_KERNELS_AVX2
	alt = &slmq_kernels_avx2;	/* auto may pick a VNNI table: test_vnni compares those */
#else
	alt = env.kernels;
#endif
	if (alt == &slmq_kernels_generic || (cli_cpu_features() & alt->needs) != alt->needs) {
		/* x86-64 machines here all have AVX2, arm64 ones NEON: nothing to compare otherwise */
		tap_ok(0, "this CPU has SIMD kernels (%s) to compare with generic", SLMQ_KERNELS_PATHS);
		return tap_done();
	}
	tap_diag("SIMD kernels: %s", alt->name);
	test_act();
	test_act_nonfinite();
	test_dots();
	test_attention();
	test_f16_rounding();
	test_attention_f16();
	test_exp_arrays();
	test_g8();
	test_q8_min();
	test_fixture_model();
	return tap_done();
}
