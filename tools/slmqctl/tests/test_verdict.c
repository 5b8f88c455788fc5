// SPDX-License-Identifier: GPL-2.0
/* Stamping slmq.* metadata into a GGUF and the load policy that reads it back. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli.h"
#include "gguf_writer.h"
#include "validate/gguf_meta.h"
#include "validate/verdict.h"

static int small_gguf(void **buf, size_t *len, bool with_verdict)
{
	struct gguf_writer *w = gguf_writer_new();
	uint64_t ne[2] = { 32, 3 };
	float *d = malloc(32 * 3 * sizeof(float));
	int i, ret;

	for (i = 0; i < 96; i++)
		d[i] = (float)i * 0.5f - 7;
	gguf_w_str(w, "general.architecture", "llama");
	gguf_w_u32(w, "llama.block_count", 1);
	if (with_verdict)
		gguf_w_str(w, VAL_KEY_VERDICT, "ACCEPTED");
	gguf_w_tensor(w, "t.weight", SLMQ_TYPE_F32, 2, ne, d, 96 * sizeof(float));
	ret = gguf_writer_finish(w, buf, len);
	gguf_writer_free(w);
	return ret;
}

int main(void)
{
	static const char report[] =
		"{\"verdict\":\"REJECTED\",\"failed_criteria\":[{\"name\":\"quality\"},{\"name\":\"size\"}]}";
	struct gm_kv kv[] = {
		{ VAL_KEY_VERDICT, "REJECTED" },
		{ VAL_KEY_REPORT, report },
	};
	struct slmq_err err = { 0 };
	enum val_verdict_state st;
	struct slmq_gguf g0, g1;
	void *buf, *out;
	size_t len, out_len;
	char msg[256];
	int ret;

	tap_ok(!small_gguf(&buf, &len, false), "built a small GGUF");
	ret = val_verdict_check_load(buf, len, false, &st, msg, sizeof(msg));
	tap_ok(ret == 0 && st == VAL_VERDICT_NONE, "never-validated model loads (verdict none)");

	ret = gm_set_strings(buf, len, kv, 2, &out, &out_len, &err);
	tap_ok(ret == 0, "stamped verdict and report (%s)", err.msg);
	ret = val_verdict_check_load(out, out_len, false, &st, msg, sizeof(msg));
	tap_ok(ret == -EPERM && st == VAL_VERDICT_REJECTED && strstr(msg, "quality,size"),
	       "REJECTED model refused naming the failed criteria: %s", msg);
	ret = val_verdict_check_load(out, out_len, true, &st, msg, sizeof(msg));
	tap_ok(ret == 0 && st == VAL_VERDICT_REJECTED, "--force loads it anyway");

	slmq_gguf_parse(&g0, buf, len, &cli_allocator, &err);
	ret = slmq_gguf_parse(&g1, out, out_len, &cli_allocator, &err);
	tap_ok(ret == 0 && g1.n_kv == g0.n_kv + 2 && g1.n_tensors == 1 &&
	       g1.tensors[0].nbytes == g0.tensors[0].nbytes &&
	       !memcmp(g1.tensors[0].data, g0.tensors[0].data, g0.tensors[0].nbytes) &&
	       slmq_gguf_find_kv(&g1, "llama.block_count"),
	       "stamped file parses with the old keys and identical tensor bytes");
	slmq_gguf_release(&g0, &cli_allocator);
	slmq_gguf_release(&g1, &cli_allocator);
	free(buf);
	free(out);

	tap_ok(!small_gguf(&buf, &len, true), "built a GGUF with verdict ACCEPTED");
	ret = val_verdict_check_load(buf, len, false, &st, msg, sizeof(msg));
	tap_ok(ret == 0 && st == VAL_VERDICT_ACCEPTED, "ACCEPTED model loads");
	ret = gm_set_strings(buf, len, kv, 1, &out, &out_len, &err);
	slmq_gguf_parse(&g1, out, out_len, &cli_allocator, &err);
	tap_ok(ret == 0 && g1.n_kv == 3 && val_verdict_get(&g1) == VAL_VERDICT_REJECTED,
	       "an existing verdict key is replaced, not duplicated (n_kv %llu)",
	       (unsigned long long)g1.n_kv);
	slmq_gguf_release(&g1, &cli_allocator);
	free(out);
	kv[0].str = "MAYBE";
	gm_set_strings(buf, len, kv, 1, &out, &out_len, &err);
	ret = val_verdict_check_load(out, out_len, false, &st, msg, sizeof(msg));
	tap_ok(ret == -EPERM, "an unknown verdict string fails closed");
	free(out);
	memset(buf, 0, 4);
	tap_ok(val_verdict_check_load(buf, len, false, &st, msg, sizeof(msg)) < 0 &&
	       val_verdict_check_load(buf, len, false, &st, msg, sizeof(msg)) != -EPERM,
	       "a non-GGUF buffer is an error, not a verdict: %s", msg);
	free(buf);
	return tap_done();
}
