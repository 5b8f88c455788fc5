/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What several fuzz targets share: the fixture's vocabulary as the engine
 * loads it, and running a loaded model for a few tokens with small bounds so
 * that whatever hyper-parameters a file claims reach the kernels.
 */
#ifndef SLMQ_FUZZ_COMMON_H
#define SLMQ_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "../gguf_writer.h"
#include "../hf_tokenizer.h"
#include "../../../kmod/engine/gguf.h"
#include "../../../kmod/engine/model.h"
#include "../../../kmod/engine/tokenizer.h"

/* At most this many positions and tokens per input: fast, still every kernel. */
#define FUZZ_CTX 4

/* The fixture tokenizer (tokenizer.json -> GGUF -> slmq_vocab_load); exits on failure. */
static inline void fuzz_fixture_vocab(struct slmq_vocab *vocab, struct slmq_gguf *g,
				      struct hf_vocab *hv)
{
	const char *fix = getenv("SLMQ_FIXTURES");
	struct slmq_err err = { 0 };
	struct gguf_writer *w = gguf_writer_new();
	char dir[512];
	void *buf;
	size_t len;

	snprintf(dir, sizeof(dir), "%s/pcilm-tiny", fix && *fix ? fix : "fixtures");
	if (hf_vocab_load(hv, dir, 0, 1, 2, &err)) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		exit(1);
	}
	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)hv->text, hv->len, hv->n);
	gguf_w_arr(w, "tokenizer.ggml.scores", SLMQ_GGUF_F32, hv->score, hv->n);
	gguf_w_arr(w, "tokenizer.ggml.token_type", SLMQ_GGUF_I32, hv->type, hv->n);
	if (gguf_writer_finish(w, &buf, &len) ||
	    slmq_gguf_parse(g, buf, len, &cli_allocator, &err) ||
	    slmq_vocab_load(vocab, g, &cli_allocator, &err)) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		exit(1);
	}
	gguf_writer_free(w);
}

/*
 * Generate and score a few tokens on a loaded model (generic kernels, the
 * ones built with sanitizers): tokens come from seed, ids the engine
 * returns must be in the vocabulary.  A session the engine refuses (e.g.
 * out of memory) is fine; a crash, a sanitizer report or a bad id is not.
 */
static inline void fuzz_run_model(const struct slmq_model *m, const uint8_t *seed,
				  size_t n_seed)
{
	struct slmq_err err = { 0 };
	struct slmq_sampler sp;
	struct slmq_session *s;
	struct slmq_env env;
	u32 ctx = m->hp.n_ctx_train < FUZZ_CTX ? m->hp.n_ctx_train : FUZZ_CTX;
	u32 tok = m->vocab.bos_id, i;

	memset(&env, 0, sizeof(env));
	env.alloc = &cli_allocator;
	s = slmq_session_new(m, &env, ctx, &err);
	if (!s)
		return;
	slmq_sampler_init(&sp, n_seed && (seed[0] & 1) ? 0x3f800000u : 0, 8,
			  0x3f666666u, n_seed ? seed[n_seed - 1] : 1);
	for (i = 0; i < ctx; i++) {
		u32 target = i < n_seed ? seed[i] % m->hp.n_vocab : 0;

		if (slmq_session_eval(s, tok))
			abort();	/* in range and within the context: must run */
		(void)slmq_session_nll_bits(s, target);
		tok = slmq_sample(&sp, s);
		if (tok >= m->hp.n_vocab)
			abort();
	}
	if (slmq_session_eval(s, tok) != -ENOSPC)
		abort();	/* the context is full */
	slmq_session_free(s);
}

#endif /* SLMQ_FUZZ_COMMON_H */
