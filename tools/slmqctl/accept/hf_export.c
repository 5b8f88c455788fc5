// SPDX-License-Identifier: GPL-2.0
/* GGUF blocks -> Hugging Face GPTQ checkpoint layout (see hf_export.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../../kmod/engine/fbits.h"
#include "../../../kmod/engine/quant.h"
#include "hf_export.h"

#define GS SLMQ_QK	/* GPTQ group = one 32-weight block */

struct hx_tensor {
	char name[128];
	const char *dtype;	/* "I32", "F16", "F32" */
	uint64_t shape[2];
	int n_dims;
	void *data;		/* malloc'd */
	uint64_t nbytes;
};

struct hx_list {
	struct hx_tensor *t;
	size_t n;
	struct json_object *dynamic;	/* per-module overrides (GPTQModel "dynamic") */
	unsigned long bits_count[9];
};

static struct hx_tensor *hx_add(struct hx_list *l, const char *name,
				const char *dtype, uint64_t d0, uint64_t d1,
				int n_dims, uint64_t nbytes)
{
	struct hx_tensor *nt = realloc(l->t, (l->n + 1) * sizeof(*nt)), *t;

	if (!nt)
		return NULL;
	l->t = nt;
	t = &l->t[l->n];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->dtype = dtype;
	t->shape[0] = d0;
	t->shape[1] = d1;
	t->n_dims = n_dims;
	t->nbytes = nbytes;
	t->data = calloc(1, nbytes ? nbytes : 1);
	if (!t->data)
		return NULL;
	l->n++;
	return t;
}

static void hx_free(struct hx_list *l)
{
	size_t k;

	for (k = 0; k < l->n; k++)
		free(l->t[k].data);
	free(l->t);
	json_object_put(l->dynamic);
}

static const struct {
	const char *gguf, *hf;
	bool linear;
} name_map[] = {
	{ "attn_norm.weight", "input_layernorm.weight", false },
	{ "ffn_norm.weight", "post_attention_layernorm.weight", false },
	{ "attn_q.weight", "self_attn.q_proj", true },
	{ "attn_k.weight", "self_attn.k_proj", true },
	{ "attn_v.weight", "self_attn.v_proj", true },
	{ "attn_output.weight", "self_attn.o_proj", true },
	{ "ffn_gate.weight", "mlp.gate_proj", true },
	{ "ffn_up.weight", "mlp.up_proj", true },
	{ "ffn_down.weight", "mlp.down_proj", true },
};

const char *hf_export_name(const char *g, char *buf, size_t len, bool *is_linear)
{
	unsigned int layer, k;
	int used;

	*is_linear = false;
	if (!strcmp(g, "token_embd.weight"))
		return snprintf(buf, len, "model.embed_tokens.weight"), buf;
	if (!strcmp(g, "output_norm.weight"))
		return snprintf(buf, len, "model.norm.weight"), buf;
	if (!strcmp(g, "output.weight"))
		return snprintf(buf, len, "lm_head.weight"), buf;
	if (sscanf(g, "blk.%u.%n", &layer, &used) != 1)
		return NULL;
	for (k = 0; k < sizeof(name_map) / sizeof(name_map[0]); k++) {
		if (strcmp(g + used, name_map[k].gguf))
			continue;
		*is_linear = name_map[k].linear;
		snprintf(buf, len, "model.layers.%u.%s", layer, name_map[k].hf);
		return buf;
	}
	return NULL;
}

/* HF row o of a q/k projection lives at this GGUF row (llama.cpp's permute). */
static uint64_t gguf_row(uint64_t o, uint32_t n_head, uint64_t rows)
{
	uint64_t hd, h, r, a, b;

	if (!n_head)
		return o;
	hd = rows / n_head;
	h = o / hd;
	r = o % hd;
	a = r / (hd / 2);
	b = r % (hd / 2);
	return h * hd + 2 * b + a;
}

static uint32_t heads_for(const struct slmq_model *m, const char *gguf_name)
{
	size_t n = strlen(gguf_name);

	if (n > 13 && !strcmp(gguf_name + n - 13, "attn_q.weight"))
		return m->hp.n_head;
	if (n > 13 && !strcmp(gguf_name + n - 13, "attn_k.weight"))
		return m->hp.n_head_kv;
	return 0;
}

