// SPDX-License-Identifier: GPL-2.0
/* GPTQ: error reduction over RTN, a hand-checked example, damping, groups. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "quant/gptq.h"
#include "quant/qgroup.h"
#include "../../kmod/engine/quant.h"

static u64 rng = 88172645463325252ull;

static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static float gauss(void)
{
	double u = uniform() + 1e-12, v = uniform();

	return (float)(sqrt(-2 * log(u)) * cos(6.283185307179586 * v));
}

/* ||(Wq - W) X^T||^2: the layer-output error on the calibration inputs. */
static double out_err(const float *W, const float *Wq, const float *X,
		      u32 rows, u32 cols, u32 tokens)
{
	double e = 0;
	u32 r, t, c;

	for (r = 0; r < rows; r++)
		for (t = 0; t < tokens; t++) {
			double s = 0;

			for (c = 0; c < cols; c++)
				s += (double)(Wq[r * cols + c] - W[r * cols + c]) * X[t * cols + c];
			e += s * s;
		}
	return e;
}

static void hessian_of(const float *X, u32 tokens, u32 cols, float *H)
{
	struct gptq_hessian hs;

	gptq_hessian_init(&hs, cols);
	/* two calls: the running sum must be the same as one */
	gptq_hessian_add(&hs, X, tokens / 2, cols);
	gptq_hessian_add(&hs, X + (size_t)(tokens / 2) * cols, tokens - tokens / 2, cols);
	gptq_hessian_finish(&hs);
	memcpy(H, hs.h, (size_t)cols * cols * sizeof(float));
	gptq_hessian_free(&hs);
}

/* The dequantized blocks must be exactly the deq matrix GPTQ reports. */
static int blocks_match(u32 type, const void *blk, const float *deq, u32 rows, u32 cols)
{
	float *row = malloc(cols * sizeof(float));
	size_t rb = slmq_row_bytes(type, cols);
	int ok = 1;
	u32 r;

	for (r = 0; r < rows; r++) {
		slmq_dequantize_row(type, (const u8 *)blk + r * rb, row, cols);
		if (memcmp(row, deq + (size_t)r * cols, cols * sizeof(float)))
			ok = 0;
	}
	free(row);
	return ok;
}

static void test_beats_rtn(u32 type, bool act_order)
{
	const u32 rows = 64, cols = 256, tokens = 2048, latent = 24;
	float *W = malloc(rows * cols * 4), *X = malloc(tokens * cols * 4);
	float *A = malloc(latent * cols * 4), *H = malloc(cols * cols * 4);
	float *rtn = malloc(rows * cols * 4), *deq = malloc(rows * cols * 4);
	void *blk = malloc(rows * slmq_row_bytes(type, cols));
	struct gptq_hinv p;
	struct slmq_err se = { 0 };
	double e_rtn, e_gptq;
	u32 i, t, k, c;

	for (i = 0; i < rows * cols; i++)
		W[i] = gauss() * 0.05f;
	for (i = 0; i < latent * cols; i++)
		A[i] = gauss();
	/* correlated inputs: a few latent factors plus a little noise, uneven channel scales */
	for (t = 0; t < tokens; t++) {
		float z[24];

		for (k = 0; k < latent; k++)
			z[k] = gauss();
		for (c = 0; c < cols; c++) {
			float s = 0.1f * gauss();

			for (k = 0; k < latent; k++)
				s += z[k] * A[k * cols + c];
			X[t * cols + c] = s * (1.0f + 3.0f * (c % 7 == 0));
		}
	}
	hessian_of(X, tokens, cols, H);
	for (i = 0; i < rows; i++)
		qg_quantize_row(type, W + i * cols, cols, 32, NULL, rtn + i * cols);
	tap_ok(!gptq_prepare(&p, H, cols, 0.01f, act_order, &se), "prepare: %s", "ok");
	tap_ok(!gptq_quantize(&p, W, rows, type, 32, blk, deq, NULL), "quantize %s%s",
	       slmq_type_name(type), act_order ? " act-order" : "");
	e_rtn = out_err(W, rtn, X, rows, cols, tokens);
	e_gptq = out_err(W, deq, X, rows, cols, tokens);
	tap_ok(e_gptq < 0.6 * e_rtn, "%s%s: GPTQ output error %.4g < 0.6 x RTN %.4g (ratio %.3f)",
	       slmq_type_name(type), act_order ? " act-order" : "", e_gptq, e_rtn, e_gptq / e_rtn);
	tap_ok(blocks_match(type, blk, deq, rows, cols), "blocks dequantize to GPTQ's weights");
	gptq_hinv_free(&p);
	free(W); free(X); free(A); free(H); free(rtn); free(deq); free(blk);
}

