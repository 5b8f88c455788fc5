// SPDX-License-Identifier: GPL-2.0
/*
 * slmq.ko over generic netlink, from userspace, in the test VM:
 * load/replace/get/dump/delete, generation and scoring equal to the
 * userspace engine (tokens, logits and NLLs bit for bit), stats, notifications, signals, and
 * every kind of bad input, each answered with its precise extack and
 * leaving the model already published under that name serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "slmq_lib.h"
#include "netlink/sha256.h"
#include "../kmod/engine/fbits.h"

#define PROMPT "PCI device 8086:10d3 is"
#define SCORE_N 256	/* tiny's context: one full perplexity window */

FIXTURE(slmq) {
	struct slmq_nl nl;
	void *buf;		/* tiny.gguf */
	size_t len;
	uint8_t sha[32];
};

FIXTURE_SETUP(slmq)
{
	ASSERT_EQ(0, st_module_load()) TH_LOG("cannot insmod slmq.ko");
	ASSERT_EQ(0, slmq_nl_open(&self->nl)) TH_LOG("%s", self->nl.err);
	self->buf = st_read_file(st_data("tiny.gguf"), &self->len);
	ASSERT_NE(NULL, self->buf) TH_LOG("no %s", st_data("tiny.gguf"));
	sha256(self->buf, self->len, self->sha);
}

FIXTURE_TEARDOWN(slmq)
{
	slmq_nl_close(&self->nl);
	free(self->buf);
}

/* Publishes tiny.gguf as name and checks that it is what get returns. */
static void publish(struct __test_metadata *_metadata, FIXTURE_DATA(slmq) *self,
		    const char *name)
{
	struct slmq_nl_model m;

	ASSERT_EQ(0, st_load(&self->nl, name, self->buf, self->len)) TH_LOG("%s", self->nl.err);
	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, name, &m));
	ASSERT_EQ(0, memcmp(m.sha256, self->sha, 32));
}

/* The model called name is still tiny.gguf and still generates. */
static void still_serving(struct __test_metadata *_metadata, FIXTURE_DATA(slmq) *self,
			  const char *name)
{
	struct st_gen g = { .prompt = PROMPT, .max_tokens = 2 };
	struct slmq_nl_model m;

	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, name, &m)) TH_LOG("%s", self->nl.err);
	EXPECT_EQ(self->len, m.size);
	EXPECT_EQ(0, memcmp(m.sha256, self->sha, 32));
	EXPECT_EQ(0, st_generate(&self->nl, name, &g)) TH_LOG("%s", self->nl.err);
	EXPECT_EQ(2, g.n_tokens);
}

/* Sends buf as a load of name that commits; returns the commit's result. */
static int load_bytes(struct slmq_nl *nl, const char *name, const void *buf, size_t len)
{
	return st_load(nl, name, buf, len);
}

struct dump_ctx {
	int n;
	bool seen;
	const char *want;
};

static int on_dump(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	struct dump_ctx *d = arg;

	d->n++;
	if (tb[SLMQ_A_MODEL_NAME] && !strcmp(nla_get_string(tb[SLMQ_A_MODEL_NAME]), d->want))
		d->seen = true;
	return 0;
}

TEST_F_TIMEOUT(slmq, load_get_dump_delete, 300)
{
	struct dump_ctx d = { .want = "rt" };
	struct slmq_nl_model m;
	struct nl_msg *msg;
	char path[128];

	publish(_metadata, self, "rt");
	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, "rt", &m));
	EXPECT_EQ(self->len, m.size);
	EXPECT_EQ(2048, m.n_vocab);
	EXPECT_LT(1000000, m.n_params);
	snprintf(path, sizeof(path), "/sys/kernel/slmq/rt/size");
	EXPECT_EQ((long long)self->len, st_sysfs_u64(path));
	msg = slmq_nl_msg(&self->nl, SLMQ_CMD_MODEL_GET, NLM_F_DUMP);
	ASSERT_EQ(0, slmq_nl_call(&self->nl, msg, on_dump, &d));
	EXPECT_TRUE(d.seen);
	EXPECT_LE(1, d.n);
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, "rt"));
	EXPECT_NLERR(&self->nl, slmq_nl_model_get(&self->nl, "rt", &m), ENOENT, "no model of this name");
	EXPECT_NE(NULL, strstr(self->nl.err, "(attribute name)"));
	EXPECT_EQ(-1, st_sysfs_u64(path));
	EXPECT_NLERR(&self->nl, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, "rt"), ENOENT,
		     "no model of this name");
}

TEST_F_TIMEOUT(slmq, replace_is_atomic_and_new_model_serves, 300)
{
	struct slmq_nl_model m;
	char *alt = malloc(self->len);
	uint8_t alt_sha[32];

	ASSERT_NE(NULL, alt);
	publish(_metadata, self, "rep");
	/* A different valid model: the last byte of the last tensor's data changed. */
	memcpy(alt, self->buf, self->len);
	alt[self->len - 1] ^= 1;
	sha256(alt, self->len, alt_sha);
	ASSERT_EQ(0, load_bytes(&self->nl, "rep", alt, self->len)) TH_LOG("%s", self->nl.err);
	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, "rep", &m));
	EXPECT_EQ(0, memcmp(m.sha256, alt_sha, 32));
	EXPECT_EQ(0, m.requests);	/* stats belong to the model, the new one is fresh */
	free(alt);
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, "rep"));
}

