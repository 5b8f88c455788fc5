/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tokenizer.json (Hugging Face, Llama-2 SentencePiece layout) -> the
 * vocabulary llama.cpp writes into GGUF: piece texts, scores, token types,
 * special ids and add_bos/add_eos.
 *
 * tokenizer.json's BPE model has merges but no scores.  SentencePiece's BPE
 * trainer gives the k-th normal piece (in id order) the score -k, and a
 * tokenizer.json converted from SentencePiece lists its merges grouped by
 * result piece in that same order; we check that and derive exactly those
 * scores, which reproduce tokenizer.model's (what llama.cpp's converter
 * reads) bit for bit and make SPM's "highest score first" equal to HF's
 * "lowest merge rank first".  A tokenizer.json whose merges disagree with its
 * id order gets scores from the merge ranks instead.
 */
#ifndef SLMQCTL_HF_TOKENIZER_H
#define SLMQCTL_HF_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../kmod/engine/compat.h"

struct hf_vocab {
	uint32_t n;		/* tokens, padded to config.json's vocab_size */
	char **text;		/* NUL-terminated piece texts */
	uint32_t *len;
	float *score;
	int32_t *type;		/* enum slmq_token_type */
	int64_t bos_id, eos_id, unk_id, pad_id;	/* -1 when absent */
	int add_bos, add_eos;	/* 1, 0, or -1 when the files do not say */
	bool scores_from_merges;	/* fallback used (merge order != id order) */
};

/* Parses tokenizer.json text; n_vocab pads with [PADi] unused tokens (0: none). */
int hf_vocab_parse(struct hf_vocab *v, const char *json, size_t len,
		   uint32_t n_vocab, struct slmq_err *err);
/*
 * tokenizer.json, plus tokenizer_config.json (special tokens, add_bos/eos)
 * when present, with config.json's bos/eos ids as fallback.
 */
void hf_tokenizer_config_apply(struct hf_vocab *v, const char *json, size_t len);
int hf_vocab_load(struct hf_vocab *v, const char *dir, uint32_t n_vocab,
		  int64_t cfg_bos, int64_t cfg_eos, struct slmq_err *err);
void hf_vocab_free(struct hf_vocab *v);

#endif /* SLMQCTL_HF_TOKENIZER_H */
