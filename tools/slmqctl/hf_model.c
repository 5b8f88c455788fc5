// SPDX-License-Identifier: GPL-2.0
/* A Hugging Face Llama checkpoint directory (see hf_model.h). */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>

#include "cli.h"
#include "hf_model.h"

#define HF_MAX_DIM (1u << 24)
#define HF_MAX_LAYERS 1024

/* --- config.json ---------------------------------------------------------- */

static int cfg_u32(struct json_object *root, const char *key, bool required,
		   uint32_t def, uint32_t *out, struct slmq_err *err)
{
	struct json_object *o;
	int64_t v;

	if (!json_object_object_get_ex(root, key, &o) || json_object_is_type(o, json_type_null)) {
		if (required)
			return slmq_fail(err, -EINVAL, "config.json: %s is missing", key);
		*out = def;
		return 0;
	}
	if (!json_object_is_type(o, json_type_int))
		return slmq_fail(err, -EINVAL, "config.json: %s is not an integer", key);
	v = json_object_get_int64(o);
	if (v <= 0 || v > HF_MAX_DIM)
		return slmq_fail(err, -EINVAL, "config.json: %s = %lld is out of range",
				 key, (long long)v);
	*out = (uint32_t)v;
	return 0;
}

static int cfg_float(struct json_object *root, const char *key, bool required,
		     double def, float *out, struct slmq_err *err)
{
	struct json_object *o;
	double v;

	if (!json_object_object_get_ex(root, key, &o) || json_object_is_type(o, json_type_null)) {
		if (required)
			return slmq_fail(err, -EINVAL, "config.json: %s is missing", key);
		*out = (float)def;
		return 0;
	}
	if (!json_object_is_type(o, json_type_double) && !json_object_is_type(o, json_type_int))
		return slmq_fail(err, -EINVAL, "config.json: %s is not a number", key);
	v = json_object_get_double(o);
	if (!(v > 0) || !isfinite(v) || v > 1e12)
		return slmq_fail(err, -EINVAL, "config.json: %s = %g is out of range", key, v);
	*out = (float)v;
	return 0;
}

/* The things llama.cpp's "llama" graph does not do must be off. */
static int cfg_reject_features(struct json_object *root, struct slmq_err *err)
{
	static const char *const off[] = { "attention_bias", "mlp_bias" };
	struct json_object *o;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(off); i++)
		if (json_object_object_get_ex(root, off[i], &o) && json_object_get_boolean(o))
			return slmq_fail(err, -EINVAL, "config.json: %s is not supported", off[i]);
	if (json_object_object_get_ex(root, "rope_scaling", &o) &&
	    !json_object_is_type(o, json_type_null))
		return slmq_fail(err, -EINVAL, "config.json: rope_scaling is not supported");
	if (json_object_object_get_ex(root, "hidden_act", &o) &&
	    strcmp(cli_json_str(o, ""), "silu"))
		return slmq_fail(err, -EINVAL, "config.json: hidden_act %.32s is not supported (need silu)",
				 cli_json_str(o, "(not a string)"));
	return 0;
}

static int cfg_arch(struct json_object *root, struct slmq_err *err)
{
	struct json_object *a = NULL, *mt = NULL;
	const char *arch = NULL;

	if (json_object_object_get_ex(root, "architectures", &a) &&
	    json_object_is_type(a, json_type_array) && json_object_array_length(a) >= 1)
		arch = cli_json_str(json_object_array_get_idx(a, 0), "(not a string)");
	if (arch && strcmp(arch, "LlamaForCausalLM"))
		return slmq_fail(err, -EINVAL,
				 "config.json: architecture %.64s is not supported (need LlamaForCausalLM)",
				 arch);
	if (json_object_object_get_ex(root, "model_type", &mt) &&
	    strcmp(cli_json_str(mt, ""), "llama"))
		return slmq_fail(err, -EINVAL,
				 "config.json: model_type %.64s is not supported (need llama)",
				 cli_json_str(mt, "(not a string)"));
	if (!arch && !mt)
		return slmq_fail(err, -EINVAL,
				 "config.json: neither architectures nor model_type says llama");
	return 0;
}

