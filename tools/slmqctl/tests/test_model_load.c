// SPDX-License-Identifier: GPL-2.0
/*
 * slmq_model_load() on small synthetic GGUF files: a good file loads with
 * the right hyper-parameters, parameter count and tied output; every broken
 * variant fails with one message naming the key or tensor at fault.  Then
 * the forward pass and sampler on the loaded model: deterministic greedy,
 * seeded sampling repeatable, top-k 1 equal to greedy, context limits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli.h"
#include "gguf_writer.h"
#include "../../../kmod/engine/quant.h"

enum { EMBD = 64, LAYERS = 2, HEADS = 4, KV = 2, FF = 128, VOCAB = 300, CTX = 48 };

/* One way to break the file (or none). */
struct variant {
	const char *what;
	const char *arch;		/* general.architecture */
	const char *drop_key;		/* a metadata key left out */
	const char *drop_tensor;	/* a tensor left out */
	const char *bad_shape;		/* a tensor written with one row too many */
	const char *f16_norm;		/* a norm written as F16 */
	bool extra_tensor;		/* an unknown tensor added */
	bool tied;			/* no output.weight */
	u32 vocab_kv;			/* llama.vocab_size written, 0: absent */
	u32 tokens;			/* tokenizer entries (VOCAB unless testing) */
	u32 mat_type;			/* matrices' type */
	const char *expect;		/* substring of the error, NULL: must load */
};

static u64 rng = 42;

static float frand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (float)((double)((rng * 0x2545f4914f6cdd1dull) >> 40) / 16777216.0 - 0.5);
}

static void add_tensor(struct gguf_writer *w, const struct variant *v,
		       const char *name, u32 ne0, u32 ne1, bool norm)
{
	u32 type = norm ? SLMQ_TYPE_F32 : v->mat_type;
	uint64_t ne[2] = { ne0, ne1 };
	float *row = malloc(ne0 * sizeof(float));
	u64 rb, r;
	u8 *data;

	if (v->drop_tensor && !strcmp(name, v->drop_tensor))
		goto out;
	if (v->f16_norm && !strcmp(name, v->f16_norm))
		type = SLMQ_TYPE_F16;
	if (v->bad_shape && !strcmp(name, v->bad_shape))
		ne[1] = ++ne1;
	rb = slmq_row_bytes(type, ne0);
	data = malloc(rb * ne1);
	for (r = 0; r < ne1; r++) {
		u32 j;

		for (j = 0; j < ne0; j++)
			row[j] = norm ? 1.0f : frand() * 0.4f;
		slmq_quantize_row(type, row, data + r * rb, ne0);
	}
	gguf_w_tensor(w, name, type, norm ? 1 : 2, ne, data, rb * ne1);
out:
	free(row);
}

static void add_key_u32(struct gguf_writer *w, const struct variant *v,
			const char *key, u32 val)
{
	if (!v->drop_key || strcmp(key, v->drop_key))
		gguf_w_u32(w, key, val);
}

static void add_vocab(struct gguf_writer *w, u32 n)
{
	char **toks = calloc(n, sizeof(char *));
	float *scores = calloc(n, sizeof(float));
	int32_t *types = calloc(n, sizeof(int32_t));
	u32 i;

	for (i = 0; i < n; i++) {
		toks[i] = malloc(16);
		if (i < 3) {
			strcpy(toks[i], i == 0 ? "<unk>" : i == 1 ? "<s>" : "</s>");
			types[i] = i ? SLMQ_TOKEN_CONTROL : SLMQ_TOKEN_UNKNOWN;
		} else if (i < 259) {
			snprintf(toks[i], 16, "<0x%02X>", i - 3);
			types[i] = SLMQ_TOKEN_BYTE;
		} else {
			snprintf(toks[i], 16, "\xe2\x96\x81p%u", i);
			types[i] = SLMQ_TOKEN_NORMAL;
			scores[i] = -(float)i;
		}
	}
	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)toks, NULL, n);
	gguf_w_arr(w, "tokenizer.ggml.scores", SLMQ_GGUF_F32, scores, n);
	gguf_w_arr(w, "tokenizer.ggml.token_type", SLMQ_GGUF_I32, types, n);
	for (i = 0; i < n; i++)
		free(toks[i]);
	free(toks);
	free(scores);
	free(types);
}