/* The 32 unsigned codes, scale bits and zero point of one block. */
static void block_codes(uint32_t type, const void *blk, uint8_t q[GS],
			uint16_t *d, int *zero, double *change)
{
	int j;

	*change = 0;
	if (type == SLMQ_TYPE_Q8_0) {
		const struct slmq_block_q8_0 *b = blk;

		*d = b->d;
		*zero = 128;
		for (j = 0; j < GS; j++)
			q[j] = (uint8_t)(b->qs[j] + 128);
		return;
	}
	{
		/* Q4_0 and Q4_1 share the nibble order: low = j, high = j + 16. */
		const uint8_t *qs = type == SLMQ_TYPE_Q4_0 ?
			((const struct slmq_block_q4_0 *)blk)->qs :
			((const struct slmq_block_q4_1 *)blk)->qs;

		for (j = 0; j < GS / 2; j++) {
			q[j] = qs[j] & 0xF;
			q[j + GS / 2] = qs[j] >> 4;
		}
	}
	if (type == SLMQ_TYPE_Q4_0) {
		*d = ((const struct slmq_block_q4_0 *)blk)->d;
		*zero = 8;
		return;
	} else {
		const struct slmq_block_q4_1 *b = blk;
		float df = slmq_f16_to_f32(b->d), mf = slmq_f16_to_f32(b->m);
		float z = df != 0 ? -mf / df : 8;

		*d = b->d;
		/* v1 stores zero - 1 in 4 bits, so 1..16 is what survives. */
		*zero = (int)lrintf(z < 1 ? 1 : z > 16 ? 16 : z);
		*change = fabs((double)mf + (double)df * *zero);
	}
}

/*
 * One GGUF linear as the GPTQ tensors (qweight, qzeros, scales, g_idx): the
 * codes packed 32 / bits to an int32 word, along the input axis for qweight
 * and the output axis for qzeros (AutoGPTQ's layout).
 */
static int gptq_qweight_pack(struct hx_list *l, const struct slmq_model *m,
			     const struct slmq_gguf_tensor *t, const char *gname,
			     const char *hf, struct hf_export_info *info)
{
	uint64_t in = t->ne[0], out = t->ne[1], ng = in / GS, o, g, rb;
	int bits = t->type == SLMQ_TYPE_Q8_0 ? 8 : 4, per = 32 / bits;
	uint32_t nh = heads_for(m, gname);
	struct hx_tensor *qw, *qz, *sc, *gi;
	char name[192];
	uint64_t i;

	rb = slmq_row_bytes(t->type, in);
	/* hx_add() may move the array: take the pointers after the last add. */
	snprintf(name, sizeof(name), "%s.qweight", hf);
	if (!hx_add(l, name, "I32", in / per, out, 2, in / per * out * 4))
		return -ENOMEM;
	snprintf(name, sizeof(name), "%s.qzeros", hf);
	if (!hx_add(l, name, "I32", ng, out / per, 2, ng * (out / per) * 4))
		return -ENOMEM;
	snprintf(name, sizeof(name), "%s.scales", hf);
	if (!hx_add(l, name, "F16", ng, out, 2, ng * out * 2))
		return -ENOMEM;
	snprintf(name, sizeof(name), "%s.g_idx", hf);
	if (!hx_add(l, name, "I32", in, 0, 1, in * 4))
		return -ENOMEM;
	qw = &l->t[l->n - 4];
	qz = &l->t[l->n - 3];
	sc = &l->t[l->n - 2];
	gi = &l->t[l->n - 1];
	for (i = 0; i < in; i++)
		((int32_t *)gi->data)[i] = (int32_t)(i / GS);
	for (o = 0; o < out; o++) {
		const uint8_t *row = (const uint8_t *)t->data +
				     gguf_row(o, nh, out) * rb;

		for (g = 0; g < ng; g++) {
			const void *blk = row + g * (rb / ng);
			uint32_t *qwp = qw->data, *qzp = qz->data;
			uint8_t q[GS];
			uint16_t d;
			int zero, j;
			double change;

			block_codes(t->type, blk, q, &d, &zero, &change);
			if (change > info->max_abs_change)
				info->max_abs_change = change;
			if (change > 0)
				info->exact = false;
			((uint16_t *)sc->data)[g * out + o] = d;
			qzp[g * (out / per) + o / per] |=
				(uint32_t)((zero - 1) & ((1 << bits) - 1)) << (bits * (o % per));
			for (j = 0; j < GS; j++) {
				uint64_t r = g * GS + j;

				qwp[(r / per) * out + o] |= (uint32_t)q[j] << (bits * (r % per));
			}
		}
	}
	info->n_quantized++;
	l->bits_count[bits]++;
	return 0;
}

