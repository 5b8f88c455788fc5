// SPDX-License-Identifier: GPL-2.0
/*
 * The forward pass of a Llama-family decoder, one token at a time with a KV
 * cache (one struct slmq_session per generation stream).
 *
 * Floating point only runs inside slmq_fpu_begin()/slmq_fpu_end().  A
 * section is bounded by the work done in it, not by the model's shape:
 * matrix-vector products are split by rows and attention by heads, and once
 * a section has done SLMQ_SECTION_MACS multiply-adds it ends, slmq_yield()
 * runs (the kernel reschedules and notices signals) and the next begins.
 * Splitting changes no result: every row and head is computed as before.
 * All memory is allocated up front in slmq_session_new(), never inside a
 * section.
 */
#include "compat.h"
#include "dot.h"
#include "fbits.h"
#include "kernels.h"
#include "mathf.h"
#include "matvec.h"
#include "model.h"
#include "session.h"

/*
 * Multiply-adds per FPU section: ~0.05 ms at AVX2 speed (10+ GMAC/s), ~0.5
 * ms for the generic kernels; a section may overrun it by one piece of work
 * (8 rows of a matrix, one attention head).
 */
#define SLMQ_SECTION_MACS (1u << 19)

/*
 * The prompt tile, s->tile = min(SLMQ_TILE, n_ctx) tokens: the batched path
 * (slmq_session_prefill()) runs a prompt through each layer this many
 * tokens at a time, so every weight row is read once per tile instead of
 * once per token.  Its scratch is per-token copies of the activations
 * (tile_bytes()), allocated with the session.
 */
#define SLMQ_TILE 32u

struct slmq_session {
	const struct slmq_model *m;
	struct slmq_env env;
	u64 sec_macs;		/* work done in the current FPU section */
	u32 n_ctx;
	u32 pos;
	u32 kv_dim;		/* n_head_kv * head_dim */
	u32 q_dim;		/* n_head * head_dim */
	float *x;		/* residual stream, n_embd */
	float *xb;		/* normed input / attention output */
	float *xb2;		/* matvec outputs of width n_embd */
	float *q, *k, *v;
	float *att;		/* attention weights, n_ctx */
	float *hb, *hb2;	/* feed-forward, n_ff */
	float *ffn_e;		/* e^-gate, n_ff */
	float *logits;		/* n_vocab */
	struct slmq_act xa;	/* quantized activation */
	void *xa_buf;
	float *kcache, *vcache;	/* [layer][kv head][pos][head_dim]: a head's positions contiguous */
	float *rope;		/* [pos][head_dim / 2] of (cos, sin) */
	float *probs;		/* sampler scratch, n_vocab */
	u32 *cand;		/* sampler scratch, n_vocab */
	/* the prompt tile: the buffers above, one row per token, tile rows */
	u32 tile;
	u32 xbw;		/* max(n_embd, q_dim): the row stride of txb */
	float *tx, *txb, *txb2;	/* n_embd, xbw, n_embd per token */
	float *tq, *tk, *tv;	/* q_dim, kv_dim, kv_dim per token */
	float *thb, *thb2;	/* n_ff per token */
	float *tlogits;		/* n_vocab per token (scored prompts) */
	struct slmq_act *txa;	/* one quantized activation per token */
	void *txa_buf;
};

/* Frees everything slmq_session_new() may have allocated (NULLs are fine). */
static void session_free_buffers(struct slmq_session *s)
{
	const struct slmq_allocator *a = s->env.alloc;

	slmq_free(a, s->x);
	slmq_free(a, s->xb);
	slmq_free(a, s->xb2);
	slmq_free(a, s->q);
	slmq_free(a, s->k);
	slmq_free(a, s->v);
	slmq_free(a, s->att);
	slmq_free(a, s->hb);
	slmq_free(a, s->hb2);
	slmq_free(a, s->ffn_e);
	slmq_free(a, s->logits);
	slmq_free(a, s->xa_buf);
	slmq_free(a, s->kcache);
	slmq_free(a, s->vcache);
	slmq_free(a, s->rope);
	slmq_free(a, s->probs);
	slmq_free(a, s->cand);
	slmq_free(a, s->tx);
	slmq_free(a, s->txb);
	slmq_free(a, s->txb2);
	slmq_free(a, s->tq);
	slmq_free(a, s->tk);
	slmq_free(a, s->tv);
	slmq_free(a, s->thb);
	slmq_free(a, s->thb2);
	slmq_free(a, s->tlogits);
	slmq_free(a, s->txa);
	slmq_free(a, s->txa_buf);
}

