// SPDX-License-Identifier: GPL-2.0
/* Folding AWQ scales into a Llama block. */
#include <stdlib.h>

#include "awq.h"
#include "awq_fold.h"

void awq_tie_gqa(const struct lf_dims *d, float *xmean)
{
	u32 grp = d->n_head / d->n_head_kv, hd = d->head_dim, kv, i, h;

	for (kv = 0; kv < d->n_head_kv; kv++)
		for (i = 0; i < hd; i++) {
			double m = 0;

			for (h = kv * grp; h < (kv + 1) * grp; h++)
				m += xmean[h * hd + i];
			for (h = kv * grp; h < (kv + 1) * grp; h++)
				xmean[h * hd + i] = (float)(m / grp);
		}
}

/* v row kv*hd+i feeds o channel h*hd+i for every head h of group kv. */
static void fold_v(const struct lf_dims *d, struct lf_weights *w, const float *s)
{
	u32 grp = d->n_head / d->n_head_kv, hd = d->head_dim, kv, i, j;

	for (kv = 0; kv < d->n_head_kv; kv++)
		for (i = 0; i < hd; i++) {
			float sv = s[kv * grp * hd + i];
			float *row = w->wv + (size_t)(kv * hd + i) * d->n_embd;

			for (j = 0; j < d->n_embd; j++)
				row[j] /= sv;
		}
}

void awq_fold_site(const struct lf_dims *d, struct lf_weights *w,
		   enum lf_site site, const float *s)
{
	u32 E = d->n_embd, nq = d->n_head * d->head_dim, nkv = d->n_head_kv * d->head_dim;

	switch (site) {
	case LF_ATTN_IN:
		awq_div_vec(w->attn_norm, E, s);
		awq_scale_cols(w->wq, nq, E, s);
		awq_scale_cols(w->wk, nkv, E, s);
		awq_scale_cols(w->wv, nkv, E, s);
		break;
	case LF_O_IN:
		fold_v(d, w, s);
		awq_scale_cols(w->wo, E, nq, s);
		break;
	case LF_FFN_IN:
		awq_div_vec(w->ffn_norm, E, s);
		awq_scale_cols(w->wg, d->n_ff, E, s);
		awq_scale_cols(w->wu, d->n_ff, E, s);
		break;
	case LF_DOWN_IN:
		awq_div_rows(w->wu, d->n_ff, E, s);
		awq_scale_cols(w->wd, E, d->n_ff, s);
		break;
	default:
		break;
	}
}
