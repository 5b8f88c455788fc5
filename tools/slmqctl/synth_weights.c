// SPDX-License-Identifier: GPL-2.0
/*
 * Random Llama weights in a Hugging Face model.safetensors (F16) and the
 * matching config.json.  Weights are N(0, 0.02) (the usual
 * initializer_range), norms 1.0; streamed to disk one tensor at a time, so a
 * 134M-parameter checkpoint needs little memory.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "synth.h"
#include "../../kmod/engine/quant.h"

struct st_entry {
	char name[96];
	uint64_t rows, cols;	/* cols == 0: a vector of rows */
	bool norm;
};

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* Approximately normal: the sum of four uniforms, scaled to unit variance. */
static float gauss(uint64_t *s)
{
	double u = 0;
	int i;

	for (i = 0; i < 4; i++)
		u += (double)(next_rand(s) >> 11) / 9007199254740992.0;
	return (float)((u - 2.0) * 1.7320508075688772);
}

static size_t list_tensors(const struct synth_shape *s, struct st_entry *e)
{
	uint64_t hd = s->hidden / s->heads, q = hd * s->heads, kv = hd * s->kv_heads;
	size_t n = 0;
	uint32_t l;

#define ADD(nm, r, c, isnorm) do {					\
		snprintf(e[n].name, sizeof(e[n].name), "%s", nm);	\
		e[n].rows = r;						\
		e[n].cols = c;						\
		e[n].norm = isnorm;					\
		n++;							\
	} while (0)
	ADD("model.embed_tokens.weight", s->vocab, s->hidden, false);
	for (l = 0; l < s->layers; l++) {
		char p[96];

#define LAYER(suffix, r, c, isnorm) do {					\
		snprintf(p, sizeof(p), "model.layers.%u.%s", l, suffix);	\
		ADD(p, r, c, isnorm);						\
	} while (0)
		LAYER("input_layernorm.weight", s->hidden, 0, true);
		LAYER("self_attn.q_proj.weight", q, s->hidden, false);
		LAYER("self_attn.k_proj.weight", kv, s->hidden, false);
		LAYER("self_attn.v_proj.weight", kv, s->hidden, false);
		LAYER("self_attn.o_proj.weight", s->hidden, q, false);
		LAYER("post_attention_layernorm.weight", s->hidden, 0, true);
		LAYER("mlp.gate_proj.weight", s->ffn, s->hidden, false);
		LAYER("mlp.up_proj.weight", s->ffn, s->hidden, false);
		LAYER("mlp.down_proj.weight", s->hidden, s->ffn, false);
#undef LAYER
	}
	ADD("model.norm.weight", s->hidden, 0, true);
	if (!s->tied)
		ADD("lm_head.weight", s->vocab, s->hidden, false);
#undef ADD
	return n;
}

static uint64_t entry_bytes(const struct st_entry *e)
{
	return e->rows * (e->cols ? e->cols : 1) * 2;
}

/* The safetensors JSON header, padded with spaces to a multiple of 8. */
static char *st_header(const struct st_entry *e, size_t n, size_t *len)
{
	struct json_object *h = json_object_new_object(), *meta, *t, *shape, *off;
	uint64_t pos = 0;
	const char *js;
	char *out;
	size_t i, l;

	meta = json_object_new_object();
	json_object_object_add(meta, "format", json_object_new_string("pt"));
	json_object_object_add(h, "__metadata__", meta);
	for (i = 0; i < n; i++) {
		t = json_object_new_object();
		shape = json_object_new_array();
		off = json_object_new_array();
		json_object_array_add(shape, json_object_new_int64((int64_t)e[i].rows));
		if (e[i].cols)
			json_object_array_add(shape, json_object_new_int64((int64_t)e[i].cols));
		json_object_array_add(off, json_object_new_int64((int64_t)pos));
		pos += entry_bytes(&e[i]);
		json_object_array_add(off, json_object_new_int64((int64_t)pos));
		json_object_object_add(t, "dtype", json_object_new_string("F16"));
		json_object_object_add(t, "shape", shape);
		json_object_object_add(t, "data_offsets", off);
		json_object_object_add(h, e[i].name, t);
	}
	js = json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN);
	l = strlen(js);
	*len = (l + 7) / 8 * 8;
	out = malloc(*len + 1);
	if (out) {
		memcpy(out, js, l);
		memset(out + l, ' ', *len - l);
	}
	json_object_put(h);
	return out;
}

