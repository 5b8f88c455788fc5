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
#include <sys/wait.h>

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
	/* hyper-parameters, 0: the defaults above */
	u32 embd, heads, kv_heads, ff, layers;
	u32 key_len, value_len;		/* llama.attention.key/value_length written */
	bool set_eps, set_theta;	/* write eps / theta instead of 1e-5 / 10000 */
	float eps, theta;
	const char *poison;		/* a tensor whose first value (or scale) is poison_bits */
	u32 poison_bits;		/* IEEE single, stored at the tensor's precision */
	u32 poison_at;			/* byte offset: 2 is Q4_1's first min */
	bool poison_all;		/* every element of the (F32) tensor */
	const char *expect;		/* substring of the error, NULL: must load */
};

/* The shape a variant builds. */
struct shape {
	u32 embd, heads, kv, hd, ff, layers;
};

static struct shape shape_of(const struct variant *v)
{
	struct shape sh = {
		.embd = v->embd ? v->embd : EMBD,
		.heads = v->heads ? v->heads : HEADS,
		.kv = v->kv_heads ? v->kv_heads : KV,
		.ff = v->ff ? v->ff : FF,
		.layers = v->layers ? v->layers : LAYERS,
	};

	sh.hd = v->key_len ? v->key_len : sh.embd / sh.heads;
	return sh;
}

static u64 rng = 42;

static float frand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (float)((double)((rng * 0x2545f4914f6cdd1dull) >> 40) / 16777216.0 - 0.5);
}

/* Overwrite the first element (F32, F16) or the first block's scale d. */
static void poison(u8 *data, u32 type, u32 bits, u32 at)
{
	float f;
	u16 h;

	if (type == SLMQ_TYPE_F32) {
		memcpy(data + at, &bits, 4);
		return;
	}
	memcpy(&f, &bits, 4);
	h = isnan(f) ? 0x7e00 : isinf(f) ? (f < 0 ? 0xfc00 : 0x7c00) : 0;
	memcpy(data + at, &h, 2);
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
	if (v->poison && !strcmp(name, v->poison))
		for (r = 0; r < (v->poison_all ? rb * ne1 / 4 : 1); r++)
			poison(data, type, v->poison_bits, v->poison_at + 4 * r);
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
	struct shape sh = shape_of(v);
	/* 32-bit products, as the engine formed them before checking shapes */
	u32 hd = sh.hd, qd = sh.heads * hd, kvd = sh.kv * hd, l;
	char name[64];

	rng = 42;
	gguf_w_str(w, "general.architecture", v->arch ? v->arch : "llama");
	add_key_u32(w, v, "llama.context_length", CTX);
	add_key_u32(w, v, "llama.embedding_length", sh.embd);
	add_key_u32(w, v, "llama.block_count", sh.layers);
	add_key_u32(w, v, "llama.feed_forward_length", sh.ff);
	add_key_u32(w, v, "llama.attention.head_count", sh.heads);
	add_key_u32(w, v, "llama.attention.head_count_kv", sh.kv);
	add_key_u32(w, v, "llama.rope.dimension_count", hd);
	if (v->key_len)
		gguf_w_u32(w, "llama.attention.key_length", v->key_len);
	if (v->value_len)
		gguf_w_u32(w, "llama.attention.value_length", v->value_len);
	if (v->vocab_kv)
		gguf_w_u32(w, "llama.vocab_size", v->vocab_kv);
	if (!v->drop_key || strcmp(v->drop_key, "llama.attention.layer_norm_rms_epsilon"))
		gguf_w_f32(w, "llama.attention.layer_norm_rms_epsilon",
			   v->set_eps ? v->eps : 1e-5f);
	gguf_w_f32(w, "llama.rope.freq_base", v->set_theta ? v->theta : 10000.0f);
	add_vocab(w, v->tokens ? v->tokens : VOCAB);
	add_tensor(w, v, "token_embd.weight", sh.embd, VOCAB, false);
	for (l = 0; l < sh.layers; l++) {
#define T(part, ne0, ne1, norm)						\
		do {							\
			snprintf(name, sizeof(name), "blk.%u." part ".weight", l); \
			add_tensor(w, v, name, ne0, ne1, norm);		\
		} while (0)
		T("attn_norm", sh.embd, 1, true);
		T("attn_q", sh.embd, qd, false);
		T("attn_k", sh.embd, kvd, false);
		T("attn_v", sh.embd, kvd, false);
		T("attn_output", qd, sh.embd, false);
		T("ffn_norm", sh.embd, 1, true);
		T("ffn_gate", sh.embd, sh.ff, false);
		T("ffn_up", sh.embd, sh.ff, false);
		T("ffn_down", sh.ff, sh.embd, false);
#undef T
	}
	add_tensor(w, v, "output_norm.weight", sh.embd, 1, true);
	if (!v->tied)
		add_tensor(w, v, "output.weight", sh.embd, VOCAB, false);
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
	{ .what = "explicit equal key and value lengths", .key_len = EMBD / HEADS,
	  .value_len = EMBD / HEADS },
};

