// SPDX-License-Identifier: GPL-2.0
/*
 * safetensors parsing (good and malformed files), sharded checkpoints, and
 * the Hugging Face directory checks on top: config.json, tensor set and
 * shapes, tokenizer.json kind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "cli.h"
#include "safetensors.h"
#include "hf_model.h"
#include "hf_tokenizer.h"

/* header JSON + data_len bytes of data (byte i = i & 0xff) */
static void *st_file(const char *header, size_t data_len, size_t *len)
{
	uint64_t h = strlen(header);
	uint8_t *b = malloc(8 + h + data_len + 1);
	size_t i;

	memcpy(b, &h, 8);
	memcpy(b + 8, header, h);
	for (i = 0; i < data_len; i++)
		b[8 + h + i] = (uint8_t)i;
	*len = 8 + h + data_len;
	return b;
}

static void expect(const char *header, size_t data_len, const char *want,
		   const char *what)
{
	struct slmq_err err = { 0 };
	struct st_file f;
	size_t len;
	void *b = st_file(header, data_len, &len);
	int ret = st_parse(&f, b, len, &err);

	if (!ret)
		st_file_free(&f);
	tap_ok(ret < 0 && strstr(err.msg, want), "%s: \"%s\"", what, err.msg);
	free(b);
}

static void test_good(void)
{
	const char *h = "{\"__metadata__\":{\"format\":\"pt\"},"
			"\"a\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
			"\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[12,16]},"
			"\"c\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[16,20]}}   ";
	struct slmq_err err = { 0 };
	struct st_file f;
	size_t len;
	uint8_t *b = st_file(h, 20, &len);
	float out[6];
	int ok = !st_parse(&f, b, len, &err);

	tap_ok(ok && f.n == 3, "good file: 3 tensors, metadata skipped, trailing spaces ok (%s)", err.msg);
	if (ok) {
		const struct st_tensor *a = &f.t[0], *bt = &f.t[1], *c = &f.t[2];
		uint16_t h0 = 0x3c00, bf = 0x3f80;	/* 1.0 in f16 and bf16 */

		tap_ok(!strcmp(a->name, "a") && a->dtype == ST_F16 && a->n_dims == 2 &&
		       a->shape[0] == 2 && a->shape[1] == 3 && a->n_elems == 6 &&
		       a->data == b + len - 20 && a->nbytes == 12,
		       "F16 [2, 3] at data offset 0");
		tap_ok(bt->dtype == ST_BF16 && bt->data == b + len - 8 && c->dtype == ST_F32 &&
		       c->n_dims == 0 && c->n_elems == 1, "BF16 vector and F32 scalar");
		memcpy((uint8_t *)b + len - 20, &h0, 2);
		memcpy((uint8_t *)b + len - 8, &bf, 2);
		st_tensor_to_f32(a, out);
		tap_ok(out[0] == 1.0f, "F16 -> float");
		st_tensor_to_f32(bt, out);
		tap_ok(out[0] == 1.0f, "BF16 -> float");
		st_file_free(&f);
	}
	free(b);
}

