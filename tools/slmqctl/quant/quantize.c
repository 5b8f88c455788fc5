// SPDX-License-Identifier: GPL-2.0
/* slmq_quantize(): type plan, method, writer, load-back check (see quantize.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "quantize.h"
#include "qmethod.h"
#include "type_plan.h"
#include "../cli.h"
#include "../plan_report.h"

static struct json_object *type_json(u32 type)
{
	return json_object_new_string(convert_type_name(type));
}

/* slmq.quantization_config: the parameters plus the method's report. */
static char *config_json(const struct slmq_quantize_params *p,
			 const struct qmethod_state *st)
{
	struct json_object *o = json_object_new_object();
	u32 wt = type_plan_weight_type(p->bits, p->asym);
	char *s;

	json_object_object_add(o, "bits", json_object_new_int((int)p->bits));
	json_object_object_add(o, "asym", json_object_new_boolean(p->asym));
	json_object_object_add(o, "weight_type", type_json(wt));
	json_object_object_add(o, "embd_type", type_json(p->embd_type));
	json_object_object_add(o, "output_type", type_json(p->output_type));
	qmethod_report(st, o);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static int write_out(const char *dir, struct hf_model *m, struct qplan *plan,
		     char *path, size_t n, struct slmq_err *err)
{
	struct gguf_writer *w;
	int ret;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return slmq_fail(err, -errno, "%s: %s", dir, strerror(errno));
	snprintf(path, n, "%s/model.gguf", dir);
	w = gguf_writer_new();
	if (!w)
		return slmq_fail(err, -ENOMEM, "out of memory");
	ret = convert_model(m, plan, w, err);
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

/* What `quantize --json` prints. */
static struct json_object *result_json(const struct slmq_quantize_params *p,
				       const struct qmethod_state *st,
				       const struct qplan *plan, const char *path)
{
	struct json_object *o = json_object_new_object();
	unsigned long long bytes, params;
	double bpw;

	plan_totals(plan, &bytes, &params);
	bpw = params ? 8.0 * (double)bytes / (double)params : 0.0;
	json_object_object_add(o, "output", json_object_new_string(path));
	json_object_object_add(o, "bits", json_object_new_int((int)p->bits));
	json_object_object_add(o, "asym", json_object_new_boolean(p->asym));
	json_object_object_add(o, "file_type", json_object_new_int((int)plan->file_type));
	json_object_object_add(o, "n_params", json_object_new_int64((int64_t)params));
	json_object_object_add(o, "weight_bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "bits_per_weight", json_object_new_double(bpw));
	json_object_object_add(o, "tensors", plan_report_json(plan));
	qmethod_report(st, o);
	return o;
}

/* What the command line checks for its users, checked again for every caller. */
static int check_params(const struct slmq_quantize_params *p, struct slmq_err *err)
{
	if (p->bits != 8 && p->bits != 4)
		return slmq_fail(err, -EINVAL, "bits must be 8 or 4, not %u", p->bits);
	if (p->asym && p->bits != 4)
		return slmq_fail(err, -EINVAL, "asym needs 4 bits (8 bits is symmetric Q8_0)");
	if (p->group_size != 32 && p->group_size != 64 && p->group_size != 128)
		return slmq_fail(err, -EINVAL, "group size %u is not 32, 64 or 128", p->group_size);
	if (!p->out_dir)
		return slmq_fail(err, -EINVAL, "no output directory");
	return 0;
}

int slmq_quantize(const struct slmq_quantize_params *p, struct hf_model *m,
		  struct slmq_quantize_result *res, struct slmq_err *err)
{
	struct qmethod_state st = { 0 };
	struct qplan plan;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = check_params(p, err);
	if (!ret)
		ret = type_plan_build(&plan, m, p, err);
	if (ret)
		return ret;
	ret = qmethod_run(&st, p, m, &plan, err);
	if (!ret) {
		plan.config_json = config_json(p, &st);
		ret = write_out(p->out_dir, m, &plan, res->path, sizeof(res->path), err);
	}
	if (!ret)
		ret = verify(res->path, err);
	if (!ret)
		res->json = result_json(p, &st, &plan, res->path);
	qmethod_release(&st);
	qplan_free(&plan);
	return ret;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static double jnum(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

static unsigned long long jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? (unsigned long long)json_object_get_int64(v) : 0;
}

void slmq_quantize_print(const struct slmq_quantize_result *res)
{
	struct json_object *q, *ts, *t;
	size_t i, n;

	if (!json_object_object_get_ex(res->json, "quantization", &q) ||
	    !json_object_object_get_ex(q, "tensors", &ts))
		return;
	n = json_object_array_length(ts);
	for (i = 0; i < n; i++) {
		t = json_object_array_get_idx(ts, i);
		printf("  %-28s %-5s %s\n", jstr(t, "name"), jstr(t, "type"), jstr(t, "by"));
	}
	if (json_object_object_get_ex(q, "calib", NULL))
		printf("%s on %llu calibration tokens: %.1f s, damping raised %u times, peak RSS %.0f MB\n",
		       jstr(q, "method"), jint(q, "calib_tokens"),
		       jnum(q, "pipeline_seconds"), (unsigned int)jint(q, "damp_raises"),
		       jnum(q, "peak_rss_mb"));
	printf("%llu parameters, %llu bytes of weights (%.3f bits/weight)\nwrote %s\n",
	       jint(res->json, "n_params"), jint(res->json, "weight_bytes"),
	       jnum(res->json, "bits_per_weight"), res->path);
}

void slmq_quantize_result_free(struct slmq_quantize_result *res)
{
	json_object_put(res->json);
	res->json = NULL;
}