/*
 * Hand-checked 4x8 example.  Columns 0..7 carry the example; column 31 holds
 * 127 so the Q8_0 scale of the one 32-weight group is exactly 1 and codes are
 * round(w).  H is block diagonal: an 8x8 block built so that the upper
 * Cholesky factor of H^-1 is U = I + 0.5 * superdiagonal (H = U^-1 U^-T),
 * identity elsewhere, and no damping.  Then GPTQ is, per row:
 *   q_j = round(w_j), e_j = w_j - q_j, w_{j+1} -= 0.5 e_j.
 * Row 0: w = .3 .8 -1.2 2.45 .1 -.7 1.6 .05
 *   .3->0 (e .3); .8-.15=.65->1 (e -.35); -1.2+.175=-1.025->-1 (e -.025);
 *   2.45+.0125=2.4625->2 (e .4625); .1-.23125=-.13125->0 (e -.13125);
 *   -.7+.065625=-.634375->-1 (e .365625); 1.6-.1828125=1.4171875->1;
 *   .05-.20859375=-.15859375->0.       GPTQ 0 1 -1 2 0 -1 1 0 (RTN has 2 at col 6)
 * Row 1: w = .45 x4, -.45 x4
 *   .45->0; .225->0; .3375->0; .28125->0; -.590625->-1 (e .409375);
 *   -.6546875->-1 (e .3453125); -.62265625->-1 (e .37734375); -.638671875->-1
 *                                      GPTQ 0 0 0 0 -1 -1 -1 -1 (RTN all 0)
 * Row 2: w = 1.7 -.6 .9 0 3.3 -2.2 .55 -.35
 *   1.7->2 (e -.3); -.45->0 (e -.45); 1.125->1 (e .125); -.0625->0;
 *   3.33125->3 (e .33125); -2.365625->-2 (e -.365625); .7328125->1;
 *   -.21640625->0                      GPTQ 2 0 1 0 3 -2 1 0 (RTN -1 at col 1)
 * Row 3: w = -.8 .1 .7 -.3 .2 1.1 -1.4 .6
 *   -.8->-1 (e .2); 0->0; .7->1 (e -.3); -.15->0; .275->0 (e .275);
 *   .9625->1 (e -.0375); -1.38125->-1 (e -.38125); .790625->1
 *                                      GPTQ -1 0 1 0 0 1 -1 1 (same as RTN)
 */
