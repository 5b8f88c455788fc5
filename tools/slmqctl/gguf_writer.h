/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GGUF v3 writer: metadata of every GGUF value type (including arrays) and
 * tensors, laid out the way llama.cpp's gguf-py GGUFWriter lays them out
 * (kv in insertion order, tensor infos in insertion order, data packed in the
 * same order, every tensor padded to the alignment, default 32).
 *
 * Calls never fail individually: the first error (out of memory, bad
 * argument) is remembered and reported by gguf_writer_finish(), so building
 * a file is a straight sequence of calls.
 *
 * It also re-serializes a parsed file (gguf_w_copy_kv, gguf_w_copy_tensors):
 * what is copied keeps its bytes, so a file with some keys changed differs
 * from the original only in those keys (validate/gguf_meta.c).
 */
#ifndef SLMQCTL_GGUF_WRITER_H
#define SLMQCTL_GGUF_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gguf_writer;
struct slmq_gguf;
struct slmq_gguf_kv;

struct gguf_writer *gguf_writer_new(void);
void gguf_writer_free(struct gguf_writer *w);

/* Writes general.alignment and uses it for the data section (power of two). */
void gguf_w_alignment(struct gguf_writer *w, uint32_t alignment);

void gguf_w_u8(struct gguf_writer *w, const char *key, uint8_t v);
void gguf_w_i8(struct gguf_writer *w, const char *key, int8_t v);
void gguf_w_u16(struct gguf_writer *w, const char *key, uint16_t v);
void gguf_w_i16(struct gguf_writer *w, const char *key, int16_t v);
void gguf_w_u32(struct gguf_writer *w, const char *key, uint32_t v);
void gguf_w_i32(struct gguf_writer *w, const char *key, int32_t v);
void gguf_w_f32(struct gguf_writer *w, const char *key, float v);
void gguf_w_bool(struct gguf_writer *w, const char *key, bool v);
void gguf_w_u64(struct gguf_writer *w, const char *key, uint64_t v);
void gguf_w_i64(struct gguf_writer *w, const char *key, int64_t v);
void gguf_w_f64(struct gguf_writer *w, const char *key, double v);
void gguf_w_str(struct gguf_writer *w, const char *key, const char *v);
/* Array of n scalars of GGUF value type vtype (not STRING/ARRAY), little-endian in data. */
void gguf_w_arr(struct gguf_writer *w, const char *key, uint32_t vtype,
		const void *data, uint64_t n);
/* Array of n strings; lens may be NULL for NUL-terminated strings. */
void gguf_w_arr_str(struct gguf_writer *w, const char *key,
		    const char *const *strs, const uint32_t *lens, uint64_t n);

/*
 * A tensor of ggml type `type` and shape ne[0..n_dims-1] (ne[0] = row length).
 * The writer takes ownership of data (malloc'd, nbytes long) and frees it.
 * nbytes must match type and shape unless raw is used (tests write broken files).
 */
void gguf_w_tensor(struct gguf_writer *w, const char *name, uint32_t type,
		   uint32_t n_dims, const uint64_t *ne, void *data,
		   uint64_t nbytes);
void gguf_w_tensor_raw(struct gguf_writer *w, const char *name, uint32_t type,
		       uint32_t n_dims, const uint64_t *ne, void *data,
		       uint64_t nbytes);

/*
 * From a parsed file (which must outlive the writer): copy_kv appends one of
 * its key-value pairs as its raw bytes; copy_tensors takes its version, its
 * alignment (without adding a general.alignment key: copy that one) and all
 * its tensor infos and data section byte for byte, offsets and padding
 * included.  A writer holding copied tensors takes no gguf_w_tensor().
 */
void gguf_w_copy_kv(struct gguf_writer *w, const struct slmq_gguf_kv *kv);
void gguf_w_copy_tensors(struct gguf_writer *w, const struct slmq_gguf *g);

/* Serializes into one malloc'd buffer.  Returns 0 or the first error (-errno). */
int gguf_writer_finish(struct gguf_writer *w, void **buf, size_t *len);
/* Serializes and writes path atomically (temporary file + rename). */
int gguf_writer_write_file(struct gguf_writer *w, const char *path);

#endif /* SLMQCTL_GGUF_WRITER_H */