static void test_malformed(void)
{
	struct slmq_err err = { 0 };
	struct st_file f;
	uint8_t tiny[4] = { 0 };
	size_t len;
	uint8_t *b;

	tap_ok(st_parse(&f, tiny, 4, &err) < 0 && strstr(err.msg, "truncated"),
	       "4-byte file: \"%s\"", err.msg);
	b = st_file("{\"a\":{}}", 0, &len);
	len -= 3;
	tap_ok(st_parse(&f, b, len, &err) < 0 && strstr(err.msg, "runs past end of file"),
	       "header cut short: \"%s\"", err.msg);
	free(b);
	expect("{\"a\": [", 0, "not valid JSON", "broken JSON");
	expect("{\"a\":{}} x", 0, "not valid JSON", "garbage after the JSON");
	expect("[1, 2]", 0, "not a JSON object", "header is an array");
	expect("{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
	       "tensor a: unsupported dtype I64", "dtype I64");
	expect("{\"a\":{\"shape\":[1],\"data_offsets\":[0,2]}}", 2, "dtype missing", "no dtype");
	expect("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 2,
	       "runs past end of file", "offsets past the end");
	expect("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[2,0]}}", 4,
	       "bad data_offsets", "end before begin");
	expect("{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,4]}}", 8,
	       "4 data bytes, but shape and dtype need 6", "short data for the shape");
	expect("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
	       "\"b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[2,6]}}", 8,
	       "overlap", "overlapping tensors");
	expect("{\"a\":{\"dtype\":\"F16\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
	       "bad shape entry", "negative dimension");
	expect("{\"a\":{\"dtype\":\"F16\",\"shape\":[1099511627776,1099511627776],"
	       "\"data_offsets\":[0,4]}}", 4, "overflows", "element count overflow");
	expect("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,18446744073709551615]}}",
	       4, "runs past end of file", "offset 2^64-1");
	b = st_file("{}", 0, &len);
	memset(b, 0xff, 8);
	tap_ok(st_parse(&f, b, len, &err) < 0 && strstr(err.msg, "header length"),
	       "header length 2^64-1: \"%s\"", err.msg);
	free(b);
}

/* --- model directories ------------------------------------------------------ */

static char tmpdir[256];

static void copy_file(const char *from, const char *to)
{
	void *b;
	size_t len;

	if (!cli_read_file(from, &b, &len)) {
		cli_write_file(to, b, len);
		free(b);
	}
}

/* A fresh copy of pcilm-tiny's small files (not the weights) into dir. */
static void make_dir(const char *dir)
{
	static const char *const files[] = { "config.json", "tokenizer.json",
					     "tokenizer_config.json" };
	char from[512], to[512];
	size_t i;

	mkdir(dir, 0755);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(from, sizeof(from), "%s/pcilm-tiny/%s", tap_fixture_dir(), files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
		copy_file(from, to);
	}
}

/* Splits pcilm-tiny's model.safetensors in two shards + index (tensors alternate). */
static int write_shards(const char *dir, const char *drop)
{
	char path[512], *hdr[2], *index;
	struct slmq_err err = { 0 };
	size_t off[2] = { 0, 0 }, hl[2] = { 0, 0 }, il = 0, i;
	struct st_file f;
	void *src;
	size_t len;

	snprintf(path, sizeof(path), "%s/pcilm-tiny/model.safetensors", tap_fixture_dir());
	if (cli_read_file(path, &src, &len) || st_parse(&f, src, len, &err))
		return -1;
	hdr[0] = calloc(1, 1 << 16);
	hdr[1] = calloc(1, 1 << 16);
	index = calloc(1, 1 << 16);
	il += sprintf(index, "{\"metadata\":{},\"weight_map\":{");
	for (i = 0; i < f.n; i++) {
		const struct st_tensor *t = &f.t[i];
		int s = (int)(i % 2);

		char shape[64];

		if (t->n_dims == 2)
			snprintf(shape, sizeof(shape), "%llu,%llu", (unsigned long long)t->shape[0],
				 (unsigned long long)t->shape[1]);
		else
			snprintf(shape, sizeof(shape), "%llu", (unsigned long long)t->shape[0]);
		hl[s] += sprintf(hdr[s] + hl[s], "%s\"%s\":{\"dtype\":\"F16\",\"shape\":[%s],"
				 "\"data_offsets\":[%zu,%zu]}", hl[s] ? "," : "{", t->name,
				 shape, off[s], off[s] + t->nbytes);
		off[s] += t->nbytes;
		if (!drop || strcmp(drop, t->name))
			il += sprintf(index + il, "%s\"%s\":\"model-0000%d-of-00002.safetensors\"",
				      i ? "," : "", t->name, s + 1);
	}
	sprintf(index + il, "}}");
	for (int s = 0; s < 2; s++) {
		uint64_t h;
		uint8_t *out;
		size_t pos = 0;

		strcat(hdr[s], "}");
		h = strlen(hdr[s]);
		out = malloc(8 + h + off[s]);
		memcpy(out, &h, 8);
		memcpy(out + 8, hdr[s], h);
		for (i = (size_t)s; i < f.n; i += 2) {
			if (drop && !strcmp(drop, f.t[i].name))
				memset(out + 8 + h + pos, 0, f.t[i].nbytes);
			else
				memcpy(out + 8 + h + pos, f.t[i].data, f.t[i].nbytes);
			pos += f.t[i].nbytes;
		}
		snprintf(path, sizeof(path), "%s/model-0000%d-of-00002.safetensors", dir, s + 1);
		cli_write_file(path, out, 8 + h + off[s]);
		free(out);
		free(hdr[s]);
	}
	snprintf(path, sizeof(path), "%s/model.safetensors.index.json", dir);
	cli_write_file(path, index, strlen(index));
	free(index);
	st_file_free(&f);
	free(src);
	return 0;
}

