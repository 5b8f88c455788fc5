/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The quantization methods behind `slmqctl quantize`, as seen by the
 * command: option parsing, the plan edits (mixed precision, group size
 * checks), the calibrated pipeline, and the convert hook that hands the
 * resulting blocks to the GGUF writer.
 *
 *   qmethod_defaults(&o);  ... qmethod_parse_opt() for each argument ...
 *   qplan_init(&plan, ...);
 *   qmethod_prepare(&st, &o, model, &plan, &hook, &err);   (may run GPTQ/AWQ)
 *   convert_model(model, &plan, &hook, writer, &err);
 *   qmethod_report(&st, json);  qmethod_release(&st);
 */
#ifndef SLMQ_QMETHOD_H
#define SLMQ_QMETHOD_H

#include <stdbool.h>
#include <json-c/json.h>

#include "pipeline.h"
#include "mixed.h"
#include "../convert.h"

struct qmethod_opts {
	enum qp_method method;
	const char *calib;
	u32 samples, seqlen;	/* seqlen 0: the model's context */
	u64 seed;
	float damp;
	bool act_order;
	u32 group_size;
	const char *mixed;	/* spec or NULL */
	const char *eval;	/* evaluation data, for the same-data warning */
	/* set by the command: */
	u32 bits;
	bool asym;
};

struct qmethod_state {
	struct qmethod_opts o;
	struct hf_model *m;
	struct qplan *plan;
	struct qp_model qm;
	struct qp_tensor *lin;	/* n_layer x QP_N_LIN, HF row order */
	struct qp_tensor head;
	struct qp_report rep;
	bool ran;		/* the calibrated pipeline ran */
	double seconds;		/* whole prepare */
};

void qmethod_defaults(struct qmethod_opts *o);

/*
 * Consumes argv[*i] (and its value) when it is one of the method options
 * (--method --calib --calib-samples --calib-seqlen --seed --damp
 * --act-order --group-size --mixed --eval), advancing *i past the value.
 * Returns 1 when consumed, 0 when not ours, -1 after printing an error.
 */
int qmethod_parse_opt(struct qmethod_opts *o, int argc, char **argv, int *i);

/* Usage text of the options above. */
extern const char qmethod_usage[];

/*
 * qmethod_prepare() - edit the plan (--mixed, group-size checks), run the
 * calibrated method when there is one, and set *hook for convert_model().
 */
int qmethod_prepare(struct qmethod_state *st, const struct qmethod_opts *o,
		    struct hf_model *m, struct qplan *plan,
		    struct convert_hook *hook, struct slmq_err *err);

/* Adds "method", per-tensor types, timings, peak RSS... to obj. */
void qmethod_report(const struct qmethod_state *st, struct json_object *obj);
/* Prints what each tensor became (human output). */
void qmethod_print(const struct qmethod_state *st);
void qmethod_release(struct qmethod_state *st);

#endif /* SLMQ_QMETHOD_H */