/*
 * Hyper-parameters the engine cannot run, each in a file that is otherwise
 * consistent (tensor shapes follow the keys); also fed to `slmqctl generate`.
 */
static const struct variant hostile[] = {
	/* 65537 * 65536 wraps to 65536 in 32 bits: q is sized for one head */
	{ .what = "n_head 65537 x head_dim 65536", .embd = 32, .heads = 65537,
	  .kv_heads = 65537, .key_len = 65536, .ff = 32, .layers = 1,
	  .mat_type = SLMQ_TYPE_Q4_0, .expect = "llama.attention.head_count 65537 x head dimension 65536" },
	{ .what = "head_dim 2048", .embd = 64, .heads = 2, .kv_heads = 1,
	  .key_len = 2048, .layers = 1, .mat_type = SLMQ_TYPE_Q4_0,
	  .expect = "llama.attention.key_length) 2048 exceeds" },
	{ .what = "value_length != key_length", .key_len = EMBD / HEADS,
	  .value_len = EMBD / HEADS * 2, .expect = "llama.attention.value_length 32 != key length 16" },
	{ .what = "rope.freq_base 1e-30", .set_theta = true, .theta = 1e-30f,
	  .expect = "llama.rope.freq_base" },
	{ .what = "rope.freq_base 1", .set_theta = true, .theta = 1.0f,
	  .expect = "llama.rope.freq_base" },
	{ .what = "rope.freq_base NaN", .set_theta = true, .theta = NAN,
	  .expect = "llama.rope.freq_base" },
	{ .what = "rope.freq_base +Inf", .set_theta = true, .theta = INFINITY,
	  .expect = "llama.rope.freq_base" },
	{ .what = "rms epsilon 0", .set_eps = true, .eps = 0.0f,
	  .expect = "layer_norm_rms_epsilon (bits 0x00000000)" },
	{ .what = "rms epsilon NaN", .set_eps = true, .eps = NAN,
	  .expect = "layer_norm_rms_epsilon" },
	{ .what = "rms epsilon 1", .set_eps = true, .eps = 1.0f,
	  .expect = "layer_norm_rms_epsilon" },
	{ .what = "rms epsilon -1e-5", .set_eps = true, .eps = -1e-5f,
	  .expect = "layer_norm_rms_epsilon" },
	{ .what = "NaN in an f16 matrix", .poison = "blk.1.attn_v.weight",
	  .poison_bits = 0x7fc00000u, .expect = "tensor blk.1.attn_v.weight: element 0 is NaN" },
	{ .what = "Inf in an f32 norm", .poison = "output_norm.weight",
	  .poison_bits = 0x7f800000u, .expect = "tensor output_norm.weight: element 0 is NaN or infinite" },
	{ .what = "NaN scale in q4_0", .mat_type = SLMQ_TYPE_Q4_0,
	  .poison = "blk.0.ffn_down.weight", .poison_bits = 0x7fc00000u,
	  .expect = "tensor blk.0.ffn_down.weight: scale of block 0" },
	{ .what = "-Inf scale in q8_0", .mat_type = SLMQ_TYPE_Q8_0,
	  .poison = "token_embd.weight", .poison_bits = 0xff800000u,
	  .expect = "tensor token_embd.weight: scale of block 0" },
	{ .what = "Inf scale in q4_1", .mat_type = SLMQ_TYPE_Q4_1,
	  .poison = "output.weight", .poison_bits = 0x7f800000u,
	  .expect = "tensor output.weight: scale of block 0" },
	{ .what = "NaN min in q4_1", .mat_type = SLMQ_TYPE_Q4_1,
	  .poison = "blk.1.ffn_gate.weight", .poison_bits = 0x7fc00000u,
	  .poison_at = 2, .expect = "tensor blk.1.ffn_gate.weight: scale of block 0" },
};

/*
 * Finite weights whose activations overflow: output_norm at FLT_MAX turns
 * the normed residual into +-Inf, the logits into Inf and NaN.  The file
 * loads; generate and perplexity must fail rather than print garbage.
 */