static void test_hand_example(void)
{
	static const float w8[4][8] = {
		{ .3f, .8f, -1.2f, 2.45f, .1f, -.7f, 1.6f, .05f },
		{ .45f, .45f, .45f, .45f, -.45f, -.45f, -.45f, -.45f },
		{ 1.7f, -.6f, .9f, 0, 3.3f, -2.2f, .55f, -.35f },
		{ -.8f, .1f, .7f, -.3f, .2f, 1.1f, -1.4f, .6f },
	};
	static const int want[4][8] = {
		{ 0, 1, -1, 2, 0, -1, 1, 0 },
		{ 0, 0, 0, 0, -1, -1, -1, -1 },
		{ 2, 0, 1, 0, 3, -2, 1, 0 },
		{ -1, 0, 1, 0, 0, 1, -1, 1 },
	};
	const u32 n = 32;
	double uinv[8][8] = { { 0 } };
	float W[4 * 32] = { 0 }, H[32 * 32] = { 0 }, deq[4 * 32];
	struct slmq_block_q8_0 blk[4];
	struct gptq_hinv p;
	struct slmq_err se = { 0 };
	int r, j, k, ok = 1;

	/* U^-1 of the bidiagonal U: [U^-1]_jk = (-0.5)^(k-j) for k >= j */
	for (j = 0; j < 8; j++)
		for (k = j; k < 8; k++)
			uinv[j][k] = pow(-0.5, k - j);
	for (j = 0; j < 32; j++)
		for (k = 0; k < 32; k++) {
			double s = 0;
			int m;

			if (j >= 8 || k >= 8) {
				H[j * n + k] = j == k;
				continue;
			}
			for (m = 0; m < 8; m++)
				s += uinv[j][m] * uinv[k][m];
			H[j * n + k] = (float)s;
		}
	for (r = 0; r < 4; r++) {
		memcpy(W + r * n, w8[r], sizeof(w8[r]));
		W[r * n + 31] = 127;
	}
	tap_ok(!gptq_prepare(&p, H, n, 0.0f, false, &se) && !p.damp_raises,
	       "hand example: H factors without damping");
	for (j = 0; j < 7; j++)
		if (fabsf(p.u[j * n + j] - 1) > 1e-5f || fabsf(p.u[j * n + j + 1] - 0.5f) > 1e-5f)
			ok = 0;
	tap_ok(ok, "hand example: upper Cholesky of H^-1 is I + 0.5 superdiagonal");
	gptq_quantize(&p, W, 4, SLMQ_TYPE_Q8_0, 32, blk, deq, NULL);
	ok = 1;
	for (r = 0; r < 4; r++) {
		ok &= blk[r].d == slmq_f32_to_f16(1.0f) && blk[r].qs[31] == 127;
		for (j = 0; j < 8; j++) {
			if (blk[r].qs[j] != want[r][j] || deq[r * n + j] != want[r][j]) {
				tap_diag("row %d col %d: got %d want %d", r, j, blk[r].qs[j], want[r][j]);
				ok = 0;
			}
		}
	}
	tap_ok(ok, "hand example: codes equal the hand computation");
	gptq_hinv_free(&p);
}

/* H = I - 1.005 u u^T: one eigenvalue -0.005, so damping must reach 1e-2. */
static void test_damping(void)
{
	const u32 n = 32;
	float H[32 * 32], u[32], W[2 * 32], deq[2 * 32];
	struct gptq_hinv p;
	struct slmq_err se = { 0 };
	const char *err = se.msg;
	u32 i, j;
	int rc;

	for (i = 0; i < n; i++)
		u[i] = 1.0f / sqrtf((float)n);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			H[i * n + j] = (i == j) - 1.005f * u[i] * u[j];
	rc = gptq_prepare(&p, H, n, 1e-4f, false, &se);
	tap_ok(!rc && p.damp_raises == 2 && fabsf(p.damp_frac - 1e-2f) < 1e-6f,
	       "indefinite H: damping raised %u times to %g", p.damp_raises, p.damp_frac);
	for (i = 0; i < 2 * n; i++)
		W[i] = gauss();
	tap_ok(!rc && !gptq_quantize(&p, W, 2, SLMQ_TYPE_Q4_0, 32, NULL, deq, NULL),
	       "quantizes after the raise");
	if (!rc)
		gptq_hinv_free(&p);
	for (i = 0; i < n * n; i++)
		H[i] = -(float)(i % (n + 1) == 0);
	rc = gptq_prepare(&p, H, n, 0.01f, false, &se);
	tap_ok(rc && strstr(err, "not positive definite"), "negative definite H refused: %s", err);
}

