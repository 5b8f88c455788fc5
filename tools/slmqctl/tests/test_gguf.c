// SPDX-License-Identifier: GPL-2.0
/*
 * GGUF writer -> reader round trip of every value and tensor type, and the
 * reader's rejection of malformed files, each with the message it must give.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli.h"
#include "gguf_writer.h"
#include "../../kmod/engine/type_traits.h"
#include "../../kmod/engine/gguf.h"

static const struct slmq_allocator *A = &cli_allocator;

static void *bytes_of(uint64_t n, unsigned seed)
{
	unsigned char *p = malloc(n ? n : 1);
	uint64_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8));
	return p;
}

static void add_tensor(struct gguf_writer *w, const char *name, uint32_t type,
		       uint32_t n_dims, const uint64_t *ne, unsigned seed)
{
	uint64_t n = slmq_row_bytes(type, ne[0]);
	uint32_t d;

	for (d = 1; d < n_dims; d++)
		n *= ne[d];
	gguf_w_tensor(w, name, type, n_dims, ne, bytes_of(n, seed), n);
}

/* --- round trip ------------------------------------------------------- */

static const uint8_t arr_u8[] = { 0, 1, 255 };
static const int8_t arr_i8[] = { -128, 0, 127 };
static const uint16_t arr_u16[] = { 0, 65535 };
static const int16_t arr_i16[] = { -32768, 32767 };
static const uint32_t arr_u32[] = { 0, 0xffffffffu, 7 };
static const int32_t arr_i32[] = { INT32_MIN, -1, INT32_MAX };
static const float arr_f32[] = { -1000.0f, -0.0f, 3.5f };
static const uint8_t arr_bool[] = { 1, 0, 1 };
static const uint64_t arr_u64[] = { 0, UINT64_MAX };
static const int64_t arr_i64[] = { INT64_MIN, INT64_MAX };
static const double arr_f64[] = { 1e-300, -2.5 };
static const char *const arr_str[] = { "<s>", "", "\xe2\x96\x81hello" };

static const struct {
	const char *key;
	uint32_t type;
	const void *data;
	uint64_t n;
	size_t esz;
} arrays[] = {
	{ "a.u8", SLMQ_GGUF_U8, arr_u8, 3, 1 },
	{ "a.i8", SLMQ_GGUF_I8, arr_i8, 3, 1 },
	{ "a.u16", SLMQ_GGUF_U16, arr_u16, 2, 2 },
	{ "a.i16", SLMQ_GGUF_I16, arr_i16, 2, 2 },
	{ "a.u32", SLMQ_GGUF_U32, arr_u32, 3, 4 },
	{ "a.i32", SLMQ_GGUF_I32, arr_i32, 3, 4 },
	{ "a.f32", SLMQ_GGUF_F32, arr_f32, 3, 4 },
	{ "a.bool", SLMQ_GGUF_BOOL, arr_bool, 3, 1 },
	{ "a.u64", SLMQ_GGUF_U64, arr_u64, 2, 8 },
	{ "a.i64", SLMQ_GGUF_I64, arr_i64, 2, 8 },
	{ "a.f64", SLMQ_GGUF_F64, arr_f64, 2, 8 },
};

static const struct {
	const char *name;
	uint32_t type, n_dims;
	uint64_t ne[4];
} tensors[] = {
	{ "t.f32", SLMQ_TYPE_F32, 2, { 5, 3 } },
	{ "t.f16", SLMQ_TYPE_F16, 1, { 7 } },
	{ "t.q4_0", SLMQ_TYPE_Q4_0, 2, { 64, 3 } },
	{ "t.q4_1", SLMQ_TYPE_Q4_1, 3, { 32, 2, 2 } },
	{ "t.q8_0", SLMQ_TYPE_Q8_0, 4, { 32, 1, 2, 3 } },
};

static struct gguf_writer *full_writer(void)
{
	struct gguf_writer *w = gguf_writer_new();
	size_t i;

	gguf_w_u8(w, "s.u8", 200);
	gguf_w_i8(w, "s.i8", -5);
	gguf_w_u16(w, "s.u16", 60000);
	gguf_w_i16(w, "s.i16", -30000);
	gguf_w_u32(w, "s.u32", 4000000000u);
	gguf_w_i32(w, "s.i32", -7);
	gguf_w_f32(w, "s.f32", 1e-5f);
	gguf_w_bool(w, "s.bool", true);
	gguf_w_u64(w, "s.u64", 1ull << 40);
	gguf_w_i64(w, "s.i64", -(1ll << 40));
	gguf_w_f64(w, "s.f64", 10000.0);
	gguf_w_str(w, "s.str", "llama");
	for (i = 0; i < ARRAY_SIZE(arrays); i++)
		gguf_w_arr(w, arrays[i].key, arrays[i].type, arrays[i].data,
			   arrays[i].n);
	gguf_w_arr_str(w, "a.str", arr_str, NULL, ARRAY_SIZE(arr_str));
	for (i = 0; i < ARRAY_SIZE(tensors); i++)
		add_tensor(w, tensors[i].name, tensors[i].type,
			   tensors[i].n_dims, tensors[i].ne, (unsigned)i);
	return w;
}

