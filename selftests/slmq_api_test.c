// SPDX-License-Identifier: GPL-2.0
/*
 * slmq.ko's exported API exercised from kernel code (lookup, generate,
 * score, sessions, withdrawal), kselftest_module.h style: each check
 * counts, the summary goes to the kernel log, and insmod fails (-EINVAL)
 * if any check failed.  selftests/api_module.sh drives it.
 *
 *   insmod slmq_api_test.ko model=NAME [expect_verdict=ACCEPTED|REJECTED] [hold=1]
 *
 * With hold=1 the module keeps one model reference until it is removed, so
 * the script can show that rmmod slmq is refused meanwhile.
 *
 * kselftest_module.h itself is not included: its MODULE_INFO(test, "Y")
 * taints the kernel (TAINT_TEST), which the VM run treats as a failure.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "slmq_kapi.h"

#define PROMPT "PCI device 8086:10d3 is"
#define N_GEN 8

static char *model = "tiny";
module_param(model, charp, 0444);
MODULE_PARM_DESC(model, "Name of a published model to test with");

static char *expect_verdict = "";
module_param(expect_verdict, charp, 0444);
MODULE_PARM_DESC(expect_verdict, "The model's slmq.verdict (empty: it has none)");

static bool hold;
module_param(hold, bool, 0444);
MODULE_PARM_DESC(hold, "Keep a model reference while loaded");

static struct slmq_kmodel *held;
static unsigned int total_tests, failed_tests;

#define CHECK(cond) do {							\
	total_tests++;								\
	if (!(cond)) {								\
		pr_warn("check failed at %s:%d: %s\n", __func__, __LINE__, #cond); \
		failed_tests++;							\
	}									\
} while (0)

/* Greedy decoding driven through the session API; text appended to out. */
static int session_greedy(struct slmq_kmodel *m, const u32 *ids, int n, u32 *toks,
			  char *out, size_t out_len)
{
	struct slmqk_session *s = slmqk_session_open(m, 0);
	size_t used = 0;
	u32 prev = ids[n - 1], bits;
	int i, k, ret;

	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = slmqk_session_logits(s, &bits, 1);
	CHECK(ret == -ENODATA);		/* nothing fed yet */
	ret = slmqk_session_feed(s, ids, n);
	for (i = 0; !ret && i < N_GEN; i++) {
		ret = slmqk_session_next_token(s, &toks[i]);
		if (ret)
			break;
		k = slmqk_detokenize(m, prev, toks[i], out + used, out_len - used - 1);
		if (k > 0)
			used += k;
		prev = toks[i];
		ret = slmqk_session_feed(s, &toks[i], 1);
	}
	out[used] = '\0';
	slmqk_session_close(s);
	return ret;
}

static void test_lookup(void)
{
	struct slmq_kmodel *m = slmqk_model_get("no-such-model");
	char verdict[32];

	CHECK(IS_ERR(m) && PTR_ERR(m) == -ENOENT);
	m = slmqk_model_get(model);
	CHECK(!IS_ERR(m));
	if (IS_ERR(m))
		return;
	CHECK(slmqk_model_n_vocab(m) > 0);
	if (*expect_verdict)
		CHECK(slmqk_model_verdict(m, verdict, sizeof(verdict)) == strlen(expect_verdict) &&
		      !strcmp(verdict, expect_verdict));
	else
		CHECK(slmqk_model_verdict(m, verdict, sizeof(verdict)) == -ENODATA && !verdict[0]);
	slmqk_model_put(m);
}

/*
 * A session's memory: an F16 KV cache by default (as slmqctl's), whose size
 * is linear in the context; scratch besides it.
 */
