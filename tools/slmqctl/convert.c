// SPDX-License-Identifier: GPL-2.0
/* Hugging Face Llama -> GGUF, llama.cpp conventions (see convert.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/engine/gguf.h"
#include "../../kmod/engine/quant.h"
#include "cli.h"
#include "convert.h"

const char *convert_type_name(uint32_t type)
{
	const char *name = slmq_type_name(type);

	return name ? name : "?";
}

int convert_parse_type(const char *s)
{
	static const uint32_t types[] = { SLMQ_TYPE_F32, SLMQ_TYPE_F16, SLMQ_TYPE_Q8_0,
					  SLMQ_TYPE_Q4_0, SLMQ_TYPE_Q4_1 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcasecmp(s, convert_type_name(types[i])))
			return (int)types[i];
	return -1;
}

uint32_t convert_file_type(uint32_t weight_type)
{
	const struct slmq_type_traits *tt = slmq_type_traits_of(weight_type);

	return tt ? tt->file_type : LLAMA_FTYPE_ALL_F32;
}

/* --- plan ------------------------------------------------------------------ */

int qplan_alloc(struct qplan *p, struct hf_model *m, uint32_t type,
		struct slmq_err *err)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->e = calloc(m->n + 1, sizeof(*p->e));
	if (!p->e)
		return slmq_fail(err, -ENOMEM, "out of memory");
	p->n = m->n;
	p->file_type = convert_file_type(type);
	for (i = 0; i < m->n; i++) {
		p->e[i].t = &m->t[i];
		p->e[i].type = m->t[i].n_dims == 1 ? SLMQ_TYPE_F32 : type;
	}
	return 0;
}

void qplan_free(struct qplan *p)
{
	size_t i;

	for (i = 0; p->e && i < p->n; i++)
		free(p->e[i].blocks);
	free(p->e);
	free(p->config_json);
	memset(p, 0, sizeof(*p));
}

struct qplan_entry *qplan_find(struct qplan *p, const char *gguf_name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->e[i].t->name, gguf_name))
			return &p->e[i];
	return NULL;
}

/* --- metadata --------------------------------------------------------------- */

static void write_hparams(const struct hf_model *m, uint32_t file_type,
			  struct gguf_writer *w)
{
	const struct hf_hparams *hp = &m->hp;

	gguf_w_u32(w, "llama.context_length", hp->n_ctx_train);
	gguf_w_u32(w, "llama.embedding_length", hp->n_embd);
	gguf_w_u32(w, "llama.block_count", hp->n_layer);
	gguf_w_u32(w, "llama.feed_forward_length", hp->n_ff);
	gguf_w_f32(w, "llama.rope.freq_base", hp->rope_theta);
	gguf_w_u32(w, "llama.attention.head_count", hp->n_head);
	gguf_w_u32(w, "llama.attention.head_count_kv", hp->n_head_kv);
	gguf_w_f32(w, "llama.attention.layer_norm_rms_epsilon", hp->rms_eps);
	/* llama.cpp writes these whenever config.json has head_dim */
	if (hp->head_dim_in_config || hp->head_dim != hp->n_embd / hp->n_head) {
		gguf_w_u32(w, "llama.attention.key_length", hp->head_dim);
		gguf_w_u32(w, "llama.attention.value_length", hp->head_dim);
	}
	gguf_w_u32(w, "general.file_type", file_type);
	gguf_w_u32(w, "llama.vocab_size", hp->n_vocab);
	gguf_w_u32(w, "llama.rope.dimension_count", hp->head_dim);
}

static void write_vocab(const struct hf_vocab *v, struct gguf_writer *w)
{
	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_str(w, "tokenizer.ggml.pre", "default");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)v->text,
		       v->len, v->n);
	gguf_w_arr(w, "tokenizer.ggml.scores", SLMQ_GGUF_F32, v->score, v->n);
	gguf_w_arr(w, "tokenizer.ggml.token_type", SLMQ_GGUF_I32, v->type, v->n);
	if (v->bos_id >= 0)
		gguf_w_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)v->bos_id);
	if (v->eos_id >= 0)
		gguf_w_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)v->eos_id);
	if (v->unk_id >= 0)
		gguf_w_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)v->unk_id);
	if (v->pad_id >= 0)
		gguf_w_u32(w, "tokenizer.ggml.padding_token_id", (uint32_t)v->pad_id);
	if (v->add_bos >= 0)
		gguf_w_bool(w, "tokenizer.ggml.add_bos_token", v->add_bos);
	if (v->add_eos >= 0)
		gguf_w_bool(w, "tokenizer.ggml.add_eos_token", v->add_eos);
}

static void write_metadata(const struct hf_model *m, const struct qplan *p,
			   struct gguf_writer *w)
{
	gguf_w_str(w, "general.architecture", "llama");
	gguf_w_str(w, "general.type", "model");
	gguf_w_str(w, "general.name", m->name);
	write_hparams(m, p->file_type, w);
	write_vocab(&m->vocab, w);
	/* convert_hf_to_gguf.py writes ggml's GGML_QNT_VERSION into every file */
	gguf_w_u32(w, "general.quantization_version", 2);
	gguf_w_str(w, "slmq.converter", "slmqctl");
	if (p->config_json)
		gguf_w_str(w, "slmq.quantization_config", p->config_json);
}

