/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Synthetic random-weight Llama checkpoints in Hugging Face layout
 * (config.json, model.safetensors in F16, tokenizer.json,
 * tokenizer_config.json), for benchmarks of a given shape.  They go through
 * the same loaders as real checkpoints.
 */
#ifndef SLMQCTL_SYNTH_H
#define SLMQCTL_SYNTH_H

#include <stdbool.h>
#include <stdint.h>

struct synth_shape {
	uint32_t hidden, layers, heads, kv_heads, ffn, vocab, ctx;
	uint64_t seed;
	bool tied;
};

/* A SentencePiece-style BPE tokenizer.json (byte fallback) of exactly vocab tokens. */
int synth_write_tokenizer(const char *dir, uint32_t vocab, char *msg, size_t msg_len);
/* config.json + model.safetensors (F16, N(0, 0.02) weights, unit norms). */
int synth_write_weights(const char *dir, const struct synth_shape *s,
			char *msg, size_t msg_len);

#endif /* SLMQCTL_SYNTH_H */
