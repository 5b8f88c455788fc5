// SPDX-License-Identifier: GPL-2.0
/*
 * Batched prompt processing (slmq_session_prefill(), the kernels'
 * gemm_rows) against token-at-a-time evaluation: the engine promises the
 * same bits, so every comparison here is memcmp, never a tolerance.
 *
 * - the kernels: gemm_rows / gemm_rows_g8 of each table for every weight
 *   type, in ggml's layout and in G8 groups (with a last, partial group),
 *   against dot_rows once per token; and the fallback a table without
 *   batched entries takes;
 * - whole models: pcilm-tiny in F16 and re-quantized in memory to Q8_0,
 *   Q4_0 and Q4_1 (each also packed to G8), on the generic and the AVX2
 *   path: logits after prompts of 1, 5, 31, 32, 33, 64 and 75 tokens (the
 *   tile is 32), every NLL of a scored 75-token text, a prompt fed in two
 *   calls followed by decoding, and the stops at a bad id and a full context;
 *   all of it with the KV cache in F16 (the default) and in F32;
 * - the KV cache's type: F16 against F32 on each model, logits within
 *   KV_LOGIT_TOL and the perplexity of a text within KV_PPL_TOL (the
 *   tolerances Documentation/engine.md states), but not the same bits; and
 *   with an F16 cache, generic and AVX2 logits the same bits for block types.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli.h"
#include "../../../kmod/engine/dot.h"
#include "../../../kmod/engine/kernels.h"
#include "../../../kmod/engine/matvec.h"
#include "../../../kmod/engine/quant.h"
#include "eval.h"

/*
 * F16 KV against F32 KV on pcilm-tiny (Documentation/engine.md, "The KV
 * cache"): the largest logit difference after any prefix of the 75-token
 * prompt, and the relative change of the perplexity of 16 windows of
 * oscorpus/test.bin.  Measured: 0.0037 with F16 weights; 0.17-0.19 with
 * Q8_0, Q4_0, Q4_1 (a rounded k or v flips an int8 rounding of the next
 * layer's activation now and then); perplexity within 4.7e-4 of F32's.
 * The tolerances leave a margin of 2.5x to 5x.
 */
#define KV_LOGIT_TOL_FLOAT 0.02f
#define KV_LOGIT_TOL_BLOCK 0.5f
#define KV_PPL_TOL 2e-3

/* slmq_session_open() flags of every session below (the KV cache's type). */
static u32 kv_flags;

static u64 rng = 0x2545f4914f6cdd1dull;

