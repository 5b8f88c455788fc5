// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for what only slmq.ko holds: the order rules of a staged load,
 * model names, memory reservations, extack message shortening, and registry
 * replacement with reference counting.  Built only for kernels with
 * CONFIG_KUNIT (the debug kernel of `make check-debug`; Debian's does not
 * set it), run by selftests/kunit_test.sh, which loads this module after
 * slmq.ko and turns the KTAP results into the suite's TAP.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "slmq_priv.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* ---- chunk order -------------------------------------------------------- */

struct chunk_case {
	const char *desc;
	u64 size, received, offset;
	u32 len;
	enum slmq_chunk_verdict want;
};

static const struct chunk_case chunk_cases[] = {
	{ "first chunk", 100, 0, 0, 10, SLMQ_CHUNK_OK },
	{ "next chunk in order", 100, 10, 10, 10, SLMQ_CHUNK_OK },
	{ "last chunk ends at the size", 100, 90, 90, 10, SLMQ_CHUNK_OK },
	{ "one chunk is the whole file", 100, 0, 0, 100, SLMQ_CHUNK_OK },
	{ "empty chunk", 100, 10, 10, 0, SLMQ_CHUNK_EMPTY },
	{ "resent chunk", 100, 20, 10, 10, SLMQ_CHUNK_OUT_OF_ORDER },
	{ "overlapping chunk", 100, 20, 15, 10, SLMQ_CHUNK_OUT_OF_ORDER },
	{ "skipped chunk", 100, 10, 20, 10, SLMQ_CHUNK_OUT_OF_ORDER },
	{ "one byte past the size", 100, 90, 90, 11, SLMQ_CHUNK_PAST_END },
	{ "chunk after the copy is complete", 100, 100, 100, 1, SLMQ_CHUNK_PAST_END },
	{ "offset + len wraps 64 bits", U64_MAX, U64_MAX - 1, U64_MAX - 1, 4,
	  SLMQ_CHUNK_PAST_END },
};

static void chunk_case_desc(const struct chunk_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(chunk, chunk_cases, chunk_case_desc);

static void slmq_chunk_order_test(struct kunit *test)
{
	const struct chunk_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, slmq_chunk_check(c->size, c->received, c->offset, c->len),
			c->want);
}

/* ---- model names -------------------------------------------------------- */

struct name_case {
	const char *name;
	bool valid;
};

static const struct name_case name_cases[] = {
	{ "tiny", true },
	{ "pcilm-small_q4.0", true },
	{ "A", true },
	{ "", false },
	{ ".hidden", false },
	{ "..", false },
	{ "a/b", false },
	{ "a b", false },
	{ "caf\xc3\xa9", false },
	{ "caf\xe9", false },	/* Latin-1: the kernel's isalnum() says yes */
	{ "0123456789012345678901234567890123456789012345678901234567890123456789", false },
};

static void name_case_desc(const struct name_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%.40s\" %s", c->name,
		 c->valid ? "valid" : "refused");
}
KUNIT_ARRAY_PARAM(name, name_cases, name_case_desc);

static void slmq_name_test(struct kunit *test)
{
	const struct name_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, slmq_name_valid(c->name), c->valid);
}

/* ---- message shortening ------------------------------------------------- */

struct shorten_case {
	const char *desc;
	const char *msg;
	size_t len;
	const char *want;
};

static const struct shorten_case shorten_cases[] = {
	{ "fits: unchanged", "bad magic", 32, "bad magic" },
	{ "gguf: prefix dropped", "gguf: bad magic", 32, "bad magic" },
	{ "trailing explanation dropped first", "tensor 7 is short (12 of 4096 bytes read)", 20,
	  "tensor 7 is short" },
	{ "head and tail kept around ...", "abcdefghijklmnopqrstuvwxyz", 16,
	  "abcdef...uvwxyz" },
	{ "exactly one byte too long", "0123456789abcdef", 16, "012345...abcdef" },
	{ "exactly fits", "0123456789abcde", 16, "0123456789abcde" },
};

