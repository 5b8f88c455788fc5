// SPDX-License-Identifier: GPL-2.0
/* GGUF v3 writer (see gguf_writer.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kmod/engine/type_traits.h"
#include "../../kmod/engine/gguf.h"
#include "gguf_writer.h"

struct wtensor {
	char *name;
	uint32_t type, n_dims;
	uint64_t ne[SLMQ_GGUF_MAX_DIMS];
	void *data;
	uint64_t nbytes;
	uint64_t offset;
};

/* A growable byte buffer for the kv section. */
struct bytes {
	unsigned char *p;
	size_t len, cap;
};

/* Tensors copied from a parsed file: infos and data section as they were. */
struct copied_tensors {
	struct bytes infos;
	uint64_t n;
	const void *data;
	uint64_t data_len;
};

struct gguf_writer {
	struct bytes kv;
	uint64_t n_kv;
	struct wtensor *t;
	size_t n_t, cap_t;
	struct copied_tensors copied;
	uint32_t version;
	uint32_t alignment;
	int err;
};

static void put(struct gguf_writer *w, struct bytes *b, const void *src,
		size_t n)
{
	if (w->err || !n)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		void *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			w->err = -ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put_u32(struct gguf_writer *w, struct bytes *b, uint32_t v)
{
	put(w, b, &v, 4);
}

static void put_u64(struct gguf_writer *w, struct bytes *b, uint64_t v)
{
	put(w, b, &v, 8);
}

static void put_str(struct gguf_writer *w, struct bytes *b, const char *s,
		    size_t n)
{
	put_u64(w, b, n);
	put(w, b, s, n);
}

struct gguf_writer *gguf_writer_new(void)
{
	struct gguf_writer *w = calloc(1, sizeof(*w));

	if (w) {
		w->version = SLMQ_GGUF_VERSION;
		w->alignment = SLMQ_GGUF_DEFAULT_ALIGNMENT;
	}
	return w;
}

void gguf_writer_free(struct gguf_writer *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n_t; i++) {
		free(w->t[i].name);
		free(w->t[i].data);
	}
	free(w->t);
	free(w->kv.p);
	free(w->copied.infos.p);
	free(w);
}

static void kv_head(struct gguf_writer *w, const char *key, uint32_t type)
{
	put_str(w, &w->kv, key, strlen(key));
	put_u32(w, &w->kv, type);
	if (!w->err)
		w->n_kv++;
}

static void kv_scalar(struct gguf_writer *w, const char *key, uint32_t type,
		      const void *v, size_t n)
{
	kv_head(w, key, type);
	put(w, &w->kv, v, n);
}

void gguf_w_alignment(struct gguf_writer *w, uint32_t alignment)
{
	if (!alignment || (alignment & (alignment - 1))) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	w->alignment = alignment;
	gguf_w_u32(w, "general.alignment", alignment);
}

#define SCALAR_SETTER(fn, ctype, vtype)					\
void fn(struct gguf_writer *w, const char *key, ctype v)		\
{									\
	kv_scalar(w, key, vtype, &v, sizeof(v));			\
}

SCALAR_SETTER(gguf_w_u8, uint8_t, SLMQ_GGUF_U8)
SCALAR_SETTER(gguf_w_i8, int8_t, SLMQ_GGUF_I8)
SCALAR_SETTER(gguf_w_u16, uint16_t, SLMQ_GGUF_U16)
SCALAR_SETTER(gguf_w_i16, int16_t, SLMQ_GGUF_I16)
SCALAR_SETTER(gguf_w_u32, uint32_t, SLMQ_GGUF_U32)
SCALAR_SETTER(gguf_w_i32, int32_t, SLMQ_GGUF_I32)
SCALAR_SETTER(gguf_w_f32, float, SLMQ_GGUF_F32)
SCALAR_SETTER(gguf_w_u64, uint64_t, SLMQ_GGUF_U64)
SCALAR_SETTER(gguf_w_i64, int64_t, SLMQ_GGUF_I64)
SCALAR_SETTER(gguf_w_f64, double, SLMQ_GGUF_F64)

void gguf_w_bool(struct gguf_writer *w, const char *key, bool v)
{
	uint8_t b = v;

	kv_scalar(w, key, SLMQ_GGUF_BOOL, &b, 1);
}