/* Greedy tokens and every step's logits: kernel == userspace engine, bit for bit. */
static void equal_case(struct __test_metadata *_metadata, FIXTURE_DATA(slmq) *self,
		       const char *file)
{
	struct st_gen g = { .max_tokens = 16, .want_logits = true };
	uint32_t ids[64], utok[16], nu, nv;
	float *ulogits = NULL;
	size_t len;
	void *buf = st_read_file(st_data(file), &len);
	int n;

	ASSERT_NE(NULL, buf) TH_LOG("no %s", st_data(file));
	ASSERT_EQ(0, st_load(&self->nl, "eq", buf, len)) TH_LOG("%s", self->nl.err);
	n = st_user_tokenize(buf, len, PROMPT, ids, 64);
	ASSERT_LT(0, n);
	ASSERT_EQ(0, st_user_generate(buf, len, ids, n, 16, utok, &nu, &ulogits, &nv));
	g.ids = ids;
	g.n_ids = n;
	ASSERT_EQ(0, st_generate(&self->nl, "eq", &g)) TH_LOG("%s", self->nl.err);
	ASSERT_EQ(nu, g.n_tokens);
	EXPECT_EQ(0, memcmp(utok, g.tokens, nu * 4));
	ASSERT_EQ((size_t)nu * nv, g.logits_len);
	EXPECT_EQ(0, memcmp(ulogits, g.logits, g.logits_len * 4))
		TH_LOG("%s: logits differ between kernel and userspace", file);
	TH_LOG("%s: %u tokens, %zu logits identical: \"%s\"", file, nu, g.logits_len, g.text);
	free(ulogits);
	free(g.logits);
	free(buf);
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, "eq"));
}

TEST_F_TIMEOUT(slmq, kernel_equals_userspace_bit_for_bit_f16, 300)
{
	equal_case(_metadata, self, "tiny.gguf");
}

TEST_F_TIMEOUT(slmq, kernel_equals_userspace_bit_for_bit_q8_0, 300)
{
	equal_case(_metadata, self, "tiny-q8.gguf");
}

TEST_F_TIMEOUT(slmq, kernel_equals_userspace_bit_for_bit_q4_0, 300)
{
	equal_case(_metadata, self, "tiny-q4.gguf");
}

TEST_F_TIMEOUT(slmq, text_prompt_tokenized_like_userspace, 300)
{
	struct st_gen gt = { .prompt = PROMPT, .max_tokens = 8 };
	struct st_gen gi = { .max_tokens = 8 };
	uint32_t ids[64];
	int n;

	publish(_metadata, self, "tok");
	n = st_user_tokenize(self->buf, self->len, PROMPT, ids, 64);
	ASSERT_LT(0, n);
	gi.ids = ids;
	gi.n_ids = n;
	ASSERT_EQ(0, st_generate(&self->nl, "tok", &gt)) TH_LOG("%s", self->nl.err);
	ASSERT_EQ(0, st_generate(&self->nl, "tok", &gi)) TH_LOG("%s", self->nl.err);
	ASSERT_EQ(gi.n_tokens, gt.n_tokens);
	EXPECT_EQ(0, memcmp(gi.tokens, gt.tokens, gt.n_tokens * 4));
	EXPECT_STREQ(gi.text, gt.text);
	TH_LOG("\"%s\" ->\"%s\"", PROMPT, gt.text);
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, "tok"));
}

TEST_F_TIMEOUT(slmq, stats_count_requests_and_tokens, 300)
{
	struct st_gen g = { .prompt = PROMPT, .max_tokens = 5 };
	struct slmq_nl_model m;

	publish(_metadata, self, "stats");
	ASSERT_EQ(0, st_generate(&self->nl, "stats", &g));
	ASSERT_EQ(0, st_generate(&self->nl, "stats", &g));
	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, "stats", &m));
	EXPECT_EQ(2, m.requests);
	EXPECT_EQ(2 * g.n_tokens, m.tokens);
	EXPECT_EQ(0, m.errors);
	EXPECT_EQ(2, st_sysfs_u64("/sys/kernel/slmq/stats/requests"));
	EXPECT_EQ((long long)(2 * g.n_tokens), st_sysfs_u64("/sys/kernel/slmq/stats/tokens"));
	EXPECT_LT(0, st_sysfs_u64("/sys/kernel/slmq/stats/last_latency_ns"));
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, "stats"));
}

/* Positive, finite IEEE single bits: such values order like their bits as u32. */
static bool nll_ok(uint32_t b)
{
	return b && !(b >> 31) && ((b >> 23) & 0xff) != 0xff;
}

/* -log softmax(l)[t] in double, computed here from generate's logits. */
static double ref_nll(const float *l, uint32_t n, uint32_t t)
{
	double mx = l[0], sum = 0;
	uint32_t i;

	for (i = 1; i < n; i++)
		mx = l[i] > mx ? l[i] : mx;
	for (i = 0; i < n; i++)
		sum += exp((double)l[i] - mx);
	return log(sum) + mx - l[t];
}

/*
 * score over one full 256-token window of the fixture's test data: the
 * kernel's NLLs equal the userspace engine's bit for bit (the perplexity
 * protocol of slmqctl perplexity), are the same when asked again, and the
 * first one is -log softmax of the logits generate returns for that prefix.
 */
