// SPDX-License-Identifier: GPL-2.0
/*
 * GPTQ on row-major float matrices, with OpenBLAS/LAPACKE doing the O(n^3)
 * and O(rows n^2) work (multithreaded by OpenBLAS).
 *
 * Internally the weights are kept transposed (Wt: n x rows) so that "one
 * column of W for every row" is one contiguous vector and both the in-block
 * update (a rank-1 sger) and the lazy block update (an sgemm) are single
 * BLAS calls.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "gptq.h"
#include "qgroup.h"
#include "../../../kmod/engine/type_traits.h"

int gptq_hessian_init(struct gptq_hessian *hs, u32 n)
{
	hs->n = n;
	hs->count = 0;
	hs->h = calloc((size_t)n * n, sizeof(float));
	return hs->h ? 0 : -ENOMEM;
}

void gptq_hessian_add(struct gptq_hessian *hs, const float *x, u32 tokens, u32 ld)
{
	if (!tokens)
		return;
	/* upper triangle of sum x x^T, i.e. X^T X for X tokens x n */
	cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, hs->n, tokens,
		    1.0f, x, ld, 1.0f, hs->h, hs->n);
	hs->count += tokens;
}

void gptq_hessian_finish(struct gptq_hessian *hs)
{
	u32 n = hs->n, i, j;
	float s = hs->count ? 2.0f / (float)hs->count : 0.0f;

	for (i = 0; i < n; i++)
		for (j = i; j < n; j++) {
			hs->h[(size_t)i * n + j] *= s;
			hs->h[(size_t)j * n + i] = hs->h[(size_t)i * n + j];
		}
}

void gptq_hessian_free(struct gptq_hessian *hs)
{
	free(hs->h);
	hs->h = NULL;
}

void gptq_hinv_free(struct gptq_hinv *p)
{
	free(p->u);
	free(p->perm);
	free(p->dead);
	memset(p, 0, sizeof(*p));
}

/* Columns by decreasing diag(H), ties in column order (a stable order). */
static int by_diag_desc(const void *a, const void *b, void *ctx)
{
	const float *diag = ctx;
	u32 i = *(const u32 *)a, j = *(const u32 *)b;

	if (diag[i] != diag[j])
		return diag[i] > diag[j] ? -1 : 1;
	return i < j ? -1 : i > j;
}

/*
 * H + damp I -> (H + damp I)^-1 -> its upper Cholesky factor, in place.
 * A symmetric row-major matrix is its own column-major transpose, so
 * column-major 'L' routines work on it directly, and the column-major lower
 * factor L of H^-1 = L L^T read row-major is L^T: the upper factor U with
 * H^-1 = U^T U that GPTQ wants.  Returns the failing LAPACK info or 0.
 */
static int hinv_factor(float *a, u32 n)
{
	int info;

	info = LAPACKE_spotrf(LAPACK_COL_MAJOR, 'L', n, a, n);
	if (info)
		return info;
	info = LAPACKE_spotri(LAPACK_COL_MAJOR, 'L', n, a, n);
	if (info)
		return info;
	return LAPACKE_spotrf(LAPACK_COL_MAJOR, 'L', n, a, n);
}