static u32 urand32(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (u32)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

static float grand(void)
{
	return ((float)(urand32() % 20001) - 10000.0f) / 10000.0f;
}

/* gemm_rows of k vs dot_rows of k token by token, on one random matrix. */
static bool gemm_matches(const struct slmq_kernels *k, u32 type, bool g8,
			 u32 n, u32 rows, u32 nt)
{
	u64 rb = slmq_row_bytes(type, n), ab = slmq_act_bytes(n);
	u32 xs = n + 3, ys = rows + 5, r, t, full = rows / 8 * 8;
	float *w = malloc(sizeof(float) * n), *x = malloc(sizeof(float) * xs * nt);
	float *yg = calloc((size_t)ys * nt, sizeof(float));
	float *yd = calloc((size_t)ys * nt, sizeof(float));
	u8 *wq = malloc(rb * rows), *wg = malloc(rb * rows);
	struct slmq_act *xa = calloc(nt, sizeof(*xa));
	u8 *abuf = aligned_alloc(64, ab * nt);
	u32 ty = type | (g8 ? SLMQ_DOT_G8 : 0);
	bool ok;

	for (r = 0; r < rows; r++) {
		for (t = 0; t < n; t++)
			w[t] = grand() * 0.05f;
		slmq_quantize_row(type, w, wq + r * rb, n);
	}
	memcpy(wg, wq, rb * rows);
	if (g8)
		for (r = 0; r < full; r += 8)
			slmq_interleave_rows_g8(type, wq + r * rb, wg + r * rb,
						n / SLMQ_QK);
	for (t = 0; t < xs * nt; t++)
		x[t] = grand() * (t % 7 ? 1.0f : 6.0f);
	for (t = 0; t < nt; t++) {
		slmq_act_init(&xa[t], abuf + t * ab, n);
		if (slmq_type_is_block(type))
			slmq_quantize_act(x + t * xs, &xa[t], n);
	}
	slmq_gemm_rows(k, ty, wg, rb, n, x, xs, xa, nt, yg, ys, 0, rows);
	for (t = 0; t < nt; t++)
		slmq_dot_rows(k, ty, wg, rb, n, x + t * xs, &xa[t], yd + t * ys,
			      0, rows);
	ok = !memcmp(yg, yd, sizeof(float) * ys * nt);
	free(w);
	free(x);
	free(yg);
	free(yd);
	free(wq);
	free(wg);
	free(xa);
	free(abuf);
	return ok;
}

/*
 * Whether this CPU runs k (the VNNI tables: test_vnni compares them with
 * generic; here their batched entries with their own rows, and their
 * prompts with their own token-at-a-time logits).
 */
static bool cpu_runs(const struct slmq_kernels *k)
{
	return (cli_cpu_features() & k->needs) == k->needs;
}

static void test_gemm_kernels(void)
{
	static const u32 types[] = { SLMQ_TYPE_F32, SLMQ_TYPE_F16, SLMQ_TYPE_Q4_0,
				     SLMQ_TYPE_Q4_1, SLMQ_TYPE_Q8_0 };
	static const u32 nts[] = { 1, 3, 4, 5, 32 };
	const struct slmq_kernels *ks[] = { &slmq_kernels_generic, &slmq_kernels_avx2,
					    &slmq_kernels_avx512vnni, &slmq_kernels_avxvnni };
	struct slmq_kernels none;
	u32 i, t, g, j;

	for (i = 0; i < ARRAY_SIZE(ks); i++) {
		if (!cpu_runs(ks[i])) {
			tap_ok(1, "%s gemm_rows # SKIP this CPU lacks its instructions", ks[i]->name);
			continue;
		}
		for (t = 0; t < ARRAY_SIZE(types); t++)
			for (g = 0; g < (slmq_type_is_block(types[t]) ? 2 : 1); g++) {
				bool ok = true;

				for (j = 0; j < ARRAY_SIZE(nts); j++)
					ok &= gemm_matches(ks[i], types[t], g, 96, 37, nts[j]) &&
					      gemm_matches(ks[i], types[t], g, 256, 16, nts[j]);
				tap_ok(ok, "%s %s%s: gemm_rows of 1..32 tokens == dot_rows per token, bit for bit",
				       ks[i]->name, slmq_type_name(types[t]), g ? " g8" : "");
			}
	}
	/* a table without batched entries (a new instruction set's, at first) */
	none = slmq_kernels_avx2;
	memset(none.gemm_rows, 0, sizeof(none.gemm_rows));
	memset(none.gemm_rows_g8, 0, sizeof(none.gemm_rows_g8));
	tap_ok(gemm_matches(&none, SLMQ_TYPE_Q4_0, true, 96, 37, 5) &&
	       gemm_matches(&none, SLMQ_TYPE_F16, false, 96, 37, 5),
	       "a table with NULL gemm entries falls back to dot_rows per token");
}

enum { NTOK = 75 };

#define SECTION_MACS (1u << 19)	/* forward.c's SLMQ_SECTION_MACS */

struct ref {
	float *logits;		/* NTOK rows: after tokens[0..i] */
	u32 nll[NTOK - 1];	/* -log p(tokens[i + 1]) after tokens[0..i] */
};

static struct slmq_session *session(const struct slmq_model *m,
				    const struct slmq_kernels *k, u32 n_ctx)
{
	struct slmq_err err = { 0 };
	struct slmq_env env;
	struct slmq_session *s;

	cli_env_init(&env);
	env.kernels = k;
	s = slmq_session_open(m, &env, n_ctx, kv_flags, &err);
	if (!s)
		tap_diag("session: %s", err.msg);
	return s;
}

static int reference(const struct slmq_model *m, const struct slmq_kernels *k,
		     const u32 *tok, struct ref *r)
{
	struct slmq_session *s = session(m, k, 0);
	u32 nv = m->hp.n_vocab, i;

	if (!s)
		return -1;
	for (i = 0; i < NTOK; i++) {
		if (slmq_session_eval(s, tok[i]))
			break;
		memcpy(r->logits + (size_t)i * nv, slmq_session_logits(s),
		       nv * sizeof(float));
		if (i + 1 < NTOK)
			r->nll[i] = slmq_session_nll_bits(s, tok[i + 1]);
	}
	slmq_session_free(s);
	return i == NTOK ? 0 : -1;
}

static bool logits_are(const struct slmq_model *m, struct slmq_session *s,
		       const struct ref *r, u32 after)
{
	u32 nv = m->hp.n_vocab;

	return !memcmp(slmq_session_logits(s), r->logits + (size_t)(after - 1) * nv,
		       nv * sizeof(float));
}

static void check_path(const struct slmq_model *m, const char *what,
		       const struct slmq_kernels *k, const u32 *tok)
{
	static const u32 lens[] = { 1, 5, 31, 32, 33, 64, NTOK };
	u32 bad[NTOK], nll[NTOK - 1], i;
	struct slmq_session *s;
	struct ref r;
	bool ok = true;
	int ret;

	r.logits = malloc(sizeof(float) * NTOK * m->hp.n_vocab);
	if (reference(m, k, tok, &r)) {
		tap_ok(0, "%s %s: token-at-a-time reference", what, k->name);
		goto free_logits;
	}
	s = session(m, k, 0);
	if (!s)
		goto free_logits;
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		slmq_session_reset(s);
		ok &= !slmq_session_prefill(s, tok, lens[i], NULL, NULL) &&
		      slmq_session_pos(s) == lens[i] && logits_are(m, s, &r, lens[i]);
	}
	tap_ok(ok, "%s %s: prompts of 1, 5, 31, 32, 33, 64, 75 tokens leave the logits of one at a time, bit for bit",
	       what, k->name);

	slmq_session_reset(s);
	memset(nll, 0xff, sizeof(nll));
	ret = slmq_session_prefill(s, tok, NTOK - 1, tok + 1, nll);
	tap_ok(!ret && !memcmp(nll, r.nll, sizeof(nll)) && logits_are(m, s, &r, NTOK - 1),
	       "%s %s: a scored 75-token text: all 74 NLLs bit for bit", what, k->name);

	/* two calls (the second starts mid-tile), then decoding from that cache */
	slmq_session_reset(s);
	ok = !slmq_session_prefill(s, tok, 7, NULL, NULL) &&
	     !slmq_session_prefill(s, tok + 7, NTOK - 10, NULL, NULL) &&
	     logits_are(m, s, &r, NTOK - 3);
	for (i = NTOK - 3; ok && i < NTOK; i++)
		ok = !slmq_session_eval(s, tok[i]) && logits_are(m, s, &r, i + 1);
	tap_ok(ok, "%s %s: prompt fed in two pieces, then 3 decode steps: the same logits",
	       what, k->name);
	slmq_session_free(s);

	/* the stops of the one-at-a-time loop: a bad id, a full context */
	memcpy(bad, tok, sizeof(bad));
	bad[40] = m->hp.n_vocab;
	s = session(m, k, 50);
	if (!s)
		goto free_logits;
	ret = slmq_session_prefill(s, bad, NTOK, NULL, NULL);
	ok = ret == -EINVAL && slmq_session_pos(s) == 40 && logits_are(m, s, &r, 40);
	slmq_session_reset(s);
	ret = slmq_session_prefill(s, tok, NTOK, NULL, NULL);
	ok &= ret == -ENOSPC && slmq_session_pos(s) == 50 && logits_are(m, s, &r, 50);
	tap_ok(ok, "%s %s: stops at a bad id (-EINVAL) and a full context (-ENOSPC) where one at a time does",
	       what, k->name);
	slmq_session_free(s);
free_logits:
	free(r.logits);
}

