/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sequential layer-by-layer quantization with calibration data (GPTQ, AWQ,
 * AWQ+GPTQ), in bounded memory.
 *
 * The calibration sequences' hidden states X (tokens x n_embd) are the only
 * whole-set activation kept.  For each layer i: run the FP block over X in
 * chunks, accumulating every linear's input statistics (Hessian / Gram
 * matrix, mean |x|); quantize the layer's linears; then run the block again
 * with the QUANTIZED weights to turn X into layer i+1's input.  So layer i
 * is calibrated on what the already-quantized layers 0..i-1 really produce.
 */
#ifndef SLMQ_PIPELINE_H
#define SLMQ_PIPELINE_H

#include <stdbool.h>
#include "layer_fwd.h"
#include "calib.h"

enum qp_method { QP_RTN, QP_GPTQ, QP_AWQ, QP_AWQ_GPTQ };

/* The linears of one block, in the order they are reported. */
enum qp_lin { QP_Q, QP_K, QP_V, QP_O, QP_GATE, QP_UP, QP_DOWN, QP_N_LIN };

/* A float model in Hugging Face layout; the pipeline modifies it in place
 * (AWQ folds scales into norms and weights; quantized weights are replaced
 * by their dequantized values). */
struct qp_model {
	struct lf_dims d;
	u32 n_layer, n_vocab;
	const float *tok_embd;		/* n_vocab x n_embd */
	struct lf_weights *layers;	/* n_layer */
	const float *output_norm;	/* n_embd */
	float *output;			/* n_vocab x n_embd (NULL: not handled here) */
};

/* What one weight matrix becomes.  type in; blocks out (HF row order). */
struct qp_tensor {
	u32 type;		/* enum slmq_type; F16/F32 = kept as float */
	void *blocks;		/* rows x slmq_row_bytes(type, cols), malloc'd */
	size_t nbytes;
	double loss;		/* GPTQ loss, or the AWQ/RTN output error proxy */
};

struct qp_opts {
	enum qp_method method;
	u32 group_size;		/* 32, 64 or 128 */
	float damp;		/* GPTQ damping, fraction of mean diag */
	bool act_order;
	bool quantize_output;	/* run the method on the output head too */
};

struct qp_report {
	double seconds;
	double t_stats;		/* FP forward + statistics, all layers */
	double t_quant;		/* AWQ searches + GPTQ/RTN */
	double t_advance;	/* forward with the quantized weights */
	long peak_rss_kb;
	u64 calib_tokens;
	u32 damp_raises;	/* over all Hessians */
	float damp_max;		/* largest damping fraction used */
	u32 dead_cols;
	float awq_alpha[64][LF_N_SITES];	/* per layer (first 64) and site */
};

/*
 * qp_run() - quantize every linear of m whose tensor type is a block type.
 * @lin: n_layer * QP_N_LIN tensors (types preset by the plan), filled with blocks
 * @head: output head tensor (type preset), or NULL
 * Returns 0 or -errno with err set.
 */
int qp_run(struct qp_model *m, const struct calib_set *cs,
	   const struct qp_opts *o, struct qp_tensor *lin,
	   struct qp_tensor *head, struct qp_report *rep, struct slmq_err *err);

/* Rows and columns of linear k of a block. */
void qp_lin_shape(const struct lf_dims *d, enum qp_lin k, u32 *rows, u32 *cols);
/* Pointer to linear k's weights in w. */
float **qp_lin_ptr(struct lf_weights *w, enum qp_lin k);
/* Which input site linear k reads. */
enum lf_site qp_lin_site(enum qp_lin k);

long qp_peak_rss_kb(void);

#endif /* SLMQ_PIPELINE_H */
