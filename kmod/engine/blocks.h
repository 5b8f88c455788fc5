/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Weight block formats, bit for bit those of ggml (ggml-common.h), so that a
 * GGUF file written by slmqctl runs unchanged in llama.cpp.
 *
 * Every block covers SLMQ_QK = 32 consecutive weights of one row.  The scale
 * (and min) are IEEE half floats stored as raw u16 bits.  What the engine
 * knows about each type (name, block size, conversions) is in
 * type_traits.h.
 */
#ifndef SLMQ_BLOCKS_H
#define SLMQ_BLOCKS_H

#include "compat.h"

#define SLMQ_QK 32

/* GGML type ids as they appear in a GGUF tensor table. */
enum slmq_type {
	SLMQ_TYPE_F32 = 0,
	SLMQ_TYPE_F16 = 1,
	SLMQ_TYPE_Q4_0 = 2,
	SLMQ_TYPE_Q4_1 = 3,
	SLMQ_TYPE_Q8_0 = 8,
	SLMQ_TYPE_COUNT		/* bound of type_traits.h's table */
};

/* Q4_0: w = d * (q - 8); low nibbles hold weights 0..15, high nibbles 16..31. 4.5 bits/weight. */
struct slmq_block_q4_0 {
	u16 d;
	u8 qs[SLMQ_QK / 2];
};
static_assert(sizeof(struct slmq_block_q4_0) == 2 + SLMQ_QK / 2, "wrong q4_0 block size");

/* Q4_1: w = d * q + m; nibble order as Q4_0.  5 bits/weight. */
struct slmq_block_q4_1 {
	u16 d;
	u16 m;
	u8 qs[SLMQ_QK / 2];
};
static_assert(sizeof(struct slmq_block_q4_1) == 4 + SLMQ_QK / 2, "wrong q4_1 block size");

/* Q8_0: w = d * q.  8.5 bits/weight. */
struct slmq_block_q8_0 {
	u16 d;
	s8 qs[SLMQ_QK];
};
static_assert(sizeof(struct slmq_block_q8_0) == 2 + SLMQ_QK, "wrong q8_0 block size");

/*
 * Activations quantized for the integer dot products (engine-internal, never
 * stored): x = d * q, with the block's integer sum kept for the Q4_0 offset
 * and the Q4_1 min.  d is a float so this struct is only touched with the
 * FPU enabled.
 */
struct slmq_block_q8a {
	float d;
	s32 sum;
	s8 qs[SLMQ_QK];
};

#endif /* SLMQ_BLOCKS_H */