/* A tensor written as plain floats: F32 dequantized (exact), F16 kept. */
static int put_plain(struct hx_list *l, const struct slmq_model *m,
		     const struct slmq_gguf_tensor *t, const char *gname,
		     const char *hf)
{
	uint64_t cols = t->ne[0], rows = t->n_dims > 1 ? t->ne[1] : 1, o;
	uint32_t nh = heads_for(m, gname);
	uint64_t rb = slmq_row_bytes(t->type, cols);
	bool f16 = t->type == SLMQ_TYPE_F16;
	struct hx_tensor *s;

	s = hx_add(l, hf, f16 ? "F16" : "F32", t->n_dims > 1 ? rows : cols,
		   cols, t->n_dims > 1 ? 2 : 1, rows * cols * (f16 ? 2 : 4));
	if (!s)
		return -ENOMEM;
	for (o = 0; o < rows; o++) {
		const uint8_t *src = (const uint8_t *)t->data + gguf_row(o, nh, rows) * rb;

		if (f16)
			memcpy((uint8_t *)s->data + o * cols * 2, src, cols * 2);
		else
			slmq_dequantize_row(t->type, src, (float *)s->data + o * cols,
					    (u32)cols);
	}
	return 0;
}

static void add_dynamic(struct hx_list *l, const char *hf, const char *sign,
			int bits)
{
	char key[256], *d = key;
	const char *p;
	struct json_object *o;

	if (!l->dynamic)
		l->dynamic = json_object_new_object();
	d += sprintf(d, "%s:^", sign);
	for (p = hf; *p && d < key + sizeof(key) - 4; p++) {
		if (*p == '.')
			*d++ = '\\';
		*d++ = *p;
	}
	*d++ = '$';
	*d = 0;
	o = json_object_new_object();
	if (bits)
		json_object_object_add(o, "bits", json_object_new_int(bits));
	json_object_object_add(l->dynamic, key, o);
}

static bool gptq_type(uint32_t type)
{
	return type == SLMQ_TYPE_Q4_0 || type == SLMQ_TYPE_Q4_1 ||
	       type == SLMQ_TYPE_Q8_0;
}

static int collect(const struct slmq_model *m, struct hx_list *l,
		   struct hf_export_info *info, struct slmq_err *err)
{
	const struct slmq_gguf *g = &m->gguf;
	char gname[128], hf[160];
	uint64_t k;
	int ret;

	for (k = 0; k < g->n_tensors; k++) {
		const struct slmq_gguf_tensor *t = &g->tensors[k];
		bool linear;

		snprintf(gname, sizeof(gname), "%.*s", (int)t->name.len, t->name.ptr);
		if (!hf_export_name(gname, hf, sizeof(hf), &linear))
			return slmq_fail(err, -EINVAL, "export: no Hugging Face name for tensor %s", gname);
		/* The packed layout needs whole 32-bit words along both axes. */
		if (linear && gptq_type(t->type) && t->ne[1] % 8 == 0) {
			ret = gptq_qweight_pack(l, m, t, gname, hf, info);
		} else {
			if (linear) {
				char w[176];

				add_dynamic(l, hf, "-", 0);
				snprintf(w, sizeof(w), "%s.weight", hf);
				ret = put_plain(l, m, t, gname, w);
			} else {
				ret = put_plain(l, m, t, gname, hf);
			}
		}
		if (ret)
			return slmq_fail(err, ret, "export: out of memory");
	}
	return 0;
}

static int write_safetensors(const struct hx_list *l, const char *path,
			     struct slmq_err *err)
{
	struct json_object *h = json_object_new_object(), *meta;
	uint64_t off = 0, hlen, total;
	const char *hs;
	char *buf;
	size_t k;
	int ret;

