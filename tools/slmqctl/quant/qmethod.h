/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The quantization method of slmq_quantize(), between the type plan and the
 * writer: runs the calibrated pipeline (GPTQ/AWQ, quant/pipeline.c) when the
 * method has one, then puts finished blocks into the plan entries whose
 * bytes are not the writer's own round-to-nearest (what the method made,
 * and RTN with groups of 64/128).
 *
 *   type_plan_build(&plan, model, &params, &err);
 *   qmethod_run(&st, &params, model, &plan, &err);
 *   convert_model(model, &plan, writer, &err);
 *   qmethod_report(&st, json);  qmethod_release(&st);
 */
#ifndef SLMQ_QMETHOD_H
#define SLMQ_QMETHOD_H

#include <stdbool.h>
#include <json-c/json.h>

#include "quantize.h"
#include "../convert.h"

struct qmethod_state {
	struct slmq_quantize_params p;
	struct hf_model *m;
	struct qplan *plan;
	struct qp_model qm;
	struct qp_tensor *lin;	/* n_layer x QP_N_LIN, HF row order */
	struct qp_tensor head;
	struct qp_report rep;
	bool ran;		/* the calibrated pipeline ran */
	double seconds;		/* method and blocks */
};

/* Runs the method of p over m and fills plan's blocks. */
int qmethod_run(struct qmethod_state *st, const struct slmq_quantize_params *p,
		struct hf_model *m, struct qplan *plan, struct slmq_err *err);

/* Adds "quantization" (method, per-tensor types, timings, peak RSS...) to obj. */
void qmethod_report(const struct qmethod_state *st, struct json_object *obj);
void qmethod_release(struct qmethod_state *st);

#endif /* SLMQ_QMETHOD_H */