void gguf_w_str(struct gguf_writer *w, const char *key, const char *v)
{
	kv_head(w, key, SLMQ_GGUF_STRING);
	put_str(w, &w->kv, v, strlen(v));
}

static size_t vtype_size(uint32_t t)
{
	switch (t) {
	case SLMQ_GGUF_U8: case SLMQ_GGUF_I8: case SLMQ_GGUF_BOOL:
		return 1;
	case SLMQ_GGUF_U16: case SLMQ_GGUF_I16:
		return 2;
	case SLMQ_GGUF_U32: case SLMQ_GGUF_I32: case SLMQ_GGUF_F32:
		return 4;
	case SLMQ_GGUF_U64: case SLMQ_GGUF_I64: case SLMQ_GGUF_F64:
		return 8;
	default:
		return 0;
	}
}

void gguf_w_arr(struct gguf_writer *w, const char *key, uint32_t vtype,
		const void *data, uint64_t n)
{
	size_t esz = vtype_size(vtype);

	if (!esz) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	kv_head(w, key, SLMQ_GGUF_ARRAY);
	put_u32(w, &w->kv, vtype);
	put_u64(w, &w->kv, n);
	put(w, &w->kv, data, esz * n);
}

void gguf_w_arr_str(struct gguf_writer *w, const char *key,
		    const char *const *strs, const uint32_t *lens, uint64_t n)
{
	uint64_t i;

	kv_head(w, key, SLMQ_GGUF_ARRAY);
	put_u32(w, &w->kv, SLMQ_GGUF_STRING);
	put_u64(w, &w->kv, n);
	for (i = 0; i < n; i++)
		put_str(w, &w->kv, strs[i], lens ? lens[i] : strlen(strs[i]));
}

void gguf_w_tensor_raw(struct gguf_writer *w, const char *name, uint32_t type,
		       uint32_t n_dims, const uint64_t *ne, void *data,
		       uint64_t nbytes)
{
	struct wtensor *t;
	uint32_t d;

	if (w->err || n_dims > SLMQ_GGUF_MAX_DIMS || w->copied.n) {
		w->err = w->err ? w->err : -EINVAL;
		free(data);
		return;
	}
	if (w->n_t == w->cap_t) {
		size_t cap = w->cap_t ? 2 * w->cap_t : 64;
		void *p = realloc(w->t, cap * sizeof(*w->t));

		if (!p) {
			w->err = -ENOMEM;
			free(data);
			return;
		}
		w->t = p;
		w->cap_t = cap;
	}
	t = &w->t[w->n_t];
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	if (!t->name) {
		w->err = -ENOMEM;
		free(data);
		return;
	}
	t->type = type;
	t->n_dims = n_dims;
	for (d = 0; d < SLMQ_GGUF_MAX_DIMS; d++)
		t->ne[d] = d < n_dims ? ne[d] : 1;
	t->data = data;
	t->nbytes = nbytes;
	w->n_t++;
}

void gguf_w_tensor(struct gguf_writer *w, const char *name, uint32_t type,
		   uint32_t n_dims, const uint64_t *ne, void *data,
		   uint64_t nbytes)
{
	uint64_t want = 1;
	uint32_t d;

	for (d = 1; d < n_dims; d++)
		want *= ne[d];
	want *= n_dims ? slmq_row_bytes(type, ne[0]) : 0;
	if (!want || want != nbytes) {
		w->err = w->err ? w->err : -EINVAL;
		free(data);
		return;
	}
	gguf_w_tensor_raw(w, name, type, n_dims, ne, data, nbytes);
}

/* Raw bytes of one parsed kv: u64 key length, key, u32 type, value. */
void gguf_w_copy_kv(struct gguf_writer *w, const struct slmq_gguf_kv *kv)
{
	const char *start = kv->key.ptr - 8;
	const char *end = kv->key.ptr + kv->key.len + 4 + kv->val_len;

	put(w, &w->kv, start, (size_t)(end - start));
	if (!w->err)
		w->n_kv++;
}

void gguf_w_copy_tensors(struct gguf_writer *w, const struct slmq_gguf *g)
{
	uint64_t i;

	if (w->n_t || w->copied.n) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	/* u64 name length, name, u32 n_dims, n_dims u64 dims, u32 type, u64 offset */
	for (i = 0; i < g->n_tensors; i++) {
		const struct slmq_gguf_tensor *t = &g->tensors[i];

		put(w, &w->copied.infos, t->name.ptr - 8,
		    8 + t->name.len + 4 + 8 * (size_t)t->n_dims + 4 + 8);
	}
	w->copied.n = g->n_tensors;
	w->copied.data = g->data;
	w->copied.data_len = g->data_len;
	w->version = g->version;
	w->alignment = g->alignment;
}