static const struct variant overflowing = {
	.what = "output_norm at FLT_MAX", .poison = "output_norm.weight",
	.poison_bits = 0x7f7fffffu, .poison_all = true, .mat_type = SLMQ_TYPE_Q4_0,
	.expect = "not finite",
};

/*
 * slmqctl CMD on a hostile file: exits non-zero (not by a signal: a
 * crafted shape used to segfault it) with exactly one line on stderr.
 * cmd is a format taking the model's path and the directory.
 */
static void cli_refuses(const struct variant *v, const char *dir,
			const char *cmdfmt, const char *expect)
{
	char path[256], errp[300], cmd[800], line[2048], *p;
	int lines = 0, st;
	struct variant vv = *v;
	size_t len;
	void *buf;
	FILE *f;

	if (!vv.mat_type)
		vv.mat_type = SLMQ_TYPE_F16;
	snprintf(path, sizeof(path), "%s/model.gguf", dir);
	snprintf(errp, sizeof(errp), "%s/err", dir);
	if (build(&vv, &buf, &len) || !(f = fopen(path, "wb"))) {
		tap_ok(0, "%s: write the file", v->what);
		return;
	}
	fwrite(buf, 1, len, f);
	fclose(f);
	free(buf);
	/* SLMQCTL: another build of it, e.g. with sanitizers */
	len = (size_t)snprintf(cmd, sizeof(cmd), "'%s' ",
			       getenv("SLMQCTL") ? getenv("SLMQCTL") : "tools/slmqctl/slmqctl");
	len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, cmdfmt, path, dir);
	snprintf(cmd + len, sizeof(cmd) - len, " >/dev/null 2>'%s'", errp);
	st = system(cmd);
	f = fopen(errp, "r");
	len = f ? fread(line, 1, sizeof(line) - 1, f) : 0;
	line[len] = 0;
	for (p = line; (p = strchr(p, '\n')); p++)
		lines++;
	if (f)
		fclose(f);
	if (!tap_ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 1 && lines == 1 &&
		    !strncmp(line, "slmqctl: ", 9) && strstr(line, expect),
		    "slmqctl %.*s, %s: exit 1, one error line",
		    (int)strcspn(cmdfmt, " "), cmdfmt, v->what))
		tap_diag("status 0x%x, %d lines: %s", st, lines, line);
}

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

#define GEN "generate '%s' -p 'hello world' -n 4"

/* 64 in-vocabulary ids as a .bin file for perplexity. */
static void write_ids(const char *dir)
{
	char path[256];
	u8 b[128];
	FILE *f;
	u32 i;

	for (i = 0; i < 64; i++) {
		b[2 * i] = (u8)(3 + 7 * i);
		b[2 * i + 1] = 0;
	}
	snprintf(path, sizeof(path), "%s/ids.bin", dir);
	f = fopen(path, "wb");
	if (f) {
		fwrite(b, 1, sizeof(b), f);
		fclose(f);
	}
}

int main(void)
{
	struct slmq_model keep;
	void *keep_buf = NULL;
	size_t i;

	char dir[] = "/tmp/test_model_load.XXXXXX", cmd[64];

	for (i = 0; i < ARRAY_SIZE(variants); i++)
		test_variant(&variants[i], i == 1 ? &keep : NULL, &keep_buf);
	for (i = 0; i < ARRAY_SIZE(hostile); i++)
		test_variant(&hostile[i], NULL, NULL);
	if (mkdtemp(dir)) {
		for (i = 0; i < ARRAY_SIZE(hostile); i++)
			cli_refuses(&hostile[i], dir, GEN, hostile[i].expect);
		test_variant(&(struct variant){ .what = "output_norm at FLT_MAX",
						.poison = overflowing.poison,
						.poison_bits = overflowing.poison_bits,
						.poison_all = true }, NULL, NULL);
		cli_refuses(&overflowing, dir, GEN, "generate: logit 0 at position");
		write_ids(dir);
		cli_refuses(&overflowing, dir, "perplexity '%s' --data '%s/ids.bin' --ctx 16",
			    "perplexity: the NLL of prediction 0 of a window is NaN");
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			tap_diag("could not remove %s", dir);
	} else {
		tap_ok(0, "mkdtemp");
	}
	if (keep_buf) {
		test_runtime(&keep);
		test_pack(&keep);
		slmq_model_release(&keep, &cli_allocator);
		free(keep_buf);
	}
	return tap_done();
}