static void test_session_mem(struct slmq_kmodel *m)
{
	struct slmqk_session *a = slmqk_session_open(m, 8);
	struct slmqk_session *b = slmqk_session_open(m, 16);
	u64 kva = 0, kvb = 0, sa = 0, sb = 0;

	CHECK(!IS_ERR(a) && !IS_ERR(b));
	if (!IS_ERR(a) && !IS_ERR(b)) {
		CHECK(slmqk_session_mem(a, &kva, &sa) == 2);
		CHECK(slmqk_session_mem(b, &kvb, &sb) == 2);
		pr_info("session memory: 8 positions %llu + %llu bytes, 16 positions %llu + %llu\n",
			kva, sa, kvb, sb);
		CHECK(kva && kvb == 2 * kva && sa && sb > sa);
	}
	slmqk_session_close(a);
	slmqk_session_close(b);
}

static void test_generate_matches_session(void)
{
	char *text = kzalloc(512, GFP_KERNEL), *stext = kzalloc(512, GFP_KERNEL);
	u32 ids[64], toks[N_GEN], toks2[N_GEN], *logits = NULL, *logits2 = NULL;
	struct slmq_kmodel *m = slmqk_model_get(model);
	struct slmqk_session *s;
	u32 nv;
	int n, ret;

	if (IS_ERR(m) || !text || !stext)
		goto out;
	ret = slmqk_generate(m, PROMPT, N_GEN, text, 512);
	CHECK(ret == N_GEN);
	n = slmqk_tokenize(m, PROMPT, true, ids, ARRAY_SIZE(ids));
	CHECK(n > 1 && n <= ARRAY_SIZE(ids));
	if (n <= 1 || n > ARRAY_SIZE(ids))
		goto out;
	CHECK(!session_greedy(m, ids, n, toks, stext, 512));
	pr_info("generate: \"%s\", session: \"%s\"\n", text, stext);
	CHECK(!strcmp(text, stext));
	/* Same prompt again: identical tokens (no state leaks between sessions). */
	CHECK(!session_greedy(m, ids, n, toks2, stext, 512));
	CHECK(!memcmp(toks, toks2, sizeof(toks)));

	/* Logits after the prompt, from two sessions: bit for bit equal. */
	nv = slmqk_model_n_vocab(m);
	logits = kvmalloc_array(nv, sizeof(u32), GFP_KERNEL);
	logits2 = kvmalloc_array(nv, sizeof(u32), GFP_KERNEL);
	if (!logits || !logits2)
		goto out;
	s = slmqk_session_open(m, 0);
	CHECK(!IS_ERR(s));
	if (IS_ERR(s))
		goto out;
	CHECK(!slmqk_session_feed(s, ids, n));
	CHECK(slmqk_session_logits(s, logits, nv) == nv);
	slmqk_session_close(s);
	s = slmqk_session_open(m, 0);
	if (IS_ERR(s))
		goto out;
	CHECK(!slmqk_session_feed(s, ids, n - 1));
	CHECK(!slmqk_session_feed(s, ids + n - 1, 1));	/* split feeding: same result */
	CHECK(slmqk_session_logits(s, logits2, nv) == nv);
	CHECK(!memcmp(logits, logits2, nv * sizeof(u32)));
	CHECK(slmqk_session_feed(s, (u32[]){ nv }, 1) == -EINVAL);
	slmqk_session_close(s);
	test_session_mem(m);
out:
	kvfree(logits);
	kvfree(logits2);
	kfree(text);
	kfree(stext);
	if (!IS_ERR(m))
		slmqk_model_put(m);
}

/* Positive, finite IEEE single bits: such values order like their bits as u32. */
static bool nll_ok(u32 b)
{
	return b && !(b >> 31) && ((b >> 23) & 0xff) != 0xff;
}

/* The greedy choice after ids[0..n-1], through the session API. */
static int greedy_next(struct slmq_kmodel *m, const u32 *ids, int n, u32 *tok)
{
	struct slmqk_session *s = slmqk_session_open(m, 0);
	int ret;

	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = slmqk_session_feed(s, ids, n) ?: slmqk_session_next_token(s, tok);
	slmqk_session_close(s);
	return ret;
}