static int scalar_is(const struct slmq_gguf *g, const char *key, uint32_t type,
		     const void *v, size_t n)
{
	const struct slmq_gguf_kv *kv = slmq_gguf_find_kv(g, key);

	return kv && kv->type == type && kv->val_len == n && !memcmp(kv->val, v, n);
}

static void check_scalars(const struct slmq_gguf *g)
{
	uint8_t u8 = 200, b = 1;
	int8_t i8 = -5;
	uint16_t u16 = 60000;
	int16_t i16 = -30000;
	uint32_t u32 = 4000000000u, bits;
	int32_t i32 = -7;
	float f32 = 1e-5f;
	uint64_t u64 = 1ull << 40;
	int64_t i64 = -(1ll << 40);
	double f64 = 10000.0;
	struct slmq_gguf_str s;
	struct slmq_err err = { 0 };
	bool bv = false;

	tap_ok(scalar_is(g, "s.u8", SLMQ_GGUF_U8, &u8, 1) &&
	       scalar_is(g, "s.i8", SLMQ_GGUF_I8, &i8, 1) &&
	       scalar_is(g, "s.u16", SLMQ_GGUF_U16, &u16, 2) &&
	       scalar_is(g, "s.i16", SLMQ_GGUF_I16, &i16, 2) &&
	       scalar_is(g, "s.u32", SLMQ_GGUF_U32, &u32, 4) &&
	       scalar_is(g, "s.i32", SLMQ_GGUF_I32, &i32, 4) &&
	       scalar_is(g, "s.f32", SLMQ_GGUF_F32, &f32, 4) &&
	       scalar_is(g, "s.bool", SLMQ_GGUF_BOOL, &b, 1) &&
	       scalar_is(g, "s.u64", SLMQ_GGUF_U64, &u64, 8) &&
	       scalar_is(g, "s.i64", SLMQ_GGUF_I64, &i64, 8) &&
	       scalar_is(g, "s.f64", SLMQ_GGUF_F64, &f64, 8),
	       "every scalar type round-trips with its type and bytes");
	tap_ok(!slmq_gguf_get_str(g, "s.str", &s, &err) &&
	       slmq_gguf_str_eq(s, "llama"), "string round-trips");
	tap_ok(!slmq_gguf_get_u32(g, "s.u32", &u32, &err) && u32 == 4000000000u &&
	       !slmq_gguf_get_u32(g, "s.u8", &u32, &err) && u32 == 200 &&
	       slmq_gguf_get_u32(g, "s.u64", &u32, &err) == -EINVAL,
	       "get_u32 accepts integer types whose value fits, refuses 2^40");
	tap_ok(slmq_gguf_get_u32(g, "s.i32", &u32, &err) == -EINVAL &&
	       strstr(err.msg, "out of range"), "get_u32 rejects a negative i32: %s", err.msg);
	tap_ok(slmq_gguf_get_u32(g, "s.str", &u32, &err) == -EINVAL &&
	       strstr(err.msg, "not an integer"), "get_u32 rejects a string: %s", err.msg);
	tap_ok(slmq_gguf_get_u32(g, "nope", &u32, &err) == -ENOENT,
	       "absent key gives -ENOENT");
	memcpy(&bits, &f32, 4);
	tap_ok(!slmq_gguf_get_f32_bits(g, "s.f32", &u32, &err) && u32 == bits &&
	       slmq_gguf_get_f32_bits(g, "s.f64", &u32, &err) == -EINVAL,
	       "get_f32_bits gives the bits, rejects f64");
	tap_ok(!slmq_gguf_get_bool(g, "s.bool", &bv, &err) && bv &&
	       slmq_gguf_get_bool(g, "s.u8", &bv, &err) == -EINVAL,
	       "get_bool reads bools only");
}

