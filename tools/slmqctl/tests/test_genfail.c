// SPDX-License-Identifier: GPL-2.0
/* Generation-failure detectors on crafted token sequences and texts. */
#include <string.h>

#include "tap.h"
#include "validate/genfail.h"

static void mk(struct gf_completion *c, const uint32_t *ids, const uint8_t *odd,
	       int n, const char *text, bool eos, int max_new)
{
	memset(c, 0, sizeof(*c));
	c->ids = ids;
	c->odd = odd;
	c->n = n;
	c->text = text;
	c->text_len = strlen(text);
	c->eos = eos;
	c->max_new = max_new;
}

static void test_repeat(void)
{
	static const uint32_t loop[] = { 5, 6, 7, 8, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 12 };
	static const uint32_t plain[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
	static const uint32_t two[] = { 4, 4, 5, 6, 5, 6, 7 };
	struct gf_repeat r;

	gf_longest_repeat(loop, 17, 8, &r);
	tap_ok(r.n == 3 && r.copies == 4 && r.covered == 12 && r.start == 4,
	       "3-gram repeated 4 times found (n=%d copies=%d covered=%d start=%d)",
	       r.n, r.copies, r.covered, r.start);
	gf_longest_repeat(plain, 14, 8, &r);
	tap_ok(r.covered == 0, "no repetition in distinct ids (covered %d)", r.covered);
	gf_longest_repeat(two, 7, 8, &r);
	tap_ok(r.covered == 4 && r.n == 2, "longest of two small repeats wins (n=%d covered=%d)",
	       r.n, r.covered);
}

static void test_detect(void)
{
	static const uint32_t loop[] = { 9, 10, 11, 12, 9, 10, 11, 12, 9, 10, 11, 12, 9, 10, 11, 12 };
	static const uint32_t ok_ids[] = { 20, 21, 22, 23, 24, 25, 26, 27 };
	struct gf_params p;
	struct gf_completion c;
	uint8_t normal[256];
	unsigned int m;

	gf_params_default(&p);
	gf_byteset_base(normal);
	mk(&c, loop, NULL, 16, "a b c d a b c d a b c d a b c d", false, 16);
	m = gf_detect(&p, &c, normal);
	tap_ok(m & (1u << GF_REPEAT_NGRAM), "4-gram x4 loop detected");
	mk(&c, ok_ids, NULL, 8, "Intel Corporation 82574L.\n", true, 64);
	tap_ok(gf_detect(&p, &c, normal) == 0, "a normal answer has no failure");
	mk(&c, ok_ids, NULL, 8, "foo bar\n  foo bar\nfoo bar \nx", false, 64);
	tap_ok(gf_detect(&p, &c, normal) & (1u << GF_REPEAT_LINE),
	       "same line 3 times (blanks ignored) detected");
	tap_ok(gf_max_line_repeats("a\n\nb\n\nb\n\nc", 11) == 2,
	       "blank lines do not break a run; 2 repeats counted");
	mk(&c, ok_ids, NULL, 8, "done.\n\n \n\t\n\n", false, 64);
	tap_ok(gf_detect(&p, &c, normal) & (1u << GF_NEWLINES),
	       "five newlines with blanks between detected");
	tap_ok(gf_max_newline_run("a\n\nb\n\nc\n", 8) == 2,
	       "paragraph breaks are a run of 2, not more");
	mk(&c, ok_ids, NULL, 8, "ok \x01\x02\x03\xff text", false, 64);
	tap_ok(gf_detect(&p, &c, normal) & (1u << GF_GARBAGE_BYTES),
	       "control/high bytes outside the normal set detected");
	gf_byteset_add(normal, "\x01\x02\x03\xff", 4);
	tap_ok(!(gf_detect(&p, &c, normal) & (1u << GF_GARBAGE_BYTES)),
	       "the same bytes pass once the FP model produces them too");
}

static void test_compare(void)
{
	static const uint32_t loop[] = { 9, 10, 9, 10, 9, 10, 9, 10, 9, 10, 9, 10, 9, 10 };
	static const uint32_t ids[64] = { 0 };
	static const uint8_t odd_q[16] = { 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t odd_fp[16] = { 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	static const uint8_t odd_sparse[16] = { 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0 };
	static const uint32_t distinct[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct gf_params p;
	struct gf_completion fp, q;
	uint8_t normal[256];
	unsigned int m;
	char buf[128];

	gf_params_default(&p);
	gf_byteset_base(normal);
	mk(&fp, loop, NULL, 14, "x y x y x y x y x y x y x y", false, 14);
	mk(&q, loop, NULL, 14, "x y x y x y x y x y x y x y", false, 14);
	tap_ok(gf_compare(&p, &fp, &q, normal, 0) == 0,
	       "a loop the FP model also makes is not the quantization's failure");
	mk(&fp, distinct, NULL, 14, "a b c d e f g h i j k l m n", false, 14);
	m = gf_compare(&p, &fp, &q, normal, 0);
	tap_ok(m == (1u << GF_REPEAT_NGRAM), "a loop only the quant makes counts (mask %#x)", m);

	mk(&fp, distinct, odd_fp, 16, "abcdefghijklmnop", false, 16);
	mk(&q, distinct, odd_q, 16, "abcdefghijklmnop", false, 16);
	m = gf_compare(&p, &fp, &q, normal, 2.0 / 16);
	tap_ok(m & (1u << GF_ODD_TOKENS), "run of 7 byte-fallback tokens vs FP's 1 detected");
	mk(&fp, distinct, odd_q, 16, "abcdefghijklmnop", false, 16);
	tap_ok(!(gf_compare(&p, &fp, &q, normal, 7.0 / 16) & (1u << GF_ODD_TOKENS)),
	       "the same run is fine when the FP model has it too");
	mk(&fp, distinct, odd_fp, 16, "abcdefghijklmnop", false, 16);
	mk(&q, distinct, odd_sparse, 16, "abcdefghijklmnop", false, 16);
	tap_ok(gf_compare(&p, &fp, &q, normal, 0.05) & (1u << GF_ODD_TOKENS),
	       "7/16 scattered byte tokens vs an FP rate of 5%% detected");
	tap_ok(!(gf_compare(&p, &fp, &q, normal, 0.40) & (1u << GF_ODD_TOKENS)),
	       "the same rate passes against an FP rate of 40%%");

	mk(&fp, ids, NULL, 20, "Intel Corporation 82574L Gigabit Network", true, 64);
	mk(&q, ids, NULL, 1, "I", true, 64);
	tap_ok(gf_compare(&p, &fp, &q, normal, 0) & (1u << GF_EARLY_EOS),
	       "EOS after 1 token where FP writes 20 is early");
	mk(&fp, ids, NULL, 1, "I", true, 64);
	tap_ok(!(gf_compare(&p, &fp, &q, normal, 0) & (1u << GF_EARLY_EOS)),
	       "not early when the FP model stops as soon");
	mk(&fp, ids, NULL, 10, "Intel Corp", true, 64);
	mk(&q, ids, NULL, 64, "Intel Corporation and then more", false, 64);
	m = gf_compare(&p, &fp, &q, normal, 0);
	tap_ok(m & (1u << GF_MISSING_EOS), "running to the budget where FP stops after 10 is missing EOS");
	mk(&fp, ids, NULL, 64, "Intel Corporation and then more", false, 64);
	tap_ok(!(gf_compare(&p, &fp, &q, normal, 0) & (1u << GF_MISSING_EOS)),
	       "not missing when the FP model also runs to the budget");
	gf_mask_str((1u << GF_REPEAT_NGRAM) | (1u << GF_MISSING_EOS), buf, sizeof(buf));
	tap_ok(!strcmp(buf, "repeat_ngram,missing_eos"), "mask string '%s'", buf);
}

static void test_plausible(void)
{
	static const float l[4] = { 1.0f, 3.0f, 2.5f, -4.0f };
	struct gf_params p;
	bool tie;
	float gap;

	gf_params_default(&p);
	tap_ok(gf_fp_plausible(&p, l, 4, 1, 0, &tie, &gap) && !tie && gap == 0,
	       "greedy: FP's argmax is plausible");
	tap_ok(gf_fp_plausible(&p, l, 4, 2, 0, &tie, &gap) && tie && gap == 0.5f,
	       "greedy: 0.5 logits below the best is a near tie");
	tap_ok(!gf_fp_plausible(&p, l, 4, 0, 0, &tie, &gap) && gap == 2.0f,
	       "greedy: 2 logits below the best is not");
	tap_ok(gf_fp_plausible(&p, l, 4, 0, 0.8f, &tie, &gap),
	       "sampled: a 5%% token at T 0.8 is plausible");
	tap_ok(!gf_fp_plausible(&p, l, 4, 3, 0.8f, &tie, &gap),
	       "sampled: a 0.01%% token is not");
	tap_ok(!gf_fp_plausible(&p, l, 4, 7, 0.8f, &tie, &gap), "an id outside the vocabulary is not");
}

int main(void)
{
	test_repeat();
	test_detect();
	test_compare();
	test_plausible();
	return tap_done();
}