static int build(const struct variant *v, void **buf, size_t *len)
{
	struct gguf_writer *w = gguf_writer_new();
	u32 hd = EMBD / HEADS, l;
	char name[64];

	rng = 42;
	gguf_w_str(w, "general.architecture", v->arch ? v->arch : "llama");
	add_key_u32(w, v, "llama.context_length", CTX);
	add_key_u32(w, v, "llama.embedding_length", EMBD);
	add_key_u32(w, v, "llama.block_count", LAYERS);
	add_key_u32(w, v, "llama.feed_forward_length", FF);
	add_key_u32(w, v, "llama.attention.head_count", HEADS);
	add_key_u32(w, v, "llama.attention.head_count_kv", KV);
	add_key_u32(w, v, "llama.rope.dimension_count", hd);
	if (v->vocab_kv)
		gguf_w_u32(w, "llama.vocab_size", v->vocab_kv);
	if (!v->drop_key || strcmp(v->drop_key, "llama.attention.layer_norm_rms_epsilon"))
		gguf_w_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
	gguf_w_f32(w, "llama.rope.freq_base", 10000.0f);
	add_vocab(w, v->tokens ? v->tokens : VOCAB);
	add_tensor(w, v, "token_embd.weight", EMBD, VOCAB, false);
	for (l = 0; l < LAYERS; l++) {
#define T(part, ne0, ne1, norm)						\
		do {							\
			snprintf(name, sizeof(name), "blk.%u." part ".weight", l); \
			add_tensor(w, v, name, ne0, ne1, norm);		\
		} while (0)
		T("attn_norm", EMBD, 1, true);
		T("attn_q", EMBD, HEADS * hd, false);
		T("attn_k", EMBD, KV * hd, false);
		T("attn_v", EMBD, KV * hd, false);
		T("attn_output", HEADS * hd, EMBD, false);
		T("ffn_norm", EMBD, 1, true);
		T("ffn_gate", EMBD, FF, false);
		T("ffn_up", EMBD, FF, false);
		T("ffn_down", FF, EMBD, false);
#undef T
	}
	add_tensor(w, v, "output_norm.weight", EMBD, 1, true);
	if (!v->tied)
		add_tensor(w, v, "output.weight", EMBD, VOCAB, false);
	if (v->extra_tensor)
		add_tensor(w, v, "rope_freqs.weight", hd / 2, 1, true);
	return gguf_writer_finish(w, buf, len);
}

static const struct variant variants[] = {
	{ .what = "good f16 model", .mat_type = SLMQ_TYPE_F16 },
	{ .what = "good q4_0 model, tied output", .mat_type = SLMQ_TYPE_Q4_0,
	  .tied = true, .vocab_kv = VOCAB },
	{ .what = "other architecture", .arch = "gpt2", .expect = "gpt2" },
	{ .what = "missing block_count", .drop_key = "llama.block_count",
	  .expect = "llama.block_count" },
	{ .what = "missing rms epsilon",
	  .drop_key = "llama.attention.layer_norm_rms_epsilon",
	  .expect = "layer_norm_rms_epsilon" },
	{ .what = "missing tensor", .drop_tensor = "blk.1.ffn_up.weight",
	  .expect = "blk.1.ffn_up.weight" },
	{ .what = "wrong shape", .bad_shape = "blk.0.attn_k.weight",
	  .expect = "blk.0.attn_k.weight: shape" },
	{ .what = "norm not f32", .f16_norm = "blk.1.ffn_norm.weight",
	  .expect = "blk.1.ffn_norm.weight: type f16" },
	{ .what = "unexpected tensor", .extra_tensor = true,
	  .expect = "rope_freqs.weight" },
	{ .what = "vocab_size disagrees", .vocab_kv = VOCAB + 1,
	  .expect = "llama.vocab_size" },
	{ .what = "tokenizer size disagrees", .tokens = VOCAB - 10,
	  .expect = "tokenizer has" },
};

static void test_variant(const struct variant *v, struct slmq_model *keep,
			 void **keep_buf)
{
	struct slmq_err err = { 0 };
	struct slmq_model m;
	struct variant vv = *v;
	size_t len;
	void *buf;
	int ret;

	if (!vv.mat_type)
		vv.mat_type = SLMQ_TYPE_F16;
	if (build(&vv, &buf, &len)) {
		tap_ok(0, "%s: build the file", v->what);
		return;
	}
	ret = slmq_model_load(&m, buf, len, &cli_allocator, &err);
	if (!v->expect) {
		tap_ok(!ret && m.hp.n_layer == LAYERS && m.hp.n_head_kv == KV &&
		       m.hp.head_dim == EMBD / HEADS && m.hp.n_vocab == VOCAB &&
		       m.hp.n_ctx_train == CTX,
		       "%s: loads with the file's hyper-parameters%s%s", v->what,
		       ret ? ": " : "", ret ? err.msg : "");
		if (ret)
			return;
		tap_ok(m.n_params == (u64)VOCAB * EMBD * (v->tied ? 1 : 2) + EMBD +
		       (u64)LAYERS * (2 * EMBD + 2 * EMBD * EMBD +
				      2 * EMBD * (KV * EMBD / HEADS) + 3 * EMBD * FF),
		       "%s: parameter count %llu", v->what,
		       (unsigned long long)m.n_params);
		tap_ok(v->tied ? m.output.data == m.tok_embd.data :
				 m.output.data != m.tok_embd.data,
		       "%s: output head %s", v->what,
		       v->tied ? "tied to token_embd" : "is output.weight");
		if (keep && !*keep_buf) {
			*keep = m;
			*keep_buf = buf;
			return;
		}
		slmq_model_release(&m, &cli_allocator);
	} else {
		if (!tap_ok(ret < 0 && strstr(err.msg, v->expect),
			    "%s: rejected naming '%s'", v->what, v->expect))
			tap_diag("ret %d, message: %s", ret, err.msg);
		if (!ret)
			slmq_model_release(&m, &cli_allocator);
	}
	free(buf);
}

