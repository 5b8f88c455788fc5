// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl quantize: Hugging Face Llama directory -> OUT_DIR/model.gguf with
 * quantized weights.
 *
 * Types (a documented choice, overridable with --embd-type/--output-type):
 *   decoder linears  --bits 8: Q8_0;  --bits 4: Q4_0, or Q4_1 with --asym
 *   token_embd       Q8_0: only one row is read per token, so it costs no
 *                    decode time, and int8 keeps it near-lossless
 *   output           Q8_0: the head is the most sensitive matrix (llama.cpp
 *                    also keeps it at higher precision), yet at F16 it would
 *                    be a quarter of a small model's decode traffic
 *   norms            F32, as llama.cpp
 *
 * This file owns the command line's core (paths, bits, types, output); the
 * methods (--method rtn|gptq|awq|awq+gptq, --calib, --group-size, --mixed,
 * ...) live in quant/qmethod.c, which edits the plan and supplies the
 * convert hook.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../kmod/engine/blocks.h"
#include "cli.h"
#include "plan_report.h"
#include "quant/qmethod.h"
#include "validate/auto.h"

#define USAGE_CORE "MODEL_DIR -o OUT_DIR --bits 8|4 [--asym] [--embd-type T] [--output-type T] [--json] "

struct quant_args {
	const char *model_dir, *out_dir;
	const char *embd, *output;
	int bits;
	bool asym;
	uint32_t weight_type, embd_type, out_type;
	struct qmethod_opts mo;
};

/* 1 when argv[*i] is a core option (consumed), 0 when not, -1 on error. */
static int parse_core(struct quant_args *q, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (!strcmp(a, "--asym")) {
		q->asym = true;
		return 1;
	}
	if (!strcmp(a, "--json"))
		return 1;
	if (strcmp(a, "-o") && strcmp(a, "--bits") && strcmp(a, "--embd-type") &&
	    strcmp(a, "--output-type"))
		return 0;
	if (!v)
		return cli_fail("quantize: %s needs a value", a), -1;
	++*i;
	if (!strcmp(a, "-o"))
		q->out_dir = v;
	else if (!strcmp(a, "--bits"))
		q->bits = !strcmp(v, "8") ? 8 : !strcmp(v, "4") ? 4 : -1;
	else if (!strcmp(a, "--embd-type"))
		q->embd = v;
	else
		q->output = v;
	return 1;
}

static int side_type(const char *s, const char *what, uint32_t *t)
{
	int v;

	*t = SLMQ_TYPE_Q8_0;
	if (!s)
		return 0;
	v = convert_parse_type(s);
	if (v < 0)
		return cli_fail("quantize: %s '%s' is not f32, f16, q8_0, q4_0 or q4_1", what, s);
	*t = (uint32_t)v;
	return 0;
}

static int parse_args(struct quant_args *q, int argc, char **argv)
{
	int i, r;

	qmethod_defaults(&q->mo);
	for (i = 1; i < argc; i++) {
		r = parse_core(q, argc, argv, &i);
		if (!r)
			r = qmethod_parse_opt(&q->mo, argc, argv, &i);
		if (r < 0)
			return 1;
		if (r)
			continue;
		if (argv[i][0] == '-' || q->model_dir)
			return cli_fail("quantize: unexpected argument '%s' (usage: slmqctl quantize %s%s)",
					argv[i], USAGE_CORE, qmethod_usage);
		q->model_dir = argv[i];
	}
	if (!q->model_dir || !q->out_dir)
		return cli_fail("quantize: need MODEL_DIR and -o OUT_DIR");
	if (q->bits != 8 && q->bits != 4)
		return cli_fail("quantize: --bits must be 8 or 4");
	if (q->asym && q->bits != 4)
		return cli_fail("quantize: --asym needs --bits 4 (8 bits is symmetric Q8_0)");
	if (side_type(q->embd, "--embd-type", &q->embd_type) ||
	    side_type(q->output, "--output-type", &q->out_type))
		return 1;
	q->weight_type = q->bits == 8 ? SLMQ_TYPE_Q8_0 :
			 q->asym ? SLMQ_TYPE_Q4_1 : SLMQ_TYPE_Q4_0;
	q->mo.bits = (u32)q->bits;
	q->mo.asym = q->asym;
	return 0;
}

