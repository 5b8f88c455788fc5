// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: evaluation data (perplexity --data).  The first byte
 * picks the reader: .bin (u16 little-endian ids, checked against the
 * vocabulary) or text (the fixture tokenizer); the rest is the file.  Every
 * id returned must be in the vocabulary.
 */
#include "fuzz_common.h"
#include "../eval.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct slmq_vocab vocab;
static struct slmq_gguf gguf;
static struct hf_vocab hv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_fixture_vocab(&vocab, &gguf, &hv);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slmq_err err = { 0 };
	uint32_t *ids = NULL;
	size_t n = 0, i;
	uint8_t *buf;

	if (!size)
		return 0;
	/* text past two tokenizer stretches adds time, not paths */
	if (!(data[0] & 1) && size > 2 * SLMQ_TOK_CHUNK + 1024)
		size = 2 * SLMQ_TOK_CHUNK + 1024;
	/* an exact-size copy: ASan catches any read past the end */
	buf = malloc(size - 1 ? size - 1 : 1);
	memcpy(buf, data + 1, size - 1);
	if (!eval_parse_tokens(data[0] & 1 ? "fuzz.bin" : "fuzz.txt", buf, size - 1,
			       data[0] & 1, &vocab, &ids, &n, &err)) {
		for (i = 0; i < n; i++)
			if (ids[i] >= vocab.n_tokens)
				abort();
		if ((data[0] & 1) && n != (size - 1) / 2)
			abort();	/* one id per u16 */
		free(ids);
	} else if (!err.msg[0]) {
		abort();	/* a refusal must say why */
	}
	free(buf);
	return 0;
}