static int greedy(const struct slmq_model *m, struct slmq_sampler *sp, u32 *out,
		  u32 n)
{
	struct slmq_env env;
	struct slmq_err err = { 0 };
	struct slmq_session *s;
	u32 i, tok = 1;
	int ret = 0;

	cli_env_init(&env);
	s = slmq_session_new(m, &env, 0, &err);
	if (!s)
		return -1;
	for (i = 0; i < n && !ret; i++) {
		ret = slmq_session_eval(s, tok);
		tok = out[i] = slmq_sample(sp, s);
	}
	slmq_session_free(s);
	return ret;
}

static void test_runtime(const struct slmq_model *m)
{
	struct slmq_sampler g, a, b, k1;
	struct slmq_err err = { 0 };
	struct slmq_env env;
	struct slmq_session *s;
	u32 t1[20], t2[20], s1[20], s2[20], s3[20], tk[20], i;
	const u32 one = 0x3f800000u;
	bool finite = true;

	slmq_sampler_init(&g, 0, 0, one, 0);
	tap_ok(!greedy(m, &g, t1, 20) && !greedy(m, &g, t2, 20) &&
	       !memcmp(t1, t2, sizeof(t1)), "greedy decoding is deterministic");
	slmq_sampler_init(&a, 0x3f800000u, 40, 0x3f666666u, 7);	/* T 1, k 40, p 0.9 */
	slmq_sampler_init(&b, 0x3f800000u, 40, 0x3f666666u, 7);
	greedy(m, &a, s1, 20);
	greedy(m, &b, s2, 20);
	slmq_sampler_init(&a, 0x40000000u, 0, one, 8);	/* T 2, other seed */
	greedy(m, &a, s3, 20);
	tap_ok(!memcmp(s1, s2, sizeof(s1)) && memcmp(s1, s3, sizeof(s1)),
	       "seeded sampling repeats with the seed and changes with it");
	slmq_sampler_init(&k1, 0x3f800000u, 1, one, 9);
	greedy(m, &k1, tk, 20);
	tap_ok(!memcmp(tk, t1, sizeof(tk)), "top-k 1 equals greedy");

	cli_env_init(&env);
	s = slmq_session_new(m, &env, CTX + 1, &err);
	tap_ok(!s && strstr(err.msg, "context"), "a session longer than the model's context is refused");
	s = slmq_session_new(m, &env, 4, &err);
	for (i = 0; i < 4; i++)
		slmq_session_eval(s, 1 + i);
	for (i = 0; i < m->hp.n_vocab; i++)
		finite &= isfinite(slmq_session_logits(s)[i]);
	tap_ok(finite, "logits are finite");
	tap_ok(slmq_session_eval(s, 5) == -ENOSPC && slmq_session_pos(s) == 4,
	       "a full context answers -ENOSPC");
	slmq_session_reset(s);
	tap_ok(slmq_session_eval(s, VOCAB) == -EINVAL && !slmq_session_pos(s),
	       "an out-of-vocabulary token answers -EINVAL");
	slmq_session_free(s);
}

/* Logits after a few tokens, copied out. */
static void run_logits(const struct slmq_model *m, float *out)
{
	struct slmq_env env;
	struct slmq_err err = { 0 };
	struct slmq_session *s;
	u32 i;

	cli_env_init(&env);
	s = slmq_session_new(m, &env, 8, &err);
	for (i = 0; i < 6; i++)
		slmq_session_eval(s, 1 + 37 * i);
	memcpy(out, slmq_session_logits(s), VOCAB * sizeof(float));
	slmq_session_free(s);
}

/* Packing the 4-bit matrices changes layout, not results. */
static void test_pack(struct slmq_model *m)
{
	static float before[VOCAB], after[VOCAB];
	struct slmq_err err = { 0 };

	run_logits(m, before);
	tap_ok(!slmq_model_interleave(m, &cli_allocator, &err) &&
	       m->layers[1].w_down.layout == SLMQ_LAYOUT_G8 &&
	       m->tok_embd.layout == SLMQ_LAYOUT_GGML &&
	       m->output.layout == SLMQ_LAYOUT_GGML,
	       "pack: q4_0 matrices in G8, embedding (and the head tied to it) untouched");
	run_logits(m, after);
	tap_ok(!memcmp(before, after, sizeof(before)), "pack: logits identical bit for bit");
	tap_ok(!slmq_model_interleave(m, &cli_allocator, &err), "pack: a second call is harmless");
	run_logits(m, after);
	tap_ok(!memcmp(before, after, sizeof(before)), "pack: still identical after the second call");
}

int main(void)
{
	struct slmq_model keep;
	void *keep_buf = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(variants); i++)
		test_variant(&variants[i], i == 1 ? &keep : NULL, &keep_buf);
	if (keep_buf) {
		test_runtime(&keep);
		test_pack(&keep);
		slmq_model_release(&keep, &cli_allocator);
		free(keep_buf);
	}
	return tap_done();
}
