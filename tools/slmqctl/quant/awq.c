// SPDX-License-Identifier: GPL-2.0
/* AWQ scale search, folding helpers and clipping search. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "awq.h"
#include "awq_fold.h"
#include "qgroup.h"

void awq_scales_for(const float *xmean, u32 n, float alpha, float *s)
{
	float lo = INFINITY, hi = 0, norm;
	u32 j;

	for (j = 0; j < n; j++) {
		s[j] = powf(xmean[j], alpha);
		s[j] = s[j] < 1e-4f ? 1e-4f : s[j];	/* as the reference code clamps */
		lo = s[j] < lo ? s[j] : lo;
		hi = s[j] > hi ? s[j] : hi;
	}
	norm = sqrtf(lo * hi);
	for (j = 0; j < n; j++)
		s[j] /= norm;
}

void awq_scale_cols(float *W, u32 rows, u32 n, const float *s)
{
	u32 r, j;

	for (r = 0; r < rows; r++)
		for (j = 0; j < n; j++)
			W[(size_t)r * n + j] *= s[j];
}

void awq_div_rows(float *W, u32 rows, u32 n, const float *s)
{
	u32 r, j;

	for (r = 0; r < rows; r++)
		for (j = 0; j < n; j++)
			W[(size_t)r * n + j] /= s[r];
}

void awq_div_vec(float *v, u32 n, const float *s)
{
	u32 j;

	for (j = 0; j < n; j++)
		v[j] /= s[j];
}

void awq_rescale_gram(float *G, u32 n, const float *s)
{
	u32 i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			G[(size_t)i * n + j] /= s[i] * s[j];
}

/*
 * sum_rows d G d^T for D = Q(W diag s) diag(1/s) - W: the quantized
 * linear's squared output error per calibration token.
 */
static double scaled_err(const struct awq_lin *l, u32 n, const float *G,
			 const float *s, u32 gs, float *D, float *DG)
{
	u32 r, j;
	double e = 0;

	for (r = 0; r < l->rows; r++) {
		const float *w = l->W + (size_t)r * n;
		float *d = D + (size_t)r * n;

		for (j = 0; j < n; j++)
			d[j] = w[j] * s[j];
		qg_quantize_row(l->type, d, n, gs, NULL, d);
		for (j = 0; j < n; j++)
			d[j] = d[j] / s[j] - w[j];
	}
	cblas_ssymm(CblasRowMajor, CblasRight, CblasUpper, l->rows, n, 1.0f,
		    G, n, D, n, 0.0f, DG, n);
	for (j = 0; j < l->rows * n; j++)
		e += (double)D[j] * DG[j];
	return e;
}

/*
 * Mean over all rows of the linears of |w| / max|w| of its group, per input
 * channel: AutoAWQ's "duo scaling" statistic of how large a channel's
 * weights are relative to their group.
 */
static void weight_means(const struct awq_lin *lins, u32 nlin, u32 n, u32 gs,
			 float *wmean)
{
	u32 k, r, g, j, rows = 0;
	double *acc = calloc(n, sizeof(double));

	for (k = 0; k < nlin; k++) {
		for (r = 0; r < lins[k].rows; r++) {
			const float *w = lins[k].W + (size_t)r * n;

			for (g = 0; g < n; g += gs) {
				float amax = 0;

				for (j = g; j < g + gs; j++)
					amax = fabsf(w[j]) > amax ? fabsf(w[j]) : amax;
				for (j = g; j < g + gs; j++)
					acc[j] += fabsf(w[j]) / (amax + 1e-6f);
			}
		}
		rows += lins[k].rows;
	}
	for (j = 0; j < n; j++)
		wmean[j] = (float)(acc[j] / rows);
	free(acc);
}

/* Candidate k: plain x^alpha for k < AWQ_GRID, duo x^alpha / w^(1-alpha) after. */
static void candidate(const float *xmean, const float *wmean, u32 n, u32 k, float *s)
{
	float alpha = (float)(k % AWQ_GRID) / AWQ_GRID;
	u32 j;

	if (k < AWQ_GRID) {
		awq_scales_for(xmean, n, alpha, s);
		return;
	}
	for (j = 0; j < n; j++)
		s[j] = powf(xmean[j], alpha) / (powf(wmean[j], 1.0f - alpha) + 1e-4f);
	awq_scales_for(s, n, 1.0f, s);	/* clamp and normalise */
}

int awq_search_scales(const struct awq_lin *lins, u32 nlin, u32 n,
		      const float *G, const float *xmean, u32 gs,
		      const struct lf_dims *gqa_tie, float *s,
		      struct awq_choice *ch)
{
	u32 maxr = 0, i, k;
	float *D, *DG, *cur, *wmean;
	double best = INFINITY;

	for (k = 0; k < nlin; k++)
		maxr = lins[k].rows > maxr ? lins[k].rows : maxr;
	D = malloc((size_t)maxr * n * sizeof(float));
	DG = malloc((size_t)maxr * n * sizeof(float));
	cur = malloc(n * sizeof(float));
	wmean = malloc(n * sizeof(float));
	if (!D || !DG || !cur || !wmean) {
		free(D); free(DG); free(cur); free(wmean);
		return -ENOMEM;
	}
	weight_means(lins, nlin, n, gs, wmean);
	for (i = 0; i < 2 * AWQ_GRID; i++) {
		double e = 0;

		candidate(xmean, wmean, n, i, cur);
		if (gqa_tie)
			awq_tie_gqa(gqa_tie, cur);
		for (k = 0; k < nlin; k++)
			e += scaled_err(&lins[k], n, G, cur, gs, D, DG);
		if (i == 0)
			ch->err_plain = e;
		if (e < best) {
			best = e;
			ch->alpha = (float)(i % AWQ_GRID) / AWQ_GRID;
			ch->duo = i >= AWQ_GRID;
			memcpy(s, cur, n * sizeof(float));
		}
	}
	ch->err_best = best;
	free(D); free(DG); free(cur); free(wmean);
	return 0;
}

