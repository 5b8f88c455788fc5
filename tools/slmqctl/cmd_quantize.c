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
 * --group-size 64/128 fits one scale per group and repeats it in each
 * 32-weight block of the group (exact plain Q4_0/Q4_1/Q8_0 blocks).
 *
 * Methods, extra options and planners register themselves (quantize.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../kmod/engine/blocks.h"
#include "../../kmod/engine/quant.h"
#include "cli.h"
#include "plan_report.h"
#include "quant/qgroup.h"
#include "quantize.h"

extern const struct quant_method __start_slmq_quant_methods[] __attribute__((weak));
extern const struct quant_method __stop_slmq_quant_methods[] __attribute__((weak));
extern const struct quant_option __start_slmq_quant_opts[] __attribute__((weak));
extern const struct quant_option __stop_slmq_quant_opts[] __attribute__((weak));
extern const struct quant_planner __start_slmq_quant_planners[] __attribute__((weak));
extern const struct quant_planner __stop_slmq_quant_planners[] __attribute__((weak));

#define USAGE "MODEL_DIR -o OUT_DIR --method rtn --bits 8|4 [--asym] [--group-size 32|64|128] " \
	"[--embd-type T] [--output-type T] [--json]"

const char *quant_opt(const struct quant_ctx *q, const char *name)
{
	const struct quant_option *o;

	for (o = __start_slmq_quant_opts; o && o < __stop_slmq_quant_opts; o++)
		if (!strcmp(o->name, name) && o - __start_slmq_quant_opts < QUANT_MAX_OPTS)
			return q->opt_val[o - __start_slmq_quant_opts];
	return NULL;
}

static const struct quant_method *find_method(const char *name)
{
	const struct quant_method *m;

	for (m = __start_slmq_quant_methods; m && m < __stop_slmq_quant_methods; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

/* A registered extra option at argv[*i]: 1 when consumed, 0 when not ours, -1 on error. */
static int parse_extra(struct quant_ctx *q, int argc, char **argv, int *i)
{
	const struct quant_option *o;

	for (o = __start_slmq_quant_opts; o && o < __stop_slmq_quant_opts; o++) {
		size_t idx = (size_t)(o - __start_slmq_quant_opts);

		if (strcmp(o->name, argv[*i]) || idx >= QUANT_MAX_OPTS)
			continue;
		if (!o->has_arg) {
			q->opt_val[idx] = "1";
			return 1;
		}
		if (*i + 1 >= argc)
			return cli_fail("quantize: %s needs %s", o->name, o->arg), -1;
		q->opt_val[idx] = argv[++*i];
		return 1;
	}
	return 0;
}

struct type_args {
	const char *embd, *output;
};

static int parse_core(struct quant_ctx *q, struct type_args *ta, int argc,
		      char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (!strcmp(a, "--asym")) {
		q->asym = true;
		return 1;
	}
	if (!strcmp(a, "--json"))
		return 1;
	if (strcmp(a, "-o") && strcmp(a, "--method") && strcmp(a, "--bits") &&
	    strcmp(a, "--group-size") && strcmp(a, "--embd-type") &&
	    strcmp(a, "--output-type"))
		return 0;
	if (!v)
		return cli_fail("quantize: %s needs a value", a), -1;
	++*i;
	if (!strcmp(a, "-o"))
		q->out_dir = v;
	else if (!strcmp(a, "--method"))
		q->method = v;
	else if (!strcmp(a, "--bits"))
		q->bits = atoi(v);
	else if (!strcmp(a, "--group-size"))
		q->group_size = (uint32_t)strtoul(v, NULL, 10);
	else if (!strcmp(a, "--embd-type"))
		ta->embd = v;
	else
		ta->output = v;
	return 1;
}

static int parse_args(struct quant_ctx *q, struct type_args *ta, int argc,
		      char **argv)
{
	int i, r;

	q->method = "rtn";
	q->group_size = 32;
	for (i = 1; i < argc; i++) {
		r = parse_core(q, ta, argc, argv, &i);
		if (!r)
			r = parse_extra(q, argc, argv, &i);
		if (r < 0)
			return 1;
		if (r)
			continue;
		if (argv[i][0] == '-' || q->model_dir)
			return cli_fail("quantize: unexpected argument '%s' (usage: slmqctl quantize %s)",
					argv[i], USAGE);
		q->model_dir = argv[i];
	}
	if (!q->model_dir || !q->out_dir)
		return cli_fail("quantize: need MODEL_DIR and -o OUT_DIR");
	if (q->bits != 8 && q->bits != 4)
		return cli_fail("quantize: --bits must be 8 or 4");
	if (q->asym && q->bits != 4)
		return cli_fail("quantize: --asym needs --bits 4 (8 bits is symmetric Q8_0)");
	if (q->group_size != 32 && q->group_size != 64 && q->group_size != 128)
		return cli_fail("quantize: --group-size must be 32, 64 or 128");
	if (!find_method(q->method))
		return cli_fail("quantize: unknown method '%s'", q->method);
	q->weight_type = q->bits == 8 ? SLMQ_TYPE_Q8_0 :
			 q->asym ? SLMQ_TYPE_Q4_1 : SLMQ_TYPE_Q4_0;
	return 0;
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

/* --- RTN ------------------------------------------------------------------- */

/* Groups wider than a block: one scale per group, repeated in its blocks. */
static int rtn_group_hook(void *ctx, struct qplan_entry *e, float *w,
			  void **blocks, struct slmq_err *err)
{
	const struct quant_ctx *q = ctx;
	uint64_t rb = slmq_row_bytes(e->type, e->t->cols), r;
	uint8_t *out;

	if (!qg_type_ok(e->type) || e->t->cols % q->group_size)
		return 0;	/* plain 32-blocks */
	out = malloc(rb * e->t->rows);
	if (!out)
		return slmq_fail(err, -ENOMEM, "out of memory");
	for (r = 0; r < e->t->rows; r++)
		qg_quantize_row(e->type, w + r * e->t->cols, (u32)e->t->cols,
				q->group_size, out + r * rb, NULL);
	*blocks = out;
	return 0;
}

static int rtn_prepare(struct quant_ctx *q, struct slmq_err *err)
{
	if (q->group_size != 32) {
		q->hook.tensor = rtn_group_hook;
		q->hook.ctx = q;
	}
	return 0;
}

SLMQ_QUANT_METHOD("rtn", rtn_prepare, NULL);

/* --- the command --------------------------------------------------------------- */

static char *config_json(const struct quant_ctx *q, const struct type_args *ta)
{
	struct json_object *o = json_object_new_object();
	char *s;

	json_object_object_add(o, "method", json_object_new_string(q->method));
	json_object_object_add(o, "bits", json_object_new_int(q->bits));
	json_object_object_add(o, "asym", json_object_new_boolean(q->asym));
	json_object_object_add(o, "group_size", json_object_new_int((int)q->group_size));
	json_object_object_add(o, "weight_type",
			       json_object_new_string(convert_type_name(q->weight_type)));
	json_object_object_add(o, "embd_type", json_object_new_string(ta->embd ? ta->embd : "q8_0"));
	json_object_object_add(o, "output_type",
			       json_object_new_string(ta->output ? ta->output : "q8_0"));
	if (q->report)
		json_object_object_add(o, "details", json_object_get(q->report));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static int run_planners(struct quant_ctx *q, struct slmq_err *err)
{
	const struct quant_planner *p;
	int ret;

	for (p = __start_slmq_quant_planners; p && p < __stop_slmq_quant_planners; p++) {
		ret = p->run(q, err);
		if (ret)
			return ret;
	}
	return 0;
}

static int write_out(struct quant_ctx *q, char *path, size_t n,
		     struct slmq_err *err)
{
	struct gguf_writer *w = gguf_writer_new();
	int ret;

	if (!w)
		return slmq_fail(err, -ENOMEM, "out of memory");
	if (mkdir(q->out_dir, 0755) < 0 && errno != EEXIST) {
		gguf_writer_free(w);
		return slmq_fail(err, -errno, "%s: %s", q->out_dir, strerror(errno));
	}
	snprintf(path, n, "%s/model.gguf", q->out_dir);
	ret = convert_model(q->m, q->plan, &q->hook, w, err);
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

static void report(const struct quant_ctx *q, const char *path)
{
	unsigned long long bytes, params;
	struct json_object *o;

	plan_totals(q->plan, &bytes, &params);
	if (!cli_quiet) {
		plan_report_print(q->plan);
		printf("wrote %s\n", path);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "output", json_object_new_string(path));
	json_object_object_add(o, "method", json_object_new_string(q->method));
	json_object_object_add(o, "bits", json_object_new_int(q->bits));
	json_object_object_add(o, "asym", json_object_new_boolean(q->asym));
	json_object_object_add(o, "group_size", json_object_new_int((int)q->group_size));
	json_object_object_add(o, "file_type", json_object_new_int((int)q->plan->file_type));
	json_object_object_add(o, "n_params", json_object_new_int64((int64_t)params));
	json_object_object_add(o, "weight_bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "bits_per_weight",
			       json_object_new_double(params ? 8.0 * (double)bytes / (double)params : 0));
	if (q->report)
		json_object_object_add(o, "details", json_object_get(q->report));
	json_object_object_add(o, "tensors", plan_report_json(q->plan));
	cli_print_json(o);
}

static int quantize(struct quant_ctx *q, const struct type_args *ta,
		    struct slmq_err *err)
{
	const struct quant_method *meth = find_method(q->method);
	uint32_t embd, out;
	char path[4200];
	int ret;

	if (side_type(ta->embd, "--embd-type", &embd) ||
	    side_type(ta->output, "--output-type", &out))
		return -EINVAL;
	ret = qplan_init(q->plan, q->m, q->weight_type, embd, out, err);
	if (!ret)
		ret = run_planners(q, err);
	if (!ret)
		ret = meth->prepare(q, err);
	if (!ret) {
		q->plan->config_json = config_json(q, ta);
		ret = write_out(q, path, sizeof(path), err);
	}
	if (!ret)
		ret = verify(path, err);
	if (!ret)
		report(q, path);
	if (meth->cleanup)
		meth->cleanup(q);
	return ret;
}

static int cmd_quantize(int argc, char **argv)
{
	struct quant_ctx q = { 0 };
	struct type_args ta = { 0 };
	struct slmq_err err = { 0 };
	struct hf_model m;
	struct qplan plan = { 0 };
	int ret;

	if (parse_args(&q, &ta, argc, argv))
		return 1;
	if (hf_model_open(&m, q.model_dir, &err))
		return cli_fail("%s: %s", q.model_dir, err.msg);
	q.m = &m;
	q.plan = &plan;
	ret = quantize(&q, &ta, &err);
	json_object_put(q.report);
	qplan_free(&plan);
	hf_model_close(&m);
	if (ret == -EINVAL && !err.msg[0])
		return 1;	/* already reported */
	return ret ? cli_fail("quantize: %s", err.msg) : 0;
}

SLMQCTL_COMMAND("quantize", cmd_quantize, USAGE,
		"quantize a Hugging Face Llama directory to OUT_DIR/model.gguf");