/* --- tensors ----------------------------------------------------------------- */

/*
 * llama.cpp's LlamaModel.permute(): within each head, the rows of the two
 * RoPE halves are interleaved, so GGUF's RoPE rotates adjacent pairs:
 * reshape(n_head, 2, hd/2, cols).swapaxes(1, 2).  Works on any row data
 * (floats or quantized blocks), one row being row_bytes.
 */
int convert_permute_rows(void *data, uint64_t rows, size_t row_bytes,
			 uint32_t n_head)
{
	uint64_t hd = rows / n_head, h, i, j;
	uint8_t *tmp = malloc(rows * row_bytes), *w = data;

	if (!tmp)
		return -ENOMEM;
	for (h = 0; h < n_head; h++)
		for (i = 0; i < hd / 2; i++)
			for (j = 0; j < 2; j++)
				memcpy(tmp + (h * hd + 2 * i + j) * row_bytes,
				       w + (h * hd + j * (hd / 2) + i) * row_bytes,
				       row_bytes);
	memcpy(w, tmp, rows * row_bytes);
	free(tmp);
	return 0;
}

uint32_t convert_permute_heads(const struct hf_model *m,
			       const struct hf_tensor *t)
{
	if (t->kind == HF_ATTN_Q)
		return m->hp.n_head;
	if (t->kind == HF_ATTN_K)
		return m->hp.n_head_kv;
	return 0;
}

static void *encode_rows(uint32_t type, const float *w, uint64_t rows,
			 uint64_t cols, uint64_t nbytes)
{
	uint64_t rb = slmq_row_bytes(type, cols), r;
	uint8_t *out = malloc(nbytes ? nbytes : 1);

	if (!out)
		return NULL;
	for (r = 0; r < rows; r++)
		slmq_quantize_row(type, w + r * cols, out + r * rb, (uint32_t)cols);
	return out;
}

/* The entry's floats in GGUF layout, encoded in its type. */
static void *encode(struct hf_model *m, struct hf_tensor *t, uint32_t type,
		    uint64_t nbytes)
{
	float *f = hf_tensor_f32(t);
	uint32_t heads = convert_permute_heads(m, t);

	if (!f)
		return NULL;
	if (heads && convert_permute_rows(f, t->rows, t->cols * sizeof(float), heads))
		return NULL;
	return encode_rows(type, f, t->rows, t->cols, nbytes);
}

static int write_tensor(struct hf_model *m, struct qplan_entry *e,
			struct gguf_writer *w, struct slmq_err *err)
{
	struct hf_tensor *t = e->t;
	uint64_t ne[2] = { t->cols, t->rows };
	uint64_t nbytes = slmq_row_bytes(e->type, t->cols) * t->rows;
	void *blocks = e->blocks;

	e->blocks = NULL;
	if (!blocks)
		blocks = encode(m, t, e->type, nbytes);
	hf_tensor_drop(t);
	if (!blocks)
		return slmq_fail(err, -ENOMEM, "out of memory");
	gguf_w_tensor(w, t->name, e->type, t->n_dims, ne, blocks, nbytes);
	return 0;
}

int convert_model(struct hf_model *m, struct qplan *plan,
		  struct gguf_writer *w, struct slmq_err *err)
{
	size_t i;
	int ret;

	write_metadata(m, plan, w);
	for (i = 0; i < plan->n; i++) {
		cli_progress("converting", i, plan->n);
		ret = write_tensor(m, &plan->e[i], w, err);
		if (ret)
			return ret;
	}
	cli_progress("converting", plan->n, plan->n);
	return 0;
}

int convert_vocab_to_buffer(const struct hf_model *m, void **buf, size_t *len,
			    struct slmq_err *err)
{
	struct gguf_writer *w = gguf_writer_new();
	int ret;

	if (!w)
		return slmq_fail(err, -ENOMEM, "out of memory");
	write_vocab(&m->vocab, w);
	ret = gguf_writer_finish(w, buf, len);
	gguf_writer_free(w);
	return ret ? slmq_fail(err, ret, "writing GGUF: %s", strerror(-ret)) : 0;
}

int convert_dir_to_buffer(const char *dir, uint32_t type, void **buf,
			  size_t *len, struct slmq_err *err)
{
	struct gguf_writer *w;
	struct hf_model m;
	struct qplan p;
	int ret;

	ret = hf_model_open(&m, dir, err);
	if (ret)
		return ret;
	ret = qplan_alloc(&p, &m, type, err);
	if (ret)
		goto out_close;
	w = gguf_writer_new();
	if (!w) {
		ret = slmq_fail(err, -ENOMEM, "out of memory");
		goto out_plan;
	}
	ret = convert_model(&m, &p, w, err);
	if (!ret) {
		ret = gguf_writer_finish(w, buf, len);
		if (ret)
			slmq_fail(err, ret, "writing GGUF: %s", strerror(-ret));
	}
	gguf_writer_free(w);
out_plan:
	qplan_free(&p);
out_close:
	hf_model_close(&m);
	return ret;
}
