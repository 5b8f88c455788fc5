/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything the engine knows about a weight type, in one table indexed by
 * the GGUF type id (ggml's type_traits[GGML_TYPE_COUNT]): names, block
 * geometry and the reference conversions.  Code asks the table instead of
 * switching on the type, so a new type is one table entry (plus its
 * kernels, kernels.h).  The block layouts themselves are in blocks.h.
 */
#ifndef SLMQ_TYPE_TRAITS_H
#define SLMQ_TYPE_TRAITS_H

#include "compat.h"
#include "blocks.h"

struct slmq_type_traits {
	const char *name;	/* "q4_0": as llama.cpp prints it; NULL: not an engine type */
	const char *gguf_name;	/* "Q4_0": as the GGUF spec spells it (messages) */
	u32 blck_size;		/* weights per block */
	u32 type_size;		/* bytes per block */
	bool is_quantized;	/* block type: dot products take the int8 activation */
	u8 file_type;		/* general.file_type of a model mostly of this type */
	/* n weights (a multiple of blck_size), ggml's reference rounding; FPU code */
	void (*from_float)(const float *x, void *out, u32 n);
	void (*to_float)(const void *in, float *y, u32 n);
};

extern const struct slmq_type_traits slmq_type_traits[SLMQ_TYPE_COUNT];

/* The entry for a type id from a file, or NULL when the engine does not run it. */
static inline const struct slmq_type_traits *slmq_type_traits_of(u32 type)
{
	if (type >= SLMQ_TYPE_COUNT || !slmq_type_traits[type].name)
		return NULL;
	return &slmq_type_traits[type];
}

/* "q4_0" etc., or NULL for a type the engine does not run. */
const char *slmq_type_name(u32 type);

/* True for the types that need the activation in int8 form. */
static inline bool slmq_type_is_block(u32 type)
{
	const struct slmq_type_traits *tt = slmq_type_traits_of(type);

	return tt && tt->is_quantized;
}

/*
 * Bytes of one row of n weights of type t, or 0 when t is unknown or n is
 * not a multiple of the block size.
 */
static inline u64 slmq_row_bytes(u32 type, u64 n)
{
	const struct slmq_type_traits *tt = slmq_type_traits_of(type);

	if (!tt || n % tt->blck_size)
		return 0;
	return n / tt->blck_size * tt->type_size;
}

#endif /* SLMQ_TYPE_TRAITS_H */
