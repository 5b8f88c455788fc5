/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Group-wise quantization parameters for the ggml block types, the common
 * ground of RTN-with-groups, GPTQ and AWQ.
 *
 * A group is group_size consecutive weights of one row (a multiple of 32).
 * Its scale (and min) is fitted once, rounded to f16 exactly as a block
 * stores it, and repeated in every 32-weight block of the group, so groups of
 * 64/128 are represented exactly by plain Q4_0/Q4_1/Q8_0 blocks.  Weights are
 * always quantized against the f16-rounded scale, so the value the engine
 * dequantizes is the value the algorithms reasoned about.
 */
#ifndef SLMQ_QGROUP_H
#define SLMQ_QGROUP_H

#include <stdbool.h>
#include "../../../kmod/engine/compat.h"
#include "../../../kmod/engine/blocks.h"

struct qg_params {
	float d;	/* f16-rounded scale, as float */
	float m;	/* f16-rounded min (Q4_1 only) */
	float id;	/* 1/d (0 when d == 0) */
	u16 d_bits;
	u16 m_bits;
};

/* True for the block types the quantizers produce. */
bool qg_type_ok(u32 type);

/*
 * Fits a group's parameters the way ggml's reference quantizer fits a block
 * (Q4_0: signed value of largest magnitude -> -8; Q4_1: min/max; Q8_0:
 * max|w| -> 127), over n weights.
 */
void qg_fit(u32 type, const float *w, u32 n, struct qg_params *p);

/* Sets p from a scale and min, rounding both to f16 as stored. */
void qg_set(struct qg_params *p, float d, float m);

/* Integer code of w under p, clamped to the type's range. */
int qg_code(u32 type, const struct qg_params *p, float w);
/* The value the engine dequantizes for code q (exactly its arithmetic). */
float qg_value(u32 type, const struct qg_params *p, int q);

/* Packs 32 codes with p into one block at out (sizeof the type's block). */
void qg_pack_block(u32 type, const struct qg_params *p, const int *q, void *out);

/*
 * RTN of one row of n weights in groups of gs (gs a multiple of 32 dividing
 * n): fits each group, writes the blocks to out (if not NULL) and the
 * dequantized values to deq (if not NULL).
 */
void qg_quantize_row(u32 type, const float *w, u32 n, u32 gs, void *out,
		     float *deq);

/* As qg_quantize_row() with the groups' parameters given (n / gs of them). */
void qg_quantize_row_params(u32 type, const float *w, u32 n, u32 gs,
			    const struct qg_params *par, void *out, float *deq);

#endif /* SLMQ_QGROUP_H */
