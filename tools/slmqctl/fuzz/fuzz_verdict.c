// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: what `slmqctl load` and `--auto` do with a model file's
 * validation metadata.  val_verdict_check_load() parses the GGUF and the
 * slmq.report JSON inside it; gm_set_strings() re-serializes a parsed file
 * with new keys, and the result must parse again with the same tensors.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "../validate/gguf_meta.h"
#include "../validate/verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct gm_kv kv[] = {
		{ VAL_KEY_VERDICT, "REJECTED" },
		{ VAL_KEY_REPORT, "{\"failed_criteria\":[{\"name\":\"size\"}]}" },
	};
	struct slmq_err err = { 0 };
	enum val_verdict_state st;
	struct slmq_gguf a, b;
	char msg[256];
	void *out;
	size_t out_len;
	uint64_t k;

	val_verdict_check_load(data, size, false, &st, msg, sizeof(msg));
	if (gm_set_strings(data, size, kv, 2, &out, &out_len, &err))
		return 0;
	/* The input parsed (gm_set_strings did), so both must parse now. */
	if (slmq_gguf_parse(&a, data, size, &cli_allocator, &err))
		abort();
	if (slmq_gguf_parse(&b, out, out_len, &cli_allocator, &err))
		abort();
	if (a.n_tensors != b.n_tensors || val_verdict_get(&b) != VAL_VERDICT_REJECTED ||
	    val_verdict_check_load(out, out_len, false, &st, msg, sizeof(msg)) != -EPERM)
		abort();
	for (k = 0; k < a.n_tensors; k++)
		if (a.tensors[k].nbytes != b.tensors[k].nbytes ||
		    memcmp(a.tensors[k].data, b.tensors[k].data, a.tensors[k].nbytes))
			abort();
	slmq_gguf_release(&b, &cli_allocator);
	slmq_gguf_release(&a, &cli_allocator);
	free(out);
	return 0;
}