/* d^T G_gg d for the group starting at column c0. */
static double group_err(const float *d, const float *G, u32 n, u32 c0, u32 gs)
{
	double e = 0;
	u32 i, j;

	for (i = 0; i < gs; i++) {
		double t = 0;

		for (j = 0; j < gs; j++)
			t += (double)G[(size_t)(c0 + i) * n + c0 + j] * d[j];
		e += t * d[i];
	}
	return e;
}

/* Candidate quantization range c of a group with max |w| amax (and min/max lo, hi). */
static bool clip_candidate(u32 type, u32 c, float amax, float lo, float hi,
			   struct qg_params *p)
{
	u32 steps = (u32)(AWQ_CLIP_GRID * AWQ_CLIP_MAX_SHRINK);
	float m = amax * (1.0f - (float)(c % steps) / AWQ_CLIP_GRID);

	switch (type) {
	case SLMQ_TYPE_Q4_0:
		/* Q4_0 spans [-8d, 7d]: try giving the extra level to either sign */
		if (c >= 2 * steps)
			return false;
		qg_set(p, c < steps ? m / 8 : -m / 8, 0.0f);
		return true;
	case SLMQ_TYPE_Q4_1: {
		/*
		 * An asymmetric range trims each end on its own: a share a of
		 * the range off the bottom, b off the top (a one-sided outlier
		 * is clipped without giving up the other side).
		 */
		u32 k = AWQ_CLIP_ASYM_STEPS;
		float a = (float)(c / k) / AWQ_CLIP_GRID, b = (float)(c % k) / AWQ_CLIP_GRID;
		float r = hi - lo;

		if (c >= k * k)
			return false;
		lo += a * r;
		hi -= b * r;
		qg_set(p, (hi - lo) / 15, lo);
		return true;
	}
	default:
		if (c >= steps)
			return false;
		qg_set(p, m / 127, 0.0f);
		return true;
	}
}

/* Scratch of one row's clipping search. */
struct clip_row {
	const float *G;
	u32 n, gs, type;
	float *e;		/* the row's error, w_hat - w, per column */
	float *v;		/* G[group, :] e over the other groups */
	float *d, *best_d;	/* a candidate's error on the group, the best one */
};

/*
 * Best range for the group at c0 given the errors chosen for the rest of
 * the row (its exact share of e^T G e); *par is the incumbent when keep.
 */
static void clip_group(struct clip_row *cr, const float *w, u32 c0, bool keep,
		       struct qg_params *par)
{
	u32 gs = cr->gs, n = cr->n, c, j;
	struct qg_params p, cur = keep ? *par : (struct qg_params){ 0 };
	float amax = 0, lo = w[0], hi = w[0];
	double best = INFINITY;

	memset(cr->e + c0, 0, gs * sizeof(float));
	cblas_sgemv(CblasRowMajor, CblasNoTrans, gs, n, 1.0f,
		    cr->G + (size_t)c0 * n, n, cr->e, 1, 0.0f, cr->v, 1);
	for (j = 0; j < gs; j++) {
		amax = fabsf(w[j]) > amax ? fabsf(w[j]) : amax;
		lo = w[j] < lo ? w[j] : lo;
		hi = w[j] > hi ? w[j] : hi;
	}
	/* plain RTN first (then the incumbent): a candidate must beat them */
	for (c = 0; ; c++) {
		double ev = 0;

		if (c == 0)
			qg_fit(cr->type, w, gs, &p);
		else if (c == 1 && keep)
			p = cur;
		else if (c == 1)
			continue;
		else if (!clip_candidate(cr->type, c - 2, amax, lo, hi, &p))
			break;
		for (j = 0; j < gs; j++) {
			cr->d[j] = qg_value(cr->type, &p, qg_code(cr->type, &p, w[j])) - w[j];
			ev += 2.0 * cr->d[j] * cr->v[j];
		}
		ev += group_err(cr->d, cr->G, n, c0, gs);
		if (ev < best) {
			best = ev;
			*par = p;
			memcpy(cr->best_d, cr->d, gs * sizeof(float));
		}
	}
	memcpy(cr->e + c0, cr->best_d, gs * sizeof(float));
}

int awq_clip(const float *W, u32 rows, u32 n, const float *G, u32 type, u32 gs,
	     struct qg_params *par)
{
	struct clip_row cr = {
		.G = G, .n = n, .gs = gs, .type = type,
		.e = malloc(n * sizeof(float)), .v = malloc(gs * sizeof(float)),
		.d = malloc(gs * sizeof(float)), .best_d = malloc(gs * sizeof(float)),
	};
	u32 r, c0, pass;
	int rc = 0;

	if (!cr.e || !cr.v || !cr.d || !cr.best_d) {
		rc = -ENOMEM;
		goto out;
	}
	for (r = 0; r < rows; r++) {
		memset(cr.e, 0, n * sizeof(float));
		/*
		 * Coordinate descent on the row's output error e^T G e: the
		 * first sweep sees the groups before each one, the next ones
		 * all of them; the incumbent stays a candidate, so the error
		 * never grows.
		 */
		for (pass = 0; pass < AWQ_CLIP_PASSES; pass++)
			for (c0 = 0; c0 < n; c0 += gs)
				clip_group(&cr, W + (size_t)r * n + c0, c0, pass > 0,
					   &par[(size_t)r * (n / gs) + c0 / gs]);
	}
out:
	free(cr.e); free(cr.v); free(cr.d); free(cr.best_d);
	return rc;
}