int gptq_prepare(struct gptq_hinv *p, const float *H, u32 n, float damp_frac,
		 bool act_order, struct slmq_err *err)
{
	float *hp = NULL, *diag = NULL;
	double mean = 0;
	u32 i, j;
	int info;

	memset(p, 0, sizeof(*p));
	p->n = n;
	p->act_order = act_order;
	p->u = malloc((size_t)n * n * sizeof(float));
	p->perm = malloc(n * sizeof(u32));
	p->dead = calloc(n, 1);
	hp = malloc((size_t)n * n * sizeof(float));
	diag = malloc(n * sizeof(float));
	if (!p->u || !p->perm || !p->dead || !hp || !diag) {
		slmq_fail(err, -ENOMEM, "out of memory for a %u x %u Hessian", n, n);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		diag[i] = H[(size_t)i * n + i];
		if (diag[i] == 0.0f) {
			p->dead[i] = 1;
			p->n_dead++;
			diag[i] = 1.0f;
		}
		p->perm[i] = i;
		mean += diag[i];
	}
	mean /= n;
	if (act_order) {
		qsort_r(p->perm, n, sizeof(u32), by_diag_desc, diag);
	}
	/* permuted H with dead columns' diagonal set to 1 */
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			hp[(size_t)i * n + j] = i == j ? diag[p->perm[i]] :
				H[(size_t)p->perm[i] * n + p->perm[j]];
	p->damp_frac = damp_frac;
	for (;;) {
		float damp = (float)(p->damp_frac * mean);

		memcpy(p->u, hp, (size_t)n * n * sizeof(float));
		for (i = 0; i < n; i++)
			p->u[(size_t)i * n + i] += damp;
		info = hinv_factor(p->u, n);
		if (!info)
			break;
		if (p->damp_raises == GPTQ_MAX_RAISES || !(mean > 0)) {
			slmq_fail(err, -ENOMEM,
				 "Hessian (%u x %u) not positive definite even with damping %g of its mean diagonal",
				 n, n, p->damp_frac);
			goto fail;
		}
		/* x10, starting from GPTQ's default when no damping was asked for */
		p->damp_frac = p->damp_frac > 0 ? p->damp_frac * 10 : 0.01f;
		p->damp_raises++;
	}
	/* keep only the upper factor: the other triangle holds stale H */
	for (i = 0; i < n; i++)
		memset(p->u + (size_t)i * n, 0, i * sizeof(float));
	free(hp);
	free(diag);
	return 0;
fail:
	free(hp);
	free(diag);
	gptq_hinv_free(p);
	return -ENOMEM;
}

struct gptq_work {
	const struct gptq_hinv *p;
	u32 rows, n, type, gs, ngroups;
	float *wt;		/* n x rows, processing order */
	float *e;		/* GPTQ_BLOCK x rows scaled errors */
	int *codes;		/* rows x n, original order */
	struct qg_params *par;	/* rows x ngroups */
	float *tmp;		/* one group of one row */
};

/* Fit every row's parameters for original-order group g from W (static groups). */
static void fit_static(struct gptq_work *w, const float *W)
{
	u32 r, g, j;

	for (r = 0; r < w->rows; r++)
		for (g = 0; g < w->ngroups; g++) {
			for (j = 0; j < w->gs; j++) {
				u32 c = g * w->gs + j;

				w->tmp[j] = w->p->dead[c] ? 0.0f : W[(size_t)r * w->n + c];
			}
			qg_fit(w->type, w->tmp, w->gs, &w->par[(size_t)r * w->ngroups + g]);
		}
}

/* Fit the group starting at processing column j from the current weights. */
static void fit_dynamic(struct gptq_work *w, u32 j)
{
	u32 r, k, g = w->p->perm[j] / w->gs;

	for (r = 0; r < w->rows; r++) {
		for (k = 0; k < w->gs; k++)
			w->tmp[k] = w->wt[(size_t)(j + k) * w->rows + r];
		qg_fit(w->type, w->tmp, w->gs, &w->par[(size_t)r * w->ngroups + g]);
	}
}

/* Quantize processing column j (inside the block starting at i1). */
static double quant_column(struct gptq_work *w, u32 j, u32 i1, u32 i2)
{
	const float *u = w->p->u;
	u32 n = w->n, c = w->p->perm[j], g = c / w->gs, r;
	float d = u[(size_t)j * n + j];
	float *col = w->wt + (size_t)j * w->rows;
	float *e = w->e + (size_t)(j - i1) * w->rows;
	double loss = 0;

	for (r = 0; r < w->rows; r++) {
		const struct qg_params *pp = &w->par[(size_t)r * w->ngroups + g];
		int q = qg_code(w->type, pp, col[r]);
		float diff = col[r] - qg_value(w->type, pp, q);

		w->codes[(size_t)r * n + c] = q;
		e[r] = diff / d;
		loss += (double)diff * diff / ((double)d * d) / 2;
	}
	/* spread the error onto the rest of the block: Wt[k] -= U[j,k] e */
	if (j + 1 < i2)
		cblas_sger(CblasRowMajor, i2 - j - 1, w->rows, -1.0f,
			   u + (size_t)j * n + j + 1, 1, e, 1,
			   w->wt + (size_t)(j + 1) * w->rows, w->rows);
	return loss;
}