/* slmq.quantization_config: the command line's choices plus the method's report. */
static char *config_json(const struct quant_args *q, const struct qmethod_state *st)
{
	struct json_object *o = json_object_new_object();
	char *s;

	json_object_object_add(o, "bits", json_object_new_int(q->bits));
	json_object_object_add(o, "asym", json_object_new_boolean(q->asym));
	json_object_object_add(o, "weight_type",
			       json_object_new_string(convert_type_name(q->weight_type)));
	json_object_object_add(o, "embd_type", json_object_new_string(convert_type_name(q->embd_type)));
	json_object_object_add(o, "output_type", json_object_new_string(convert_type_name(q->out_type)));
	qmethod_report(st, o);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static int write_out(const struct quant_args *q, struct hf_model *m,
		     struct qplan *plan, struct convert_hook *hook, char *path,
		     size_t n, struct slmq_err *err)
{
	struct gguf_writer *w;
	int ret;

	if (mkdir(q->out_dir, 0755) < 0 && errno != EEXIST)
		return slmq_fail(err, -errno, "%s: %s", q->out_dir, strerror(errno));
	snprintf(path, n, "%s/model.gguf", q->out_dir);
	w = gguf_writer_new();
	if (!w)
		return slmq_fail(err, -ENOMEM, "out of memory");
	ret = convert_model(m, plan, hook, w, err);
	if (!ret) {
		ret = gguf_writer_write_file(w, path);
		if (ret)
			slmq_fail(err, ret, "%s: %s", path, strerror(-ret));
	}
	gguf_writer_free(w);
	return ret;
}

/* The engine must accept what we wrote: load it back once. */
static int verify(const char *path, struct slmq_err *err)
{
	struct cli_model cm;
	int ret = cli_model_open(path, &cm, err);

	if (!ret)
		cli_model_close(&cm);
	return ret;
}

static void report(const struct quant_args *q, const struct qmethod_state *st,
		   const struct qplan *plan, const char *path)
{
	unsigned long long bytes, params;
	double bpw;
	struct json_object *o;

	plan_totals(plan, &bytes, &params);
	bpw = params ? 8.0 * (double)bytes / (double)params : 0.0;
	if (!cli_quiet) {
		qmethod_print(st);
		printf("%llu parameters, %llu bytes of weights (%.3f bits/weight)\nwrote %s\n",
		       params, bytes, bpw, path);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "output", json_object_new_string(path));
	json_object_object_add(o, "bits", json_object_new_int(q->bits));
	json_object_object_add(o, "asym", json_object_new_boolean(q->asym));
	json_object_object_add(o, "file_type", json_object_new_int((int)plan->file_type));
	json_object_object_add(o, "n_params", json_object_new_int64((int64_t)params));
	json_object_object_add(o, "weight_bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "bits_per_weight", json_object_new_double(bpw));
	json_object_object_add(o, "tensors", plan_report_json(plan));
	qmethod_report(st, o);
	cli_print_json(o);
}

static int quantize(struct quant_args *q, struct hf_model *m, struct slmq_err *err)
{
	struct convert_hook hook = { 0 };
	struct qmethod_state st = { 0 };
	struct qplan plan;
	char path[4200];
	int ret;

	ret = qplan_init(&plan, m, q->weight_type, q->embd_type, q->out_type, err);
	if (ret)
		return ret;
	ret = qmethod_prepare(&st, &q->mo, m, &plan, &hook, err);
	if (!ret) {
		plan.config_json = config_json(q, &st);
		ret = write_out(q, m, &plan, &hook, path, sizeof(path), err);
	}
	if (!ret)
		ret = verify(path, err);
	if (!ret)
		report(q, &st, &plan, path);
	qmethod_release(&st);
	qplan_free(&plan);
	return ret;
}

static int cmd_quantize(int argc, char **argv)
{
	struct quant_args q = { 0 };
	struct slmq_err err = { 0 };
	struct hf_model m;
	int ret;

	/* --auto: the validation engineer's acceptance loop (validate/auto.c). */
	if (quantize_auto_requested(argc, argv))
		return quantize_auto(argc, argv);
	if (parse_args(&q, argc, argv))
		return 1;
	if (hf_model_open(&m, q.model_dir, &err))
		return cli_fail("%s: %s", q.model_dir, err.msg);
	ret = quantize(&q, &m, &err);
	hf_model_close(&m);
	return ret ? cli_fail("quantize: %s", err.msg) : 0;
}

SLMQCTL_COMMAND("quantize", cmd_quantize,
		"MODEL_DIR -o OUT_DIR --bits 8|4 [--asym] [--method rtn|gptq|awq|awq+gptq] "
		"[--group-size 32|64|128] [--calib FILE] [--mixed SPEC] [--embd-type T] "
		"[--output-type T] [--auto [--eval F] [--bench F] [--checkpoints DIR...] [thresholds]] [--json]",
		"quantize a Hugging Face Llama directory to OUT_DIR/model.gguf");
