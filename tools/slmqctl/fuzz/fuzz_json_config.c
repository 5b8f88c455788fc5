// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the JSON a model directory brings.  The first byte picks
 * config.json (hf_parse_config) or tokenizer.json (hf_vocab_parse, with and
 * without padding to a vocab_size); the rest is the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../hf_model.h"
#include "../hf_tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slmq_err err = { 0 };
	struct hf_hparams hp;
	struct hf_vocab v;
	char *buf;

	if (!size)
		return 0;
	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = 0;
	if (data[0] & 1) {
		hf_parse_config(&hp, buf, size - 1, &err);
	} else if (!hf_vocab_parse(&v, buf, size - 1, (data[0] & 2) ? 4096 : 0, &err)) {
		hf_vocab_free(&v);
	}
	free(buf);
	return 0;
}
