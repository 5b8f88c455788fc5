/* SPDX-License-Identifier: GPL-2.0 */
/*
 * safetensors reader: an 8-byte little-endian header length, a JSON header
 * {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__"},
 * then the data.  Everything in the header is checked against the file:
 * dtype (F16, BF16, F32 only), shape, offsets inside the data, size ==
 * product(shape) * dtype size, no two tensors overlapping.
 *
 * A model may be one model.safetensors or shards model-0000N-of-0000M with
 * model.safetensors.index.json mapping each tensor to its shard.
 */
#ifndef SLMQCTL_SAFETENSORS_H
#define SLMQCTL_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "../../kmod/engine/compat.h"

#define ST_MAX_DIMS 8

enum st_dtype { ST_F16, ST_BF16, ST_F32 };

struct st_tensor {
	char *name;
	enum st_dtype dtype;
	uint32_t n_dims;
	uint64_t shape[ST_MAX_DIMS];
	uint64_t n_elems;
	const void *data;	/* inside the file's buffer */
	uint64_t nbytes;
	uint32_t file;		/* which shard */
};

/* One parsed file over a caller-provided buffer. */
struct st_file {
	const uint8_t *buf;
	size_t len;
	struct st_tensor *t;
	size_t n;
};

/* Parses buf (which must outlive f); err names the problem.  0 or -errno. */
int st_parse(struct st_file *f, const void *buf, size_t len,
	     struct slmq_err *err);
void st_file_free(struct st_file *f);

/* All tensors of a model directory, single-file or sharded (files mmap'ed). */
struct st_model {
	struct st_tensor *t;	/* sorted by name */
	size_t n;
	void **maps;
	size_t *map_len;
	struct st_file *files;
	size_t n_files;
};

int st_model_open(struct st_model *m, const char *dir, struct slmq_err *err);
void st_model_close(struct st_model *m);
const struct st_tensor *st_model_find(const struct st_model *m,
				      const char *name);

/* Converts a tensor to floats (F16/BF16/F32 -> F32); out has n_elems. */
void st_tensor_to_f32(const struct st_tensor *t, float *out);
const char *st_dtype_name(enum st_dtype d);

#endif /* SLMQCTL_SAFETENSORS_H */
