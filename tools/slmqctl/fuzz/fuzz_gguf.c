// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the bytes the kernel will trust.  slmq_gguf_parse() on
 * arbitrary input, then slmq_model_load() (hyper-parameters, tensor table,
 * tokenizer); when a model loads, its tokenizer encodes and decodes a text,
 * and the model (as in the file, or packed) generates and scores a few
 * tokens (FUZZ_CTX positions), so hostile shapes and values reach RoPE,
 * attention, the matvecs and the sampler, not only the loader.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise_vocab(const struct slmq_vocab *v)
{
	static const char text[] = "PCI device 8086:10d3 is  \xe2\x96\x81 \xf0\x9f\x99\x82\n";
	uint32_t ids[256], prev = (uint32_t)-1;
	char out[SLMQ_TOKEN_MAX_BYTES];
	int n, i;

	n = slmq_tokenize(v, text, sizeof(text) - 1, true, ids, 256, &cli_allocator);
	for (i = 0; i < n && i < 256; i++) {
		if (ids[i] >= v->n_tokens)
			abort();	/* the tokenizer must only emit real ids */
		if (slmq_detokenize(v, prev, ids[i], out, sizeof(out)) > SLMQ_TOKEN_MAX_BYTES)
			abort();
		prev = ids[i];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: ASan catches any read past the end */
	uint8_t *buf = malloc(size ? size : 1);
	struct slmq_err err = { 0 };
	struct slmq_model m;
	struct slmq_gguf g;

	memcpy(buf, data, size);
	if (!slmq_gguf_parse(&g, buf, size, &cli_allocator, &err))
		slmq_gguf_release(&g, &cli_allocator);
	if (!slmq_model_load(&m, buf, size, &cli_allocator, &err)) {
		exercise_vocab(&m.vocab);
		/* the last byte picks the layout: ggml's, or G8 (rewrites buf) */
		if (!(data[size - 1] & 1) || !slmq_model_interleave(&m, &cli_allocator, &err))
			fuzz_run_model(&m, data + size / 2, size - size / 2 < 16 ? size - size / 2 : 16);
		slmq_model_release(&m, &cli_allocator);
	}
	free(buf);
	return 0;
}