	meta = json_object_new_object();
	json_object_object_add(meta, "format", json_object_new_string("pt"));
	json_object_object_add(h, "__metadata__", meta);
	for (k = 0; k < l->n; k++) {
		struct json_object *e = json_object_new_object(), *sh, *of;
		int d;

		json_object_object_add(e, "dtype", json_object_new_string(l->t[k].dtype));
		sh = json_object_new_array();
		for (d = 0; d < l->t[k].n_dims; d++)
			json_object_array_add(sh, json_object_new_int64((int64_t)l->t[k].shape[d]));
		json_object_object_add(e, "shape", sh);
		of = json_object_new_array();
		json_object_array_add(of, json_object_new_int64((int64_t)off));
		json_object_array_add(of, json_object_new_int64((int64_t)(off + l->t[k].nbytes)));
		json_object_object_add(e, "data_offsets", of);
		json_object_object_add(h, l->t[k].name, e);
		off += l->t[k].nbytes;
	}
	hs = json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE);
	hlen = (strlen(hs) + 7) / 8 * 8;	/* padded with spaces to 8 bytes */
	total = 8 + hlen + off;
	buf = malloc(total);
	if (!buf) {
		json_object_put(h);
		return slmq_fail(err, -ENOMEM, "export: out of memory");
	}
	memcpy(buf, &hlen, 8);
	memset(buf + 8, ' ', hlen);
	memcpy(buf + 8, hs, strlen(hs));
	json_object_put(h);
	off = 8 + hlen;
	for (k = 0; k < l->n; k++) {
		memcpy(buf + off, l->t[k].data, l->t[k].nbytes);
		off += l->t[k].nbytes;
	}
	ret = cli_write_file(path, buf, total);
	free(buf);
	return ret ? slmq_fail(err, ret, "%s: %s", path, strerror(-ret)) : 0;
}

static struct json_object *qconfig(const struct hx_list *l,
				   const struct hf_export_info *info)
{
	struct json_object *q = json_object_new_object(), *x;

	json_object_object_add(q, "quant_method", json_object_new_string("gptq"));
	json_object_object_add(q, "bits", json_object_new_int(info->bits));
	json_object_object_add(q, "group_size", json_object_new_int(GS));
	json_object_object_add(q, "desc_act", json_object_new_boolean(false));
	json_object_object_add(q, "sym", json_object_new_boolean(info->sym));
	json_object_object_add(q, "static_groups", json_object_new_boolean(false));
	json_object_object_add(q, "true_sequential", json_object_new_boolean(true));
	json_object_object_add(q, "damp_percent", json_object_new_double(0.01));
	json_object_object_add(q, "checkpoint_format", json_object_new_string("gptq"));
	json_object_object_add(q, "lm_head", json_object_new_boolean(false));
	if (l->dynamic)
		json_object_object_add(q, "dynamic", json_object_get(l->dynamic));
	x = json_object_new_object();
	json_object_object_add(x, "source", json_object_new_string("model.gguf"));
	json_object_object_add(x, "exact", json_object_new_boolean(info->exact));
	json_object_object_add(x, "max_abs_change", json_object_new_double(info->max_abs_change));
	json_object_object_add(x, "note", json_object_new_string(
		"embeddings and lm_head are stored dequantized (F32, exact); q/k rows in Hugging Face order"));
	json_object_object_add(q, "slmq_export", x);
	return q;
}

/* A float32 hyper-parameter as JSON with the digits it has (1e-05, not 9.99999974e-06). */
static struct json_object *f32_json(u32 bits)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.7g", slmq_bits_f32(bits));
	return json_object_new_double_s(slmq_bits_f32(bits), buf);
}

