// SPDX-License-Identifier: GPL-2.0
/*
 * The weight types the engine runs (see type_traits.h).  Ids without an
 * entry (4..7: Q4_2, Q4_3 and Q5_x, dropped or not supported) stay zero,
 * which slmq_type_traits_of() reports as unknown.  No floating point here:
 * the table only points at quant.c's conversions.
 */
#include "compat.h"
#include "quant.h"
#include "type_traits.h"

/* llama.cpp's llama_ftype values for general.file_type. */
enum {
	FTYPE_ALL_F32 = 0,
	FTYPE_MOSTLY_F16 = 1,
	FTYPE_MOSTLY_Q4_0 = 2,
	FTYPE_MOSTLY_Q4_1 = 3,
	FTYPE_MOSTLY_Q8_0 = 7,
};

const struct slmq_type_traits slmq_type_traits[SLMQ_TYPE_COUNT] = {
	[SLMQ_TYPE_F32] = {
		.name = "f32", .gguf_name = "F32",
		.blck_size = 1, .type_size = sizeof(float),
		.file_type = FTYPE_ALL_F32,
		.from_float = slmq_quantize_row_f32,
		.to_float = slmq_dequantize_row_f32,
	},
	[SLMQ_TYPE_F16] = {
		.name = "f16", .gguf_name = "F16",
		.blck_size = 1, .type_size = sizeof(u16),
		.file_type = FTYPE_MOSTLY_F16,
		.from_float = slmq_quantize_row_f16,
		.to_float = slmq_dequantize_row_f16,
	},
	[SLMQ_TYPE_Q4_0] = {
		.name = "q4_0", .gguf_name = "Q4_0",
		.blck_size = SLMQ_QK, .type_size = sizeof(struct slmq_block_q4_0),
		.is_quantized = true, .file_type = FTYPE_MOSTLY_Q4_0,
		.from_float = slmq_quantize_row_q4_0,
		.to_float = slmq_dequantize_row_q4_0,
	},
	[SLMQ_TYPE_Q4_1] = {
		.name = "q4_1", .gguf_name = "Q4_1",
		.blck_size = SLMQ_QK, .type_size = sizeof(struct slmq_block_q4_1),
		.is_quantized = true, .file_type = FTYPE_MOSTLY_Q4_1,
		.from_float = slmq_quantize_row_q4_1,
		.to_float = slmq_dequantize_row_q4_1,
	},
	[SLMQ_TYPE_Q8_0] = {
		.name = "q8_0", .gguf_name = "Q8_0",
		.blck_size = SLMQ_QK, .type_size = sizeof(struct slmq_block_q8_0),
		.is_quantized = true, .file_type = FTYPE_MOSTLY_Q8_0,
		.from_float = slmq_quantize_row_q8_0,
		.to_float = slmq_dequantize_row_q8_0,
	},
};

/**
 * slmq_type_name() - lower-case name of a weight type.
 * @type: enum slmq_type value
 *
 * Return: "f32", "f16", "q4_0", "q4_1", "q8_0", or NULL for other types.
 */
const char *slmq_type_name(u32 type)
{
	const struct slmq_type_traits *tt = slmq_type_traits_of(type);

	return tt ? tt->name : NULL;
}