/* FPU hooks that check the sections: never nested, always closed, counted. */
struct fpu_count {
	int depth, bad;
	u32 sections, yields, fail_at;
};

static void fc_begin(void *ctx)
{
	struct fpu_count *c = ctx;

	c->bad |= c->depth++ != 0;
	c->sections++;
}

static void fc_end(void *ctx)
{
	struct fpu_count *c = ctx;

	c->bad |= --c->depth != 0;
}

static int fc_yield(void *ctx)
{
	struct fpu_count *c = ctx;

	c->bad |= c->depth != 0;
	return ++c->yields == c->fail_at ? -EINTR : 0;
}

static struct slmq_session *counted(const struct slmq_model *m, struct fpu_count *c)
{
	struct slmq_err err = { 0 };
	struct slmq_env env;

	cli_env_init(&env);
	env.fpu_begin = fc_begin;
	env.fpu_end = fc_end;
	env.yield = fc_yield;
	env.ctx = c;
	return slmq_session_open(m, &env, 0, kv_flags, &err);
}

/*
 * A tile is split into sections like the one-token path's (about as many
 * for the same work), with a yield between each; a failing yield stops the
 * prompt at a whole tile.
 */
static void check_sections(const struct slmq_model *m, const u32 *tok)
{
	struct fpu_count one = { 0 }, tile = { 0 }, stop = { 0 };
	struct slmq_session *s;
	u32 nll[NTOK - 1], i;
	u64 macs = (u64)m->output.ne0 * m->output.ne1;
	int ret;

	for (i = 0; i < m->hp.n_layer; i++) {
		const struct slmq_layer *L = &m->layers[i];

		macs += (u64)L->wq.ne0 * L->wq.ne1 + (u64)L->wk.ne0 * L->wk.ne1 +
			(u64)L->wv.ne0 * L->wv.ne1 + (u64)L->wo.ne0 * L->wo.ne1 +
			(u64)L->w_gate.ne0 * L->w_gate.ne1 + (u64)L->w_up.ne0 * L->w_up.ne1 +
			(u64)L->w_down.ne0 * L->w_down.ne1;
	}
	macs *= NTOK - 1;
	s = counted(m, &one);
	for (i = 0; s && i + 1 < NTOK; i++) {
		slmq_session_eval(s, tok[i]);
		nll[i] = slmq_session_nll_bits(s, tok[i + 1]);
	}
	slmq_session_free(s);
	s = counted(m, &tile);
	tile.sections = tile.yields = 0;
	ret = s ? slmq_session_prefill(s, tok, NTOK - 1, tok + 1, nll) : -1;
	slmq_session_free(s);
	/*
	 * A section ends once it did SECTION_MACS, overrunning it by at most
	 * one piece (<= SECTION_MACS): short sections mean at least
	 * macs / (2 * SECTION_MACS) of them for the matrices alone.
	 */
	tap_ok(!ret && !one.bad && !tile.bad && tile.depth == 0 &&
	       (u64)tile.sections * 2 * SECTION_MACS >= macs,
	       "a scored prompt: FPU sections balanced, never nested, short: %u for %llu matrix MACs (one token at a time: %u)",
	       tile.sections, (unsigned long long)macs, one.sections);
	s = counted(m, &stop);
	stop.yields = 0;
	stop.fail_at = tile.yields / 2;
	ret = s ? slmq_session_prefill(s, tok, NTOK, NULL, NULL) : -1;
	tap_ok(ret == -EINTR && !stop.bad && stop.depth == 0 && s &&
	       slmq_session_pos(s) % 32 == 0 && slmq_session_pos(s) < NTOK,
	       "a failing yield ends the prompt with its error at a whole tile (position %u)",
	       s ? slmq_session_pos(s) : 0);
	slmq_session_free(s);
}