/* The prompt tile's buffers: s->tile rows of each. */
static int tile_alloc_buffers(struct slmq_session *s, u32 widest)
{
	const struct slmq_hparams *hp = &s->m->hp;
	const struct slmq_allocator *a = s->env.alloc;
	u32 nt = s->tile, t;
	u64 ab = slmq_act_bytes(widest);	/* a multiple of 64: rows stay aligned */

	s->xbw = max_t(u32, hp->n_embd, s->q_dim);
	s->tx = slmq_alloc_array(a, (u64)nt * hp->n_embd, sizeof(float));
	s->txb = slmq_alloc_array(a, (u64)nt * s->xbw, sizeof(float));
	s->txb2 = slmq_alloc_array(a, (u64)nt * hp->n_embd, sizeof(float));
	s->tq = slmq_alloc_array(a, (u64)nt * s->q_dim, sizeof(float));
	s->tk = slmq_alloc_array(a, (u64)nt * s->kv_dim, sizeof(float));
	s->tv = slmq_alloc_array(a, (u64)nt * s->kv_dim, sizeof(float));
	s->thb = slmq_alloc_array(a, (u64)nt * hp->n_ff, sizeof(float));
	s->thb2 = slmq_alloc_array(a, (u64)nt * hp->n_ff, sizeof(float));
	s->tlogits = slmq_alloc_array(a, (u64)nt * hp->n_vocab, sizeof(float));
	s->txa = slmq_alloc_array(a, nt, sizeof(*s->txa));
	s->txa_buf = slmq_alloc(a, nt * ab);
	if (!s->tx || !s->txb || !s->txb2 || !s->tq || !s->tk || !s->tv ||
	    !s->thb || !s->thb2 || !s->tlogits || !s->txa || !s->txa_buf)
		return -ENOMEM;
	for (t = 0; t < nt; t++)
		slmq_act_init(&s->txa[t], (u8 *)s->txa_buf + t * ab, widest);
	return 0;
}

static int session_alloc_buffers(struct slmq_session *s)
{
	const struct slmq_hparams *hp = &s->m->hp;
	const struct slmq_allocator *a = s->env.alloc;
	u32 widest = max_t(u32, max_t(u32, hp->n_embd, hp->n_ff), s->q_dim);
	u64 kv;

	if (check_mul_overflow((u64)hp->n_layer * s->n_ctx, (u64)s->kv_dim, &kv))
		return -ENOMEM;
	s->x = slmq_alloc_array(a, hp->n_embd, sizeof(float));
	s->xb = slmq_alloc_array(a, max_t(u32, hp->n_embd, s->q_dim), sizeof(float));
	s->xb2 = slmq_alloc_array(a, hp->n_embd, sizeof(float));
	s->q = slmq_alloc_array(a, s->q_dim, sizeof(float));
	s->k = slmq_alloc_array(a, s->kv_dim, sizeof(float));
	s->v = slmq_alloc_array(a, s->kv_dim, sizeof(float));
	s->att = slmq_alloc_array(a, s->n_ctx, sizeof(float));
	s->hb = slmq_alloc_array(a, hp->n_ff, sizeof(float));
	s->hb2 = slmq_alloc_array(a, hp->n_ff, sizeof(float));
	s->ffn_e = slmq_alloc_array(a, hp->n_ff, sizeof(float));
	s->logits = slmq_alloc_array(a, hp->n_vocab, sizeof(float));
	s->xa_buf = slmq_alloc(a, slmq_act_bytes(widest));
	s->kcache = slmq_alloc_array(a, kv, sizeof(float));
	s->vcache = slmq_alloc_array(a, kv, sizeof(float));
	s->rope = slmq_alloc_array(a, (u64)s->n_ctx * hp->head_dim, sizeof(float));
	s->probs = slmq_alloc_array(a, hp->n_vocab, sizeof(float));
	s->cand = slmq_alloc_array(a, hp->n_vocab, sizeof(u32));
	if (!s->x || !s->xb || !s->xb2 || !s->q || !s->k || !s->v || !s->att ||
	    !s->hb || !s->hb2 || !s->ffn_e || !s->logits || !s->xa_buf || !s->kcache ||
	    !s->vcache || !s->rope || !s->probs || !s->cand)
		return -ENOMEM;
	slmq_act_init(&s->xa, s->xa_buf, widest);
	return tile_alloc_buffers(s, widest);
}

/*
 * cos/sin of pos * theta^(-2i/head_dim) for every position, computed in
 * double once per session, in sections of 64 positions.
 */
