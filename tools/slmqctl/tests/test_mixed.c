// SPDX-License-Identifier: GPL-2.0
/* Mixed-precision rules map tensor names to the types asked for; calibration sampling. */
#include <string.h>
#include <stdlib.h>

#include "tap.h"
#include "quant/mixed.h"
#include "quant/calib.h"
#include "../../kmod/engine/blocks.h"

static const char *const names[] = {
	"token_embd.weight", "blk.0.attn_norm.weight", "blk.0.attn_q.weight",
	"blk.0.attn_k.weight", "blk.0.attn_v.weight", "blk.0.attn_output.weight",
	"blk.0.ffn_norm.weight", "blk.0.ffn_gate.weight", "blk.0.ffn_up.weight",
	"blk.0.ffn_down.weight", "blk.1.attn_v.weight", "blk.1.ffn_down.weight",
	"output_norm.weight", "output.weight",
};

#define N ARRAY_SIZE(names)
#define D 999u		/* "no rule matched" */

static void check(const char *spec, bool asym, const u32 *want)
{
	struct mixed_map mm;
	struct slmq_err se = { 0 };
	const char *err = se.msg;
	u32 i, ok = 1;

	if (!tap_ok(!mixed_parse(spec, asym, &mm, &se), "parse '%s'%s", spec, err))
		return;
	for (i = 0; i < N; i++) {
		u32 t = mixed_type_for(&mm, names[i], D);

		if (t != want[i]) {
			tap_diag("%s: got %u want %u", names[i], t, want[i]);
			ok = 0;
		}
	}
	tap_ok(ok, "'%s'%s: every tensor gets the asked type", spec, asym ? " (asym)" : "");
}

static void test_mixed(void)
{
	const u32 Q40 = SLMQ_TYPE_Q4_0, Q41 = SLMQ_TYPE_Q4_1, Q8 = SLMQ_TYPE_Q8_0;
	const u32 F16 = SLMQ_TYPE_F16;
	/* norms never match attn/ffn; "output" is the head, not attn_output */
	const u32 preset[N] = { Q8, D, Q8, Q8, Q8, Q8, D, Q40, Q40, Q40, Q8, Q40, D, Q8 };
	const u32 asym[N] = { Q8, D, Q8, Q8, Q8, Q8, D, Q41, Q41, Q41, Q8, Q41, D, Q8 };
	const u32 over[N] = { F16, D, Q40, Q40, Q8, Q40, D, Q40, Q40, Q8, Q8, Q8, D, D };
	const u32 blk1[N] = { D, D, D, D, D, D, D, D, D, D, F16, F16, D, D };
	struct mixed_map mm;
	struct slmq_err se = { 0 };
	const char *err = se.msg;

	check("preset", false, preset);
	check("attn=8,ffn=4,output=8,embed=8", false, preset);
	check("preset", true, asym);
	/* later rules override earlier ones, substrings pick single tensors */
	check("attn=4,ffn=q4_0,attn_v=8,ffn_down=q8_0,embed=f16", false, over);
	check("blk.1.=16", false, blk1);
	tap_ok(mixed_parse("attn=5", false, &mm, &se) && strstr(err, "attn=5"),
	       "bad bits refused: %s", err);
	tap_ok(mixed_parse("attn", false, &mm, &se) && strstr(err, "KEY=BITS"),
	       "missing '=' refused: %s", err);
	tap_ok(mixed_parse("", false, &mm, &se), "empty spec refused: %s", err);
}

static void test_calib(void)
{
	u32 stream[1000], i, j, k, ok = 1;
	struct calib_opts o = { .samples = 5, .seqlen = 64, .seed = 7 };
	struct calib_set a, b, c;
	struct slmq_err se = { 0 };
	const char *err = se.msg;
	u8 bin[6] = { 1, 0, 0xff, 0x07, 0x00, 0x08 };	/* 1, 2047, 2048 */
	u32 *ids;
	u64 n;

	for (i = 0; i < 1000; i++)
		stream[i] = i;
	calib_draw(stream, 1000, &o, &a, &se);
	calib_draw(stream, 1000, &o, &b, &se);
	o.seed = 8;
	calib_draw(stream, 1000, &o, &c, &se);
	tap_ok(a.nseq == 5 && !a.capped && !memcmp(a.ids, b.ids, 5 * 64 * 4),
	       "same seed, same sequences");
	tap_ok(memcmp(a.ids, c.ids, 5 * 64 * 4), "another seed, other sequences");
	/* each sequence is a contiguous window; windows do not overlap */
	for (i = 0; i < 5; i++) {
		for (j = 1; j < 64; j++)
			ok &= a.ids[i * 64 + j] == a.ids[i * 64] + j;
		for (k = 0; k < i; k++)
			ok &= a.ids[i * 64] >= a.ids[k * 64] + 64 || a.ids[k * 64] >= a.ids[i * 64] + 64;
	}
	tap_ok(ok, "contiguous, non-overlapping windows");
	calib_free(&a); calib_free(&b); calib_free(&c);
	o.samples = 512;
	calib_draw(stream, 1000, &o, &a, &se);
	tap_ok(a.nseq == 15 && a.capped, "capped to the 15 windows 1000 tokens hold");
	calib_free(&a);
	o.seqlen = 2000;
	tap_ok(calib_draw(stream, 1000, &o, &a, &se) == -EINVAL,
	       "a file shorter than one sequence refused: %s", err);
	tap_ok(!calib_tokens(bin, 4, false, NULL, 2048, &ids, &n, &se) &&
	       n == 2 && ids[0] == 1 && ids[1] == 2047, "uint16 token file read");
	free(ids);
	tap_ok(calib_tokens(bin, 6, false, NULL, 2048, &ids, &n, &se) == -EINVAL &&
	       strstr(err, "2048"), "id beyond the vocabulary refused: %s", err);
	tap_ok(calib_tokens(bin, 5, false, NULL, 2048, &ids, &n, &se) == -EINVAL,
	       "odd-sized token file refused: %s", err);
}

int main(void)
{
	test_mixed();
	test_calib();
	return tap_done();
}
