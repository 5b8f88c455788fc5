// SPDX-License-Identifier: GPL-2.0
/* slmq_quantize()'s method stage: the calibrated pipeline and the finished blocks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmethod.h"
#include "qgroup.h"
#include "../cli.h"
#include "../../../kmod/engine/gguf.h"
#include "../../../kmod/engine/quant.h"
#include "../../../kmod/engine/tokenizer.h"

static const char *const method_names[] = { "rtn", "gptq", "awq", "awq+gptq" };

const char *slmq_quantize_method_name(enum qp_method m)
{
	return m < ARRAY_SIZE(method_names) ? method_names[m] : "?";
}

static const char *const lin_suffix[QP_N_LIN] = {
	"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down",
};

static float *tensor_f(struct hf_model *m, const char *name, struct slmq_err *err)
{
	struct hf_tensor *t = hf_model_tensor(m, name);
	float *f = t ? hf_tensor_f32(t) : NULL;

	if (!f)
		slmq_fail(err, t ? -ENOMEM : -ENOENT, "%s: %s", name,
			  t ? "out of memory" : "missing");
	return f;
}

/* The pipeline's view of the model: float caches of the HF tensors. */
static int build_qm(struct qmethod_state *st, struct slmq_err *err)
{
	struct hf_model *m = st->m;
	struct qp_model *q = &st->qm;
	struct qplan_entry *e;
	char name[96];
	u32 li, k;

	q->d = (struct lf_dims){ m->hp.n_embd, m->hp.n_head, m->hp.n_head_kv,
				 m->hp.head_dim, m->hp.n_ff, m->hp.rms_eps, m->hp.rope_theta };
	q->n_layer = m->hp.n_layer;
	q->n_vocab = m->hp.n_vocab;
	q->layers = calloc(q->n_layer, sizeof(*q->layers));
	st->lin = calloc((size_t)q->n_layer * QP_N_LIN, sizeof(*st->lin));
	if (!q->layers || !st->lin)
		return slmq_fail(err, -ENOMEM, "out of memory");
	if (!(q->tok_embd = tensor_f(m, "token_embd.weight", err)) ||
	    !(q->output_norm = tensor_f(m, "output_norm.weight", err)))
		return err->code;
	if (!m->hp.tied && (e = qplan_find(st->plan, "output.weight"))) {
		st->head.type = e->type;
		if (qg_type_ok(e->type) && !(q->output = tensor_f(m, "output.weight", err)))
			return err->code;
	}
	for (li = 0; li < q->n_layer; li++) {
		struct lf_weights *w = &q->layers[li];

		snprintf(name, sizeof(name), "blk.%u.attn_norm.weight", li);
		if (!(w->attn_norm = tensor_f(m, name, err)))
			return err->code;
		snprintf(name, sizeof(name), "blk.%u.ffn_norm.weight", li);
		if (!(w->ffn_norm = tensor_f(m, name, err)))
			return err->code;
		for (k = 0; k < QP_N_LIN; k++) {
			snprintf(name, sizeof(name), "blk.%u.%s.weight", li, lin_suffix[k]);
			if (!(*qp_lin_ptr(w, k) = tensor_f(m, name, err)))
				return err->code;
			e = qplan_find(st->plan, name);
			st->lin[li * QP_N_LIN + k].type = e ? e->type : SLMQ_TYPE_F16;
		}
	}
	return 0;
}

/*
 * The engine's own tokenizer of m (what the converted model would carry),
 * built from the tokenizer metadata alone: no weight is converted.
 */
static int engine_vocab(const struct hf_model *m, struct slmq_vocab *v,
			struct slmq_err *err)
{
	struct slmq_gguf g;
	size_t len;
	void *buf;
	int rc = convert_vocab_to_buffer(m, &buf, &len, err);

	if (rc)
		return rc;
	rc = slmq_gguf_parse(&g, buf, len, &cli_allocator, err);
	if (!rc) {
		rc = slmq_vocab_load(v, &g, &cli_allocator, err);
		slmq_gguf_release(&g, &cli_allocator);
	}
	free(buf);
	return rc;
}

static int load_calib(struct qmethod_state *st, struct calib_set *cs, struct slmq_err *err)
{
	struct calib_opts co = { st->p.calib, st->p.calib_samples,
				 st->p.calib_seqlen ? st->p.calib_seqlen : st->m->hp.n_ctx_train,
				 st->p.seed, st->p.eval };
	size_t l = strlen(co.path);
	char msg[SLMQ_ERR_MSG_LEN];
	struct slmq_vocab v;
	int rc;

	if (l >= 4 && !strcmp(co.path + l - 4, ".bin"))
		rc = calib_load(&co, NULL, st->m->hp.n_vocab, cs, err);
	else {
		/* text: tokenize with the model's own tokenizer (the engine's) */
		rc = engine_vocab(st->m, &v, err);
		if (rc)
			return rc;
		rc = calib_load(&co, &v, st->m->hp.n_vocab, cs, err);
		slmq_vocab_release(&v, &cli_allocator);
	}
	if (!rc)
		return 0;
	snprintf(msg, sizeof(msg), "%s", err->msg);
	return slmq_fail(err, rc, "--calib %s", msg);
}