static void check_arrays(const struct slmq_gguf *g)
{
	const struct slmq_gguf_kv *kv;
	int good = 1;
	size_t i;
	uint64_t pos = 0;

	for (i = 0; i < ARRAY_SIZE(arrays); i++) {
		kv = slmq_gguf_find_kv(g, arrays[i].key);
		if (!kv || kv->type != SLMQ_GGUF_ARRAY ||
		    kv->arr_type != arrays[i].type || kv->arr_len != arrays[i].n ||
		    memcmp(kv->val, arrays[i].data, arrays[i].n * arrays[i].esz)) {
			tap_diag("array %s differs", arrays[i].key);
			good = 0;
		}
	}
	tap_ok(good, "every scalar array type round-trips");
	kv = slmq_gguf_find_kv(g, "a.str");
	good = kv && kv->arr_type == SLMQ_GGUF_STRING && kv->arr_len == 3;
	for (i = 0; good && i < 3; i++)
		good = slmq_gguf_str_eq(slmq_gguf_arr_next_str(kv, &pos), arr_str[i]);
	tap_ok(good && pos + 12 == kv->val_len,
	       "string array round-trips (including an empty string)");
}

static void check_tensors(const struct slmq_gguf *g)
{
	int good = (int)g->n_tensors == (int)ARRAY_SIZE(tensors);
	size_t i;
	uint32_t d;

	for (i = 0; good && i < ARRAY_SIZE(tensors); i++) {
		const struct slmq_gguf_tensor *t = slmq_gguf_find_tensor(g, tensors[i].name);
		uint64_t n = slmq_row_bytes(tensors[i].type, tensors[i].ne[0]);
		void *want;

		for (d = 1; d < tensors[i].n_dims; d++)
			n *= tensors[i].ne[d];
		want = bytes_of(n, (unsigned)i);
		good = t && t->type == tensors[i].type && t->n_dims == tensors[i].n_dims &&
		       t->nbytes == n && !memcmp(t->data, want, n) &&
		       ((const uint8_t *)t->data - g->data) % 32 == 0;
		for (d = 0; good && d < 4; d++)
			good = t->ne[d] == (d < tensors[i].n_dims ? tensors[i].ne[d] : 1);
		free(want);
		if (!good)
			tap_diag("tensor %s differs", tensors[i].name);
	}
	tap_ok(good, "tensors of every type round-trip: shape, type, bytes, 32-byte alignment");
}

static void test_round_trip(void)
{
	struct gguf_writer *w = full_writer();
	struct slmq_err err = { 0 };
	struct slmq_gguf g;
	void *buf;
	size_t len;

	tap_ok(!gguf_writer_finish(w, &buf, &len), "writer serializes");
	gguf_writer_free(w);
	if (!tap_ok(!slmq_gguf_parse(&g, buf, len, A, &err), "reader accepts it (%s)", err.msg)) {
		free(buf);
		return;
	}
	tap_ok(g.version == 3 && g.alignment == 32 && g.n_kv == 24,
	       "version 3, default alignment 32, 24 keys");
	check_scalars(&g);
	check_arrays(&g);
	check_tensors(&g);
	slmq_gguf_release(&g, A);
	free(buf);
}

static void test_custom_alignment(void)
{
	struct gguf_writer *w = gguf_writer_new();
	uint64_t ne[] = { 3 };
	struct slmq_err err = { 0 };
	struct slmq_gguf g;
	void *buf;
	size_t len;
	int ok;

	gguf_w_alignment(w, 64);
	add_tensor(w, "a", SLMQ_TYPE_F32, 1, ne, 1);
	add_tensor(w, "b", SLMQ_TYPE_F32, 1, ne, 2);
	gguf_writer_finish(w, &buf, &len);
	gguf_writer_free(w);
	ok = !slmq_gguf_parse(&g, buf, len, A, &err);
	tap_ok(ok && g.alignment == 64 && g.tensors[1].offset == 64 &&
	       (g.data - g.buf) % 64 == 0, "general.alignment 64 is honoured");
	if (ok)
		slmq_gguf_release(&g, A);
	free(buf);
}

/* --- malformed files -------------------------------------------------- */

/* A small valid file whose last tensor ends exactly at the end of the file. */
static void small_file(void **buf, size_t *len)
{
	struct gguf_writer *w = gguf_writer_new();
	const char *toks[] = { "a", "bc" };
	uint64_t ne1[] = { 3 }, ne2[] = { 32, 2 };

	gguf_w_str(w, "general.architecture", "llama");
	gguf_w_u32(w, "n", 4);
	gguf_w_arr_str(w, "toks", toks, NULL, 2);
	add_tensor(w, "w1", SLMQ_TYPE_F32, 1, ne1, 1);
	add_tensor(w, "w2", SLMQ_TYPE_Q8_0, 2, ne2, 2);	/* 68 bytes */
	gguf_writer_finish(w, buf, len);
	gguf_writer_free(w);
	*len -= 28;	/* drop the padding after w2: 68 bytes padded to 96 */
}