static int64_t cfg_id(struct json_object *root, const char *key)
{
	struct json_object *o;

	if (!json_object_object_get_ex(root, key, &o) || !json_object_is_type(o, json_type_int))
		return -1;
	return json_object_get_int64(o);
}

static int cfg_values(struct hf_hparams *hp, struct json_object *r,
		      struct slmq_err *err)
{
	struct json_object *o;
	int ret;

	if ((ret = cfg_u32(r, "vocab_size", true, 0, &hp->n_vocab, err)) ||
	    (ret = cfg_u32(r, "hidden_size", true, 0, &hp->n_embd, err)) ||
	    (ret = cfg_u32(r, "num_hidden_layers", true, 0, &hp->n_layer, err)) ||
	    (ret = cfg_u32(r, "num_attention_heads", true, 0, &hp->n_head, err)) ||
	    (ret = cfg_u32(r, "num_key_value_heads", false, hp->n_head, &hp->n_head_kv, err)) ||
	    (ret = cfg_u32(r, "intermediate_size", true, 0, &hp->n_ff, err)) ||
	    (ret = cfg_u32(r, "max_position_embeddings", true, 0, &hp->n_ctx_train, err)) ||
	    (ret = cfg_float(r, "rms_norm_eps", true, 0, &hp->rms_eps, err)) ||
	    (ret = cfg_float(r, "rope_theta", false, 10000.0, &hp->rope_theta, err)))
		return ret;
	hp->head_dim_in_config = json_object_object_get_ex(r, "head_dim", &o) &&
				 !json_object_is_type(o, json_type_null);
	ret = cfg_u32(r, "head_dim", false, hp->n_embd / hp->n_head, &hp->head_dim, err);
	if (ret)
		return ret;
	hp->tied = json_object_object_get_ex(r, "tie_word_embeddings", &o) &&
		   json_object_get_boolean(o);
	hp->bos_id = cfg_id(r, "bos_token_id");
	hp->eos_id = cfg_id(r, "eos_token_id");
	return 0;
}

static int cfg_consistent(const struct hf_hparams *hp, struct slmq_err *err)
{
	if (hp->n_layer > HF_MAX_LAYERS)
		return slmq_fail(err, -EINVAL, "config.json: %u layers (limit %d)",
				 hp->n_layer, HF_MAX_LAYERS);
	if (hp->n_head % hp->n_head_kv)
		return slmq_fail(err, -EINVAL,
				 "config.json: num_attention_heads %u is not a multiple of num_key_value_heads %u",
				 hp->n_head, hp->n_head_kv);
	if (hp->head_dim % 2 || !hp->head_dim)
		return slmq_fail(err, -EINVAL, "config.json: head_dim %u is not even (RoPE pairs)",
				 hp->head_dim);
	if ((uint64_t)hp->head_dim * hp->n_head > HF_MAX_DIM)
		return slmq_fail(err, -EINVAL, "config.json: head_dim * heads too large");
	return 0;
}

int hf_parse_config(struct hf_hparams *hp, const char *json, size_t len,
		    struct slmq_err *err)
{
	struct json_object *root;
	int ret;

	memset(hp, 0, sizeof(*hp));
	root = cli_json_parse_object(json, len);
	if (!root)
		return slmq_fail(err, -EINVAL, "config.json: not a JSON object");
	ret = cfg_arch(root, err);
	if (!ret)
		ret = cfg_reject_features(root, err);
	if (!ret)
		ret = cfg_values(hp, root, err);
	if (!ret)
		ret = cfg_consistent(hp, err);
	json_object_put(root);
	return ret;
}

/* --- tensors -------------------------------------------------------------- */

