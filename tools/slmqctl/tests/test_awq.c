// SPDX-License-Identifier: GPL-2.0
/* AWQ: folding is exact in FP, the scale and clip searches lower the error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "quant/awq.h"
#include "quant/awq_fold.h"
#include "quant/gptq.h"
#include "quant/qgroup.h"
#include "../../kmod/engine/type_traits.h"

static u64 rng = 0x9e3779b97f4a7c15ull;

static float gauss(void)
{
	double u, v;

	rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
	u = (double)(rng >> 11) / 9007199254740992.0 + 1e-12;
	rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
	v = (double)(rng >> 11) / 9007199254740992.0;
	return (float)(sqrt(-2 * log(u)) * cos(6.283185307179586 * v));
}

static float *randm(size_t n, float scale, float bias)
{
	float *m = malloc(n * sizeof(float));
	size_t i;

	for (i = 0; i < n; i++)
		m[i] = bias + scale * gauss();
	return m;
}

static const struct lf_dims dims = {
	.n_embd = 64, .n_head = 4, .n_head_kv = 2, .head_dim = 16, .n_ff = 96,
	.eps = 1e-5f, .theta = 10000.0f,
};

static void test_fold_exact(void)
{
	const struct lf_dims *d = &dims;
	u32 E = d->n_embd, nq = d->n_head * d->head_dim, nkv = d->n_head_kv * d->head_dim;
	u32 nseq = 3, L = 20, T = nseq * L, i;
	struct lf_weights w = {
		.attn_norm = randm(E, 0.2f, 1.0f), .wq = randm(nq * E, 0.1f, 0),
		.wk = randm(nkv * E, 0.1f, 0), .wv = randm(nkv * E, 0.1f, 0),
		.wo = randm(E * nq, 0.1f, 0), .ffn_norm = randm(E, 0.2f, 1.0f),
		.wg = randm(d->n_ff * E, 0.1f, 0), .wu = randm(d->n_ff * E, 0.1f, 0),
		.wd = randm(E * d->n_ff, 0.1f, 0),
	};
	float *x0 = randm(T * E, 1.0f, 0), *y0 = malloc(T * E * 4), *y1 = malloc(T * E * 4);
	float s[4][128];
	double maxd = 0, maxy = 0;

	memcpy(y0, x0, T * E * 4);
	memcpy(y1, x0, T * E * 4);
	tap_ok(!lf_forward(d, &w, y0, nseq, L, NULL, NULL), "FP block forward runs");
	/* scales spanning ~e^+-2, the range AWQ produces */
	for (i = 0; i < 128; i++) {
		s[LF_ATTN_IN][i] = expf(0.7f * gauss());
		s[LF_O_IN][i] = expf(0.7f * gauss());
		s[LF_FFN_IN][i] = expf(0.7f * gauss());
		s[LF_DOWN_IN][i] = expf(0.7f * gauss());
	}
	awq_tie_gqa(d, s[LF_O_IN]);
	for (i = 0; i < LF_N_SITES; i++)
		awq_fold_site(d, &w, i, s[i]);
	lf_forward(d, &w, y1, nseq, L, NULL, NULL);
	for (i = 0; i < T * E; i++) {
		maxd = fmax(maxd, fabs(y1[i] - y0[i]));
		maxy = fmax(maxy, fabs(y0[i]));
	}
	tap_ok(maxd / maxy < 1e-5, "folded scales leave the block output unchanged: max rel diff %.2e", maxd / maxy);
	tap_ok(s[LF_O_IN][3] == s[LF_O_IN][16 + 3] && s[LF_O_IN][3] != s[LF_O_IN][32 + 3],
	       "GQA: o scales tied within a kv group, free across groups");
	free(w.attn_norm); free(w.wq); free(w.wk); free(w.wv); free(w.wo);
	free(w.ffn_norm); free(w.wg); free(w.wu); free(w.wd);
	free(x0); free(y0); free(y1);
}

/* Inputs with a few salient channels: AWQ's scales must beat plain RTN. */
static void test_search_and_clip(u32 type)
{
	const u32 rows = 48, n = 128, T = 1024;
	float *W = randm(rows * n, 0.05f, 0), *X = malloc(T * n * 4);
	float *xmean = calloc(n, 4), *s = malloc(n * 4), *Wc = malloc(rows * n * 4);
	float *q = malloc(rows * n * 4), *D = malloc(rows * n * 4);
	struct qg_params *par;
	struct gptq_hessian hs;
	struct awq_choice ch;
	struct awq_lin lin = { W, rows, type };
	double e_rtn = 0, e_clip = 0;
	u32 i, j, k, r;

	for (i = 0; i < T; i++)
		for (j = 0; j < n; j++) {
			X[i * n + j] = gauss() * (j % 17 == 3 ? 20.0f : 1.0f);
			xmean[j] += fabsf(X[i * n + j]) / T;
		}
	gptq_hessian_init(&hs, n);
	gptq_hessian_add(&hs, X, T, n);
	gptq_hessian_finish(&hs);	/* 2 X^T X / T: a multiple of the Gram matrix */
	awq_search_scales(&lin, 1, n, hs.h, xmean, 32, NULL, s, &ch);
	tap_ok(ch.alpha > 0 && ch.err_best < 0.9 * ch.err_plain,
	       "%s: scale search alpha %.2f, error %.4g < 0.9 x plain RTN %.4g",
	       slmq_type_name(type), ch.alpha, ch.err_best, ch.err_plain);
	/* clipping: error of the searched ranges vs plain RTN, both against W */
	par = malloc(rows * (n / 32) * sizeof(*par));
	awq_clip(W, rows, n, hs.h, type, 32, par);
	for (k = 0; k < 2; k++) {
		double e = 0;

		for (r = 0; r < rows; r++) {
			if (k)
				qg_quantize_row_params(type, W + r * n, n, 32, par + r * (n / 32),
						       NULL, q + r * n);
			else
				qg_quantize_row(type, W + r * n, n, 32, NULL, q + r * n);
		}
		for (i = 0; i < rows * n; i++)
			D[i] = q[i] - W[i];
		for (r = 0; r < rows; r++)
			for (i = 0; i < n; i++)
				for (j = 0; j < n; j++)
					e += (double)D[r * n + i] * hs.h[i * n + j] * D[r * n + j];
		*(k ? &e_clip : &e_rtn) = e;
	}
	tap_ok(e_clip < e_rtn, "%s: clipping search lowers the output error %.4g -> %.4g",
	       slmq_type_name(type), e_rtn, e_clip);
	gptq_hessian_free(&hs);
	free(W); free(X); free(xmean); free(s); free(Wc); free(q); free(D); free(par);
}

int main(void)
{
	test_fold_exact();
	test_search_and_clip(SLMQ_TYPE_Q4_0);
	test_search_and_clip(SLMQ_TYPE_Q4_1);
	return tap_done();
}
