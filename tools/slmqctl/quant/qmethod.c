// SPDX-License-Identifier: GPL-2.0
/* slmqctl quantize: methods, plan edits, pipeline and convert hook. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmethod.h"
#include "qgroup.h"
#include "../cli.h"
#include "../../../kmod/engine/quant.h"

const char qmethod_usage[] =
	"[--method rtn|gptq|awq|awq+gptq] [--calib FILE] [--calib-samples N] "
	"[--calib-seqlen N] [--seed N] [--damp F] [--act-order] "
	"[--group-size 32|64|128] [--mixed SPEC|preset] [--eval FILE]";

static const char *const method_names[] = { "rtn", "gptq", "awq", "awq+gptq" };

void qmethod_defaults(struct qmethod_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->method = QP_RTN;
	o->samples = CALIB_DEFAULT_SAMPLES;
	o->seed = 1234;
	o->damp = 0.01f;
	o->group_size = 32;
	o->bits = 4;
}

static int num(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno || end == v || *end || *out < lo || *out > hi) {
		cli_fail("%s: '%s' is not a number in [%g, %g]", opt, v, lo, hi);
		return -1;
	}
	return 0;
}

int qmethod_parse_opt(struct qmethod_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	double d;
	u32 k;

	if (!strcmp(a, "--act-order")) {
		o->act_order = true;
		return 1;
	}
	if (strcmp(a, "--method") && strcmp(a, "--calib") && strcmp(a, "--calib-samples") &&
	    strcmp(a, "--calib-seqlen") && strcmp(a, "--seed") && strcmp(a, "--damp") &&
	    strcmp(a, "--group-size") && strcmp(a, "--mixed") && strcmp(a, "--eval"))
		return 0;
	if (!v) {
		cli_fail("%s needs a value", a);
		return -1;
	}
	(*i)++;
	if (!strcmp(a, "--method")) {
		for (k = 0; k < ARRAY_SIZE(method_names); k++)
			if (!strcmp(v, method_names[k])) {
				o->method = k;
				return 1;
			}
		cli_fail("--method: '%s' is not rtn, gptq, awq or awq+gptq", v);
		return -1;
	}
	if (!strcmp(a, "--calib"))
		o->calib = v;
	else if (!strcmp(a, "--mixed"))
		o->mixed = v;
	else if (!strcmp(a, "--eval"))
		o->eval = v;
	else if (!strcmp(a, "--damp")) {
		if (num(a, v, 0, 10, &d))
			return -1;
		o->damp = (float)d;
	} else {
		if (num(a, v, 0, 1e15, &d))
			return -1;
		if (d != (double)(u64)d) {
			cli_fail("%s: '%s' is not a whole number", a, v);
			return -1;
		}
		if (!strcmp(a, "--seed")) {
			o->seed = (u64)d;
		} else if (d > 1u << 24 || !d) {
			cli_fail("%s: %s is out of range", a, v);
			return -1;
		} else if (!strcmp(a, "--calib-samples")) {
			o->samples = (u32)d;
		} else if (!strcmp(a, "--calib-seqlen")) {
			o->seqlen = (u32)d;
		} else if (d != 32 && d != 64 && d != 128) {
			cli_fail("--group-size: %s is not 32, 64 or 128", v);
			return -1;
		} else {
			o->group_size = (u32)d;
		}
	}
	return 1;
}

static bool is_weight(const struct hf_tensor *t)
{
	return t->n_dims == 2;
}

/* --mixed rules, then every block-typed tensor must hold whole groups. */
static int plan_edit(struct qmethod_state *st, struct slmq_err *err)
{
	struct qplan *p = st->plan;
	struct mixed_map mm;
	char msg[200];
	size_t i;

	if (st->o.mixed) {
		if (mixed_parse(st->o.mixed, st->o.asym, &mm, msg, sizeof(msg)))
			return slmq_fail(err, -EINVAL, "%s", msg);
		for (i = 0; i < p->n; i++) {
			struct qplan_entry *e = &p->e[i];

			if (!is_weight(e->t))
				continue;
			e->type = mixed_type_for(&mm, e->t->name, e->type);
			if (qg_type_ok(e->type) && e->t->cols % SLMQ_QK)
				e->type = SLMQ_TYPE_F16;	/* as qplan_init falls back */
		}
	}
	for (i = 0; i < p->n; i++) {
		struct qplan_entry *e = &p->e[i];

		if (qg_type_ok(e->type) && e->t->cols % st->o.group_size)
			return slmq_fail(err, -EINVAL,
					 "%s: row length %llu is not a multiple of --group-size %u",
					 e->t->name, (unsigned long long)e->t->cols,
					 st->o.group_size);
	}
	return 0;
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

static int load_calib(struct qmethod_state *st, struct calib_set *cs, struct slmq_err *err)
{
	struct calib_opts co = { st->o.calib, st->o.samples,
				 st->o.seqlen ? st->o.seqlen : st->m->hp.n_ctx_train,
				 st->o.seed, st->o.eval };
	size_t l = strlen(co.path);
	struct cli_model cm;
	char msg[300];
	int rc;

	if (l >= 4 && !strcmp(co.path + l - 4, ".bin"))
		rc = calib_load(&co, NULL, st->m->hp.n_vocab, cs, msg, sizeof(msg));
	else {
		/* text: tokenize with the model's own tokenizer (the engine's) */
		rc = cli_model_open(st->m->dir, &cm, err);
		if (rc)
			return rc;
		rc = calib_load(&co, &cm.model.vocab, st->m->hp.n_vocab, cs, msg, sizeof(msg));
		cli_model_close(&cm);
	}
	return rc ? slmq_fail(err, rc, "--calib %s", msg) : 0;
}

static int run_pipeline(struct qmethod_state *st, struct slmq_err *err)
{
	struct qp_opts po = { st->o.method, st->o.group_size, st->o.damp, st->o.act_order, true };
	struct calib_set cs;
	char msg[300];
	int rc;

	if (!st->o.calib)
		return slmq_fail(err, -EINVAL, "--method %s needs calibration data (--calib FILE)",
				 method_names[st->o.method]);
	rc = build_qm(st, err);
	if (!rc)
		rc = load_calib(st, &cs, err);
	if (rc)
		return rc;
	rc = qp_run(&st->qm, &cs, &po, st->lin, &st->head, &st->rep, msg, sizeof(msg));
	calib_free(&cs);
	if (rc)
		return slmq_fail(err, rc, "%s", msg);
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
 * Blocks computed in HF row order, reordered like the converter reordered
 * the floats; then checked against those floats, which are the dequantized
 * weights the pipeline left in the cache: any mismatch is a bug here.
 */
static int hand_blocks(struct qmethod_state *st, struct qplan_entry *e,
		       struct qp_tensor *qt, const float *w, void **blocks,
		       struct slmq_err *err)
{
	u32 rows = (u32)e->t->rows, cols = (u32)e->t->cols, r, src;
	size_t rb = slmq_row_bytes(e->type, cols);
	bool perm = e->t->kind == HF_ATTN_Q || e->t->kind == HF_ATTN_K;
	float *row = malloc(cols * sizeof(float));
	u8 *out = malloc(qt->nbytes);

	if (!row || !out || qt->nbytes != rows * rb) {
		free(row);
		free(out);
		return slmq_fail(err, -ENOMEM, "%s: out of memory", e->t->name);
	}
	for (r = 0; r < rows; r++) {
		src = perm ? hf_row_of(r, st->m->hp.head_dim) : r;
		memcpy(out + r * rb, (u8 *)qt->blocks + src * rb, rb);
		slmq_dequantize_row(e->type, out + r * rb, row, cols);
		if (memcmp(row, w + (size_t)r * cols, cols * sizeof(float))) {
			free(row);
			free(out);
			return slmq_fail(err, -EPROTO, "%s: quantized row %u does not match its weights",
					 e->t->name, r);
		}
	}
	free(row);
	*blocks = out;
	return 0;
}

static int hook_tensor(void *ctx, struct qplan_entry *e, float *w, void **blocks,
		       struct slmq_err *err)
{
	struct qmethod_state *st = ctx;
	struct qp_tensor *qt = result_for(st, e->t);
	u32 rows = (u32)e->t->rows, cols = (u32)e->t->cols, r;
	size_t rb;
	u8 *out;

	if (qt && qt->blocks && qt->type == e->type)
		return hand_blocks(st, e, qt, w, blocks, err);
	if (!qg_type_ok(e->type) || st->o.group_size == SLMQ_QK)
		return 0;	/* the converter's RTN (bit-exact ggml) */
	/* RTN with groups of 64/128: the group's scale repeated per block */
	rb = slmq_row_bytes(e->type, cols);
	out = malloc(rows * rb);
	if (!out)
		return slmq_fail(err, -ENOMEM, "%s: out of memory", e->t->name);
	for (r = 0; r < rows; r++)
		qg_quantize_row(e->type, w + (size_t)r * cols, cols, st->o.group_size,
				out + r * rb, NULL);
	*blocks = out;
	return 0;
}

int qmethod_prepare(struct qmethod_state *st, const struct qmethod_opts *o,
		    struct hf_model *m, struct qplan *plan,
		    struct convert_hook *hook, struct slmq_err *err)
{
	double t0 = cli_now();
	int rc;

	memset(st, 0, sizeof(*st));
	st->o = *o;
	st->m = m;
	st->plan = plan;
	hook->tensor = hook_tensor;
	hook->ctx = st;
	rc = plan_edit(st, err);
	if (!rc && o->method != QP_RTN)
		rc = run_pipeline(st, err);
	st->seconds = cli_now() - t0;
	return rc;
}

static const char *became(const struct qmethod_state *st, const struct qplan_entry *e)
{
	const struct qp_tensor *qt = result_for((struct qmethod_state *)st, e->t);

	if (!qg_type_ok(e->type))
		return "float";
	return qt && qt->blocks ? method_names[st->o.method] : "rtn";
}

void qmethod_report(const struct qmethod_state *st, struct json_object *obj)
{
	struct json_object *ts = json_object_new_array(), *q = json_object_new_object();
	size_t i;

	json_object_object_add(q, "method", json_object_new_string(method_names[st->o.method]));
	json_object_object_add(q, "group_size", json_object_new_int(st->o.group_size));
	json_object_object_add(q, "act_order", json_object_new_boolean(st->o.act_order));
	if (st->o.mixed)
		json_object_object_add(q, "mixed", json_object_new_string(st->o.mixed));
	if (st->ran) {
		json_object_object_add(q, "calib", json_object_new_string(st->o.calib));
		json_object_object_add(q, "calib_tokens", json_object_new_int64(st->rep.calib_tokens));
		json_object_object_add(q, "damp", json_object_new_double(st->o.damp));
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

void qmethod_print(const struct qmethod_state *st)
{
	size_t i;

	if (cli_quiet)
		return;
	for (i = 0; i < st->plan->n; i++) {
		const struct qplan_entry *e = &st->plan->e[i];

		printf("  %-28s %-5s %s\n", e->t->name, convert_type_name(e->type), became(st, e));
	}
	if (st->ran)
		printf("%s on %llu calibration tokens: %.1f s, damping raised %u times, peak RSS %.0f MB\n",
		       method_names[st->o.method], (unsigned long long)st->rep.calib_tokens,
		       st->rep.seconds, st->rep.damp_raises, qp_peak_rss_kb() / 1024.0);
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

SLMQCTL_OPTIONS("quantize", quantize_qmethod, qmethod_usage);