static int run_pipeline(struct qmethod_state *st, struct slmq_err *err)
{
	struct qp_opts po = { st->p.method, st->p.group_size, st->p.damp, st->p.act_order, true };
	struct calib_set cs;
	int rc;

	if (!st->p.calib)
		return slmq_fail(err, -EINVAL, "--method %s needs calibration data (--calib FILE)",
				 method_names[st->p.method]);
	rc = build_qm(st, err);
	if (!rc)
		rc = load_calib(st, &cs, err);
	if (rc)
		return rc;
	rc = qp_run(&st->qm, &cs, &po, st->lin, &st->head, &st->rep, err);
	calib_free(&cs);
	if (rc)
		return rc;
	st->ran = true;
	return 0;
}

/* GGUF row r of a llama.cpp-permuted q/k matrix is this HF row. */
static u32 hf_row_of(u32 r, u32 hd)
{
	return r / hd * hd + (r % 2) * (hd / 2) + (r % hd) / 2;
}

static struct qp_tensor *result_for(struct qmethod_state *st, const struct hf_tensor *t)
{
	static const int kind_lin[HF_N_KINDS] = {
		[HF_ATTN_Q] = QP_Q + 1, [HF_ATTN_K] = QP_K + 1, [HF_ATTN_V] = QP_V + 1,
		[HF_ATTN_OUT] = QP_O + 1, [HF_FFN_GATE] = QP_GATE + 1,
		[HF_FFN_UP] = QP_UP + 1, [HF_FFN_DOWN] = QP_DOWN + 1,
	};

	if (!st->ran)
		return NULL;
	if (t->kind == HF_OUTPUT)
		return &st->head;
	if (t->layer < 0 || !kind_lin[t->kind])
		return NULL;
	return &st->lin[(size_t)t->layer * QP_N_LIN + kind_lin[t->kind] - 1];
}

/*
 * Blocks computed in HF row order, put in GGUF row order (the q/k
 * permutation the writer gives the floats); each row is checked against the
 * weights the pipeline left in the cache, which are the dequantized blocks:
 * any mismatch is a bug here.
 */
static int hand_blocks(struct qmethod_state *st, struct qplan_entry *e,
		       const struct qp_tensor *qt, struct slmq_err *err)
{
	u32 rows = (u32)e->t->rows, cols = (u32)e->t->cols, r, src;
	size_t rb = slmq_row_bytes(e->type, cols);
	bool perm = e->t->kind == HF_ATTN_Q || e->t->kind == HF_ATTN_K;
	const float *w = hf_tensor_f32(e->t);
	float *row = malloc(cols * sizeof(float));
	u8 *out = malloc(qt->nbytes);

	if (!w || !row || !out || qt->nbytes != rows * rb) {
		free(row);
		free(out);
		return slmq_fail(err, -ENOMEM, "%s: out of memory", e->t->name);
	}
	for (r = 0; r < rows; r++) {
		src = perm ? hf_row_of(r, st->m->hp.head_dim) : r;
		memcpy(out + r * rb, (u8 *)qt->blocks + src * rb, rb);
		slmq_dequantize_row(e->type, out + r * rb, row, cols);
		if (memcmp(row, w + (size_t)src * cols, cols * sizeof(float))) {
			free(row);
			free(out);
			return slmq_fail(err, -EPROTO, "%s: quantized row %u does not match its weights",
					 e->t->name, r);
		}
	}
	free(row);
	e->blocks = out;
	return 0;
}

/* RTN with groups of 64/128: the group's scale repeated in each block. */
static int group_rtn(struct qmethod_state *st, struct qplan_entry *e,
		     struct slmq_err *err)
{
	u32 rows = (u32)e->t->rows, cols = (u32)e->t->cols, r;
	u32 heads = convert_permute_heads(st->m, e->t);
	size_t rb = slmq_row_bytes(e->type, cols);
	const float *w = hf_tensor_f32(e->t);
	u8 *out = malloc(rows * rb);

