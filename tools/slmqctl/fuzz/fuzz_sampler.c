// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the sampler's parameters, which a netlink caller picks.
 * Input: temperature bits, top-k, top-p bits, seed (4 + 4 + 4 + 8 bytes),
 * then floats written over the logits of a small model (NaN, Inf, huge,
 * denormal: whatever overflowing activations could leave there).  The
 * token picked must be in the vocabulary, and the NLL must not crash.
 */
#include "fuzz_common.h"
#include "../../../kmod/engine/quant.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { EMBD = 32, VOCAB = 300 };

static struct slmq_model model;
static struct slmq_session *sess;

/* A random-weight one-layer model over a vocabulary of 300 byte-ish pieces. */
static void build(void **buf, size_t *len)
{
	static const char *const mats[] = { "attn_q", "attn_k", "attn_v", "attn_output",
					     "ffn_gate", "ffn_up", "ffn_down" };
	struct gguf_writer *w = gguf_writer_new();
	char *toks[VOCAB], name[64];
	int32_t types[VOCAB];
	float scores[VOCAB], row[EMBD];
	uint64_t ne[2] = { EMBD, EMBD };
	uint64_t x = 88172645463325252ull;
	u32 i, r, j;

	gguf_w_str(w, "general.architecture", "llama");
	gguf_w_u32(w, "llama.context_length", 8);
	gguf_w_u32(w, "llama.embedding_length", EMBD);
	gguf_w_u32(w, "llama.block_count", 1);
	gguf_w_u32(w, "llama.feed_forward_length", EMBD);
	gguf_w_u32(w, "llama.attention.head_count", 2);
	gguf_w_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
	for (i = 0; i < VOCAB; i++) {
		toks[i] = malloc(16);
		snprintf(toks[i], 16, i < 3 ? (i ? "<s%u>" : "<unk>") : "p%u", i);
		types[i] = i < 3 ? (i ? SLMQ_TOKEN_CONTROL : SLMQ_TOKEN_UNKNOWN) : SLMQ_TOKEN_NORMAL;
		scores[i] = -(float)i;
	}
	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)toks, NULL, VOCAB);
	gguf_w_arr(w, "tokenizer.ggml.scores", SLMQ_GGUF_F32, scores, VOCAB);
	gguf_w_arr(w, "tokenizer.ggml.token_type", SLMQ_GGUF_I32, types, VOCAB);
	for (i = 0; i < VOCAB; i++)
		free(toks[i]);
	for (i = 0; i < 11; i++) {
		bool norm = i == 7 || i == 8 || i == 9;
		u32 rows = i == 10 ? VOCAB : norm ? 1 : EMBD;
		u32 type = norm ? SLMQ_TYPE_F32 : SLMQ_TYPE_Q4_0;
		u64 rb = slmq_row_bytes(type, EMBD);
		u8 *d = malloc(rb * rows);

		for (r = 0; r < rows; r++) {
			for (j = 0; j < EMBD; j++) {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				row[j] = norm ? 1.0f : (float)(x % 1000) / 2000.0f - 0.25f;
			}
			slmq_quantize_row(type, row, d + r * rb, EMBD);
		}
		ne[1] = rows;
		if (i < 7)
			snprintf(name, sizeof(name), "blk.0.%s.weight", mats[i]);
		else
			snprintf(name, sizeof(name), "%s", i == 7 ? "blk.0.attn_norm.weight" :
				 i == 8 ? "blk.0.ffn_norm.weight" : i == 9 ? "output_norm.weight" :
				 "token_embd.weight");
		gguf_w_tensor(w, name, type, norm ? 1 : 2, ne, d, rb * rows);
	}
	if (gguf_writer_finish(w, buf, len))
		exit(1);
	gguf_writer_free(w);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct slmq_err err = { 0 };
	static struct slmq_env env;
	size_t len;
	void *buf;

	build(&buf, &len);
	env.alloc = &cli_allocator;
	if (slmq_model_load(&model, buf, len, &cli_allocator, &err) ||
	    !(sess = slmq_session_new(&model, &env, 8, &err)) ||
	    slmq_session_eval(sess, 1)) {
		fprintf(stderr, "fuzz_sampler: %s\n", err.msg);
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the session's own buffer: the sampler reads what the forward pass left */
	float *lg = (float *)slmq_session_logits(sess);
	static float saved[VOCAB];
	static bool have;
	struct slmq_sampler sp;
	u32 temp, top_k, top_p, tok, i;
	u64 seed;

	if (!have) {
		memcpy(saved, lg, sizeof(saved));
		have = true;
	}
	memcpy(lg, saved, sizeof(saved));
	if (size < 20)
		return 0;
	memcpy(&temp, data, 4);
	memcpy(&top_k, data + 4, 4);
	memcpy(&top_p, data + 8, 4);
	memcpy(&seed, data + 12, 8);
	for (i = 0; i < VOCAB && 20 + 4 * (size_t)i + 4 <= size; i++)
		memcpy(&lg[(i * 7919u) % VOCAB], data + 20 + 4 * i, 4);
	slmq_sampler_init(&sp, temp, top_k, top_p, seed);
	tok = slmq_sample(&sp, sess);
	if (tok >= VOCAB)
		abort();
	(void)slmq_session_nll_bits(sess, tok);
	return 0;
}