static uint64_t pad_to(uint64_t n, uint32_t al)
{
	return (n + al - 1) / al * al;
}

/* Header + kv + tensor infos (everything before the data section). */
static int build_head(struct gguf_writer *w, struct bytes *h,
		      uint64_t *data_len)
{
	uint64_t off = 0;
	size_t i;
	uint32_t d;

	put_u32(w, h, SLMQ_GGUF_MAGIC);
	put_u32(w, h, w->version);
	put_u64(w, h, w->n_t + w->copied.n);
	put_u64(w, h, w->n_kv);
	put(w, h, w->kv.p, w->kv.len);
	put(w, h, w->copied.infos.p, w->copied.infos.len);
	off = w->copied.data_len;	/* offsets of copied tensors are as they were */
	for (i = 0; i < w->n_t; i++) {
		struct wtensor *t = &w->t[i];

		put_str(w, h, t->name, strlen(t->name));
		put_u32(w, h, t->n_dims);
		for (d = 0; d < t->n_dims; d++)
			put_u64(w, h, t->ne[d]);
		put_u32(w, h, t->type);
		put_u64(w, h, off);
		t->offset = off;
		off = pad_to(off + t->nbytes, w->alignment);
	}
	*data_len = off;
	return w->err;
}

int gguf_writer_finish(struct gguf_writer *w, void **buf, size_t *len)
{
	struct bytes h = { 0 };
	uint64_t data_len, start;
	unsigned char *p;
	size_t i;
	int ret;

	ret = build_head(w, &h, &data_len);
	if (ret) {
		free(h.p);
		return ret;
	}
	start = pad_to(h.len, w->alignment);
	p = calloc(1, start + data_len + 1);
	if (!p) {
		free(h.p);
		return -ENOMEM;
	}
	memcpy(p, h.p, h.len);
	if (w->copied.data_len)
		memcpy(p + start, w->copied.data, w->copied.data_len);
	for (i = 0; i < w->n_t; i++)
		memcpy(p + start + w->t[i].offset, w->t[i].data, w->t[i].nbytes);
	free(h.p);
	*buf = p;
	*len = start + data_len;
	return 0;
}

static int write_zeros(FILE *f, uint64_t n)
{
	static const char zero[64];

	while (n) {
		size_t k = n < sizeof(zero) ? n : sizeof(zero);

		if (fwrite(zero, 1, k, f) != k)
			return -EIO;
		n -= k;
	}
	return 0;
}

/* Streams to disk so a big model is not held twice in memory. */
static int write_stream(struct gguf_writer *w, FILE *f, const struct bytes *h)
{
	uint64_t pos;
	size_t i;

	if (fwrite(h->p, 1, h->len, f) != h->len)
		return -EIO;
	if (write_zeros(f, pad_to(h->len, w->alignment) - h->len))
		return -EIO;
	if (fwrite(w->copied.data, 1, w->copied.data_len, f) != w->copied.data_len)
		return -EIO;
	for (i = 0; i < w->n_t; i++) {
		const struct wtensor *t = &w->t[i];

		if (fwrite(t->data, 1, t->nbytes, f) != t->nbytes)
			return -EIO;
		pos = t->offset + t->nbytes;
		if (write_zeros(f, pad_to(pos, w->alignment) - pos))
			return -EIO;
	}
	return 0;
}

int gguf_writer_write_file(struct gguf_writer *w, const char *path)
{
	struct bytes h = { 0 };
	uint64_t data_len;
	char tmp[4200];
	FILE *f;
	int ret;

	ret = build_head(w, &h, &data_len);
	if (ret)
		goto out_free_head;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp)) {
		ret = -ENAMETOOLONG;
		goto out_free_head;
	}
	f = fopen(tmp, "wb");
	if (!f) {
		ret = -errno;
		goto out_free_head;
	}
	ret = write_stream(w, f, &h);
	if (fflush(f) || fsync(fileno(f)))
		ret = ret ? ret : -errno;
	if (fclose(f))
		ret = ret ? ret : -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
out_free_head:
	free(h.p);
	return ret;
}
