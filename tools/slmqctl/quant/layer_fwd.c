// SPDX-License-Identifier: GPL-2.0
/* One decoder block, batched over calibration tokens, on OpenBLAS. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <cblas.h>

#include "layer_fwd.h"

void lf_rmsnorm(const float *x, const float *w, float *y, u32 ntok, u32 n,
		float eps)
{
	u32 t, i;

	for (t = 0; t < ntok; t++, x += n, y += n) {
		double ss = 0;
		float r;

		for (i = 0; i < n; i++)
			ss += (double)x[i] * x[i];
		r = 1.0f / sqrtf((float)(ss / n) + eps);
		for (i = 0; i < n; i++)
			y[i] = x[i] * r * w[i];
	}
}

/* y (ntok x out) = x (ntok x in) W^T, W out x in; beta 1 adds to y. */
static void linear(const float *x, const float *W, float *y, u32 ntok,
		   u32 in, u32 out, float beta)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ntok, out, in,
		    1.0f, x, in, W, in, beta, y, out);
}

/* HF rotate_half RoPE on nh heads of hd for positions 0..seqlen-1 of each sequence. */
static void rope(float *x, u32 ntok, u32 seqlen, u32 nh, u32 hd, float theta)
{
	u32 t, h, i, half = hd / 2;

	for (t = 0; t < ntok; t++) {
		float pos = (float)(t % seqlen);

		for (i = 0; i < half; i++) {
			float f = pos * powf(theta, -(float)(2 * i) / (float)hd);
			float c = cosf(f), s = sinf(f);

			for (h = 0; h < nh; h++) {
				float *v = x + ((size_t)t * nh + h) * hd;
				float a = v[i], b = v[i + half];

				v[i] = a * c - b * s;
				v[i + half] = b * c + a * s;
			}
		}
	}
}

/* Causal softmax attention for every sequence and head: out is ntok x nh*hd. */
static void attention(const struct lf_dims *d, const float *q, const float *k,
		      const float *v, float *out, float *sc, u32 nseq, u32 seqlen)
{
	u32 hd = d->head_dim, nq = d->n_head * hd, nkv = d->n_head_kv * hd;
	u32 grp = d->n_head / d->n_head_kv, s, h, i, j;
	float scale = 1.0f / sqrtf((float)hd);
	/* many small products: OpenBLAS's thread hand-off costs more than it gains */
	int nthr = openblas_get_num_threads();

	openblas_set_num_threads(1);
	for (s = 0; s < nseq; s++) {
		size_t t0 = (size_t)s * seqlen;

		for (h = 0; h < d->n_head; h++) {
			const float *qh = q + t0 * nq + h * hd;
			const float *kh = k + t0 * nkv + (h / grp) * hd;
			const float *vh = v + t0 * nkv + (h / grp) * hd;

			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, seqlen,
				    seqlen, hd, scale, qh, nq, kh, nkv, 0.0f, sc, seqlen);
			for (i = 0; i < seqlen; i++) {
				float *row = sc + (size_t)i * seqlen, max = row[0], sum = 0;

				for (j = 1; j <= i; j++)
					max = row[j] > max ? row[j] : max;
				for (j = 0; j <= i; j++) {
					row[j] = expf(row[j] - max);
					sum += row[j];
				}
				for (j = 0; j <= i; j++)
					row[j] /= sum;
				for (; j < seqlen; j++)
					row[j] = 0.0f;
			}
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, seqlen,
				    hd, seqlen, 1.0f, sc, seqlen, vh, nkv, 0.0f,
				    out + t0 * nq + h * hd, nq);
		}
	}
	openblas_set_num_threads(nthr);
}

static float silu(float x)
{
	return x / (1.0f + expf(-x));
}

int lf_forward(const struct lf_dims *d, const struct lf_weights *w, float *x,
	       u32 nseq, u32 seqlen, lf_capture_fn cap, void *ctx)
{
	u32 T = nseq * seqlen, E = d->n_embd, F = d->n_ff;
	u32 nq = d->n_head * d->head_dim, nkv = d->n_head_kv * d->head_dim;
	size_t i;
	float *xn = malloc((size_t)T * E * sizeof(float));
	float *q = malloc((size_t)T * nq * sizeof(float));
	float *k = malloc((size_t)T * nkv * sizeof(float));
	float *v = malloc((size_t)T * nkv * sizeof(float));
	float *att = malloc((size_t)T * nq * sizeof(float));
	float *sc = malloc((size_t)seqlen * seqlen * sizeof(float));
	float *g = malloc((size_t)T * F * sizeof(float));
	float *u = malloc((size_t)T * F * sizeof(float));
	int ret = -ENOMEM;

	if (!xn || !q || !k || !v || !att || !sc || !g || !u)
		goto out;
	lf_rmsnorm(x, w->attn_norm, xn, T, E, d->eps);
	if (cap && (ret = cap(ctx, LF_ATTN_IN, xn, T, E)))
		goto out;
	linear(xn, w->wq, q, T, E, nq, 0.0f);
	linear(xn, w->wk, k, T, E, nkv, 0.0f);
	linear(xn, w->wv, v, T, E, nkv, 0.0f);
	rope(q, T, seqlen, d->n_head, d->head_dim, d->theta);
	rope(k, T, seqlen, d->n_head_kv, d->head_dim, d->theta);
	attention(d, q, k, v, att, sc, nseq, seqlen);
	if (cap && (ret = cap(ctx, LF_O_IN, att, T, nq)))
		goto out;
	linear(att, w->wo, x, T, nq, E, 1.0f);		/* residual: x += o(att) */
	lf_rmsnorm(x, w->ffn_norm, xn, T, E, d->eps);
	if (cap && (ret = cap(ctx, LF_FFN_IN, xn, T, E)))
		goto out;
	linear(xn, w->wg, g, T, E, F, 0.0f);
	linear(xn, w->wu, u, T, E, F, 0.0f);
	for (i = 0; i < (size_t)T * F; i++)
		g[i] = silu(g[i]) * u[i];
	if (cap && (ret = cap(ctx, LF_DOWN_IN, g, T, F)))
		goto out;
	linear(g, w->wd, x, T, F, E, 1.0f);		/* residual: x += down(h) */
	ret = 0;
out:
	free(xn); free(q); free(k); free(v); free(att); free(sc); free(g); free(u);
	return ret;
}
