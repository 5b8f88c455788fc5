/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `slmqctl quantize` extension points, so a quantization method or option
 * is a new file, not an edit of cmd_quantize.c:
 *
 *   SLMQ_QUANT_METHOD("gptq", prepare, cleanup)
 *	--method gptq selects it.  prepare() runs after the plan exists and
 *	before conversion: it may change plan types, edit the model's floats
 *	(hf_tensor_f32()), install q->hook to hand over finished blocks, and
 *	add fields to q->report (printed with --json, stored in
 *	slmq.quantization_config).
 *   SLMQ_QUANT_OPTION("--calib", true, "PATH", "calibration data")
 *	an extra option; read it with quant_opt(q, "--calib") (NULL when not
 *	given, "1" for a flag).
 *   SLMQ_QUANT_PLANNER(fn)
 *	runs on every job after the default plan, before the method's
 *	prepare() (e.g. --mixed changing some tensors' types).
 */
#ifndef SLMQCTL_QUANTIZE_H
#define SLMQCTL_QUANTIZE_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "convert.h"

#define QUANT_MAX_OPTS 32

struct quant_ctx {
	const char *model_dir;
	const char *out_dir;
	const char *method;
	int bits;			/* 8 or 4 */
	bool asym;			/* 4 bits: Q4_1 instead of Q4_0 */
	uint32_t group_size;		/* 32, 64 or 128 */
	uint32_t weight_type;		/* the linears' block type */
	struct hf_model *m;
	struct qplan *plan;
	struct convert_hook hook;	/* set by a method; NULL tensor() = RTN */
	struct json_object *report;	/* method details (an object) */
	void *state;			/* the method's */
	const char *opt_val[QUANT_MAX_OPTS];	/* by option index */
};

struct quant_method {
	const char *name;
	int (*prepare)(struct quant_ctx *q, struct slmq_err *err);
	void (*cleanup)(struct quant_ctx *q);
};

struct quant_option {
	const char *name;
	bool has_arg;
	const char *arg;	/* for usage */
	const char *help;
};

struct quant_planner {
	int (*run)(struct quant_ctx *q, struct slmq_err *err);
};

#define SLMQ_QUANT_METHOD(mname, prep, clean)				\
	static const struct quant_method quant_method_##prep		\
	__attribute__((used, section("slmq_quant_methods"), aligned(8))) = \
		{ .name = mname, .prepare = prep, .cleanup = clean }

#define QUANT_CAT2(a, b) a##b
#define QUANT_CAT(a, b) QUANT_CAT2(a, b)
#define SLMQ_QUANT_OPTION(oname, with_arg, argname, helptext)		\
	static const struct quant_option				\
	__attribute__((used, section("slmq_quant_opts"), aligned(8)))	\
	QUANT_CAT(quant_opt_, __LINE__) = { .name = oname,		\
		.has_arg = with_arg, .arg = argname, .help = helptext }

#define SLMQ_QUANT_PLANNER(fn)						\
	static const struct quant_planner quant_planner_##fn		\
	__attribute__((used, section("slmq_quant_planners"), aligned(8))) = \
		{ .run = fn }

/* Value of a registered extra option, "1" for a given flag, NULL when absent. */
const char *quant_opt(const struct quant_ctx *q, const char *name);

#endif /* SLMQCTL_QUANTIZE_H */