/* The text the KV tolerance is measured on: windows of the model's context. */
static u32 *text_ids;
static size_t text_n;

/* Perplexity of the text's first windows with the cache type kv_flags asks for. */
static double text_ppl(const struct slmq_model *m, const struct slmq_kernels *k)
{
	u32 ctx = m->hp.n_ctx_train, nw = (u32)(text_n / ctx), w, i;
	u32 *nll = malloc(sizeof(u32) * ctx);
	struct slmq_session *s = session(m, k, 0);
	double total = 0;
	u64 scored = 0;

	for (w = 0; s && nll && w < nw && w < 16; w++) {
		const u32 *x = text_ids + (size_t)w * ctx;

		slmq_session_reset(s);
		if (slmq_session_prefill(s, x, ctx - 1, x + 1, nll))
			break;
		for (i = 0; i < ctx - 1; i++) {
			float f;

			memcpy(&f, &nll[i], sizeof(f));
			total += f;
		}
		scored += ctx - 1;
	}
	slmq_session_free(s);
	free(nll);
	return scored ? exp(total / (double)scored) : -1;
}

static float max_abs_diff(const float *a, const float *b, size_t n)
{
	float d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d = fmaxf(d, fabsf(a[i] - b[i]));
	return d;
}

/* The KV cache's type: F16 near F32, not equal; generic == AVX2 with F16 for blocks. */
static void check_kv(const struct slmq_model *m, const char *what,
		     const u32 *tok, bool block)
{
	size_t nl = (size_t)NTOK * m->hp.n_vocab;
	float tol = block ? KV_LOGIT_TOL_BLOCK : KV_LOGIT_TOL_FLOAT, d;
	struct ref f16, f32, gen;
	double p16, p32;
	bool ok;

	f16.logits = malloc(sizeof(float) * nl);
	f32.logits = malloc(sizeof(float) * nl);
	gen.logits = malloc(sizeof(float) * nl);
	kv_flags = SLMQ_SESSION_KV_F32;
	ok = !reference(m, &slmq_kernels_avx2, tok, &f32);
	p32 = text_ppl(m, &slmq_kernels_avx2);
	kv_flags = 0;
	ok &= !reference(m, &slmq_kernels_avx2, tok, &f16);
	p16 = text_ppl(m, &slmq_kernels_avx2);
	d = ok ? max_abs_diff(f16.logits, f32.logits, nl) : -1;
	tap_ok(ok && d > 0 && d <= tol,
	       "%s: F16 KV logits within %g of F32 KV's (max |diff| %.6f over %u prefixes), not the same",
	       what, tol, d, NTOK);
	tap_ok(p16 > 0 && p32 > 0 && p16 != p32 && fabs(p16 / p32 - 1) <= KV_PPL_TOL,
	       "%s: text perplexity with F16 KV %.6f vs F32 KV %.6f (relative %.2e, tolerance %g)",
	       what, p16, p32, fabs(p16 / p32 - 1), KV_PPL_TOL);
	if (block) {
		ok = !reference(m, &slmq_kernels_generic, tok, &gen) &&
		     !memcmp(gen.logits, f16.logits, nl * sizeof(float)) &&
		     !memcmp(gen.nll, f16.nll, sizeof(gen.nll));
		tap_ok(ok, "%s: F16 KV: generic and AVX2 logits and NLLs the same bits", what);
	}
	free(f16.logits);
	free(f32.logits);
	free(gen.logits);
}