static void score_case(struct __test_metadata *_metadata, FIXTURE_DATA(slmq) *self,
		       const char *file)
{
	uint32_t ids[SCORE_N], knll[SCORE_N - 1], again[SCORE_N - 1], unll[SCORE_N - 1], i;
	struct st_gen g = { .ids = ids, .n_ids = 1, .max_tokens = 1, .want_logits = true };
	struct slmq_nl_model before, after;
	double sum = 0, ref;
	size_t len;
	void *buf = st_read_file(st_data(file), &len);

	ASSERT_NE(NULL, buf) TH_LOG("no %s", st_data(file));
	ASSERT_EQ(SCORE_N, st_read_ids(st_data("test-head.bin"), ids, SCORE_N));
	ASSERT_EQ(0, st_load(&self->nl, "sc", buf, len)) TH_LOG("%s", self->nl.err);
	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, "sc", &before));
	ASSERT_EQ(0, slmq_nl_score(&self->nl, "sc", ids, SCORE_N, knll)) TH_LOG("%s", self->nl.err);
	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, "sc", &after));
	EXPECT_EQ(before.requests + 1, after.requests);
	EXPECT_EQ(before.tokens + SCORE_N - 1, after.tokens);
	ASSERT_EQ(0, st_user_score(buf, len, ids, SCORE_N, unll));
	EXPECT_EQ(0, memcmp(knll, unll, sizeof(knll)))
		TH_LOG("%s: NLLs differ between kernel and userspace", file);
	for (i = 0; i < SCORE_N - 1; i++) {
		EXPECT_TRUE(nll_ok(knll[i])) TH_LOG("position %u: bits %#x", i, knll[i]);
		sum += slmq_bits_f32(knll[i]);
	}
	ASSERT_EQ(0, slmq_nl_score(&self->nl, "sc", ids, SCORE_N, again));
	EXPECT_EQ(0, memcmp(knll, again, sizeof(knll)));
	ASSERT_EQ(0, st_generate(&self->nl, "sc", &g)) TH_LOG("%s", self->nl.err);
	ASSERT_EQ(2048, g.logits_len);
	ref = ref_nll(g.logits, 2048, ids[1]);
	EXPECT_GT(1e-4 * (ref > 1 ? ref : 1), fabs(slmq_bits_f32(knll[0]) - ref))
		TH_LOG("first NLL %.9g, -log softmax of generate's logits %.9g", slmq_bits_f32(knll[0]), ref);
	TH_LOG("%s: %d NLLs identical, perplexity %.6f; first %.7g (from logits %.7g)", file,
	       SCORE_N - 1, exp(sum / (SCORE_N - 1)), slmq_bits_f32(knll[0]), ref);
	free(g.logits);
	free(buf);
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, "sc"));
}

TEST_F_TIMEOUT(slmq, score_equals_userspace_bit_for_bit_f16, 300)
{
	score_case(_metadata, self, "tiny.gguf");
}

TEST_F_TIMEOUT(slmq, score_equals_userspace_bit_for_bit_q4_0, 300)
{
	score_case(_metadata, self, "tiny-q4.gguf");
}

/* Every bad score request names the attribute at fault; the model keeps serving. */
TEST_F_TIMEOUT(slmq, score_bad_attributes_rejected, 300)
{
	uint32_t ids[SCORE_N + 1], nll[SCORE_N];
	struct slmq_nl_model m;
	struct nl_msg *msg;

	ASSERT_EQ(SCORE_N + 1, st_read_ids(st_data("test-head.bin"), ids, SCORE_N + 1));
	publish(_metadata, self, "scb");
	EXPECT_NLERR(&self->nl, slmq_nl_score(&self->nl, "scb", NULL, 0, nll), EINVAL,
		     "missing attribute prompt-tokens");
	EXPECT_NLERR(&self->nl, slmq_nl_score(&self->nl, NULL, ids, 4, nll), EINVAL,
		     "missing attribute name");
	EXPECT_NLERR(&self->nl, slmq_nl_score(&self->nl, "nosuch", ids, 4, nll), ENOENT,
		     "no model of this name (attribute name)");
	EXPECT_NLERR(&self->nl, slmq_nl_score(&self->nl, "scb", ids, 1, nll), EINVAL,
		     "at least 2 tokens, got 1 (attribute prompt-tokens)");
	EXPECT_NLERR(&self->nl, slmq_nl_score(&self->nl, "scb", ids, SCORE_N + 1, nll), EINVAL,
		     "257 tokens exceed the model's 256-token context (attribute prompt-tokens)");
	ids[3] = 2048;
	EXPECT_NLERR(&self->nl, slmq_nl_score(&self->nl, "scb", ids, 8, nll), EINVAL,
		     "token 3 is 2048, vocabulary has 2048 (attribute prompt-tokens)");
	msg = slmq_nl_msg(&self->nl, SLMQ_CMD_SCORE, 0);
	ASSERT_NE(NULL, msg);
	ASSERT_EQ(0, nla_put_string(msg, SLMQ_A_MODEL_NAME, "scb"));
	ASSERT_EQ(0, nla_put(msg, SLMQ_A_MODEL_PROMPT_TOKENS, 6, ids));
	EXPECT_NLERR(&self->nl, slmq_nl_call(&self->nl, msg, NULL, NULL), EINVAL,
		     "not a multiple of 4 (attribute prompt-tokens)");
	/* Refused ids count as failed requests of the model; the rest never reach it. */
	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, "scb", &m));
	EXPECT_EQ(3, m.requests);
	EXPECT_EQ(3, m.errors);
	still_serving(_metadata, self, "scb");
}

TEST_F_TIMEOUT(slmq, wrong_sha256_rejected_old_model_serves, 300)
{
	uint8_t bad[32];
	size_t off, n;
	int ret = 0;

	publish(_metadata, self, "sha");
	memcpy(bad, self->sha, 32);
	bad[0] ^= 1;
	ASSERT_EQ(0, slmq_nl_load_begin(&self->nl, "sha", self->len, bad));
	for (off = 0; !ret && off < self->len; off += n) {
		n = self->len - off < SLMQ_CHUNK_MAX ? self->len - off : SLMQ_CHUNK_MAX;
		ret = slmq_nl_load_chunk(&self->nl, "sha", off, (char *)self->buf + off, n);
	}
	ASSERT_EQ(0, ret);
	EXPECT_NLERR(&self->nl, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_LOAD_COMMIT, "sha"), EBADMSG,
		     "sha256 of the received data does not match");
	still_serving(_metadata, self, "sha");
}

TEST_F_TIMEOUT(slmq, truncated_transfer_rejected, 300)
{
	publish(_metadata, self, "trunc");
	ASSERT_EQ(0, slmq_nl_load_begin(&self->nl, "trunc", self->len, self->sha));
	ASSERT_EQ(0, slmq_nl_load_chunk(&self->nl, "trunc", 0, self->buf, 4096));
	EXPECT_NLERR(&self->nl, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_LOAD_COMMIT, "trunc"), EINVAL,
		     "truncated transfer: 4096 of");
	still_serving(_metadata, self, "trunc");
}