static int expect_fail(const void *buf, size_t len, const char *want,
		       const char *what)
{
	struct slmq_err err = { 0 };
	struct slmq_gguf g;
	int ret = slmq_gguf_parse(&g, buf, len, A, &err);

	if (!ret)
		slmq_gguf_release(&g, A);
	return tap_ok(ret == -EINVAL && strstr(err.msg, want), "%s: \"%s\"", what,
		      err.msg);
}

static void test_truncation(void)
{
	struct slmq_err err = { 0 };
	struct slmq_gguf g;
	size_t len, cut, bad = 0;
	void *buf;

	small_file(&buf, &len);
	tap_ok(!slmq_gguf_parse(&g, buf, len, A, &err), "small file parses (%s)", err.msg);
	slmq_gguf_release(&g, A);
	for (cut = 0; cut < len; cut++) {
		void *copy = malloc(cut ? cut : 1);	/* exact size: ASan sees overreads */
		int ret;

		memcpy(copy, buf, cut);
		ret = slmq_gguf_parse(&g, copy, cut, A, &err);
		if (ret != -EINVAL || (!strstr(err.msg, "truncated") &&
				       !strstr(err.msg, "past end of file"))) {
			if (!ret)
				slmq_gguf_release(&g, A);
			if (bad++ < 5)
				tap_diag("cut at %zu: ret %d: %s", cut, ret, err.msg);
		}
		free(copy);
	}
	tap_ok(!bad, "truncated at each of %zu bytes: rejected as truncated", len);
	free(buf);
}

/* Byte position of tensor info `name` (just after its name string). */
static size_t tinfo(const unsigned char *buf, size_t len, const char *name)
{
	size_t n = strlen(name), i;
	uint64_t l = n;

	for (i = 0; i + 8 + n <= len; i++)
		if (!memcmp(buf + i, &l, 8) && !memcmp(buf + i + 8, name, n))
			return i + 8 + n;
	abort();
}

static void patch64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void patch32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void test_header(void)
{
	unsigned char *b;
	size_t len;

	small_file((void **)&b, &len);
	b[0] = 'X';
	expect_fail(b, len, "bad magic", "bad magic");
	b[0] = 'G';
	patch32(b + 4, 2);
	expect_fail(b, len, "unsupported GGUF version 2", "version 2");
	patch32(b + 4, 3);
	patch64(b + 8, UINT64_MAX);
	expect_fail(b, len, "tensor count", "tensor count 2^64-1");
	patch64(b + 8, 2);
	patch64(b + 16, 1ull << 62);
	expect_fail(b, len, "key count", "key count 2^62");
	patch64(b + 16, 3);
	patch64(b + 24, UINT64_MAX);	/* first key's length */
	expect_fail(b, len, "limit", "key length 2^64-1");
	free(b);
}

static void test_tensor_offsets(void)
{
	unsigned char *b;
	size_t len, w2;

	small_file((void **)&b, &len);
	w2 = tinfo(b, len, "w2") + 4 + 16 + 4;	/* n_dims, ne[2], type */
	patch64(b + w2, 36);
	expect_fail(b, len, "not aligned to 32", "misaligned offset");
	patch64(b + w2, UINT64_MAX - 31);
	expect_fail(b, len, "runs past end of file", "offset near 2^64 (overflow)");
	patch64(b + w2, 64);
	expect_fail(b, len, "runs past end of file", "offset past the end");
	patch64(b + w2, 0);
	expect_fail(b, len, "expected 32", "overlapping tensors");
	free(b);
}

static void test_tensor_fields(void)
{
	unsigned char *b;
	size_t len, w1;

	small_file((void **)&b, &len);
	w1 = tinfo(b, len, "w1");
	patch32(b + w1, 5);
	expect_fail(b, len, "5 dimensions", "5 dimensions");
	patch32(b + w1, 1);
	patch32(b + w1 + 12, 12);	/* type: Q4_K */
	expect_fail(b, len, "tensor w1: unsupported tensor type 12", "unknown tensor type");
	patch32(b + w1 + 12, SLMQ_TYPE_Q4_0);
	expect_fail(b, len, "not a multiple of the Q4_0 block size", "row of 3 in Q4_0");
	patch32(b + w1 + 12, SLMQ_TYPE_F32);
	patch64(b + w1 + 4, 0);
	expect_fail(b, len, "dimension is 0 or too large", "zero dimension");
	patch64(b + w1 + 4, 1ull << 41);
	expect_fail(b, len, "dimension is 0 or too large", "dimension 2^41");
	free(b);
}

