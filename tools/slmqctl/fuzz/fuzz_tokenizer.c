// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the engine's tokenizer with the fixture vocabulary
 * (tokenizer.json -> GGUF -> slmq_vocab_load) on arbitrary text, checking
 * decode(encode(x)) == x.  Text containing "▁" is exempt: SentencePiece
 * decodes that piece as a space by design.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "../gguf_writer.h"
#include "../hf_tokenizer.h"
#include "../../../kmod/engine/gguf.h"
#include "../../../kmod/engine/tokenizer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct slmq_vocab vocab;
static struct slmq_gguf gguf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *fix = getenv("SLMQ_FIXTURES");
	struct slmq_err err = { 0 };
	struct gguf_writer *w = gguf_writer_new();
	struct hf_vocab hv;
	char dir[512];
	void *buf;
	size_t len;

	snprintf(dir, sizeof(dir), "%s/pcilm-tiny", fix && *fix ? fix : "fixtures");
	if (hf_vocab_load(&hv, dir, 0, 1, 2, &err)) {
		fprintf(stderr, "fuzz_tokenizer: %s\n", err.msg);
		exit(1);
	}
	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)hv.text, hv.len, hv.n);
	gguf_w_arr(w, "tokenizer.ggml.scores", SLMQ_GGUF_F32, hv.score, hv.n);
	gguf_w_arr(w, "tokenizer.ggml.token_type", SLMQ_GGUF_I32, hv.type, hv.n);
	if (gguf_writer_finish(w, &buf, &len) ||
	    slmq_gguf_parse(&gguf, buf, len, &cli_allocator, &err) ||
	    slmq_vocab_load(&vocab, &gguf, &cli_allocator, &err)) {
		fprintf(stderr, "fuzz_tokenizer: %s\n", err.msg);
		exit(1);
	}
	gguf_writer_free(w);
	hf_vocab_free(&hv);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t *ids = malloc((size * 3 + 8) * sizeof(*ids)), prev = (uint32_t)-1;
	char *dec = malloc(size * 3 + SLMQ_TOKEN_MAX_BYTES + 8);
	size_t len = 0;
	int n, i;

	n = slmq_tokenize(&vocab, (const char *)data, (uint32_t)size, false, ids,
			  (uint32_t)(size * 3 + 8), &cli_allocator);
	if (n < 0 || (size_t)n > size * 3 + 8)
		abort();
	for (i = 0; i < n; i++) {
		int k = slmq_detokenize(&vocab, prev, ids[i], dec + len, SLMQ_TOKEN_MAX_BYTES);

		if (k < 0 || len + (size_t)k > size * 3 + 8)
			abort();
		len += (size_t)k;
		prev = ids[i];
	}
	if (!memmem(data, size, "\xe2\x96\x81", 3) && (len != size || memcmp(dec, data, size)))
		abort();	/* decode(encode(x)) != x */
	free(dec);
	free(ids);
	return 0;
}