static void test_sharded(void)
{
	struct slmq_err err = { 0 };
	struct hf_model a, b;
	char dir[512], ref[512];
	int ok;

	snprintf(dir, sizeof(dir), "%s/sharded", tmpdir);
	make_dir(dir);
	write_shards(dir, NULL);
	snprintf(ref, sizeof(ref), "%s/pcilm-tiny", tap_fixture_dir());
	ok = !hf_model_open(&a, dir, &err);
	tap_ok(ok && a.st.n_files == 2 && a.n == 4 * 9 + 3,
	       "sharded model-0000N-of-00002 + index loads (%s)", err.msg);
	if (ok && !hf_model_open(&b, ref, &err)) {
		size_t i;
		int same = 1;

		for (i = 0; i < a.n && same; i++)
			same = a.t[i].rows == b.t[i].rows && a.t[i].cols == b.t[i].cols &&
			       !memcmp(hf_tensor_f32(&a.t[i]), hf_tensor_f32(&b.t[i]),
				       a.t[i].rows * a.t[i].cols * sizeof(float));
		tap_ok(same, "sharded tensors equal the single-file ones");
		hf_model_close(&b);
	}
	if (ok)
		hf_model_close(&a);
}

/* A variant of pcilm-tiny: config.json with `from` replaced by `to`. */
static int open_variant(const char *name, const char *from, const char *to,
			struct slmq_err *err)
{
	char dir[512], path[512], *cfg, *p, *out;
	struct hf_model m;
	size_t len;
	int ret;

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, name);
	make_dir(dir);
	snprintf(path, sizeof(path), "%s/pcilm-tiny/model.safetensors", tap_fixture_dir());
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/model.safetensors");
	copy_file(path, dir);
	*strrchr(dir, '/') = 0;
	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (cli_read_file(path, (void **)&cfg, &len))
		return -1;
	p = strstr(cfg, from);
	if (p) {
		out = malloc(len + strlen(to) + 1);
		sprintf(out, "%.*s%s%s", (int)(p - cfg), cfg, to, p + strlen(from));
		cli_write_file(path, out, strlen(out));
		free(out);
	}
	free(cfg);
	ret = hf_model_open(&m, dir, err);
	if (!ret)
		hf_model_close(&m);
	return ret;
}

static void expect_variant(const char *from, const char *to, const char *want,
			   const char *what)
{
	struct slmq_err err = { 0 };
	int ret = open_variant("variant", from, to, &err);

	tap_ok(ret < 0 && strstr(err.msg, want), "%s: \"%s\"", what, err.msg);
}

static void test_config(void)
{
	struct slmq_err err = { 0 };

	tap_ok(!open_variant("same", "x-nothing", "", &err), "unchanged copy opens (%s)", err.msg);
	expect_variant("LlamaForCausalLM", "MistralForCausalLM",
		       "architecture MistralForCausalLM is not supported", "wrong architecture");
	expect_variant("\"hidden_size\": 128,", "", "hidden_size is missing", "missing hidden_size");
	expect_variant("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3",
		       "not a multiple of num_key_value_heads", "4 heads over 3 kv heads");
	expect_variant("\"rope_scaling\": null", "\"rope_scaling\": {\"type\": \"linear\"}",
		       "rope_scaling is not supported", "rope scaling");
	expect_variant("\"intermediate_size\": 352", "\"intermediate_size\": 384",
		       "model.layers.0.mlp.gate_proj.weight has shape [352, 128], expected [384, 128]",
		       "shape mismatch");
	expect_variant("\"num_hidden_layers\": 4", "\"num_hidden_layers\": 5",
		       "missing tensor model.layers.4.input_layernorm.weight", "missing tensor");
	expect_variant("\"num_hidden_layers\": 4", "\"num_hidden_layers\": 3",
		       "unexpected tensor model.layers.3.", "extra tensor");
	expect_variant("\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": \"x\"",
		       "rms_norm_eps is not a number", "eps is a string");
}