static void check_model(const struct slmq_model *m, const char *what, const u32 *tok)
{
	static const struct slmq_kernels *const vnni[] = { &slmq_kernels_avx512vnni,
							   &slmq_kernels_avxvnni };
	static const u32 kvs[] = { 0, SLMQ_SESSION_KV_F32 };
	char name[96];
	u32 i, j;

	for (i = 0; i < ARRAY_SIZE(kvs); i++) {
		kv_flags = kvs[i];
		snprintf(name, sizeof(name), "%s kv %s", what, kvs[i] ? "f32" : "f16");
		check_path(m, name, &slmq_kernels_generic, tok);
		check_path(m, name, &slmq_kernels_avx2, tok);
		for (j = 0; j < ARRAY_SIZE(vnni); j++)
			if (cpu_runs(vnni[j]))
				check_path(m, name, vnni[j], tok);
	}
	kv_flags = 0;
	check_kv(m, what, tok, slmq_type_is_block(m->layers[0].wq.type));
}

/* pcilm-tiny with every matrix (the output head too) re-quantized to type. */
static void check_requantized(const struct slmq_model *src, u32 type, const u32 *tok)
{
	struct slmq_model qm = *src;
	struct slmq_layer *layers = calloc(qm.hp.n_layer, sizeof(*layers));
	void **bufs = calloc(qm.hp.n_layer * 7 + 1, sizeof(void *));
	struct slmq_err err = { 0 };
	char what[64];
	u32 l, k, nb = 0;

	for (l = 0; l <= qm.hp.n_layer; l++) {
		bool head = l == qm.hp.n_layer;
		struct slmq_tensor *mats[7];

		if (!head) {
			layers[l] = src->layers[l];
			mats[0] = &layers[l].wq;
			mats[1] = &layers[l].wk;
			mats[2] = &layers[l].wv;
			mats[3] = &layers[l].wo;
			mats[4] = &layers[l].w_gate;
			mats[5] = &layers[l].w_up;
			mats[6] = &layers[l].w_down;
		} else {
			mats[0] = &qm.output;
		}
		for (k = 0; k < (head ? 1 : 7); k++) {
			struct slmq_tensor *w = mats[k];
			u64 rb = slmq_row_bytes(type, w->ne0), r;
			float *row = malloc(w->ne0 * sizeof(float));
			u8 *q = malloc(rb * w->ne1);

			for (r = 0; r < w->ne1; r++) {
				slmq_tensor_row(w, r, row);
				slmq_quantize_row(type, row, q + r * rb, w->ne0);
			}
			free(row);
			w->type = type;
			w->data = q;
			w->nbytes = rb * w->ne1;
			bufs[nb++] = q;
		}
	}
	qm.layers = layers;
	snprintf(what, sizeof(what), "pcilm-tiny %s", slmq_type_name(type));
	check_model(&qm, what, tok);
	tap_ok(!slmq_model_interleave(&qm, &cli_allocator, &err) &&
	       layers[0].wq.layout == SLMQ_LAYOUT_G8 && qm.output.layout == SLMQ_LAYOUT_G8,
	       "pcilm-tiny %s: packed to G8", slmq_type_name(type));
	snprintf(what, sizeof(what), "pcilm-tiny %s packed", slmq_type_name(type));
	check_model(&qm, what, tok);
	for (k = 0; k < nb; k++)
		free(bufs[k]);
	free(bufs);
	free(layers);
}