static const struct {
	enum hf_kind kind;
	const char *hf;		/* printf pattern with the layer number */
	const char *gguf;
} tensor_map[] = {
	{ HF_ATTN_NORM, "model.layers.%d.input_layernorm.weight", "blk.%d.attn_norm.weight" },
	{ HF_ATTN_Q, "model.layers.%d.self_attn.q_proj.weight", "blk.%d.attn_q.weight" },
	{ HF_ATTN_K, "model.layers.%d.self_attn.k_proj.weight", "blk.%d.attn_k.weight" },
	{ HF_ATTN_V, "model.layers.%d.self_attn.v_proj.weight", "blk.%d.attn_v.weight" },
	{ HF_ATTN_OUT, "model.layers.%d.self_attn.o_proj.weight", "blk.%d.attn_output.weight" },
	{ HF_FFN_NORM, "model.layers.%d.post_attention_layernorm.weight", "blk.%d.ffn_norm.weight" },
	{ HF_FFN_GATE, "model.layers.%d.mlp.gate_proj.weight", "blk.%d.ffn_gate.weight" },
	{ HF_FFN_UP, "model.layers.%d.mlp.up_proj.weight", "blk.%d.ffn_up.weight" },
	{ HF_FFN_DOWN, "model.layers.%d.mlp.down_proj.weight", "blk.%d.ffn_down.weight" },
};

/* HF shape [rows, cols] that config.json implies; cols = 0 for vectors. */
static void expected_shape(const struct hf_hparams *hp, enum hf_kind k,
			   uint64_t *rows, uint64_t *cols)
{
	uint64_t q = (uint64_t)hp->n_head * hp->head_dim;
	uint64_t kv = (uint64_t)hp->n_head_kv * hp->head_dim;

	*cols = hp->n_embd;
	switch (k) {
	case HF_TOKEN_EMBD:
	case HF_OUTPUT:
		*rows = hp->n_vocab;
		break;
	case HF_ATTN_Q:
		*rows = q;
		break;
	case HF_ATTN_K:
	case HF_ATTN_V:
		*rows = kv;
		break;
	case HF_ATTN_OUT:
		*rows = hp->n_embd;
		*cols = q;
		break;
	case HF_FFN_GATE:
	case HF_FFN_UP:
		*rows = hp->n_ff;
		break;
	case HF_FFN_DOWN:
		*rows = hp->n_embd;
		*cols = hp->n_ff;
		break;
	default:		/* norms */
		*rows = hp->n_embd;
		*cols = 0;
		break;
	}
}

static void shape_str(char *out, size_t n, const struct st_tensor *t)
{
	size_t at = 0;
	uint32_t i;

	at += snprintf(out + at, n - at, "[");
	for (i = 0; i < t->n_dims && at < n; i++)
		at += snprintf(out + at, n - at, "%s%llu", i ? ", " : "",
			       (unsigned long long)t->shape[i]);
	if (at < n)
		snprintf(out + at, n - at, "]");
}

static int add_tensor(struct hf_model *m, enum hf_kind kind, int layer,
		      const char *hf, const char *gguf, struct slmq_err *err)
{
	struct hf_tensor *t = &m->t[m->n];
	const struct st_tensor *src = st_model_find(&m->st, hf);
	uint64_t rows, cols;
	char have[96];

	if (!src)
		return slmq_fail(err, -EINVAL, "missing tensor %s", hf);
	expected_shape(&m->hp, kind, &rows, &cols);
	if (src->n_dims != (cols ? 2u : 1u) || src->shape[0] != rows ||
	    (cols && src->shape[1] != cols)) {
		shape_str(have, sizeof(have), src);
		if (cols)
			return slmq_fail(err, -EINVAL,
					 "tensor %s has shape %s, expected [%llu, %llu]", hf, have,
					 (unsigned long long)rows, (unsigned long long)cols);
		return slmq_fail(err, -EINVAL, "tensor %s has shape %s, expected [%llu]",
				 hf, have, (unsigned long long)rows);
	}
	snprintf(t->hf_name, sizeof(t->hf_name), "%s", hf);
	snprintf(t->name, sizeof(t->name), "%s", gguf);
	t->kind = kind;
	t->layer = layer;
	t->n_dims = cols ? 2 : 1;
	t->rows = cols ? rows : 1;
	t->cols = cols ? cols : rows;
	t->src = src;
	m->n++;
	return 0;
}

static int map_layer(struct hf_model *m, int l, struct slmq_err *err)
{
	char hf[128], gguf[64];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(tensor_map); i++) {
		snprintf(hf, sizeof(hf), tensor_map[i].hf, l);
		snprintf(gguf, sizeof(gguf), tensor_map[i].gguf, l);
		ret = add_tensor(m, tensor_map[i].kind, l, hf, gguf, err);
		if (ret)
			return ret;
	}
	return 0;
}