static void test_missing_in_shard(void)
{
	struct slmq_err err = { 0 };
	struct hf_model m;
	char dir[400], path[512], *idx;
	size_t len;
	int ret;

	snprintf(dir, sizeof(dir), "%s/shard-missing", tmpdir);
	make_dir(dir);
	write_shards(dir, NULL);
	/* the index names a tensor that is in no shard */
	snprintf(path, sizeof(path), "%s/model.safetensors.index.json", dir);
	if (!cli_read_file(path, (void **)&idx, &len)) {
		char *out = malloc(len + 100), *at = strstr(idx, "\"weight_map\":{") + 14;

		sprintf(out, "%.*s\"ghost.weight\":\"model-00002-of-00002.safetensors\",%s",
			(int)(at - idx), idx, at);
		cli_write_file(path, out, strlen(out));
		free(out);
		free(idx);
	}
	ret = hf_model_open(&m, dir, &err);
	if (!ret)
		hf_model_close(&m);
	tap_ok(ret < 0 && strstr(err.msg, "ghost.weight listed in model.safetensors.index.json is missing"),
	       "index names a missing tensor: \"%s\"", err.msg);
	cli_write_file(path, "{\"weight_map\":{\"a\":\"../etc/passwd.safetensors\"}}",
		       strlen("{\"weight_map\":{\"a\":\"../etc/passwd.safetensors\"}}"));
	ret = hf_model_open(&m, dir, &err);
	if (!ret)
		hf_model_close(&m);
	tap_ok(ret < 0 && strstr(err.msg, "bad shard file name"), "shard path with '/': \"%s\"", err.msg);
}

static void test_vocab_size(void)
{
	struct slmq_err err = { 0 };
	struct hf_vocab v;
	char dir[512];
	int ok;

	snprintf(dir, sizeof(dir), "%s/pcilm-tiny", tap_fixture_dir());
	tap_ok(hf_vocab_load(&v, dir, 1000, 1, 2, &err) < 0 &&
	       strstr(err.msg, "tokenizer.json has 2048 tokens but config.json vocab_size is 1000"),
	       "vocab_size smaller than the tokenizer: \"%s\"", err.msg);
	ok = !hf_vocab_load(&v, dir, 2050, 1, 2, &err);
	tap_ok(ok && v.n == 2050 && !strcmp(v.text[2048], "[PAD1]") && !strcmp(v.text[2049], "[PAD2]") && v.type[2049] == 5 &&
	       v.score[2049] == -1000.0f, "vocab_size larger: padded with [PAD1].. unused tokens scored -1000, as llama.cpp");
	if (ok)
		hf_vocab_free(&v);
}