/*
 * slmqk_score(): n - 1 positive finite NLLs, the same bits when asked
 * again, the greedy next token scores no worse than another one, and bad
 * input is refused without running anything.
 */
static void test_score(void)
{
	struct slmq_kmodel *m = slmqk_model_get(model);
	u32 ids[64], nll[64], nll2[64], greedy, nv, *big = NULL;
	int n, i;

	if (IS_ERR(m))
		return;
	nv = slmqk_model_n_vocab(m);
	n = slmqk_tokenize(m, PROMPT, true, ids, ARRAY_SIZE(ids) - 1);
	CHECK(n > 2 && n < ARRAY_SIZE(ids));
	if (n <= 2 || n >= ARRAY_SIZE(ids))
		goto put;
	CHECK(!greedy_next(m, ids, n, &greedy));
	ids[n] = greedy;
	CHECK(slmqk_score(m, ids, n + 1, nll) == n);
	for (i = 0; i < n; i++)
		CHECK(nll_ok(nll[i]));
	CHECK(slmqk_score(m, ids, n + 1, nll2) == n);
	CHECK(!memcmp(nll, nll2, n * sizeof(u32)));
	ids[n] = (greedy + 1) % nv;
	CHECK(slmqk_score(m, ids, n + 1, nll2) == n);
	CHECK(!memcmp(nll, nll2, (n - 1) * sizeof(u32)));	/* earlier positions alike */
	CHECK(nll2[n - 1] >= nll[n - 1]);
	pr_info("score: %d NLLs, last %#x for the greedy token, %#x for another\n",
		n, nll[n - 1], nll2[n - 1]);

	CHECK(slmqk_score(m, ids, 1, nll) == -EINVAL);
	CHECK(slmqk_score(m, ids, 0, nll) == -EINVAL);
	ids[1] = nv;
	CHECK(slmqk_score(m, ids, 2, nll) == -EINVAL);
	/* Longer than any context this test runs with: refused. */
	big = kvcalloc(2 * 65536, sizeof(u32), GFP_KERNEL);
	if (big)
		CHECK(slmqk_score(m, big, 65536, big + 65536) == -EINVAL);
	kvfree(big);
put:
	slmqk_model_put(m);
}

/* A withdrawn model keeps working for whoever holds it. */
static void test_withdrawn_while_held(void)
{
	struct slmq_kmodel *m = slmqk_model_get(model), *again;
	u32 ids[16], nll[16];
	char text[128];
	int n;

	if (IS_ERR(m))
		return;
	CHECK(!slmqk_unregister(model));
	again = slmqk_model_get(model);
	CHECK(IS_ERR(again));
	if (!IS_ERR(again))
		slmqk_model_put(again);
	CHECK(slmqk_generate(m, PROMPT, 4, text, sizeof(text)) == 4);
	n = slmqk_tokenize(m, PROMPT, true, ids, ARRAY_SIZE(ids));
	CHECK(n >= 2 && n <= ARRAY_SIZE(ids) && slmqk_score(m, ids, n, nll) == n - 1);
	CHECK(slmqk_unregister(model) == -ENOENT);
	if (hold)
		held = m;
	else
		slmqk_model_put(m);
}

static int __init slmq_api_test_init(void)
{
	pr_info("loaded.\n");
	test_lookup();
	test_generate_matches_session();
	test_score();
	test_withdrawn_while_held();
	if (failed_tests) {
		pr_warn("failed %u out of %u tests\n", failed_tests, total_tests);
		slmqk_model_put(held);
		return -EINVAL;
	}
	pr_info("all %u tests passed\n", total_tests);
	return 0;
}

static void __exit slmq_api_test_exit(void)
{
	slmqk_model_put(held);
	pr_info("unloaded.\n");
}

module_init(slmq_api_test_init);
module_exit(slmq_api_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test of slmq.ko's exported API");