static void pack_rows(struct gptq_work *w, void *out, float *deq)
{
	size_t bsz = slmq_row_bytes(w->type, SLMQ_QK);
	size_t rb = slmq_row_bytes(w->type, w->n);
	u32 r, b, j;

	for (r = 0; r < w->rows; r++) {
		const int *q = w->codes + (size_t)r * w->n;

		for (b = 0; b < w->n; b += SLMQ_QK) {
			const struct qg_params *pp =
				&w->par[(size_t)r * w->ngroups + b / w->gs];

			if (out)
				qg_pack_block(w->type, pp, q + b,
					      (u8 *)out + r * rb + b / SLMQ_QK * bsz);
			if (deq)
				for (j = b; j < b + SLMQ_QK; j++)
					deq[(size_t)r * w->n + j] =
						qg_value(w->type, pp, q[j]);
		}
	}
}

int gptq_quantize(const struct gptq_hinv *p, const float *W, u32 rows,
		  u32 type, u32 gs, void *out, float *deq, double *loss)
{
	struct gptq_work w = { .p = p, .rows = rows, .n = p->n, .type = type, .gs = gs };
	double total = 0;
	int nthr = openblas_get_num_threads();
	u32 n = p->n, i1, i2, j, r;
	int ret = -ENOMEM;

	if (!qg_type_ok(type) || !gs || gs % SLMQ_QK || n % gs || GPTQ_BLOCK % gs)
		return -EINVAL;
	w.ngroups = n / gs;
	w.wt = malloc((size_t)n * rows * sizeof(float));
	w.e = malloc((size_t)GPTQ_BLOCK * rows * sizeof(float));
	w.codes = malloc((size_t)n * rows * sizeof(int));
	w.par = malloc((size_t)rows * w.ngroups * sizeof(*w.par));
	w.tmp = malloc(gs * sizeof(float));
	if (!w.wt || !w.e || !w.codes || !w.par || !w.tmp)
		goto out;
	for (j = 0; j < n; j++) {
		u32 c = p->perm[j];

		for (r = 0; r < rows; r++)
			w.wt[(size_t)j * rows + r] = p->dead[c] ? 0.0f : W[(size_t)r * n + c];
	}
	if (p->act_order)
		fit_static(&w, W);
	for (i1 = 0; i1 < n; i1 = i2) {
		i2 = i1 + GPTQ_BLOCK < n ? i1 + GPTQ_BLOCK : n;
		/* rank-1 updates are too small for OpenBLAS's threads to pay off */
		openblas_set_num_threads(1);
		for (j = i1; j < i2; j++) {
			if (!p->act_order && j % gs == 0)
				fit_dynamic(&w, j);
			total += quant_column(&w, j, i1, i2);
		}
		openblas_set_num_threads(nthr);
		/* lazy batch update of the columns after the block: Wt[i2:] -= U[i1:i2, i2:]^T E */
		if (i2 < n)
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans,
				    n - i2, rows, i2 - i1, -1.0f,
				    p->u + (size_t)i1 * n + i2, n, w.e, rows,
				    1.0f, w.wt + (size_t)i2 * rows, rows);
	}
	pack_rows(&w, out, deq);
	if (loss)
		*loss = total;
	ret = 0;
out:
	free(w.wt);
	free(w.e);
	free(w.codes);
	free(w.par);
	free(w.tmp);
	return ret;
}
