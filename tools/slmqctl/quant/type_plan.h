/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-tensor type plan of a quantization, apart from writing (as
 * llama.cpp keeps tensor_category and the type fallbacks apart from its
 * writer): which enum slmq_type every tensor of the model is stored as.
 *
 *   decoder linears  --bits 8: Q8_0;  --bits 4: Q4_0, or Q4_1 with --asym
 *   token_embd       embd_type (Q8_0: only one row is read per token, so it
 *                    costs no decode time, and int8 keeps it near-lossless)
 *   output           output_type (Q8_0: the head is the most sensitive
 *                    matrix, yet at F16 it would be a quarter of a small
 *                    model's decode traffic)
 *   norms            F32, as llama.cpp
 * then the --mixed rules by name; a block type on a row that does not hold
 * whole 32-weight blocks falls back to F16, and a row that does not hold
 * whole groups of --group-size is refused.
 */
#ifndef SLMQ_TYPE_PLAN_H
#define SLMQ_TYPE_PLAN_H

#include "quantize.h"
#include "../convert.h"

/* The weight type of bits/asym: Q8_0, Q4_0 or Q4_1. */
u32 type_plan_weight_type(u32 bits, bool asym);

/* The plan before --mixed: weights weight_type, token_embd/output their own. */
int type_plan_init(struct qplan *p, struct hf_model *m, u32 weight_type,
		   u32 embd_type, u32 out_type, struct slmq_err *err);

/* The whole plan of p for m: type_plan_init(), --mixed, group sizes. */
int type_plan_build(struct qplan *plan, struct hf_model *m,
		    const struct slmq_quantize_params *p, struct slmq_err *err);

#endif /* SLMQ_TYPE_PLAN_H */