static void test_tokenizer_json(void)
{
	struct slmq_err err = { 0 };
	struct hf_vocab v;
	static const char bytelevel[] =
		"{\"model\":{\"type\":\"BPE\",\"byte_fallback\":false,\"vocab\":{\"a\":0},\"merges\":[]},"
		"\"pre_tokenizer\":{\"type\":\"ByteLevel\"}}";
	static const char unigram[] = "{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}";
	static const char hole[] =
		"{\"normalizer\":{\"type\":\"Prepend\",\"prepend\":\"\xe2\x96\x81\"},"
		"\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"vocab\":{\"a\":0,\"b\":2},\"merges\":[]}}";
	/* ids: 0 <s> (special), 1 <0x41> byte, 2 added, 3 a, 4 ab, 5 abb */
#define TOKJ(merges) \
	"{\"normalizer\":{\"type\":\"Prepend\",\"prepend\":\"\xe2\x96\x81\"}," \
	"\"added_tokens\":[{\"id\":0,\"content\":\"<s>\",\"special\":true}," \
	"{\"id\":2,\"content\":\"xyz\",\"special\":false}]," \
	"\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"vocab\":{\"<s>\":0,\"<0x41>\":1," \
	"\"xyz\":2,\"a\":3,\"ab\":4,\"abb\":5,\"b\":6},\"merges\":" merges "}}"
	static const char ordered[] = TOKJ("[\"a b\", \"ab b\"]");
	static const char unordered[] = TOKJ("[[\"ab\", \"b\"], [\"a\", \"b\"]]");
	static const char extra[] =
		"{\"normalizer\":{\"type\":\"Prepend\",\"prepend\":\"\xe2\x96\x81\"},"
		"\"added_tokens\":[{\"id\":0,\"content\":\"<s>\",\"special\":true},"
		"{\"id\":7,\"content\":\"<|tool|>\",\"special\":true}],"
		"\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"vocab\":{\"<s>\":0,\"<0x41>\":1,"
		"\"xyz\":2,\"a\":3,\"ab\":4,\"abb\":5,\"b\":6},\"merges\":[]}}";
	static const char badmerge[] =
		"{\"normalizer\":{\"type\":\"Prepend\",\"prepend\":\"\xe2\x96\x81\"},"
		"\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"vocab\":{\"a\":0,\"b\":1},\"merges\":[\"a b\"]}}";

	tap_ok(hf_vocab_parse(&v, bytelevel, strlen(bytelevel), 0, &err) < 0 &&
	       strstr(err.msg, "without byte_fallback"), "GPT-2 style tokenizer: \"%s\"", err.msg);
	tap_ok(hf_vocab_parse(&v, unigram, strlen(unigram), 0, &err) < 0 &&
	       strstr(err.msg, "not BPE"), "Unigram tokenizer: \"%s\"", err.msg);
	tap_ok(hf_vocab_parse(&v, hole, strlen(hole), 0, &err) < 0 &&
	       strstr(err.msg, "no piece has id 1"), "id gap: \"%s\"", err.msg);
	tap_ok(!hf_vocab_parse(&v, ordered, strlen(ordered), 0, &err) && !v.scores_from_merges &&
	       v.score[0] == 0.0f && v.score[3] == -0.0f && v.score[4] == -1.0f && v.score[5] == -2.0f &&
	       v.type[0] == 3 && v.type[1] == 6 && v.type[2] == 4 && v.score[2] == 0.0f,
	       "merges in id order: scores -rank by id, types control/byte/user-defined (%s)", err.msg);
	hf_vocab_free(&v);
	tap_ok(!hf_vocab_parse(&v, unordered, strlen(unordered), 0, &err) && v.scores_from_merges &&
	       v.score[5] == -0.0f && v.score[4] == -1.0f && v.score[3] == -2.0f && v.score[6] == -5.0f,
	       "merges out of id order: merged pieces scored by first merge rank, others after (%s)",
	       err.msg);
	hf_vocab_free(&v);
	tap_ok(!hf_vocab_parse(&v, extra, strlen(extra), 0, &err) && v.n == 8 &&
	       v.type[7] == 3 && v.score[7] == -1000.0f && v.score[0] == 0.0f,
	       "an added special token beyond the model's pieces: control, score -1000 (%s)", err.msg);
	hf_vocab_free(&v);
	tap_ok(hf_vocab_parse(&v, badmerge, strlen(badmerge), 0, &err) < 0 &&
	       strstr(err.msg, "merge 0 makes a piece not in the vocabulary"),
	       "merge result not in vocab: \"%s\"", err.msg);
}

int main(void)
{
	char cmd[300];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/slmq-test-st.%d", (int)getpid());
	mkdir(tmpdir, 0755);
	test_good();
	test_malformed();
	test_sharded();
	test_missing_in_shard();
	test_config();
	test_vocab_size();
	test_tokenizer_json();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		tap_diag("could not remove %s", tmpdir);
	return tap_done();
}