static int rope_table(struct slmq_session *s)
{
	const struct slmq_hparams *hp = &s->m->hp;
	u32 half = hp->head_dim / 2, p, i, p1;
	int ret;

	for (p = 0; p < s->n_ctx; p = p1) {
		p1 = min_t(u32, p + 64, s->n_ctx);
		slmq_fpu_begin(&s->env);
		for (; p < p1; p++) {
			float *r = s->rope + (u64)p * hp->head_dim;
			double theta = slmq_bits_f32(hp->rope_theta_bits);

			for (i = 0; i < half; i++) {
				double f = slmq_pow(theta, -(double)(2 * i) /
						    hp->head_dim);
				double ang = (double)p * f;

				r[2 * i] = (float)slmq_cos(ang);
				r[2 * i + 1] = (float)slmq_sin(ang);
			}
		}
		slmq_fpu_end(&s->env);
		ret = slmq_yield(&s->env);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * slmq_session_new() - allocate a generation stream for a model.
 * @m: loaded model (must outlive the session)
 * @env: allocator, FPU hooks and kernel choice (copied)
 * @n_ctx: context length; 0 means the model's trained context
 * @err: error report
 *
 * The KV cache, the RoPE table and the attention scratch are sized to n_ctx
 * (and the allocator zeroes them): callers pass what the request needs
 * (prompt + new tokens), not the model's context, which a config may set
 * to 2^24.  n_ctx above the model's context or above SLMQ_MAX_CTX is
 * refused.
 *
 * Return: the session, or NULL with err set.
 */
struct slmq_session *slmq_session_new(const struct slmq_model *m,
				      const struct slmq_env *env, u32 n_ctx,
				      struct slmq_err *err)
{
	struct slmq_session *s;
	int ret;

	if (!n_ctx)
		n_ctx = m->hp.n_ctx_train;
	if (n_ctx > m->hp.n_ctx_train) {
		slmq_fail(err, -EINVAL,
			  "context %u exceeds the model's context length %u",
			  n_ctx, m->hp.n_ctx_train);
		return NULL;
	}
	if (n_ctx > SLMQ_MAX_CTX) {
		slmq_fail(err, -E2BIG,
			  "context %u exceeds the engine's limit of %u positions per session",
			  n_ctx, SLMQ_MAX_CTX);
		return NULL;
	}
	s = slmq_alloc(env->alloc, sizeof(*s));
	if (!s) {
		slmq_fail(err, -ENOMEM, "out of memory for a session");
		return NULL;
	}
	s->m = m;
	s->env = *env;
	s->n_ctx = n_ctx;
	s->tile = min_t(u32, SLMQ_TILE, n_ctx);
	/* both <= SLMQ_MAX_WIDTH: slmq_model_load() checked the 64-bit products */
	s->q_dim = (u32)((u64)m->hp.n_head * m->hp.head_dim);
	s->kv_dim = (u32)((u64)m->hp.n_head_kv * m->hp.head_dim);
	ret = session_alloc_buffers(s);
	if (ret) {
		slmq_fail(err, ret, "out of memory for a session of %u tokens",
			  n_ctx);
		goto free_buffers;
	}
	ret = rope_table(s);
	if (ret) {
		slmq_fail(err, ret, "interrupted while preparing the session");
		goto free_buffers;
	}
	return s;

free_buffers:
	session_free_buffers(s);
	slmq_free(env->alloc, s);
	return NULL;
}

/**
 * slmq_session_free() - release a session and its buffers.
 * @s: session or NULL
 */
void slmq_session_free(struct slmq_session *s)
{
	const struct slmq_allocator *a;

	if (!s)
		return;
	a = s->env.alloc;
	session_free_buffers(s);
	slmq_free(a, s);
}

/**
 * slmq_session_reset() - forget the context; the next token is at position 0.
 * @s: session
 */
void slmq_session_reset(struct slmq_session *s)
{
	s->pos = 0;
}

/**
 * slmq_session_pos() - position of the next token.
 * @s: session
 */
u32 slmq_session_pos(const struct slmq_session *s)
{
	return s->pos;
}

/**
 * slmq_session_n_ctx() - context length of the session.
 * @s: session
 */
u32 slmq_session_n_ctx(const struct slmq_session *s)
{
	return s->n_ctx;
}

/**
 * slmq_session_logits() - logits for the next token after the last eval.
 * @s: session
 *
 * Return: n_vocab floats owned by the session (read them in an FPU section
 * in the kernel).
 */
const float *slmq_session_logits(const struct slmq_session *s)
{
	return s->logits;
}

/**
 * slmq_session_spend() - account work done in the current FPU section
 * @s: session, inside an FPU section
 * @macs: multiply-adds (or comparable steps) just done
 *
 * When the section has done SLMQ_SECTION_MACS, ends it, yields and begins
 * the next: the caller is inside a section again on return, whatever the
 * result.
 *
 * Return: 0, or what env->yield() returned (stop the work).
 */
int slmq_session_spend(struct slmq_session *s, u64 macs)
{
	int ret;

	s->sec_macs += macs;
	if (s->sec_macs < SLMQ_SECTION_MACS)
		return 0;
	s->sec_macs = 0;
	slmq_fpu_end(&s->env);
	ret = slmq_yield(&s->env);
	slmq_fpu_begin(&s->env);
	return ret;
}

/*
 * y = W x for x already in xa, in pieces of rows of about a section's
 * budget (a multiple of 8, as G8 groups need), spending each.
 */
static int matvec_split(struct slmq_session *s, const struct slmq_tensor *w,
			const float *x, float *y)
{
	u32 step = SLMQ_SECTION_MACS / max_t(u32, w->ne0, 1) / 8 * 8, r0, r1;
	int ret;

	step = max_t(u32, step, 8);
	for (r0 = 0; r0 < w->ne1; r0 = r1) {
		r1 = w->ne1 - r0 > step ? r0 + step : w->ne1;
		slmq_matvec_rows(&s->env, w, x, &s->xa, y, r0, r1);
		ret = slmq_session_spend(s, (u64)(r1 - r0) * w->ne0);
		if (ret)
			return ret;
	}
	return 0;
}

/* The same, quantizing x into xa first when W is block-quantized. */
static int matvec_split_x(struct slmq_session *s, const struct slmq_tensor *w,
			  const float *x, float *y)
{
	if (slmq_type_is_block(w->type))
		slmq_quantize_act(x, &s->xa, w->ne0);
	return matvec_split(s, w, x, y);
}

/* y = x / rms(x) * w, the sum of squares in double (as ggml does). */
static void rmsnorm(float *y, const float *x, const float *w, u32 n, float eps)
{
	double ss = 0.0;
	float scale;
	u32 i;

	for (i = 0; i < n; i++)
		ss += (double)(x[i] * x[i]);
	scale = 1.0f / slmq_sqrtf((float)(ss / n) + eps);
	for (i = 0; i < n; i++)
		y[i] = (x[i] * scale) * w[i];
}

/* Rotate adjacent pairs (q/k rows are stored llama.cpp-permuted). */
static void rope(float *v, u32 n_heads, u32 head_dim, const float *cs)
{
	u32 h, i;

	for (h = 0; h < n_heads; h++, v += head_dim) {
		for (i = 0; i < head_dim; i += 2) {
			float c = cs[i], s = cs[i + 1];
			float a = v[i], b = v[i + 1];

			v[i] = a * c - b * s;
			v[i + 1] = a * s + b * c;
		}
	}
}

/* slmq_expf_array(), four lanes at a time when the CPU has AVX2: same bits. */
static void expf_array(const struct slmq_env *env, float *y, const float *x,
		       u32 n)
{
	slmq_env_kernels(env)->expf_array(y, x, n);
}

typedef float v4sf __attribute__((vector_size(16)));

static inline v4sf load_v4sf(const float *p)
{
	v4sf v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* x[i] /= d, four lanes at a time (SSE divides are IEEE: the same bits). */
static void div_array(float *x, float d, u32 n)
{
	u32 i = 0;

	for (; i + 4 <= n; i += 4) {
		v4sf v = load_v4sf(x + i) / d;

		memcpy(x + i, &v, sizeof(v));
	}
	for (; i < n; i++)
		x[i] /= d;
}

/*
 * SwiGLU in place: g[i] = silu(g[i]) * u[i], silu(g) = g / (1 + e^-g),
 * with e a scratch array; four lanes at a time, the same bits as scalar.
 */
static void swiglu(const struct slmq_env *env, float *g, const float *u,
		   float *e, u32 n)
{
	u32 i = 0;

	for (; i + 4 <= n; i += 4) {
		v4sf v = -load_v4sf(g + i);

		memcpy(e + i, &v, sizeof(v));
	}
	for (; i < n; i++)
		e[i] = -g[i];
	expf_array(env, e, e, n);
	for (i = 0; i + 4 <= n; i += 4) {
		v4sf v = load_v4sf(g + i) / (1.0f + load_v4sf(e + i)) *
			 load_v4sf(u + i);

		memcpy(g + i, &v, sizeof(v));
	}
	for (; i < n; i++)
		g[i] = g[i] / (1.0f + e[i]) * u[i];
}

static void softmax(const struct slmq_env *env, float *x, u32 n)
{
	float max = x[0], sum = 0.0f;
	u32 i;

	for (i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (i = 0; i < n; i++)
		x[i] -= max;
	expf_array(env, x, x, n);
	for (i = 0; i < n; i++)
		sum += x[i];
	div_array(x, sum, n);
}

/*
 * Causal self-attention of the token at pos (q: its queries) over the cache
 * positions 0..pos, into out.
 */
static int attention(struct slmq_session *s, u32 layer, const float *q,
		     float *out, u32 pos)
{
	const struct slmq_hparams *hp = &s->m->hp;
	const struct slmq_kernels *k = slmq_env_kernels(&s->env);
	u32 hd = hp->head_dim, group = hp->n_head / hp->n_head_kv;
	u64 lbase = (u64)layer * s->n_ctx * s->kv_dim, hbase;
	u32 h;
	int ret;

	for (h = 0; h < hp->n_head; h++) {
		/* Recomputed per head: no float lives across a section break. */
		float scale = 1.0f / slmq_sqrtf((float)hd);
		const float *qh = q + h * hd;
		float *oh = out + h * hd;

		hbase = lbase + (u64)(h / group) * s->n_ctx * hd;

		k->attn_scores(qh, s->kcache + hbase, hd, pos + 1, scale,
			       s->att);
		softmax(&s->env, s->att, pos + 1);
		k->attn_wsum(oh, s->att, s->vcache + hbase, hd, pos + 1);
		ret = slmq_session_spend(s, 2 * (u64)(pos + 1) * hd);
		if (ret)
			return ret;
	}
	return 0;
}

/* A token's k and v (kv_dim each, head after head) into the cache at pos. */
static void kv_store(struct slmq_session *s, u32 layer, const float *k,
		     const float *v, u32 pos)
{
	u32 hd = s->m->hp.head_dim, i;
	u64 lbase = (u64)layer * s->n_ctx * s->kv_dim;

	for (i = 0; i < s->m->hp.n_head_kv; i++) {
		u64 slot = lbase + ((u64)i * s->n_ctx + pos) * hd;

		memcpy(s->kcache + slot, k + i * hd, hd * sizeof(float));
		memcpy(s->vcache + slot, v + i * hd, hd * sizeof(float));
	}
}

/* Quantize x once when any of the matrices reading it is block-quantized. */
static void prepare_input(struct slmq_session *s, const float *x,
			  const struct slmq_tensor *a, const struct slmq_tensor *b,
			  const struct slmq_tensor *c)
{
	if (slmq_type_is_block(a->type) || slmq_type_is_block(b->type) ||
	    (c && slmq_type_is_block(c->type)))
		slmq_quantize_act(x, &s->xa, a->ne0);
}

/*
 * Each step may end the FPU section and begin another (slmq_session_spend()),
 * so nothing float is kept in a local across them; a non-zero return is
 * env->yield()'s, inside a section.
 */
static int layer_attention(struct slmq_session *s, const struct slmq_layer *L,
			   u32 layer)
{
	const struct slmq_hparams *hp = &s->m->hp;
	const float *cs = s->rope + (u64)s->pos * hp->head_dim;
	u32 i;
	int ret;

	rmsnorm(s->xb, s->x, L->attn_norm.data, hp->n_embd, slmq_bits_f32(hp->rms_eps_bits));
	prepare_input(s, s->xb, &L->wq, &L->wk, &L->wv);
	ret = matvec_split(s, &L->wq, s->xb, s->q) ?:
	      matvec_split(s, &L->wk, s->xb, s->k) ?:
	      matvec_split(s, &L->wv, s->xb, s->v);
	if (ret)
		return ret;
	rope(s->q, hp->n_head, hp->head_dim, cs);
	rope(s->k, hp->n_head_kv, hp->head_dim, cs);
	kv_store(s, layer, s->k, s->v, s->pos);
	ret = attention(s, layer, s->q, s->xb, s->pos) ?:
	      matvec_split_x(s, &L->wo, s->xb, s->xb2);
	if (ret)
		return ret;
	for (i = 0; i < hp->n_embd; i++)
		s->x[i] += s->xb2[i];
	return 0;
}

static int layer_ffn(struct slmq_session *s, const struct slmq_layer *L)
{
	const struct slmq_hparams *hp = &s->m->hp;
	u32 i;
	int ret;

	rmsnorm(s->xb, s->x, L->ffn_norm.data, hp->n_embd, slmq_bits_f32(hp->rms_eps_bits));
	prepare_input(s, s->xb, &L->w_gate, &L->w_up, NULL);
	ret = matvec_split(s, &L->w_gate, s->xb, s->hb) ?:
	      matvec_split(s, &L->w_up, s->xb, s->hb2);
	if (ret)
		return ret;
	swiglu(&s->env, s->hb, s->hb2, s->ffn_e, hp->n_ff);
	ret = matvec_split_x(s, &L->w_down, s->hb, s->xb2);
	if (ret)
		return ret;
	for (i = 0; i < hp->n_embd; i++)
		s->x[i] += s->xb2[i];
	return 0;
}

/**
 * slmq_session_eval() - run one token and advance the position.
 * @s: session
 * @token: token id
 *
 * Return: 0; -ENOSPC when the context is full; -EINVAL for a bad token id;
 * or the error env->yield() returned (the position is then unchanged).
 */
int slmq_session_eval(struct slmq_session *s, u32 token)
{
	const struct slmq_model *m = s->m;
	u32 l;
	int ret;

	if (s->pos >= s->n_ctx)
		return -ENOSPC;
	if (token >= m->hp.n_vocab)
		return -EINVAL;
	/* Once per token however small the model: signals are noticed. */
	ret = slmq_yield(&s->env);
	if (ret)
		return ret;
	slmq_fpu_begin(&s->env);
	slmq_tensor_row(&m->tok_embd, token, s->x);
	for (l = 0; l < m->hp.n_layer && !ret; l++)
		ret = layer_attention(s, &m->layers[l], l) ?: layer_ffn(s, &m->layers[l]);
	if (!ret) {
		rmsnorm(s->xb, s->x, m->output_norm.data, m->hp.n_embd,
			slmq_bits_f32(m->hp.rms_eps_bits));
		ret = matvec_split_x(s, &m->output, s->xb, s->logits);
	}
	slmq_fpu_end(&s->env);
	if (ret)
		return ret;
	s->pos++;
	return 0;
}

#define NLL_CHUNK (1u << 14)	/* even: slmq_exp_sum_from() pieces */

/*
 * -log softmax(lg)[target] as IEEE single bits, inside an FPU section
 * (log-sum-exp accumulated in double, split over sections for a large
 * vocabulary); target < n_vocab.
 */
static u32 nll_bits_of(struct slmq_session *s, const float *lg, u32 target)
{
	u32 n = s->m->hp.n_vocab, i;
	double sum = 0.0;
	float max, nll;

	max = lg[0];
	for (i = 1; i < n; i++) {
		if (lg[i] > max)
			max = lg[i];
		if (!(i % NLL_CHUNK))
			slmq_session_spend(s, NLL_CHUNK);
	}
	/* In even pieces (the bits of one sum); a signal waits for the next eval. */
	for (i = 0; i < n; i += NLL_CHUNK) {
		u32 c = min_t(u32, NLL_CHUNK, n - i);

		sum = slmq_exp_sum_from(lg + i, c, max, sum);
		slmq_session_spend(s, 16 * (u64)c);
	}
	nll = (float)(((double)max + slmq_log(sum)) - lg[target]);
	return slmq_f32_bits(nll);
}

/**
 * slmq_session_nll_bits() - negative log-likelihood of a token.
 * @s: session after slmq_session_eval()
 * @target: token id whose probability is scored
 *
 * Computes -log softmax(logits)[target] in the engine's own FPU sections
 * (log-sum-exp accumulated in double, split over sections for a large
 * vocabulary).
 *
 * Return: the NLL as IEEE single bits (so callers outside FPU sections can
 * carry it); the bits of +inf for an out-of-range target.
 */
u32 slmq_session_nll_bits(struct slmq_session *s, u32 target)
{
	u32 bits;

	if (target >= s->m->hp.n_vocab)
		return 0x7f800000u;
	slmq_fpu_begin(&s->env);
	bits = nll_bits_of(s, s->logits, target);
	slmq_fpu_end(&s->env);
	return bits;
}

/*
 * The batched prompt path.  A tile of nt tokens at positions pos..pos+nt-1
 * goes through each layer together: per token the same rmsnorm, the same
 * per-block int8 quantization, rope, attention over the cache and SwiGLU
 * as slmq_session_eval(); the matrix products go through the kernels'
 * gemm_rows (kernels.h), which give every (row, token) the bits of that
 * token's matrix-vector product.  Attention stays causal within the tile:
 * token t reads cache positions 0..pos+t only, all of which are written
 * before it reads them.  So each token's logits and NLL are bit for bit
 * those of feeding the tokens one at a time.
 */

/*
 * Y = W X for the tile's activations (already in s->txa for block types),
 * x rows xs floats apart, y rows ys apart: pieces of rows (a multiple of 8)
 * times tokens of about a section's budget, spending each.  A piece is 8
 * rows of the whole tile unless one row for the tile is over budget.
 */
static int gemm_split(struct slmq_session *s, const struct slmq_tensor *w,
		      const float *x, u32 xs, float *y, u32 ys, u32 nt)
{
	const struct slmq_kernels *k = slmq_env_kernels(&s->env);
	u64 rb = slmq_row_bytes(w->type, w->ne0), per = max_t(u64, w->ne0, 1);
	u32 type = w->type | (w->layout == SLMQ_LAYOUT_G8 ? SLMQ_DOT_G8 : 0);
	u32 tc = (u32)max_t(u64, 1, min_t(u64, nt, SLMQ_SECTION_MACS / (8 * per)));
	u32 step = (u32)max_t(u64, 8, SLMQ_SECTION_MACS / (per * tc) / 8 * 8);
	u32 r0, r1, t0, n;
	int ret;

	for (r0 = 0; r0 < w->ne1; r0 = r1) {
		r1 = w->ne1 - r0 > step ? r0 + step : w->ne1;
		for (t0 = 0; t0 < nt; t0 += n) {
			n = min_t(u32, tc, nt - t0);
			slmq_gemm_rows(k, type, w->data, rb, w->ne0,
				       x + (u64)t0 * xs, xs, s->txa + t0, n,
				       y + (u64)t0 * ys, ys, r0, r1);
			ret = slmq_session_spend(s, (u64)(r1 - r0) * w->ne0 * n);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * The per-token steps below spend their work token by token: one of them
 * is short, a tile of them need not be (SwiGLU's exps on a wide FFN).
 */

/* Each token's row of x (n floats, rows xs apart) into s->txa. */
static int tile_quantize(struct slmq_session *s, const float *x, u32 xs,
			 u32 n, u32 nt)
{
	u32 t;
	int ret;

	for (t = 0; t < nt; t++) {
		slmq_quantize_act(x + (u64)t * xs, &s->txa[t], n);
		ret = slmq_session_spend(s, n);
		if (ret)
			return ret;
	}
	return 0;
}

/* Quantize once when any of the matrices reading the tile is block-quantized. */
static int tile_prepare(struct slmq_session *s, const float *x, u32 xs, u32 nt,
			const struct slmq_tensor *a, const struct slmq_tensor *b,
			const struct slmq_tensor *c)
{
	if (slmq_type_is_block(a->type) || slmq_type_is_block(b->type) ||
	    (c && slmq_type_is_block(c->type)))
		return tile_quantize(s, x, xs, a->ne0, nt);
	return 0;
}

static int gemm_split_x(struct slmq_session *s, const struct slmq_tensor *w,
			const float *x, u32 xs, float *y, u32 ys, u32 nt)
{
	int ret = 0;

	if (slmq_type_is_block(w->type))
		ret = tile_quantize(s, x, xs, w->ne0, nt);
	return ret ?: gemm_split(s, w, x, xs, y, ys, nt);
}

/* x_t += y_t for the tile's residual rows. */
static int tile_residual(struct slmq_session *s, u32 nt)
{
	u32 n = s->m->hp.n_embd, i, t;
	int ret;

	for (t = 0; t < nt; t++) {
		float *x = s->tx + (u64)t * n;
		const float *y = s->txb2 + (u64)t * n;

		for (i = 0; i < n; i++)
			x[i] += y[i];
		ret = slmq_session_spend(s, n);
		if (ret)
			return ret;
	}
	return 0;
}

static int tile_rmsnorm(struct slmq_session *s, const float *w, u32 nt)
{
	const struct slmq_hparams *hp = &s->m->hp;
	u32 t;
	int ret;

	for (t = 0; t < nt; t++) {
		rmsnorm(s->txb + (u64)t * s->xbw, s->tx + (u64)t * hp->n_embd, w,
			hp->n_embd, slmq_bits_f32(hp->rms_eps_bits));
		ret = slmq_session_spend(s, 2 * (u64)hp->n_embd);
		if (ret)
			return ret;
	}
	return 0;
}

static int tile_attention(struct slmq_session *s, const struct slmq_layer *L,
			  u32 layer, u32 nt)
{
	const struct slmq_hparams *hp = &s->m->hp;
	u32 qd = s->q_dim, kd = s->kv_dim, t;
	int ret;

	ret = tile_rmsnorm(s, L->attn_norm.data, nt) ?:
	      tile_prepare(s, s->txb, s->xbw, nt, &L->wq, &L->wk, &L->wv) ?:
	      gemm_split(s, &L->wq, s->txb, s->xbw, s->tq, qd, nt) ?:
	      gemm_split(s, &L->wk, s->txb, s->xbw, s->tk, kd, nt) ?:
	      gemm_split(s, &L->wv, s->txb, s->xbw, s->tv, kd, nt);
	if (ret)
		return ret;
	for (t = 0; t < nt; t++) {
		const float *cs = s->rope + (u64)(s->pos + t) * hp->head_dim;

		rope(s->tq + (u64)t * qd, hp->n_head, hp->head_dim, cs);
		rope(s->tk + (u64)t * kd, hp->n_head_kv, hp->head_dim, cs);
		kv_store(s, layer, s->tk + (u64)t * kd, s->tv + (u64)t * kd,
			 s->pos + t);
		ret = slmq_session_spend(s, 2 * (u64)(qd + kd));
		if (ret)
			return ret;
	}
	for (t = 0; t < nt; t++) {
		ret = attention(s, layer, s->tq + (u64)t * qd,
				s->txb + (u64)t * s->xbw, s->pos + t);
		if (ret)
			return ret;
	}
	return gemm_split_x(s, &L->wo, s->txb, s->xbw, s->txb2, hp->n_embd, nt) ?:
	       tile_residual(s, nt);
}

static int tile_ffn(struct slmq_session *s, const struct slmq_layer *L, u32 nt)
{
	const struct slmq_hparams *hp = &s->m->hp;
	u32 ff = hp->n_ff, t;
	int ret;

	ret = tile_rmsnorm(s, L->ffn_norm.data, nt) ?:
	      tile_prepare(s, s->txb, s->xbw, nt, &L->w_gate, &L->w_up, NULL) ?:
	      gemm_split(s, &L->w_gate, s->txb, s->xbw, s->thb, ff, nt) ?:
	      gemm_split(s, &L->w_up, s->txb, s->xbw, s->thb2, ff, nt);
	if (ret)
		return ret;
	for (t = 0; t < nt; t++) {
		swiglu(&s->env, s->thb + (u64)t * ff, s->thb2 + (u64)t * ff,
		       s->ffn_e, ff);
		ret = slmq_session_spend(s, 16 * (u64)ff);
		if (ret)
			return ret;
	}
	return gemm_split_x(s, &L->w_down, s->thb, ff, s->txb2, hp->n_embd, nt) ?:
	       tile_residual(s, nt);
}

/*
 * The tile's tokens through every layer, inside an FPU section.  head:
 * 0 none (more tiles follow), 1 the last token's logits into s->logits,
 * 2 every token's into s->tlogits (and the last's into s->logits too).
 */
static int tile_forward(struct slmq_session *s, const u32 *tokens, u32 nt,
			int head)
{
	const struct slmq_model *m = s->m;
	u32 e = m->hp.n_embd, nv = m->hp.n_vocab, l, t;
	int ret = 0;

	for (t = 0; t < nt && !ret; t++) {
		slmq_tensor_row(&m->tok_embd, tokens[t], s->tx + (u64)t * e);
		ret = slmq_session_spend(s, e);
	}
	for (l = 0; l < m->hp.n_layer && !ret; l++)
		ret = tile_attention(s, &m->layers[l], l, nt) ?:
		      tile_ffn(s, &m->layers[l], nt);
	if (ret || !head)
		return ret;
	if (head == 1) {
		rmsnorm(s->xb, s->tx + (u64)(nt - 1) * e, m->output_norm.data, e,
			slmq_bits_f32(m->hp.rms_eps_bits));
		return matvec_split_x(s, &m->output, s->xb, s->logits);
	}
	ret = tile_rmsnorm(s, m->output_norm.data, nt) ?:
	      gemm_split_x(s, &m->output, s->txb, s->xbw, s->tlogits, nv, nt);
	if (!ret)
		memcpy(s->logits, s->tlogits + (u64)(nt - 1) * nv,
		       nv * sizeof(float));
	return ret;
}

/**
 * slmq_session_prefill() - run a prompt's tokens, a tile at a time.
 * @s: session
 * @tokens: token ids to run from the current position
 * @n: how many
 * @targets: NULL, or n ids to score: after tokens[0..i], nll_bits[i] =
 *	-log p(targets[i]) (the bits of +inf for an id out of range)
 * @nll_bits: n NLLs as IEEE single bits when @targets is given
 *
 * The same as n calls of slmq_session_eval() (each followed by
 * slmq_session_nll_bits(s, targets[i]) when scoring), bit for bit: the same
 * logits are left for the next token and the same NLLs written.  Tokens
 * before a bad id or a full context are run, as the loop would, and the
 * position then tells how many were.
 *
 * Return: 0; -ENOSPC when the context fills up; -EINVAL for a bad token
 * id; or the error env->yield() returned (the position is then that of the
 * last whole tile run).
 */
int slmq_session_prefill(struct slmq_session *s, const u32 *tokens, u32 n,
			 const u32 *targets, u32 *nll_bits)
{
	u32 nv = s->m->hp.n_vocab, ok, i, nt, t;
	int ret = 0, head;

	for (ok = 0; ok < n && tokens[ok] < nv; ok++)
		;
	if (ok > s->n_ctx - s->pos)
		ok = s->n_ctx - s->pos;
	for (i = 0; i < ok; i += nt) {
		nt = min_t(u32, s->tile, ok - i);
		/* Once per tile however small the model: signals are noticed. */
		ret = slmq_yield(&s->env);
		if (ret)
			return ret;
		head = targets ? 2 : i + nt == ok ? 1 : 0;
		slmq_fpu_begin(&s->env);
		ret = tile_forward(s, tokens + i, nt, head);
		for (t = 0; !ret && targets && t < nt; t++)
			nll_bits[i + t] = targets[i + t] < nv ?
				nll_bits_of(s, s->tlogits + (u64)t * nv,
					    targets[i + t]) : 0x7f800000u;
		slmq_fpu_end(&s->env);
		if (ret)
			return ret;
		s->pos += nt;
	}
	if (ok < n)
		return s->pos >= s->n_ctx ? -ENOSPC : -EINVAL;
	return 0;
}

float *slmq_session_probs(struct slmq_session *s)
{
	return s->probs;
}

u32 *slmq_session_cand(struct slmq_session *s)
{
	return s->cand;
}

const struct slmq_env *slmq_session_env(const struct slmq_session *s)
{
	return &s->env;
}

u32 slmq_session_n_vocab(const struct slmq_session *s)
{
	return s->m->hp.n_vocab;
}
