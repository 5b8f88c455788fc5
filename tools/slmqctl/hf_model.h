/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Hugging Face Llama checkpoint directory: config.json (hyper-parameters,
 * checked for consistency), the safetensors weights (checked: every tensor
 * the architecture needs, with the shape config.json implies, nothing else),
 * and tokenizer.json (see hf_tokenizer.h).
 *
 * Weights stay in the mmap'ed files until asked for: hf_tensor_f32() converts
 * one tensor to floats and caches it, so a caller may also modify the floats
 * in place before conversion (AWQ scaling does) and the converter then writes
 * the modified weights.  hf_tensor_drop() frees the cache.
 */
#ifndef SLMQCTL_HF_MODEL_H
#define SLMQCTL_HF_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "../../kmod/engine/compat.h"
#include "safetensors.h"
#include "hf_tokenizer.h"

struct hf_hparams {
	uint32_t n_vocab;
	uint32_t n_embd;
	uint32_t n_layer;
	uint32_t n_head;
	uint32_t n_head_kv;
	uint32_t head_dim;
	bool head_dim_in_config;	/* llama.cpp writes key/value_length then */
	uint32_t n_ff;
	uint32_t n_ctx_train;
	float rms_eps;
	float rope_theta;
	bool tied;			/* no lm_head: output = embeddings */
	int64_t bos_id, eos_id;		/* from config.json, -1 when absent */
};

/* Which projection a tensor is (for quantization plans). */
enum hf_kind {
	HF_TOKEN_EMBD, HF_OUTPUT_NORM, HF_OUTPUT,
	HF_ATTN_NORM, HF_ATTN_Q, HF_ATTN_K, HF_ATTN_V, HF_ATTN_OUT,
	HF_FFN_NORM, HF_FFN_GATE, HF_FFN_UP, HF_FFN_DOWN,
	HF_N_KINDS
};

struct hf_tensor {
	char hf_name[128];	/* model.layers.3.self_attn.q_proj.weight */
	char name[64];		/* GGUF name: blk.3.attn_q.weight */
	enum hf_kind kind;
	int layer;		/* -1 outside the blocks */
	uint32_t n_dims;	/* 1 or 2 */
	uint64_t rows, cols;	/* HF shape [rows, cols]; rows = 1 for vectors */
	const struct st_tensor *src;
	float *f;		/* cached floats (rows * cols), or NULL */
};

struct hf_model {
	char dir[4096];
	char name[256];		/* the directory's base name */
	struct hf_hparams hp;
	struct hf_tensor *t;	/* llama.cpp order: token_embd, blocks, output_norm, output */
	size_t n;
	struct st_model st;
	struct hf_vocab vocab;
};

/* Opens and validates dir; err names the first problem.  0 or -errno. */
int hf_model_open(struct hf_model *m, const char *dir, struct slmq_err *err);
void hf_model_close(struct hf_model *m);

/* By GGUF name ("blk.0.attn_q.weight") or HF name; NULL when absent. */
struct hf_tensor *hf_model_tensor(struct hf_model *m, const char *name);
/* The tensor as floats in HF layout [rows][cols]; NULL on out of memory. */
float *hf_tensor_f32(struct hf_tensor *t);
void hf_tensor_drop(struct hf_tensor *t);

/* Parses config.json text (exposed for tests and the fuzzer). */
int hf_parse_config(struct hf_hparams *hp, const char *json, size_t len,
		    struct slmq_err *err);

#endif /* SLMQCTL_HF_MODEL_H */