static void test_models(void)
{
	static const u32 types[] = { SLMQ_TYPE_Q8_0, SLMQ_TYPE_Q4_0, SLMQ_TYPE_Q4_1 };
	struct slmq_err err = { 0 };
	struct cli_model cm;
	char path[4200];
	u32 tok[NTOK], i;

	snprintf(path, sizeof(path), "%s/pcilm-tiny", tap_fixture_dir());
	if (cli_model_open(path, &cm, &err)) {
		tap_ok(0, "open %s: %s", path, err.msg);
		return;
	}
	snprintf(path, sizeof(path), "%s/oscorpus/test.bin", tap_fixture_dir());
	if (eval_load_tokens(path, &cm.model.vocab, &text_ids, &text_n, &err))
		tap_ok(0, "load %s: %s", path, err.msg);
	for (i = 0; i < NTOK; i++)
		tok[i] = i ? 3 + urand32() % (cm.model.hp.n_vocab - 3) : 1;
	check_model(&cm.model, "pcilm-tiny f16", tok);
	check_sections(&cm.model, tok);
	for (i = 0; i < ARRAY_SIZE(types); i++)
		check_requantized(&cm.model, types[i], tok);
	free(text_ids);
	cli_model_close(&cm);
}

int main(void)
{
	u32 need = slmq_kernels_avx2.needs;

	/* both paths run here whatever SLMQ_CPU says: the test names each */
	if ((cli_cpu_features() & need) != need) {
		tap_ok(0, "this CPU has AVX2+FMA+F16C (needed to compare the paths)");
		return tap_done();
	}
	test_gemm_kernels();
	test_models();
	return tap_done();
}
