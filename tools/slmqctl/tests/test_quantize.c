// SPDX-License-Identifier: GPL-2.0
/*
 * slmq_quantize() as a library call on pcilm-tiny: the parameters alone
 * decide the file (no command line), the type plan is what
 * quant/type_plan.h documents, the result carries the report, and bad
 * parameters are refused with a message naming the parameter.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tap.h"
#include "cli.h"
#include "quant/quantize.h"
#include "quant/type_plan.h"
#include "../../kmod/engine/blocks.h"

static struct hf_model m;

static const char *jstr(struct json_object *o, const char *path)
{
	char buf[128], *key, *save = NULL;
	struct json_object *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (key = strtok_r(buf, ".", &save); key && v; key = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(v, key, &v))
			v = NULL;
	return v ? json_object_get_string(v) : "";
}

static u32 type_of(struct qplan *p, const char *name)
{
	struct qplan_entry *e = qplan_find(p, name);

	return e ? e->type : (u32)-1;
}

static void test_plan(void)
{
	struct slmq_quantize_params p;
	struct slmq_err err = { 0 };
	struct qplan plan;

	slmq_quantize_params_default(&p);
	p.mixed = "preset";
	tap_ok(!type_plan_build(&plan, &m, &p, &err), "type plan with --mixed preset: %s",
	       err.msg[0] ? err.msg : "ok");
	tap_ok(type_of(&plan, "blk.0.attn_q.weight") == SLMQ_TYPE_Q8_0 &&
	       type_of(&plan, "blk.1.ffn_up.weight") == SLMQ_TYPE_Q4_0 &&
	       type_of(&plan, "blk.0.attn_norm.weight") == SLMQ_TYPE_F32 &&
	       type_of(&plan, "token_embd.weight") == SLMQ_TYPE_Q8_0,
	       "preset: attention q8_0, ffn q4_0, norms f32, embeddings q8_0");
	tap_ok(plan.file_type == convert_file_type(SLMQ_TYPE_Q4_0), "file type of 4 bits: %u",
	       plan.file_type);
	qplan_free(&plan);
	p.mixed = NULL;
	p.asym = true;
	tap_ok(!type_plan_build(&plan, &m, &p, &err) &&
	       type_of(&plan, "blk.2.ffn_down.weight") == SLMQ_TYPE_Q4_1 &&
	       type_of(&plan, "output.weight") == SLMQ_TYPE_Q8_0, "asym: linears q4_1, head q8_0");
	qplan_free(&plan);
}

static void test_quantize(void)
{
	struct slmq_quantize_params p;
	struct slmq_quantize_result res;
	struct slmq_err err = { 0 };
	struct stat st;
	int ret;

	slmq_quantize_params_default(&p);
	p.bits = 8;
	p.out_dir = "build/tests/quantize_q8";
	ret = slmq_quantize(&p, &m, &res, &err);
	tap_ok(!ret && !stat(res.path, &st) && st.st_size > 0, "bits 8 writes %s: %s", res.path,
	       ret ? err.msg : "ok");
	if (ret)
		return;
	tap_ok(!strcmp(jstr(res.json, "bits"), "8") &&
	       !strcmp(jstr(res.json, "quantization.method"), "rtn") &&
	       json_object_array_length(json_object_object_get(res.json, "tensors")) == m.n,
	       "report: bits 8, method rtn, %zu tensors", m.n);
	slmq_quantize_result_free(&res);
}

static void refused(struct slmq_quantize_params *p, const char *want, const char *what)
{
	struct slmq_quantize_result res;
	struct slmq_err err = { 0 };
	int ret = slmq_quantize(p, &m, &res, &err);

	tap_ok(ret == -EINVAL && strstr(err.msg, want), "%s refused: %s", what, err.msg);
	if (!ret)
		slmq_quantize_result_free(&res);
}

static void test_refusals(void)
{
	struct slmq_quantize_params p;

	slmq_quantize_params_default(&p);
	p.out_dir = "build/tests/quantize_bad";
	p.bits = 5;
	refused(&p, "bits", "bits 5");
	p.bits = 8;
	p.asym = true;
	refused(&p, "asym", "asym with 8 bits");
	p.bits = 4;
	p.group_size = 128;
	refused(&p, "blk.0.ffn_down.weight", "group size 128 on the 352-wide ffn_down");
	p.group_size = 48;
	refused(&p, "group size 48", "group size 48");
	p.group_size = 32;
	p.mixed = "attn=3";
	refused(&p, "attn=3", "--mixed attn=3");
	p.mixed = NULL;
	p.method = QP_GPTQ;
	refused(&p, "needs calibration data", "gptq without calibration data");
}

int main(void)
{
	struct slmq_err err = { 0 };
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/pcilm-tiny", tap_fixture_dir());
	mkdir("build/tests", 0755);
	if (!tap_ok(!hf_model_open(&m, dir, &err), "open %s: %s", dir, err.msg[0] ? err.msg : "ok"))
		return tap_done();
	test_plan();
	test_quantize();
	test_refusals();
	hf_model_close(&m);
	return tap_done();
}
