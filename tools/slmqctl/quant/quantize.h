/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Quantization as a library call, after llama.cpp's
 * llama_model_quantize_params + llama_model_quantize(): the command line
 * (cmd_quantize.c, through quant/options.c) and the acceptance loop
 * (accept/) fill the parameters and call slmq_quantize(); nothing else
 * decides how a model is quantized.
 *
 *   slmq_quantize_params_default(&p);  p.bits = 4;  p.out_dir = "out";
 *   slmq_quantize(&p, &model, &res, &err);     writes out/model.gguf
 *   ... res.json (the --json report) ...  slmq_quantize_result_free(&res);
 *
 * Inside, one stage each (see Documentation/quantization.md):
 *   type_plan.c  which type each tensor gets (bits, --mixed, embd/output)
 *   qmethod.c    the calibrated method (GPTQ/AWQ) and the finished blocks
 *   ../convert.c writes the plan as GGUF
 * and the file is loaded back by the engine before it counts as written.
 */
#ifndef SLMQ_QUANTIZE_H
#define SLMQ_QUANTIZE_H

#include <stdbool.h>
#include <json-c/json.h>

#include "pipeline.h"
#include "../hf_model.h"

struct slmq_quantize_params {
	u32 bits;		/* 8: Q8_0 linears; 4: Q4_0 (Q4_1 with asym) */
	bool asym;		/* 4 bits only */
	u32 embd_type;		/* enum slmq_type of token_embd (default Q8_0) */
	u32 output_type;	/* of the output head (default Q8_0) */
	enum qp_method method;
	u32 group_size;		/* 32, 64 or 128 */
	const char *mixed;	/* per-tensor types by name (quant/mixed.h), or NULL */
	const char *calib;	/* calibration data (*.bin ids or text), or NULL */
	u32 calib_samples;	/* sequences wanted */
	u32 calib_seqlen;	/* tokens per sequence; 0: the model's context */
	u64 seed;		/* of the calibration draw */
	float damp;		/* GPTQ damping, fraction of the mean diagonal */
	bool act_order;		/* GPTQ columns by decreasing Hessian diagonal */
	const char *eval;	/* the evaluation data, for the same-data warning */
	const char *out_dir;	/* created if missing; gets model.gguf */
};

struct slmq_quantize_result {
	char path[4200];	/* out_dir/model.gguf */
	struct json_object *json;	/* what `quantize --json` prints (owned) */
};

void slmq_quantize_params_default(struct slmq_quantize_params *p);

/*
 * slmq_quantize() - quantize m as p says into p->out_dir/model.gguf.
 * The file is written atomically and loaded back by the engine once.
 * Returns 0 with res filled, or a negative errno with err set.
 */
int slmq_quantize(const struct slmq_quantize_params *p, struct hf_model *m,
		  struct slmq_quantize_result *res, struct slmq_err *err);

/* The human report of res on stdout (what each tensor became, totals). */
void slmq_quantize_print(const struct slmq_quantize_result *res);
void slmq_quantize_result_free(struct slmq_quantize_result *res);

/* "rtn", "gptq", "awq", "awq+gptq" */
const char *slmq_quantize_method_name(enum qp_method m);

#endif /* SLMQ_QUANTIZE_H */