/* Dead inputs are zeroed; groups of 64/128 repeat one scale per group. */
static void test_dead_and_groups(void)
{
	const u32 rows = 8, cols = 256, tokens = 512;
	float *W = malloc(rows * cols * 4), *X = malloc(tokens * cols * 4);
	float *H = malloc(cols * cols * 4), *deq = malloc(rows * cols * 4);
	struct slmq_block_q4_1 *blk = malloc(rows * cols / 32 * sizeof(*blk));
	struct gptq_hinv p;
	struct slmq_err se = { 0 };
	u32 gs, i, r, b, ok;

	for (i = 0; i < rows * cols; i++)
		W[i] = gauss();
	for (i = 0; i < tokens * cols; i++)
		X[i] = i % cols == 5 ? 0.0f : gauss();	/* input 5 never fires */
	hessian_of(X, tokens, cols, H);
	for (gs = 32; gs <= 128; gs *= 2) {
		for (int ao = 0; ao < 2; ao++) {
			gptq_prepare(&p, H, cols, 0.01f, ao, &se);
			gptq_quantize(&p, W, rows, SLMQ_TYPE_Q4_1, gs, blk, deq, NULL);
			ok = p.n_dead == 1 && blocks_match(SLMQ_TYPE_Q4_1, blk, deq, rows, cols);
			for (r = 0; r < rows; r++) {
				ok &= deq[r * cols + 5] == qg_value(SLMQ_TYPE_Q4_1, &(struct qg_params){
					.d = slmq_f16_to_f32(blk[r * 8].d), .m = slmq_f16_to_f32(blk[r * 8].m) },
					(int)(blk[r * 8].qs[5] & 15));
				for (b = 0; b < cols / 32; b++) {
					const struct slmq_block_q4_1 *g0 = &blk[r * 8 + b / (gs / 32) * (gs / 32)];

					ok &= blk[r * 8 + b].d == g0->d && blk[r * 8 + b].m == g0->m;
				}
			}
			/* the dead input's weight is zero, so it quantizes to the code nearest 0 */
			for (r = 0; r < rows; r++)
				ok &= fabsf(deq[r * cols + 5]) <= fabsf(slmq_f16_to_f32(blk[r * 8].d)) / 2 + 1e-6f;
			tap_ok(ok, "Q4_1 group %u%s: one dead column zeroed, scale repeated per group, blocks exact",
			       gs, ao ? " act-order" : "");
			gptq_hinv_free(&p);
		}
	}
	gptq_prepare(&p, H, cols, 0.01f, false, &se);
	tap_ok(gptq_quantize(&p, W, rows, SLMQ_TYPE_Q4_0, 96, NULL, deq, NULL) == -EINVAL,
	       "group size 96 refused");
	gptq_hinv_free(&p);
	free(W); free(X); free(H); free(deq); free(blk);
}

/* RTN with groups: group 32 is ggml's bytes; 64/128 repeat one scale per group. */
static void test_rtn_groups(void)
{
	const u32 n = 256;
	float w[256], deq[256], back[256];
	struct slmq_block_q4_0 ref[8], b[8];
	u32 gs, i, ok;

	for (i = 0; i < n; i++)
		w[i] = gauss() * (1.0f + (i / 32) * 0.5f);
	qg_quantize_row(SLMQ_TYPE_Q4_0, w, n, 32, b, deq);
	slmq_quantize_row(SLMQ_TYPE_Q4_0, w, ref, n);
	tap_ok(!memcmp(b, ref, sizeof(b)), "RTN group 32 is bit-exact ggml Q4_0");
	for (gs = 64; gs <= 128; gs *= 2) {
		qg_quantize_row(SLMQ_TYPE_Q4_0, w, n, gs, b, deq);
		slmq_dequantize_row(SLMQ_TYPE_Q4_0, b, back, n);
		ok = !memcmp(back, deq, sizeof(deq));
		for (i = 0; i < 8; i++) {
			u32 first = i / (gs / 32) * (gs / 32);
			float amax = 0;

			ok &= b[i].d == b[first].d;
			for (u32 j = first * 32; j < first * 32 + gs; j++)
				amax = fmaxf(amax, fabsf(w[j]));
			/* the group's largest weight sets the scale: |d| = amax / 8 (in f16) */
			ok &= fabsf(fabsf(slmq_f16_to_f32(b[i].d)) - amax / 8) <= amax / 8 / 512;
		}
		tap_ok(ok, "RTN group %u: one f16 scale per group repeated in its blocks, exact dequantization", gs);
	}
}

int main(void)
{
	test_rtn_groups();
	test_hand_example();
	test_beats_rtn(SLMQ_TYPE_Q4_0, false);
	test_beats_rtn(SLMQ_TYPE_Q4_0, true);
	test_beats_rtn(SLMQ_TYPE_Q4_1, false);
	test_beats_rtn(SLMQ_TYPE_Q8_0, false);
	test_damping();
	test_dead_and_groups();
	return tap_done();
}