TEST_F_TIMEOUT(slmq, oversized_transfer_rejected, 300)
{
	publish(_metadata, self, "over");
	ASSERT_EQ(0, slmq_nl_load_begin(&self->nl, "over", 100, self->sha));
	EXPECT_NLERR(&self->nl, slmq_nl_load_chunk(&self->nl, "over", 0, self->buf, 101), EFBIG,
		     "past the announced size 100");
	EXPECT_NE(NULL, strstr(self->nl.err, "(attribute data)"));
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_LOAD_ABORT, "over"));
	still_serving(_metadata, self, "over");
}

TEST_F_TIMEOUT(slmq, chunks_out_of_order_or_overlapping_rejected, 300)
{
	publish(_metadata, self, "ooo");
	ASSERT_EQ(0, slmq_nl_load_begin(&self->nl, "ooo", self->len, self->sha));
	EXPECT_NLERR(&self->nl, slmq_nl_load_chunk(&self->nl, "ooo", 4096, self->buf, 4096), EINVAL,
		     "chunk at offset 4096, expected 0");
	EXPECT_NE(NULL, strstr(self->nl.err, "(attribute offset)"));
	ASSERT_EQ(0, slmq_nl_load_chunk(&self->nl, "ooo", 0, self->buf, 4096));
	EXPECT_NLERR(&self->nl, slmq_nl_load_chunk(&self->nl, "ooo", 2048, self->buf, 4096), EINVAL,
		     "chunk at offset 2048, expected 4096 (out of order or overlapping)");
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_LOAD_ABORT, "ooo"));
	still_serving(_metadata, self, "ooo");
}

/* A corrupted file: the commit fails with the engine's message, nothing changes. */
static void corrupt_case(struct __test_metadata *_metadata, FIXTURE_DATA(slmq) *self,
			 const char *name, const void *buf, size_t len, const char *msg)
{
	long long before = st_sysfs_u64("/sys/kernel/slmq/memory_used");

	publish(_metadata, self, name);
	before = st_sysfs_u64("/sys/kernel/slmq/memory_used");
	EXPECT_NLERR(&self->nl, load_bytes(&self->nl, name, buf, len), EINVAL, msg);
	EXPECT_NE(NULL, strstr(self->nl.err, "(attribute name)"));
	EXPECT_EQ(before, st_sysfs_u64("/sys/kernel/slmq/memory_used"));
	still_serving(_metadata, self, name);
}

TEST_F_TIMEOUT(slmq, corrupted_header_rejected, 300)
{
	char *bad = malloc(self->len);
	uint32_t v = 2;

	ASSERT_NE(NULL, bad);
	memcpy(bad, self->buf, self->len);
	bad[0] ^= 0x20;
	corrupt_case(_metadata, self, "magic", bad, self->len, "bad magic (not a GGUF file)");
	memcpy(bad, self->buf, self->len);
	memcpy(bad + 4, &v, 4);
	corrupt_case(_metadata, self, "version", bad, self->len, "unsupported GGUF version 2");
	free(bad);
}

TEST_F_TIMEOUT(slmq, corrupted_tensor_table_rejected, 300)
{
	size_t toff = st_tensor0_type_off(self->buf, self->len);
	char *bad = malloc(self->len);
	uint64_t off = 1ull << 40;

	ASSERT_NE(NULL, bad);
	ASSERT_LT(0, toff);
	memcpy(bad, self->buf, self->len);
	memcpy(bad + toff + 4, &off, 8);
	corrupt_case(_metadata, self, "toff", bad, self->len, "runs past end of file");
	free(bad);
}

TEST_F_TIMEOUT(slmq, unknown_tensor_type_rejected, 300)
{
	size_t toff = st_tensor0_type_off(self->buf, self->len);
	char *bad = malloc(self->len);
	uint32_t t = 99;

	ASSERT_NE(NULL, bad);
	memcpy(bad, self->buf, self->len);
	memcpy(bad + toff, &t, 4);
	corrupt_case(_metadata, self, "ttype", bad, self->len, "unsupported tensor type 99");
	free(bad);
}

TEST_F_TIMEOUT(slmq, truncated_file_rejected, 300)
{
	corrupt_case(_metadata, self, "tfile", self->buf, self->len * 6 / 10,
		     "runs past end of file");
}

TEST_F_TIMEOUT(slmq, over_limit_size_rejected, 300)
{
	publish(_metadata, self, "big");
	EXPECT_NLERR(&self->nl, slmq_nl_load_begin(&self->nl, "big", 101ull << 20, self->sha), EFBIG,
		     "max_model_mb allows 104857600");
	EXPECT_NE(NULL, strstr(self->nl.err, "(attribute size)"));
	ASSERT_EQ(0, st_param_set("max_model_mb", "1"));
	EXPECT_NLERR(&self->nl, load_bytes(&self->nl, "big", self->buf, self->len), EFBIG,
		     "max_model_mb allows 1048576");
	ASSERT_EQ(0, st_param_set("max_model_mb", "100"));
	still_serving(_metadata, self, "big");
}

TEST_F_TIMEOUT(slmq, missing_and_invalid_attributes_rejected, 300)
{
	struct st_gen g = { .max_tokens = 2 };

	EXPECT_NLERR(&self->nl, slmq_nl_load_begin(&self->nl, "miss", self->len, NULL), EINVAL,
		     "missing attribute sha256");
	EXPECT_NLERR(&self->nl, slmq_nl_load_begin(&self->nl, NULL, self->len, self->sha), EINVAL,
		     "missing attribute name");
	EXPECT_NLERR(&self->nl, slmq_nl_load_begin(&self->nl, "../etc", self->len, self->sha), EINVAL,
		     "invalid model name");
	EXPECT_NE(NULL, strstr(self->nl.err, "(attribute name)"));
	EXPECT_NLERR(&self->nl, slmq_nl_load_begin(&self->nl, "zero", 0, self->sha), EINVAL, "size is 0");
	EXPECT_NLERR(&self->nl, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_LOAD_COMMIT, "never"), ENOENT,
		     "no load of this name in progress");
	publish(_metadata, self, "miss");
	EXPECT_NLERR(&self->nl, st_generate(&self->nl, "miss", &g), EINVAL,
		     "missing attribute: prompt or prompt-tokens");
	still_serving(_metadata, self, "miss");
}