/* Any tensor in the files we did not map is an error (llama.cpp: "Can not map tensor"). */
static int check_unmapped(struct hf_model *m, struct slmq_err *err)
{
	size_t i, j;

	for (i = 0; i < m->st.n; i++) {
		const char *name = m->st.t[i].name;
		size_t n = strlen(name);

		/* llama.cpp skips the RoPE frequency buffers too */
		if (n > 22 && !strcmp(name + n - 22, ".rotary_emb.inv_freq"))
			continue;
		for (j = 0; j < m->n && strcmp(m->t[j].hf_name, name); j++)
			;
		if (j == m->n)
			return slmq_fail(err, -EINVAL, "unexpected tensor %s", name);
	}
	return 0;
}

static int map_tensors(struct hf_model *m, struct slmq_err *err)
{
	uint32_t l;
	int ret;

	m->t = calloc((size_t)m->hp.n_layer * ARRAY_SIZE(tensor_map) + 3, sizeof(*m->t));
	if (!m->t)
		return slmq_fail(err, -ENOMEM, "out of memory");
	ret = add_tensor(m, HF_TOKEN_EMBD, -1, "model.embed_tokens.weight",
			 "token_embd.weight", err);
	for (l = 0; !ret && l < m->hp.n_layer; l++)
		ret = map_layer(m, (int)l, err);
	if (!ret)
		ret = add_tensor(m, HF_OUTPUT_NORM, -1, "model.norm.weight",
				 "output_norm.weight", err);
	/*
	 * Like llama.cpp: lm_head becomes output whenever the checkpoint has
	 * it (a tied one normally does not, and then there is no output).
	 */
	if (!ret && (!m->hp.tied || st_model_find(&m->st, "lm_head.weight")))
		ret = add_tensor(m, HF_OUTPUT, -1, "lm_head.weight", "output.weight", err);
	if (!ret)
		ret = check_unmapped(m, err);
	return ret;
}

static int load_config(struct hf_model *m, struct slmq_err *err)
{
	char path[4200];
	size_t len;
	void *buf;
	int ret;

	snprintf(path, sizeof(path), "%s/config.json", m->dir);
	ret = cli_read_file(path, &buf, &len);
	if (ret)
		return slmq_fail(err, ret, "%s: %s", path, strerror(-ret));
	ret = hf_parse_config(&m->hp, buf, len, err);
	free(buf);
	return ret;
}

int hf_model_open(struct hf_model *m, const char *dir, struct slmq_err *err)
{
	char tmp[4096];
	struct stat st;
	int ret;

	memset(m, 0, sizeof(*m));
	if (stat(dir, &st) < 0)
		return slmq_fail(err, -errno, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return slmq_fail(err, -ENOTDIR,
				 "not a directory (expected a Hugging Face model directory)");
	snprintf(m->dir, sizeof(m->dir), "%s", dir);
	snprintf(tmp, sizeof(tmp), "%s", dir);
	snprintf(m->name, sizeof(m->name), "%s", basename(tmp));
	ret = load_config(m, err);
	if (!ret)
		ret = st_model_open(&m->st, dir, err);
	if (!ret)
		ret = map_tensors(m, err);
	if (!ret)
		ret = hf_vocab_load(&m->vocab, dir, m->hp.n_vocab, m->hp.bos_id,
				    m->hp.eos_id, err);
	if (ret)
		hf_model_close(m);
	return ret;
}

void hf_model_close(struct hf_model *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		hf_tensor_drop(&m->t[i]);
	free(m->t);
	st_model_close(&m->st);
	hf_vocab_free(&m->vocab);
	m->t = NULL;
	m->n = 0;
}

struct hf_tensor *hf_model_tensor(struct hf_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->t[i].name, name) || !strcmp(m->t[i].hf_name, name))
			return &m->t[i];
	return NULL;
}

float *hf_tensor_f32(struct hf_tensor *t)
{
	if (!t->f) {
		t->f = malloc(t->rows * t->cols * sizeof(float));
		if (t->f)
			st_tensor_to_f32(t->src, t->f);
	}
	return t->f;
}

void hf_tensor_drop(struct hf_tensor *t)
{
	free(t->f);
	t->f = NULL;
}
