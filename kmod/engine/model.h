/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Llama-family model as the engine runs it: plain structs pointing into a
 * validated GGUF buffer (llama2.c's run.c is the model for this shape).
 *
 * Layout follows llama.cpp's "llama" architecture: tensors named
 * token_embd / blk.N.{attn_norm,attn_q,attn_k,attn_v,attn_output,ffn_norm,
 * ffn_gate,ffn_up,ffn_down} / output_norm / output, q and k rows permuted the
 * way llama.cpp's HF converter permutes them, so RoPE rotates adjacent pairs.
 */
#ifndef SLMQ_MODEL_H
#define SLMQ_MODEL_H

#include "compat.h"
#include "gguf.h"
#include "tokenizer.h"
#include "type_traits.h"

struct slmq_tensor {
	u32 type;		/* enum slmq_type */
	u32 ne0;		/* row length: inputs of a linear layer */
	u32 ne1;		/* rows: outputs of a linear layer */
	const void *data;
	u64 nbytes;
	u32 layout;		/* enum slmq_layout: 0 = ggml's, as in the file */
};

/*
 * How a tensor's rows are laid out in memory.  SLMQ_LAYOUT_G8 is the
 * engine's faster arrangement of Q4_0/Q4_1/Q8_0 rows, interleaved by groups
 * of 8 (see slmq_model_interleave() and interleave.c); it never appears in
 * a file.
 */
enum slmq_layout {
	SLMQ_LAYOUT_GGML = 0,
	SLMQ_LAYOUT_G8 = 1,
};

struct slmq_layer {
	struct slmq_tensor attn_norm;	/* F32, n_embd */
	struct slmq_tensor wq, wk, wv, wo;
	struct slmq_tensor ffn_norm;	/* F32, n_embd */
	struct slmq_tensor w_gate, w_up, w_down;
};

struct slmq_hparams {
	u32 n_vocab;
	u32 n_embd;
	u32 n_layer;
	u32 n_head;
	u32 n_head_kv;
	u32 head_dim;
	u32 n_ff;
	u32 n_ctx_train;
	u32 rms_eps_bits;	/* IEEE single bits: read inside FPU sections only */
	u32 rope_theta_bits;
};

/*
 * The largest shapes the engine runs, checked by slmq_model_load() in 64-bit
 * arithmetic so that every product the forward pass forms in 32 bits (a
 * head's offset h * head_dim, a row index, a vector length) stays exact.
 * Real Llama-family models are far below them (Llama 3 405B: 126 layers,
 * width 16384, FFN 53248, head_dim 128, 128256 tokens).
 */
#define SLMQ_MAX_LAYERS		1024u
#define SLMQ_MAX_WIDTH		(1u << 20)	/* n_embd, n_ff, n_head * head_dim, n_head_kv * head_dim */
#define SLMQ_MAX_HEAD_DIM	1024u
#define SLMQ_MAX_VOCAB		(1u << 24)
/* Positions of one session: bounds the KV cache, the RoPE table and att. */
#define SLMQ_MAX_CTX		(1u << 20)

struct slmq_model {
	struct slmq_hparams hp;
	struct slmq_tensor tok_embd;
	struct slmq_tensor output_norm;
	struct slmq_tensor output;	/* == tok_embd when tied */
	struct slmq_layer *layers;
	struct slmq_vocab vocab;
	u64 n_params;
	u64 weight_bytes;
	struct slmq_gguf gguf;		/* the parsed container the tensors point into */
	bool interleaved;	/* slmq_model_interleave() ran: the buffer is no GGUF image */
};

/*
 * Build a model from a GGUF buffer: parse, check architecture, hyper-parameters,
 * every tensor's name, type and shape, and the tokenizer.  buf must outlive m.
 */
int slmq_model_load(struct slmq_model *m, const void *buf, u64 len,
		    const struct slmq_allocator *a, struct slmq_err *err);
void slmq_model_release(struct slmq_model *m, const struct slmq_allocator *a);

/*
 * Rearrange the model's Q4_0/Q4_1/Q8_0 matrices in place into SLMQ_LAYOUT_G8
 * (same bytes per group of 8 rows, same results bit for bit, faster
 * kernels).  The
 * buffer given to slmq_model_load() must be writable and stops being a valid
 * GGUF image; the token embedding (and an output head tied to it) stays as
 * it is.  Returns 0 or -ENOMEM (nothing changed then).
 */
int slmq_model_interleave(struct slmq_model *m, const struct slmq_allocator *a,
			  struct slmq_err *err);

/*
 * slmq_model_open() flags.  SLMQ_OPEN_INTERLEAVE: slmq_model_interleave()
 * right after the load, for a model that is only run from now on (anything
 * that reads the tensors as GGUF blocks, such as an export, opens without
 * it; such readers refuse an interleaved model).
 */
#define SLMQ_OPEN_INTERLEAVE 0x1u

/* slmq_model_load() and what flags ask for; on failure nothing is left to release. */
int slmq_model_open(struct slmq_model *m, void *buf, u64 len, u32 flags,
		    const struct slmq_allocator *a, struct slmq_err *err);

/* One generation stream: KV cache, scratch buffers, position. */
struct slmq_session;

struct slmq_session *slmq_session_new(const struct slmq_model *m,
				      const struct slmq_env *env, u32 n_ctx,
				      struct slmq_err *err);
void slmq_session_free(struct slmq_session *s);
void slmq_session_reset(struct slmq_session *s);
u32 slmq_session_pos(const struct slmq_session *s);
u32 slmq_session_n_ctx(const struct slmq_session *s);

/*
 * Run one token at the session's current position and advance it.  Logits
 * for the next token are left in the session (slmq_session_logits()).
 * Returns 0, -ENOSPC when the context is full, -EINVAL for a bad token id, or
 * what env->yield() returned.
 */
int slmq_session_eval(struct slmq_session *s, u32 token);
const float *slmq_session_logits(const struct slmq_session *s);

/*
 * Run n tokens from the current position as slmq_session_eval() would one
 * at a time, bit for bit, but a tile of them through each layer at once
 * (each weight read once per tile): a prompt.  With targets, also the NLL
 * of targets[i] after tokens[0..i] into nll_bits[i] (a scored text).  Same
 * returns as slmq_session_eval(); the position tells how far it got.
 */
int slmq_session_prefill(struct slmq_session *s, const u32 *tokens, u32 n,
			 const u32 *targets, u32 *nll_bits);

/*
 * -log p(target) under the current logits: the engine's own log-softmax, in
 * its own FPU section.  Returned as IEEE single bits so callers outside FPU
 * sections can carry it; +inf bits for a target out of range.
 */
u32 slmq_session_nll_bits(struct slmq_session *s, u32 target);

/* Sampling; all state in the struct, deterministic for a given seed. */
struct slmq_sampler {
	u32 temp_bits;		/* IEEE single; 0 means greedy */
	u32 top_p_bits;		/* IEEE single in (0,1]; 1.0 disables */
	u32 top_k;		/* 0 disables */
	u64 rng;		/* xorshift64* state, never 0 */
};

void slmq_sampler_init(struct slmq_sampler *sp, u32 temp_bits, u32 top_k,
		       u32 top_p_bits, u64 seed);
/* Picks the next token from the session's logits (FPU section inside). */
u32 slmq_sample(struct slmq_sampler *sp, struct slmq_session *s);
/* The lowest index of the largest of x[0..n), greedy's pick (FPU code). */
u32 slmq_argmax(const float *x, u32 n);

#endif /* SLMQ_MODEL_H */