TEST_F_TIMEOUT(slmq, unprivileged_caller_rejected, 300)
{
	struct st_gen g = { .prompt = PROMPT, .max_tokens = 4 };
	struct slmq_nl_model m;

	publish(_metadata, self, "priv");
	ASSERT_EQ(0, st_drop_net_admin());
	EXPECT_NLERR(&self->nl, slmq_nl_load_begin(&self->nl, "priv", self->len, self->sha), EPERM,
		     "Operation not permitted");
	EXPECT_EQ(-EPERM, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, "priv"));
	EXPECT_NLERR(&self->nl, st_generate(&self->nl, "priv", &g), EPERM,
		     "generate needs CAP_NET_ADMIN");
	EXPECT_NLERR(&self->nl, slmq_nl_score(&self->nl, "priv", (uint32_t[]){ 1, 2 }, 2,
					 (uint32_t[1]){ 0 }), EPERM,
		     "score needs CAP_NET_ADMIN");
	EXPECT_EQ(0, slmq_nl_model_get(&self->nl, "priv", &m)) TH_LOG("reading is for everyone");
}

TEST_F_TIMEOUT(slmq, open_generate_caps_unprivileged_tokens, 300)
{
	struct st_gen g = { .prompt = PROMPT, .max_tokens = 4 };
	pid_t pid;
	int status;

	publish(_metadata, self, "open");
	ASSERT_EQ(0, st_param_set("user_max_tokens", "4"));
	ASSERT_EQ(0, st_param_set("open_generate", "1"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct slmq_nl nl;
		int bad = 0;

		if (st_drop_net_admin() || slmq_nl_open(&nl))
			_exit(10);
		if (st_generate(&nl, "open", &g) || g.n_tokens != 4)
			bad |= 1;
		g.max_tokens = 5;
		if (st_generate(&nl, "open", &g) != -EPERM ||
		    !strstr(nl.err, "at most 4 tokens (attribute max-tokens)"))
			bad |= 2;
		if (slmq_nl_load_begin(&nl, "open", self->len, self->sha) != -EPERM)
			bad |= 4;
		if (slmq_nl_score(&nl, "open", (uint32_t[]){ 1, 335, 574, 1956 }, 4,
			     (uint32_t[3]){ 0 }))
			bad |= 8;
		fprintf(stderr, "# unprivileged: %s\n", nl.err);
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	st_param_set("open_generate", "0");
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	still_serving(_metadata, self, "open");
}

TEST_F_TIMEOUT(slmq, client_killed_mid_load_frees_staging, 300)
{
	long long before;
	int pipefd[2], status;
	char c;
	pid_t pid;

	publish(_metadata, self, "killed");
	before = st_sysfs_u64("/sys/kernel/slmq/memory_used");
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct slmq_nl nl;

		if (slmq_nl_open(&nl) || slmq_nl_load_begin(&nl, "killed", self->len, self->sha) ||
		    slmq_nl_load_chunk(&nl, "killed", 0, self->buf, SLMQ_CHUNK_MAX))
			_exit(1);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		pause();	/* mid-load until killed */
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	EXPECT_EQ(before + (long long)self->len, st_sysfs_u64("/sys/kernel/slmq/memory_used"));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* The socket is released before the child can be reaped: staging already gone. */
	EXPECT_EQ(before, st_sysfs_u64("/sys/kernel/slmq/memory_used"));
	still_serving(_metadata, self, "killed");
}

TEST_F_TIMEOUT(slmq, abort_frees_staging, 300)
{
	long long before;

	publish(_metadata, self, "abort");
	before = st_sysfs_u64("/sys/kernel/slmq/memory_used");
	ASSERT_EQ(0, slmq_nl_load_begin(&self->nl, "abort", self->len, self->sha));
	ASSERT_EQ(0, slmq_nl_load_chunk(&self->nl, "abort", 0, self->buf, 1000));
	EXPECT_EQ(before + (long long)self->len, st_sysfs_u64("/sys/kernel/slmq/memory_used"));
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_LOAD_ABORT, "abort"));
	EXPECT_EQ(before, st_sysfs_u64("/sys/kernel/slmq/memory_used"));
	EXPECT_NLERR(&self->nl, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_LOAD_COMMIT, "abort"), ENOENT,
		     "no load of this name in progress");
	still_serving(_metadata, self, "abort");
}

static void on_usr1(int sig)
{
}

/*
 * A signal ends a running generation: -ECANCELED over netlink (an -EINTR
 * would make netlink_rcv_skb() drop the ACK), "interrupted by a signal".  The parent keeps
 * signalling until the child sees one land inside a generation, so the
 * outcome does not depend on timing.
 */
TEST_F_TIMEOUT(slmq, generation_interrupted_by_signal, 300)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct slmq_nl_model m;
	int status = 0;
	pid_t pid;

	publish(_metadata, self, "sig");
	sigaction(SIGUSR1, &sa, NULL);	/* inherited: no SA_RESTART, no default kill */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct st_gen g = { .prompt = PROMPT, .max_tokens = 4096 };
		struct slmq_nl nl;
		int i, ret;

		if (slmq_nl_open(&nl))
			_exit(10);
		for (i = 0; i < 1000; i++) {
			ret = st_generate(&nl, "sig", &g);
			if (ret == -ECANCELED) {
				fprintf(stderr, "# %s\n", nl.err);
				_exit(strstr(nl.err, "interrupted") ? 0 : 11);
			}
			if (ret)
				_exit(12);
		}
		_exit(13);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGUSR1);
		usleep(20000);
	}
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, "sig", &m));
	EXPECT_LE(1, m.errors) TH_LOG("the interrupted request counts as an error");
	EXPECT_EQ(1, st_sysfs_u64("/sys/kernel/slmq/sig/errors") >= 1);
	still_serving(_metadata, self, "sig");
}

