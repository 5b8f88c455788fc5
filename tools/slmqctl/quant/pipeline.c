// SPDX-License-Identifier: GPL-2.0
/* Layer-by-layer calibrated quantization (see pipeline.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pipeline.h"
#include "awq.h"
#include "awq_fold.h"
#include "gptq.h"
#include "qgroup.h"
#include "../cli.h"
#include "../../../kmod/engine/quant.h"

#define CHUNK_TOKENS 2048	/* tokens per forward call: bounds the scratch memory */

static const char *const lin_names[QP_N_LIN] = {
	"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down",
};

void qp_lin_shape(const struct lf_dims *d, enum qp_lin k, u32 *rows, u32 *cols)
{
	u32 E = d->n_embd, nq = d->n_head * d->head_dim, nkv = d->n_head_kv * d->head_dim;
	static const u8 in_is_e[QP_N_LIN] = { 1, 1, 1, 0, 1, 1, 0 };

	switch (k) {
	case QP_Q: *rows = nq; break;
	case QP_K: case QP_V: *rows = nkv; break;
	case QP_GATE: case QP_UP: *rows = d->n_ff; break;
	default: *rows = E; break;
	}
	*cols = in_is_e[k] ? E : k == QP_O ? nq : d->n_ff;
}

float **qp_lin_ptr(struct lf_weights *w, enum qp_lin k)
{
	float **p[QP_N_LIN] = { &w->wq, &w->wk, &w->wv, &w->wo, &w->wg, &w->wu, &w->wd };

	return p[k];
}

enum lf_site qp_lin_site(enum qp_lin k)
{
	static const u8 s[QP_N_LIN] = { LF_ATTN_IN, LF_ATTN_IN, LF_ATTN_IN, LF_O_IN,
					LF_FFN_IN, LF_FFN_IN, LF_DOWN_IN };
	return s[k];
}

long qp_peak_rss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

static bool is_block(u32 type)
{
	return qg_type_ok(type);
}

static bool uses_gptq(enum qp_method m)
{
	return m == QP_GPTQ || m == QP_AWQ_GPTQ;
}

static bool uses_awq(enum qp_method m)
{
	return m == QP_AWQ || m == QP_AWQ_GPTQ;
}

/* Input statistics of one site: Hessian/Gram sum and sum of |x| per channel. */
struct site_stats {
	struct gptq_hessian h;
	double *absum;
};

struct stats {
	struct site_stats s[LF_N_SITES];
	bool absum;		/* AWQ needs mean |x| */
};

static int capture(void *ctx, enum lf_site site, const float *x, u32 ntok, u32 dim)
{
	struct site_stats *s = &((struct stats *)ctx)->s[site];
	size_t t;
	u32 j;

	gptq_hessian_add(&s->h, x, ntok, dim);
	for (t = 0; ((struct stats *)ctx)->absum && t < ntok; t++)
		for (j = 0; j < dim; j++)
			s->absum[j] += fabsf(x[t * dim + j]);
	/* the block's output is not needed in the statistics pass */
	return site == LF_DOWN_IN ? LF_STOP : 0;
}

static void stats_free(struct stats *st)
{
	u32 i;

	for (i = 0; i < LF_N_SITES; i++) {
		gptq_hessian_free(&st->s[i].h);
		free(st->s[i].absum);
	}
}

static int stats_init(struct stats *st, const struct lf_dims *d)
{
	u32 dims[LF_N_SITES] = { d->n_embd, d->n_head * d->head_dim, d->n_embd, d->n_ff };
	u32 i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < LF_N_SITES; i++) {
		if (gptq_hessian_init(&st->s[i].h, dims[i]) ||
		    !(st->s[i].absum = calloc(dims[i], sizeof(double)))) {
			stats_free(st);
			return -ENOMEM;
		}
	}
	return 0;
}

struct run {
	struct qp_model *m;
	const struct calib_set *cs;
	const struct qp_opts *o;
	struct qp_report *rep;
	float *X;		/* all calibration hidden states */
	float *tmp;		/* one chunk */
	u32 chunk_seqs;
	struct slmq_err *err;
};

