/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GGUF v3 reader.  This is the code the kernel trusts with untrusted bytes:
 * slmq_gguf_parse() checks every count, length, offset, type and alignment
 * against the buffer before anything else looks at it, and afterwards all
 * pointers in struct slmq_gguf point inside that buffer.
 *
 * No floating point here: float metadata is handed out as raw IEEE bits.
 */
#ifndef SLMQ_GGUF_H
#define SLMQ_GGUF_H

#include "compat.h"

#define SLMQ_GGUF_MAGIC 0x46554747u	/* "GGUF" read as little-endian u32 */
#define SLMQ_GGUF_VERSION 3
#define SLMQ_GGUF_DEFAULT_ALIGNMENT 32
#define SLMQ_GGUF_MAX_DIMS 4

enum slmq_gguf_vtype {
	SLMQ_GGUF_U8 = 0,
	SLMQ_GGUF_I8 = 1,
	SLMQ_GGUF_U16 = 2,
	SLMQ_GGUF_I16 = 3,
	SLMQ_GGUF_U32 = 4,
	SLMQ_GGUF_I32 = 5,
	SLMQ_GGUF_F32 = 6,
	SLMQ_GGUF_BOOL = 7,
	SLMQ_GGUF_STRING = 8,
	SLMQ_GGUF_ARRAY = 9,
	SLMQ_GGUF_U64 = 10,
	SLMQ_GGUF_I64 = 11,
	SLMQ_GGUF_F64 = 12,
};

/* A string inside the buffer: not NUL-terminated. */
struct slmq_gguf_str {
	const char *ptr;
	u64 len;
};

struct slmq_gguf_kv {
	struct slmq_gguf_str key;
	u32 type;		/* enum slmq_gguf_vtype */
	u32 arr_type;		/* element type when type == SLMQ_GGUF_ARRAY */
	u64 arr_len;		/* element count when type == SLMQ_GGUF_ARRAY */
	const u8 *val;		/* first byte of the value (of the first element) */
	u64 val_len;		/* bytes of the whole value */
};

struct slmq_gguf_tensor {
	struct slmq_gguf_str name;
	u32 n_dims;
	u64 ne[SLMQ_GGUF_MAX_DIMS];	/* ne[0] is the row length; unused dims are 1 */
	u32 type;		/* enum slmq_type */
	u64 offset;		/* from the start of the data section */
	u64 nbytes;
	const void *data;
};

struct slmq_gguf {
	u32 version;
	u32 alignment;
	u64 n_kv;
	u64 n_tensors;
	struct slmq_gguf_kv *kv;
	struct slmq_gguf_tensor *tensors;
	const u8 *buf;
	u64 len;
	const u8 *data;		/* data section */
	u64 data_len;
};

/*
 * Parse and validate buf (which must stay alive and unchanged while g is
 * used).  Returns 0 or a negative errno with err->msg naming the problem.
 * Tensor types other than F32/F16/Q4_0/Q4_1/Q8_0 are rejected.
 */
int slmq_gguf_parse(struct slmq_gguf *g, const void *buf, u64 len,
		    const struct slmq_allocator *a, struct slmq_err *err);
void slmq_gguf_release(struct slmq_gguf *g, const struct slmq_allocator *a);

bool slmq_gguf_str_eq(struct slmq_gguf_str s, const char *cstr);
const struct slmq_gguf_kv *slmq_gguf_find_kv(const struct slmq_gguf *g,
					     const char *key);
const struct slmq_gguf_tensor *slmq_gguf_find_tensor(const struct slmq_gguf *g,
						     const char *name);

/* Typed getters: 0, -ENOENT when absent, -EINVAL (with err) on a wrong type or range. */
int slmq_gguf_get_u32(const struct slmq_gguf *g, const char *key, u32 *out,
		      struct slmq_err *err);
int slmq_gguf_get_f32_bits(const struct slmq_gguf *g, const char *key,
			   u32 *out, struct slmq_err *err);
int slmq_gguf_get_bool(const struct slmq_gguf *g, const char *key, bool *out,
		       struct slmq_err *err);
int slmq_gguf_get_str(const struct slmq_gguf *g, const char *key,
		      struct slmq_gguf_str *out, struct slmq_err *err);

/*
 * Walk a string array: *pos starts at 0 (a byte cursor into the array);
 * each call yields the next element.  The parser already validated every
 * element, so this cannot run off the buffer.
 */
struct slmq_gguf_str slmq_gguf_arr_next_str(const struct slmq_gguf_kv *kv,
					    u64 *pos);

#endif /* SLMQ_GGUF_H */