/* The same for a score: a signal ends it between two FPU sections. */
TEST_F_TIMEOUT(slmq, score_interrupted_by_signal, 300)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct slmq_nl_model m;
	int status = 0;
	pid_t pid;

	publish(_metadata, self, "ssig");
	sigaction(SIGUSR1, &sa, NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint32_t ids[SCORE_N], nll[SCORE_N - 1];
		struct slmq_nl nl;
		int i, ret;

		if (slmq_nl_open(&nl) || st_read_ids(st_data("test-head.bin"), ids,
						      SCORE_N) != SCORE_N)
			_exit(10);
		for (i = 0; i < 1000; i++) {
			ret = slmq_nl_score(&nl, "ssig", ids, SCORE_N, nll);
			if (ret == -ECANCELED) {
				fprintf(stderr, "# %s\n", nl.err);
				_exit(strstr(nl.err, "interrupted") ? 0 : 11);
			}
			if (ret)
				_exit(12);
		}
		_exit(13);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGUSR1);
		usleep(20000);
	}
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, "ssig", &m));
	EXPECT_LE(1, m.errors) TH_LOG("the interrupted request counts as an error");
	EXPECT_EQ(0, st_sysfs_u64("/sys/kernel/slmq/generations_running"));
	still_serving(_metadata, self, "ssig");
}

static int on_ntf(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[SLMQ_A_MODEL_MAX + 1];
	int *seen = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, SLMQ_A_MODEL_MAX, NULL) ||
	    !tb[SLMQ_A_MODEL_NAME] || strcmp(nla_get_string(tb[SLMQ_A_MODEL_NAME]), "ntf"))
		return NL_OK;
	if (gh->cmd == SLMQ_CMD_MODEL_NEW_NTF)
		*seen |= 1;
	if (gh->cmd == SLMQ_CMD_MODEL_DEL_NTF)
		*seen |= 2;
	return NL_OK;
}

TEST_F_TIMEOUT(slmq, multicast_announces_loads_and_removals, 300)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp, seen = 0;

	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, genl_connect(sk));
	grp = genl_ctrl_resolve_grp(sk, SLMQ_FAMILY_NAME, SLMQ_MCGRP_MODELS);
	ASSERT_LE(0, grp);
	ASSERT_EQ(0, nl_socket_add_membership(sk, grp));
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_ntf, &seen);
	publish(_metadata, self, "ntf");
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, "ntf"));
	while (seen != 3 && nl_recvmsgs_default(sk) >= 0)
		;
	EXPECT_EQ(3, seen);
	nl_socket_free(sk);
}

TEST_F_TIMEOUT(slmq, report_absent_is_reported, 300)
{
	publish(_metadata, self, "norep");
	EXPECT_NLERR(&self->nl, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_REPORT_GET, "norep"), ENODATA,
		     "model carries no slmq.report");
	ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, "norep"));
}

/*
 * max_concurrent (default 2) bounds the generations running at once: three
 * clients generate in loops, so one of them has to wait.  The parent only
 * reads the counters until it has seen a waiter; nothing depends on how
 * fast a generation is.  Killing the clients mid-generation ends their
 * requests (fatal signal) and frees their slots.
 */