static int write_tensor(FILE *f, const struct st_entry *e, uint64_t *rng)
{
	uint64_t n = e->rows * (e->cols ? e->cols : 1), i, done = 0;
	uint16_t buf[4096];

	while (done < n) {
		uint64_t k = n - done < 4096 ? n - done : 4096;

		for (i = 0; i < k; i++)
			buf[i] = slmq_f32_to_f16(e->norm ? 1.0f : 0.02f * gauss(rng));
		if (fwrite(buf, 2, k, f) != k)
			return -EIO;
		done += k;
	}
	return 0;
}

static int write_safetensors(const char *dir, const struct st_entry *e, size_t n,
			     uint64_t seed, char *msg, size_t msg_len)
{
	char path[4200], tmp[4300];
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull + 0x853c49e6748fea9bull, hl;
	size_t len, i;
	char *hdr = st_header(e, n, &len);
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/model.safetensors", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = hdr ? fopen(tmp, "wb") : NULL;
	if (!f) {
		free(hdr);
		snprintf(msg, msg_len, "%s: %s", tmp, hdr ? strerror(errno) : "out of memory");
		return -EIO;
	}
	if (!rng)
		rng = 1;
	hl = len;
	if (fwrite(&hl, 8, 1, f) != 1 || fwrite(hdr, 1, len, f) != len)
		ret = -EIO;
	for (i = 0; i < n && !ret; i++) {
		ret = write_tensor(f, &e[i], &rng);
		cli_progress("synth", i + 1, n);
	}
	free(hdr);
	if (fclose(f) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		snprintf(msg, msg_len, "%s: write failed", path);
	}
	return ret;
}

static int write_config(const char *dir, const struct synth_shape *s, char *msg,
			size_t msg_len)
{
	struct json_object *c = json_object_new_object(), *arch = json_object_new_array();
	char path[4200];
	const char *js;
	int ret;

	json_object_array_add(arch, json_object_new_string("LlamaForCausalLM"));
	json_object_object_add(c, "architectures", arch);
	json_object_object_add(c, "model_type", json_object_new_string("llama"));
	json_object_object_add(c, "hidden_size", json_object_new_int((int)s->hidden));
	json_object_object_add(c, "intermediate_size", json_object_new_int((int)s->ffn));
	json_object_object_add(c, "num_attention_heads", json_object_new_int((int)s->heads));
	json_object_object_add(c, "num_key_value_heads", json_object_new_int((int)s->kv_heads));
	json_object_object_add(c, "num_hidden_layers", json_object_new_int((int)s->layers));
	json_object_object_add(c, "hidden_act", json_object_new_string("silu"));
	json_object_object_add(c, "rms_norm_eps", json_object_new_double(1e-5));
	json_object_object_add(c, "rope_theta", json_object_new_double(10000.0));
	json_object_object_add(c, "vocab_size", json_object_new_int((int)s->vocab));
	json_object_object_add(c, "max_position_embeddings", json_object_new_int((int)s->ctx));
	json_object_object_add(c, "tie_word_embeddings", json_object_new_boolean(s->tied));
	json_object_object_add(c, "bos_token_id", json_object_new_int(1));
	json_object_object_add(c, "eos_token_id", json_object_new_int(2));
	json_object_object_add(c, "torch_dtype", json_object_new_string("float16"));
	js = json_object_to_json_string_ext(c, JSON_C_TO_STRING_PRETTY);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	ret = cli_write_file(path, js, strlen(js));
	if (ret)
		snprintf(msg, msg_len, "%s: %s", path, strerror(-ret));
	json_object_put(c);
	return ret;
}

/**
 * synth_write_weights() - write config.json and model.safetensors.
 * @dir: output directory (exists)
 * @s: shape and seed
 * @msg: error line
 * @msg_len: its size
 */
int synth_write_weights(const char *dir, const struct synth_shape *s,
			char *msg, size_t msg_len)
{
	size_t n, cap = 3 + 9 * (size_t)s->layers;
	struct st_entry *e = calloc(cap, sizeof(*e));
	int ret;

	if (!e) {
		snprintf(msg, msg_len, "out of memory");
		return -ENOMEM;
	}
	n = list_tensors(s, e);
	ret = write_config(dir, s, msg, msg_len);
	if (!ret)
		ret = write_safetensors(dir, e, n, s->seed, msg, msg_len);
	free(e);
	return ret;
}