	if (!w || !out) {
		free(out);
		return slmq_fail(err, -ENOMEM, "%s: out of memory", e->t->name);
	}
	for (r = 0; r < rows; r++)
		qg_quantize_row(e->type, w + (size_t)r * cols, cols, st->p.group_size,
				out + r * rb, NULL);
	/* rows quantize independently: permuting blocks = quantizing permuted rows */
	if (heads && convert_permute_rows(out, rows, rb, heads)) {
		free(out);
		return slmq_fail(err, -ENOMEM, "%s: out of memory", e->t->name);
	}
	e->blocks = out;
	return 0;
}

/*
 * The plan entries whose bytes are not the writer's round-to-nearest of the
 * cached floats get their blocks here; their float caches are then done with.
 */
static int make_blocks(struct qmethod_state *st, struct slmq_err *err)
{
	size_t i;
	int ret;

	for (i = 0; i < st->plan->n; i++) {
		struct qplan_entry *e = &st->plan->e[i];
		struct qp_tensor *qt = result_for(st, e->t);

		if (qt && qt->blocks && qt->type == e->type)
			ret = hand_blocks(st, e, qt, err);
		else if (qg_type_ok(e->type) && st->p.group_size != SLMQ_QK)
			ret = group_rtn(st, e, err);
		else
			continue;	/* the writer's RTN (bit-exact ggml) */
		if (ret)
			return ret;
		hf_tensor_drop(e->t);
	}
	return 0;
}

int qmethod_run(struct qmethod_state *st, const struct slmq_quantize_params *p,
		struct hf_model *m, struct qplan *plan, struct slmq_err *err)
{
	double t0 = cli_now();
	int rc = 0;

	memset(st, 0, sizeof(*st));
	st->p = *p;
	st->m = m;
	st->plan = plan;
	if (p->method != QP_RTN)
		rc = run_pipeline(st, err);
	if (!rc)
		rc = make_blocks(st, err);
	st->seconds = cli_now() - t0;
	return rc;
}

static const char *became(const struct qmethod_state *st, const struct qplan_entry *e)
{
	const struct qp_tensor *qt = result_for((struct qmethod_state *)st, e->t);

	if (!qg_type_ok(e->type))
		return "float";
	return qt && qt->blocks ? method_names[st->p.method] : "rtn";
}

void qmethod_report(const struct qmethod_state *st, struct json_object *obj)
{
	struct json_object *ts = json_object_new_array(), *q = json_object_new_object();
	size_t i;

	json_object_object_add(q, "method", json_object_new_string(method_names[st->p.method]));
	json_object_object_add(q, "group_size", json_object_new_int(st->p.group_size));
	json_object_object_add(q, "act_order", json_object_new_boolean(st->p.act_order));
	if (st->p.mixed)
		json_object_object_add(q, "mixed", json_object_new_string(st->p.mixed));
	if (st->ran) {
		json_object_object_add(q, "calib", json_object_new_string(st->p.calib));
		json_object_object_add(q, "calib_tokens", json_object_new_int64(st->rep.calib_tokens));
		json_object_object_add(q, "damp", json_object_new_double(st->p.damp));
		json_object_object_add(q, "damp_max", json_object_new_double(st->rep.damp_max));
		json_object_object_add(q, "damp_raises", json_object_new_int(st->rep.damp_raises));
		json_object_object_add(q, "dead_columns", json_object_new_int(st->rep.dead_cols));
		json_object_object_add(q, "pipeline_seconds", json_object_new_double(st->rep.seconds));
		json_object_object_add(q, "stats_seconds", json_object_new_double(st->rep.t_stats));
		json_object_object_add(q, "quant_seconds", json_object_new_double(st->rep.t_quant));
		json_object_object_add(q, "advance_seconds", json_object_new_double(st->rep.t_advance));
	}
	json_object_object_add(q, "seconds", json_object_new_double(st->seconds));
	json_object_object_add(q, "peak_rss_mb", json_object_new_double(qp_peak_rss_kb() / 1024.0));
	for (i = 0; i < st->plan->n; i++) {
		const struct qplan_entry *e = &st->plan->e[i];
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "name", json_object_new_string(e->t->name));
		json_object_object_add(t, "type", json_object_new_string(convert_type_name(e->type)));
		json_object_object_add(t, "by", json_object_new_string(became(st, e)));
		json_object_array_add(ts, t);
	}
	json_object_object_add(q, "tensors", ts);
	json_object_object_add(obj, "quantization", q);
}

void qmethod_release(struct qmethod_state *st)
{
	size_t i;

	if (st->lin)
		for (i = 0; i < (size_t)st->qm.n_layer * QP_N_LIN; i++)
			free(st->lin[i].blocks);
	free(st->lin);
	free(st->head.blocks);
	free(st->qm.layers);
	memset(st, 0, sizeof(*st));
}