TEST_F_TIMEOUT(slmq, concurrency_bounded, 300)
{
	long long running, waiting, max_running = 0;
	int i, polls, seen_wait = 0, status;
	pid_t kids[3];

	publish(_metadata, self, "conc");
	for (i = 0; i < 3; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (kids[i] == 0) {
			struct st_gen g = { .prompt = PROMPT, .max_tokens = 64 };
			struct slmq_nl nl;

			if (slmq_nl_open(&nl))
				_exit(10);
			for (;;)
				if (st_generate(&nl, "conc", &g))
					_exit(11);
		}
	}
	for (polls = 0; polls < 200000 && !seen_wait; polls++) {
		running = st_sysfs_u64("/sys/kernel/slmq/generations_running");
		waiting = st_sysfs_u64("/sys/kernel/slmq/generations_waiting");
		if (running > max_running)
			max_running = running;
		if (waiting >= 1)
			seen_wait = 1;
		else
			usleep(1000);
	}
	for (i = 0; i < 3; i++) {
		kill(kids[i], SIGKILL);
		ASSERT_EQ(kids[i], waitpid(kids[i], &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("client %d exited %d", i, WEXITSTATUS(status));
	}
	TH_LOG("at most %lld running, a waiter seen after %d polls", max_running, polls);
	EXPECT_TRUE(seen_wait);
	EXPECT_GE(2, max_running);
	EXPECT_EQ(0, st_sysfs_u64("/sys/kernel/slmq/generations_running"));
	EXPECT_EQ(0, st_sysfs_u64("/sys/kernel/slmq/generations_waiting"));
	still_serving(_metadata, self, "conc");
}

/*
 * Replacing or deleting a model while requests on it run.  A request takes
 * a reference on the model it looked up and keeps it until it has replied,
 * so it must finish with that model's numbers bit for bit however the name
 * changes meanwhile, a request made after a replace must get the new
 * model, and the old model's memory must come back exactly when its last
 * request is done.  The requests are short (the change itself takes a few
 * milliseconds); that they really were running when it happened is checked,
 * not assumed.
 */
#define SWAP_SCORE_N 64		/* score: this many ids of the test split */
#define SWAP_GEN_PROMPT 48	/* generate: a prompt of this many ids ... */
#define SWAP_GEN_TOKENS 8	/* ... then greedy tokens, with their logits */
#define SWAP_VOCAB 2048
#define SWAP_MAX_CLIENTS 8
#define SWAP_ROUNDS 4

enum swap_kind { SWAP_SCORE, SWAP_GENERATE };

/* What one request returned; in shared memory, children write it. */
struct swap_result {
	int ret;
	char err[512];
	uint32_t nll[SWAP_SCORE_N - 1];
	uint32_t n_tokens;
	uint32_t tokens[SWAP_GEN_TOKENS];
	float logits[SWAP_GEN_TOKENS * SWAP_VOCAB];
};

struct swap_ctx {
	const char *name;
	enum swap_kind kind;
	int n;				/* clients running while the name changes */
	uint32_t ids[SWAP_SCORE_N];
	void *b;			/* model B, or NULL: delete instead */
	size_t blen;
	uint8_t bsha[32];
	long long m0;			/* memory_used before A was loaded */
	struct swap_result *ref;	/* A's result, asked before any change */
	struct swap_result *after;	/* asked right after the replace */
	struct swap_result *res;	/* the clients' */
};

/* Requests holding a slot or queued for one: each has its model already. */
static long long requests_in_kernel(void)
{
	return st_sysfs_u64("/sys/kernel/slmq/generations_running") +
	       st_sysfs_u64("/sys/kernel/slmq/generations_waiting");
}

static void swap_request(struct slmq_nl *nl, const struct swap_ctx *c, struct swap_result *r)
{
	struct st_gen g = { .ids = c->ids, .n_ids = SWAP_GEN_PROMPT,
			    .max_tokens = SWAP_GEN_TOKENS, .want_logits = true };

	memset(r, 0, sizeof(*r));
	if (c->kind == SWAP_SCORE) {
		r->ret = slmq_nl_score(nl, c->name, c->ids, SWAP_SCORE_N, r->nll);
	} else {
		r->ret = st_generate(nl, c->name, &g);
		if (!r->ret && (g.n_tokens > SWAP_GEN_TOKENS ||
				g.logits_len != (size_t)g.n_tokens * SWAP_VOCAB))
			r->ret = -EPROTO;
		if (!r->ret) {
			r->n_tokens = g.n_tokens;
			memcpy(r->tokens, g.tokens, g.n_tokens * 4);
			memcpy(r->logits, g.logits, g.logits_len * 4);
		}
		free(g.logits);
	}
	snprintf(r->err, sizeof(r->err), "%s", nl->err);
}

static bool swap_same(const struct swap_result *a, const struct swap_result *b)
{
	return a->n_tokens == b->n_tokens && !memcmp(a->nll, b->nll, sizeof(a->nll)) &&
	       !memcmp(a->tokens, b->tokens, a->n_tokens * 4) &&
	       !memcmp(a->logits, b->logits, (size_t)a->n_tokens * SWAP_VOCAB * 4);
}

/* A child with its own socket makes one request and leaves the result in r. */
static pid_t swap_client(const struct swap_ctx *c, struct swap_result *r)
{
	struct slmq_nl nl;
	pid_t pid = fork();

	if (pid)
		return pid;
	if (slmq_nl_open(&nl))
		_exit(10);
	swap_request(&nl, c, r);
	_exit(r->ret ? 11 : 0);
}

/* Until all n clients' requests are in the kernel (past their lookup), or one ended. */
static void swap_wait_in_kernel(const pid_t *kids, int n)
{
	siginfo_t si;
	int i;

	while (requests_in_kernel() < n) {
		for (i = 0; i < n; i++) {
			si.si_pid = 0;
			if (waitid(P_PID, kids[i], &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid)
				return;
		}
		usleep(1000);
	}
}

/* After a round: NAME serves B with fresh stats, or is gone. */
static void swap_check_name(struct __test_metadata *_metadata, FIXTURE_DATA(slmq) *self,
			    const struct swap_ctx *c)
{
	struct slmq_nl_model m;
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/slmq/%s/size", c->name);
	if (!c->b) {
		EXPECT_NLERR(&self->nl, slmq_nl_model_get(&self->nl, c->name, &m), ENOENT,
			     "no model of this name (attribute name)");
		EXPECT_EQ(-1, st_sysfs_u64(path));
		return;
	}
	ASSERT_EQ(0, slmq_nl_model_get(&self->nl, c->name, &m)) TH_LOG("%s", self->nl.err);
	EXPECT_EQ(0, memcmp(m.sha256, c->bsha, 32));
	EXPECT_EQ(1, m.requests) TH_LOG("B served the request made after the replace only");
	EXPECT_EQ((long long)c->blen, st_sysfs_u64(path));
}

/*
 * One round: NAME serves A (self->buf, published again unless first);
 * c->n clients start a request on it; once all are in the kernel, B
 * (staged beforehand) is committed under NAME, or NAME is deleted.  After a
 * replace the parent asks NAME at once, while A's requests still run, and
 * must get B's answer.  Every client must get A's answer.  Returns whether A was still allocated right after
 * the change returned, which only the clients' references can cause: only
 * then did the change really happen under running requests.
 */
static bool swap_round(struct __test_metadata *_metadata, FIXTURE_DATA(slmq) *self,
		       const struct swap_ctx *c, bool first)
{
	long long held = c->m0 + (long long)self->len + (long long)c->blen;
	pid_t kids[SWAP_MAX_CLIENTS];
	int i, status;
	bool alive;

	if (!first)
		publish(_metadata, self, c->name);
	if (c->b) {
		ASSERT_EQ(0, st_stage(&self->nl, c->name, c->b, c->blen)) TH_LOG("%s", self->nl.err);
		ASSERT_EQ(held, st_mem_used());
	}
	for (i = 0; i < c->n; i++) {
		kids[i] = swap_client(c, &c->res[i]);
		ASSERT_LE(0, kids[i]);
	}
	swap_wait_in_kernel(kids, c->n);
	EXPECT_EQ(0, slmq_nl_name_cmd(&self->nl, c->b ? SLMQ_CMD_LOAD_COMMIT : SLMQ_CMD_MODEL_DELETE,
				 c->name))
		TH_LOG("%s under running requests: %s", c->b ? "replace" : "delete", self->nl.err);
	alive = st_mem_used() == held;
	if (c->b) {
		swap_request(&self->nl, c, c->after);
		EXPECT_EQ(0, c->after->ret) TH_LOG("%s", c->after->err);
		EXPECT_FALSE(swap_same(c->after, c->ref)) TH_LOG("B answered like A");
	}
	for (i = 0; i < c->n; i++) {
		ASSERT_EQ(kids[i], waitpid(kids[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("client %d: status %#x, %d: %s", i, status, c->res[i].ret,
			       c->res[i].err);
		EXPECT_TRUE(swap_same(&c->res[i], c->ref))
			TH_LOG("client %d did not get model A's result", i);
	}
	/* A went with its last request: B's bytes, or none, are left. */
	EXPECT_EQ(c->m0 + (long long)c->blen, st_mem_used());
	EXPECT_EQ(0, requests_in_kernel());
	swap_check_name(_metadata, self, c);
	return alive;
}

/* Clients of one kind on A while A is replaced by bfile, or deleted (NULL). */
static void swap_case(struct __test_metadata *_metadata, FIXTURE_DATA(slmq) *self,
		      const char *name, enum swap_kind kind, int n, const char *bfile)
{
	size_t map_len = sizeof(struct swap_result) * (n + 2);
	struct swap_ctx c = { .name = name, .kind = kind, .n = n };
	bool alive = false;
	int round;

	ASSERT_GE(SWAP_MAX_CLIENTS, n);
	ASSERT_EQ(SWAP_SCORE_N, st_read_ids(st_data("test-head.bin"), c.ids, SWAP_SCORE_N));
	c.ref = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c.ref);
	c.after = c.ref + 1;
	c.res = c.ref + 2;
	if (bfile) {
		c.b = st_read_file(st_data(bfile), &c.blen);
		ASSERT_NE(NULL, c.b) TH_LOG("no %s", st_data(bfile));
		sha256(c.b, c.blen, c.bsha);
	}
	c.m0 = st_mem_used();
	publish(_metadata, self, name);
	swap_request(&self->nl, &c, c.ref);
	ASSERT_EQ(0, c.ref->ret) TH_LOG("%s", c.ref->err);
	/* A round whose requests all ended before the change returned proves nothing. */
	for (round = 1; round <= SWAP_ROUNDS && !alive; round++) {
		alive = swap_round(_metadata, self, &c, round == 1);
		TH_LOG("round %d: model A %s when the %s returned", round,
		       alive ? "still held by the running requests" : "already released",
		       bfile ? "replace" : "delete");
		if (_metadata->exit_code == KSFT_FAIL)
			break;
	}
	EXPECT_TRUE(alive) TH_LOG("no round had requests running across the change");
	if (bfile)
		ASSERT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, name));
	EXPECT_EQ(c.m0, st_mem_used()) TH_LOG("memory of A or B not returned");
	free(c.b);
	munmap(c.ref, map_len);
}

/* A score on A (F16) while A is replaced by its Q4_0 quantization. */
TEST_F_TIMEOUT(slmq, replace_while_score_runs_finishes_on_old_model, 300)
{
	swap_case(_metadata, self, "swapr", SWAP_SCORE, 1, "tiny-q4.gguf");
}

/* A generate (prompt ids, tokens and logits) on A while A is deleted. */
TEST_F_TIMEOUT(slmq, delete_while_generate_runs_finishes_on_old_model, 300)
{
	swap_case(_metadata, self, "swapd", SWAP_GENERATE, 1, NULL);
}

/* More scores than max_concurrent slots: the queued ones hold A too. */
TEST_F_TIMEOUT(slmq, replace_under_more_requests_than_slots, 300)
{
	long long slots = st_sysfs_u64("/sys/module/slmq/parameters/max_concurrent");

	ASSERT_LT(0, slots);
	ASSERT_GE(SWAP_MAX_CLIENTS, slots + 1);
	swap_case(_metadata, self, "swapc", SWAP_SCORE, slots + 1, "tiny-q4.gguf");
}

static int on_name(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	char (*names)[SLMQ_NAME_MAX] = arg;
	int i;

	for (i = 0; i < 64 && names[i][0]; i++)
		;
	if (i < 64 && tb[SLMQ_A_MODEL_NAME])
		snprintf(names[i], SLMQ_NAME_MAX, "%s", nla_get_string(tb[SLMQ_A_MODEL_NAME]));
	return 0;
}

/* Last: every model withdrawn, no byte left accounted, slmq.ko unloads. */
TEST_F_TIMEOUT(slmq, zz_all_memory_returned_and_module_unloads, 300)
{
	char names[64][SLMQ_NAME_MAX] = { { 0 } };
	struct nl_msg *msg;
	int i;

	msg = slmq_nl_msg(&self->nl, SLMQ_CMD_MODEL_GET, NLM_F_DUMP);
	ASSERT_EQ(0, slmq_nl_call(&self->nl, msg, on_name, names));
	for (i = 0; i < 64 && names[i][0]; i++)
		EXPECT_EQ(0, slmq_nl_name_cmd(&self->nl, SLMQ_CMD_MODEL_DELETE, names[i]))
			TH_LOG("%s: %s", names[i], self->nl.err);
	EXPECT_EQ(0, st_sysfs_u64("/sys/kernel/slmq/memory_used"));
	EXPECT_EQ(0, syscall(SYS_delete_module, "slmq", O_NONBLOCK)) TH_LOG("rmmod slmq: %m");
}

TEST_HARNESS_MAIN