static void shorten_case_desc(const struct shorten_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(shorten, shorten_cases, shorten_case_desc);

static void slmq_shorten_test(struct kunit *test)
{
	const struct shorten_case *c = test->param_value;
	char buf[64];

	memset(buf, 'X', sizeof(buf));
	slmq_shorten(buf, c->len, c->msg);
	KUNIT_EXPECT_STREQ(test, buf, c->want);
	KUNIT_EXPECT_LT(test, strlen(buf), c->len);
	KUNIT_EXPECT_EQ(test, buf[c->len], 'X');	/* nothing written past len */
}

/* ---- memory reservations ------------------------------------------------ */

static void slmq_mem_reserve_test(struct kunit *test)
{
	u64 one = (u64)slmq_max_model_mb << 20, all = (u64)slmq_max_total_mb << 20;
	u64 base = slmq_mem_used_bytes();
	struct slmq_err err = {};

	KUNIT_ASSERT_EQ(test, slmq_mem_reserve(4096, &err), 0);
	KUNIT_EXPECT_EQ(test, slmq_mem_used_bytes(), base + 4096);
	slmq_mem_unreserve(4096);
	KUNIT_EXPECT_EQ(test, slmq_mem_used_bytes(), base);

	KUNIT_EXPECT_EQ(test, slmq_mem_reserve(one + 1, &err), -EFBIG);
	KUNIT_EXPECT_NOT_NULL(test, strstr(err.msg, "max_model_mb"));
	KUNIT_EXPECT_EQ(test, slmq_mem_used_bytes(), base);

	/* Fill up to max_total_mb one model at a time; the next byte is refused. */
	if (one && all - base >= one && (all - base) / one < 64) {
		u64 left = all - base, n = 0;

		while (left) {
			u64 take = min(left, one);

			KUNIT_ASSERT_EQ(test, slmq_mem_reserve(take, &err), 0);
			left -= take;
			n += take;
		}
		KUNIT_EXPECT_EQ(test, slmq_mem_reserve(1, &err), -EFBIG);
		KUNIT_EXPECT_NOT_NULL(test, strstr(err.msg, "max_total_mb"));
		while (n) {
			u64 give = min(n, one);

			slmq_mem_unreserve(give);
			n -= give;
		}
	}
	KUNIT_EXPECT_EQ(test, slmq_mem_used_bytes(), base);
}

/* ---- registry ----------------------------------------------------------- */

/*
 * A model without a GGUF behind it: the registry only needs a name, a
 * reference count and a buffer whose bytes are reserved; releasing it frees
 * them as for a real one.
 */
static struct slmq_kmodel *fake_model(struct kunit *test, const char *name, u64 size)
{
	struct slmq_err err = {};
	struct slmq_kmodel *m;

	KUNIT_ASSERT_EQ(test, slmq_mem_reserve(size, &err), 0);
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	kref_init(&m->ref);
	INIT_LIST_HEAD(&m->node);
	strscpy(m->name, name, sizeof(m->name));
	m->buf = kvzalloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	m->size = size;
	return m;
}

static void slmq_registry_replace_test(struct kunit *test)
{
	const char *name = "kunit-replace";
	u64 base = slmq_mem_used_bytes();
	struct slmq_kmodel *a, *b, *got;

	a = fake_model(test, name, 1000);
	KUNIT_ASSERT_EQ(test, slmq_registry_publish(a), 0);
	got = slmq_registry_lookup(name);
	KUNIT_ASSERT_PTR_EQ(test, got, a);
	KUNIT_EXPECT_EQ(test, kref_read(&a->ref), 2);	/* registry + us */

	/* Replace while we hold a: lookups see b at once, a lives on for us. */
	b = fake_model(test, name, 3000);
	KUNIT_ASSERT_EQ(test, slmq_registry_publish(b), 0);
	got = slmq_registry_lookup(name);
	KUNIT_EXPECT_PTR_EQ(test, got, b);
	slmq_kmodel_put(got);
	KUNIT_EXPECT_EQ(test, kref_read(&a->ref), 1);
	KUNIT_EXPECT_STREQ(test, a->name, name);
	KUNIT_EXPECT_EQ(test, slmq_mem_used_bytes(), base + 4000);

	slmq_kmodel_put(a);	/* the last reference: a's 1000 bytes go */
	KUNIT_EXPECT_EQ(test, slmq_mem_used_bytes(), base + 3000);

	KUNIT_EXPECT_EQ(test, slmq_registry_delete(name), 0);
	KUNIT_EXPECT_NULL(test, slmq_registry_lookup(name));
	KUNIT_EXPECT_EQ(test, slmq_registry_delete(name), -ENOENT);
	KUNIT_EXPECT_EQ(test, slmq_mem_used_bytes(), base);
}

static void slmq_registry_delete_held_test(struct kunit *test)
{
	const char *name = "kunit-held";
	u64 base = slmq_mem_used_bytes();
	struct slmq_kmodel *a, *got;

	a = fake_model(test, name, 2000);
	KUNIT_ASSERT_EQ(test, slmq_registry_publish(a), 0);
	got = slmq_registry_lookup(name);
	KUNIT_ASSERT_PTR_EQ(test, got, a);
	KUNIT_EXPECT_EQ(test, slmq_registry_delete(name), 0);
	/* Withdrawn, not freed: the holder's reference keeps it. */
	KUNIT_EXPECT_NULL(test, slmq_registry_lookup(name));
	KUNIT_EXPECT_EQ(test, kref_read(&a->ref), 1);
	KUNIT_EXPECT_EQ(test, slmq_mem_used_bytes(), base + 2000);
	slmq_kmodel_put(a);
	KUNIT_EXPECT_EQ(test, slmq_mem_used_bytes(), base);
}

static struct kunit_case slmq_kunit_cases[] = {
	KUNIT_CASE_PARAM(slmq_chunk_order_test, chunk_gen_params),
	KUNIT_CASE_PARAM(slmq_name_test, name_gen_params),
	KUNIT_CASE_PARAM(slmq_shorten_test, shorten_gen_params),
	KUNIT_CASE(slmq_mem_reserve_test),
	KUNIT_CASE(slmq_registry_replace_test),
	KUNIT_CASE(slmq_registry_delete_held_test),
	{}
};

static struct kunit_suite slmq_kunit_suite = {
	.name = "slmq",
	.test_cases = slmq_kunit_cases,
};
kunit_test_suite(slmq_kunit_suite);

MODULE_DESCRIPTION("KUnit tests of slmq.ko's staging, registry and message rules");
MODULE_LICENSE("GPL");