/* Pass 1: statistics of every linear's input under the layer's current weights. */
static int layer_stats(struct run *r, struct lf_weights *w, struct stats *st)
{
	u32 E = r->m->d.n_embd, L = r->cs->seqlen, s, i;
	int rc;

	for (s = 0; s < r->cs->nseq; s += r->chunk_seqs) {
		u32 ns = min_t(u32, r->chunk_seqs, r->cs->nseq - s);

		memcpy(r->tmp, r->X + (size_t)s * L * E, (size_t)ns * L * E * sizeof(float));
		rc = lf_forward(&r->m->d, w, r->tmp, ns, L, capture, st);
		if (rc && rc != LF_STOP)
			return rc;
	}
	for (i = 0; i < LF_N_SITES; i++)
		gptq_hessian_finish(&st->s[i].h);
	return 0;
}

/* Pass 2: X <- block(X) with the quantized weights. */
static int layer_advance(struct run *r, struct lf_weights *w)
{
	u32 E = r->m->d.n_embd, L = r->cs->seqlen, s;
	int rc;

	for (s = 0; s < r->cs->nseq; s += r->chunk_seqs) {
		u32 ns = min_t(u32, r->chunk_seqs, r->cs->nseq - s);

		rc = lf_forward(&r->m->d, w, r->X + (size_t)s * L * E, ns, L, NULL, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

/* AWQ: search and fold the scales of every site, then clip. */
static int layer_awq(struct run *r, u32 li, struct lf_weights *w,
		     struct stats *st, struct qp_tensor *lt,
		     struct qg_params **clip)
{
	const struct lf_dims *d = &r->m->d;
	u32 site, k, rows, cols, n;
	int rc = 0;

	for (site = 0; site < LF_N_SITES; site++) {
		struct awq_lin lins[3];
		struct awq_choice ch = { 0 };
		u32 nl = 0;
		float *xmean, *s;

		for (k = 0; k < QP_N_LIN; k++) {
			if (qp_lin_site(k) != site || !is_block(lt[k].type))
				continue;
			qp_lin_shape(d, k, &rows, &cols);
			lins[nl++] = (struct awq_lin){ *qp_lin_ptr(w, k), rows, lt[k].type };
		}
		if (!nl)
			continue;
		n = st->s[site].h.n;
		xmean = malloc(n * sizeof(float));
		s = malloc(n * sizeof(float));
		if (!xmean || !s) {
			free(xmean); free(s);
			return -ENOMEM;
		}
		for (k = 0; k < n; k++)
			xmean[k] = (float)(st->s[site].absum[k] / (double)st->s[site].h.count);
		if (site == LF_O_IN)
			awq_tie_gqa(d, xmean);
		rc = awq_search_scales(lins, nl, n, st->s[site].h.h, xmean,
				       r->o->group_size, site == LF_O_IN ? d : NULL,
				       s, &ch);
		if (!rc) {
			if (getenv("SLMQ_QUANT_DEBUG"))
				fprintf(stderr, "awq blk.%u site %u: alpha %.2f%s error %.4g -> %.4g (%.1f%%)\n",
					li, site, ch.alpha, ch.duo ? " duo" : "", ch.err_plain,
					ch.err_best, 100 * ch.err_best / ch.err_plain);
			awq_fold_site(d, w, site, s);
			awq_rescale_gram(st->s[site].h.h, n, s);
			if (li < 64)
				r->rep->awq_alpha[li][site] = ch.alpha;
		}
		free(xmean);
		free(s);
		if (rc)
			return rc;
	}
	if (uses_gptq(r->o->method))
		return 0;	/* GPTQ compensates rounding itself: no clipping */
	for (k = 0; k < QP_N_LIN && !rc; k++) {
		/*
		 * Unlike the AWQ paper, q and k are clipped too: its search
		 * measured the output through q.k^T, ours measures each
		 * linear's own output exactly, which holds for q and k alike.
		 */
		if (!is_block(lt[k].type))
			continue;
		qp_lin_shape(d, k, &rows, &cols);
		clip[k] = malloc((size_t)rows * (cols / r->o->group_size) * sizeof(**clip));
		if (!clip[k])
			return -ENOMEM;
		rc = awq_clip(*qp_lin_ptr(w, k), rows, cols, st->s[qp_lin_site(k)].h.h,
			      lt[k].type, r->o->group_size, clip[k]);
	}
	return rc;
}

/* Quantize W (rows x cols) to t->type; W becomes its dequantized value. */
static int quant_tensor(struct qp_tensor *t, float *W, u32 rows, u32 cols,
			const struct gptq_hinv *hinv, const struct qg_params *par,
			u32 gs)
{
	size_t rb, i;
	u32 rr;

	if (!is_block(t->type)) {
		/* kept as float: the forward sees what the engine will read */
		if (t->type == SLMQ_TYPE_F16)
			for (i = 0; i < (size_t)rows * cols; i++)
				W[i] = slmq_f16_to_f32(slmq_f32_to_f16(W[i]));
		return 0;
	}
	rb = slmq_row_bytes(t->type, cols);
	t->nbytes = rows * rb;
	t->blocks = malloc(t->nbytes);
	if (!t->blocks)
		return -ENOMEM;
	if (hinv)
		return gptq_quantize(hinv, W, rows, t->type, gs, t->blocks, W, &t->loss);
	for (rr = 0; rr < rows; rr++) {
		float *w = W + (size_t)rr * cols;
		u8 *out = (u8 *)t->blocks + rr * rb;

		if (par)	/* ranges chosen by AWQ's clipping search */
			qg_quantize_row_params(t->type, w, cols, gs,
					       par + (size_t)rr * (cols / gs), out, w);
		else
			qg_quantize_row(t->type, w, cols, gs, out, w);
	}
	return 0;
}

static int layer_quant(struct run *r, u32 li, struct lf_weights *w,
		       struct stats *st, struct qp_tensor *lt,
		       struct qg_params **clip)
{
	const struct lf_dims *d = &r->m->d;
	u32 site, k, rows, cols;
	int rc = 0;

	for (site = 0; site < LF_N_SITES && !rc; site++) {
		struct gptq_hinv hv, *hp = NULL;
		bool any = false;

		for (k = 0; k < QP_N_LIN; k++)
			any |= qp_lin_site(k) == site && is_block(lt[k].type);
		if (any && uses_gptq(r->o->method)) {
			rc = gptq_prepare(&hv, st->s[site].h.h, st->s[site].h.n, r->o->damp,
					  r->o->act_order, r->err);
			if (rc)
				return rc;
			hp = &hv;
			r->rep->damp_raises += hv.damp_raises;
			r->rep->damp_max = fmaxf(r->rep->damp_max, hv.damp_frac);
			r->rep->dead_cols += hv.n_dead;
			if (hv.damp_raises)
				cli_warn("blk.%u: Cholesky failed, damping raised %u x10 to %g of mean diag",
					 li, hv.damp_raises, hv.damp_frac);
		}
		for (k = 0; k < QP_N_LIN && !rc; k++) {
			if (qp_lin_site(k) != site)
				continue;
			qp_lin_shape(d, k, &rows, &cols);
			rc = quant_tensor(&lt[k], *qp_lin_ptr(w, k), rows, cols, hp,
					  clip[k], r->o->group_size);
			if (rc)
				slmq_fail(r->err, rc, "blk.%u.%s: %s", li,
					 lin_names[k], strerror(-rc));
		}
		if (hp)
			gptq_hinv_free(hp);
	}
	return rc;
}

/* Output head: its input is output_norm(X) after the last block. */
static int head_quant(struct run *r, struct qp_tensor *head)
{
	struct qp_model *m = r->m;
	u32 E = m->d.n_embd, L = r->cs->seqlen, s;
	struct gptq_hessian h;
	struct gptq_hinv hv, *hp = NULL;
	int rc;

	if (gptq_hessian_init(&h, E))
		return -ENOMEM;
	for (s = 0; s < r->cs->nseq; s += r->chunk_seqs) {
		u32 ns = min_t(u32, r->chunk_seqs, r->cs->nseq - s);

		lf_rmsnorm(r->X + (size_t)s * L * E, m->output_norm, r->tmp, ns * L, E, m->d.eps);
		gptq_hessian_add(&h, r->tmp, ns * L, E);
	}
	gptq_hessian_finish(&h);
	rc = gptq_prepare(&hv, h.h, E, r->o->damp, r->o->act_order, r->err);
	if (!rc) {
		hp = &hv;
		r->rep->damp_raises += hv.damp_raises;
		rc = quant_tensor(head, m->output, m->n_vocab, E, hp, NULL, r->o->group_size);
		gptq_hinv_free(hp);
	}
	gptq_hessian_free(&h);
	return rc;
}

static int embed_inputs(struct run *r)
{
	u32 E = r->m->d.n_embd;
	size_t t, n = (size_t)r->cs->nseq * r->cs->seqlen;

	for (t = 0; t < n; t++)
		memcpy(r->X + t * E, r->m->tok_embd + (size_t)r->cs->ids[t] * E, E * sizeof(float));
	return 0;
}

int qp_run(struct qp_model *m, const struct calib_set *cs,
	   const struct qp_opts *o, struct qp_tensor *lin,
	   struct qp_tensor *head, struct qp_report *rep, struct slmq_err *err)
{
	struct run r = { .m = m, .cs = cs, .o = o, .rep = rep, .err = err };
	size_t ntok = (size_t)cs->nseq * cs->seqlen;
	double t0 = cli_now();
	bool quant_head = head && m->output && is_block(head->type) && uses_gptq(o->method);
	u32 li;
	int rc = -ENOMEM;

	memset(rep, 0, sizeof(*rep));
	err->code = 0;
	err->msg[0] = 0;
	rep->calib_tokens = ntok;
	rep->damp_max = o->damp;
	r.chunk_seqs = cs->seqlen >= CHUNK_TOKENS ? 1 : CHUNK_TOKENS / cs->seqlen;
	r.X = malloc(ntok * m->d.n_embd * sizeof(float));
	r.tmp = malloc((size_t)r.chunk_seqs * cs->seqlen * m->d.n_embd * sizeof(float));
	if (!r.X || !r.tmp) {
		slmq_fail(err, -ENOMEM, "out of memory for %zu calibration tokens", ntok);
		goto out;
	}
	embed_inputs(&r);
	for (li = 0; li < m->n_layer; li++) {
		struct lf_weights *w = &m->layers[li];
		struct qp_tensor *lt = lin + (size_t)li * QP_N_LIN;
		struct qg_params *clip[QP_N_LIN] = { NULL };
		struct stats st;
		double t1, t2, t3;
		u32 k;

		cli_progress("quantize layers", li, m->n_layer);
		t1 = cli_now();
		rc = stats_init(&st, &m->d);
		st.absum = uses_awq(o->method);
		if (!rc)
			rc = layer_stats(&r, w, &st);
		t2 = cli_now();
		if (!rc && uses_awq(o->method))
			rc = layer_awq(&r, li, w, &st, lt, clip);
		if (!rc)
			rc = layer_quant(&r, li, w, &st, lt, clip);
		stats_free(&st);
		for (k = 0; k < QP_N_LIN; k++)
			free(clip[k]);
		t3 = cli_now();
		/* the last block's output only feeds the output head's Hessian */
		if (!rc && (li + 1 < m->n_layer || quant_head))
			rc = layer_advance(&r, w);
		rep->t_stats += t2 - t1;
		rep->t_quant += t3 - t2;
		rep->t_advance += cli_now() - t3;
		if (rc) {
			if (!err->msg[0])
				slmq_fail(err, rc, "blk.%u: %s", li, strerror(-rc));
			goto out;
		}
	}
	cli_progress("quantize layers", m->n_layer, m->n_layer);
	if (quant_head)
		rc = head_quant(&r, head);
	if (rc && !err->msg[0])
		slmq_fail(err, rc, "output: %s", strerror(-rc));
out:
	free(r.X);
	free(r.tmp);
	rep->seconds = cli_now() - t0;
	rep->peak_rss_kb = qp_peak_rss_kb();
	return rc;
}