static void write_and_expect(struct gguf_writer *w, const char *want,
			     const char *what)
{
	void *buf;
	size_t len;

	if (gguf_writer_finish(w, &buf, &len)) {
		tap_ok(0, "%s: writer failed", what);
	} else {
		expect_fail(buf, len, want, what);
		free(buf);
	}
	gguf_writer_free(w);
}

static void test_names_and_types(void)
{
	struct gguf_writer *w;
	uint64_t ne[] = { 1ull << 40, 1ull << 40, 1ull << 40 }, ne1[] = { 4 };
	char longname[80];
	uint8_t two = 2;

	w = gguf_writer_new();
	gguf_w_u32(w, "k", 1);
	gguf_w_u32(w, "k", 2);
	write_and_expect(w, "key k: duplicate key", "duplicate key");

	w = gguf_writer_new();
	gguf_w_tensor_raw(w, "w", SLMQ_TYPE_F32, 1, ne1, bytes_of(16, 0), 16);
	gguf_w_tensor_raw(w, "w", SLMQ_TYPE_F32, 1, ne1, bytes_of(16, 0), 16);
	write_and_expect(w, "tensor w: duplicate tensor name", "duplicate tensor name");

	w = gguf_writer_new();
	gguf_w_tensor_raw(w, "huge", SLMQ_TYPE_F32, 3, ne, bytes_of(16, 0), 16);
	write_and_expect(w, "overflows", "element count 2^120");

	w = gguf_writer_new();
	memset(longname, 'x', 64);
	longname[64] = 0;
	gguf_w_tensor_raw(w, longname, SLMQ_TYPE_F32, 1, ne1, bytes_of(16, 0), 16);
	write_and_expect(w, "tensor name at byte", "64-byte tensor name");

	w = gguf_writer_new();
	gguf_w_u32(w, "general.alignment", 48);
	write_and_expect(w, "not a power of two", "alignment 48");

	/* powers of two below 8 would let float tensors start misaligned */
	w = gguf_writer_new();
	gguf_w_u32(w, "general.alignment", 1);
	write_and_expect(w, "general.alignment 1 is not a power of two in 8..", "alignment 1");

	w = gguf_writer_new();
	gguf_w_u32(w, "general.alignment", 4);
	write_and_expect(w, "general.alignment 4 is not a power of two in 8..", "alignment 4");

	w = gguf_writer_new();
	gguf_w_u32(w, "general.alignment", 0);
	write_and_expect(w, "general.alignment 0 is not", "alignment 0");

	w = gguf_writer_new();
	gguf_w_arr(w, "b", SLMQ_GGUF_BOOL, &two, 1);
	write_and_expect(w, "not 0 or 1", "bool array element 2");
}

/* Hand-made kv records the writer would refuse to produce. */
static void test_raw_kv(void)
{
	unsigned char b[64] = { 0 };
	size_t p = 24;

	patch32(b, SLMQ_GGUF_MAGIC);
	patch32(b + 4, 3);
	patch64(b + 16, 1);		/* one kv, no tensors */
	patch64(b + p, 1);
	b[p + 8] = 'a';
	p += 9;
	patch32(b + p, SLMQ_GGUF_ARRAY);
	patch32(b + p + 4, SLMQ_GGUF_ARRAY);	/* array of arrays */
	patch64(b + p + 8, 1);
	expect_fail(b, sizeof(b), "unsupported array element type 9", "nested array");
	patch32(b + p + 4, SLMQ_GGUF_U64);
	patch64(b + p + 8, 1ull << 61);	/* * 8 overflows */
	expect_fail(b, sizeof(b), "array too long", "array length 2^61");
	patch32(b + p + 4, SLMQ_GGUF_STRING);
	patch64(b + p + 8, 1);
	patch64(b + p + 16, 1ull << 40);
	expect_fail(b, sizeof(b), "limit", "string element length 2^40");
	patch32(b + p, SLMQ_GGUF_STRING);
	patch64(b + p + 4, UINT64_MAX);
	expect_fail(b, sizeof(b), "limit", "string length 2^64-1");
	patch32(b + p, 13);
	expect_fail(b, sizeof(b), "key a: unknown value type 13", "unknown value type");
	patch32(b + p, SLMQ_GGUF_BOOL);
	b[p + 4] = 2;
	expect_fail(b, sizeof(b), "key a: bool value not 0 or 1", "bool value 2");
}

int main(void)
{
	test_round_trip();
	test_custom_alignment();
	test_truncation();
	test_header();
	test_tensor_offsets();
	test_tensor_fields();
	test_names_and_types();
	test_raw_kv();
	return tap_done();
}
