// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tokenizer_config.json applied to the fixture's
 * tokenizer.json vocabulary.  Whatever it says, the special ids must stay
 * -1 or ids of the vocabulary (they become GGUF keys the engine trusts).
 */
#include "fuzz_common.h"

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

static bool id_ok(int64_t id)
{
	return id >= -1 && id < (int64_t)hv.n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hf_vocab v = hv;		/* ids and flags are plain fields */
	char *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	hf_tokenizer_config_apply(&v, buf, size);
	if (!id_ok(v.bos_id) || !id_ok(v.eos_id) || !id_ok(v.unk_id) || !id_ok(v.pad_id))
		abort();
	free(buf);
	return 0;
}
