// SPDX-License-Identifier: GPL-2.0
/* Names of the weight types, as llama.cpp prints them. */
#include "compat.h"
#include "blocks.h"

/**
 * slmq_type_name() - lower-case name of a weight type.
 * @type: enum slmq_type value
 *
 * Return: "f32", "f16", "q4_0", "q4_1", "q8_0", or NULL for other types.
 */
const char *slmq_type_name(u32 type)
{
	switch (type) {
	case SLMQ_TYPE_F32:
		return "f32";
	case SLMQ_TYPE_F16:
		return "f16";
	case SLMQ_TYPE_Q4_0:
		return "q4_0";
	case SLMQ_TYPE_Q4_1:
		return "q4_1";
	case SLMQ_TYPE_Q8_0:
		return "q8_0";
	default:
		return NULL;
	}
}