static struct json_object *hf_config(const struct slmq_model *m,
				     struct json_object *qc)
{
	const struct slmq_hparams *hp = &m->hp;
	struct json_object *c = json_object_new_object(), *a;

	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("LlamaForCausalLM"));
	json_object_object_add(c, "architectures", a);
	json_object_object_add(c, "model_type", json_object_new_string("llama"));
	json_object_object_add(c, "hidden_size", json_object_new_int((int)hp->n_embd));
	json_object_object_add(c, "intermediate_size", json_object_new_int((int)hp->n_ff));
	json_object_object_add(c, "num_attention_heads", json_object_new_int((int)hp->n_head));
	json_object_object_add(c, "num_key_value_heads", json_object_new_int((int)hp->n_head_kv));
	json_object_object_add(c, "num_hidden_layers", json_object_new_int((int)hp->n_layer));
	json_object_object_add(c, "head_dim", json_object_new_int((int)hp->head_dim));
	json_object_object_add(c, "hidden_act", json_object_new_string("silu"));
	json_object_object_add(c, "rms_norm_eps", f32_json(hp->rms_eps_bits));
	json_object_object_add(c, "rope_theta", f32_json(hp->rope_theta_bits));
	json_object_object_add(c, "vocab_size", json_object_new_int((int)hp->n_vocab));
	json_object_object_add(c, "max_position_embeddings", json_object_new_int((int)hp->n_ctx_train));
	json_object_object_add(c, "tie_word_embeddings",
			       json_object_new_boolean(m->output.data == m->tok_embd.data));
	json_object_object_add(c, "bos_token_id", json_object_new_int((int)m->vocab.bos_id));
	json_object_object_add(c, "eos_token_id", json_object_new_int((int)m->vocab.eos_id));
	json_object_object_add(c, "attention_bias", json_object_new_boolean(false));
	json_object_object_add(c, "mlp_bias", json_object_new_boolean(false));
	json_object_object_add(c, "torch_dtype", json_object_new_string("float16"));
	json_object_object_add(c, "quantization_config", qc);
	return c;
}

static int write_json(const char *dir, const char *file, struct json_object *o,
		      struct slmq_err *err)
{
	char path[4200];
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ret = cli_write_file(path, s, strlen(s));
	return ret ? slmq_fail(err, ret, "%s: %s", path, strerror(-ret)) : 0;
}

int hf_export_gptq(const struct slmq_model *m, const char *dir,
		   struct hf_export_info *info, struct slmq_err *err)
{
	struct hx_list l = { 0 };
	struct json_object *qc = NULL, *cfg = NULL;
	char path[4200];
	int ret, b;

	memset(info, 0, sizeof(*info));
	info->exact = true;
	info->sym = true;
	/* the export reads the file's blocks, which interleaving rearranged */
	if (m->interleaved)
		return slmq_fail(err, -EINVAL,
				 "export: the model was interleaved for the kernels; open it without SLMQ_OPEN_INTERLEAVE to export");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return slmq_fail(err, -errno, "%s: %s", dir, strerror(errno));
	ret = collect(m, &l, info, err);
	if (ret)
		goto out_free;
	/* Headline bits: the most common; the others go into "dynamic". */
	info->bits = l.bits_count[8] > l.bits_count[4] ? 8 : 4;
	for (b = 0; b < (int)m->gguf.n_tensors; b++) {
		const struct slmq_gguf_tensor *t = &m->gguf.tensors[b];
		char gname[128], hf[160];
		bool linear;
		int tb;

		if (t->type == SLMQ_TYPE_Q4_1)
			info->sym = false;
		snprintf(gname, sizeof(gname), "%.*s", (int)t->name.len, t->name.ptr);
		if (!hf_export_name(gname, hf, sizeof(hf), &linear) || !linear ||
		    !gptq_type(t->type) || t->ne[1] % 8)
			continue;
		tb = t->type == SLMQ_TYPE_Q8_0 ? 8 : 4;
		if (tb != info->bits)
			add_dynamic(&l, hf, "+", tb);
	}
	snprintf(path, sizeof(path), "%s/model.safetensors", dir);
	ret = write_safetensors(&l, path, err);
	if (ret)
		goto out_free;
	qc = qconfig(&l, info);
	ret = write_json(dir, "quantization_config.json", qc, err);
	if (!ret)
		ret = write_json(dir, "quantize_config.json", qc, err);
	cfg = hf_config(m, json_object_get(qc));
	if (!ret)
		ret = write_json(dir, "config.json", cfg, err);
out_free:
	json_object_put(cfg);
	json_object_put(qc);
	hx_free(&l);
	return ret;
}
