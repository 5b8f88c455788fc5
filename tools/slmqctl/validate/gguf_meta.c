// SPDX-License-Identifier: GPL-2.0
/* Re-serialize a GGUF with some string keys set (see gguf_meta.h). */
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "gguf_meta.h"

struct obuf {
	unsigned char *p;
	size_t len, cap;
	int err;
};

static void put(struct obuf *o, const void *src, size_t n)
{
	if (o->err)
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		unsigned char *np;

		while (cap < o->len + n)
			cap *= 2;
		np = realloc(o->p, cap);
		if (!np) {
			o->err = -ENOMEM;
			return;
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, src, n);
	o->len += n;
}

static void put_u32(struct obuf *o, u32 v)
{
	put(o, &v, 4);	/* x86 and every GGUF are little-endian */
}

static void put_u64(struct obuf *o, u64 v)
{
	put(o, &v, 8);
}

static void put_str(struct obuf *o, const char *s)
{
	put_u64(o, strlen(s));
	put(o, s, strlen(s));
}

static int find_new(const struct gm_kv *kv, int n, struct slmq_gguf_str key)
{
	int k;

	for (k = 0; k < n; k++)
		if (slmq_gguf_str_eq(key, kv[k].key))
			return k;
	return -1;
}

/* Raw bytes of one parsed kv: u64 key length, key, u32 type, value. */
static void put_raw_kv(struct obuf *o, const struct slmq_gguf_kv *kv)
{
	const char *start = kv->key.ptr - 8;
	const char *end = kv->key.ptr + kv->key.len + 4 + kv->val_len;

	put(o, start, (size_t)(end - start));
}

static void put_raw_tensor_info(struct obuf *o, const struct slmq_gguf_tensor *t)
{
	const char *start = t->name.ptr - 8;
	size_t n = 8 + t->name.len + 4 + 8 * (size_t)t->n_dims + 4 + 8;

	put(o, start, n);
}

int gm_set_strings(const void *buf, size_t len, const struct gm_kv *kv, int n,
		   void **out, size_t *out_len, struct slmq_err *err)
{
	struct obuf o = { 0 };
	struct slmq_gguf g;
	u64 i, n_kv, pad;
	int k, ret;
	bool *have = calloc((size_t)n + 1, sizeof(bool));

	if (!have)
		return slmq_fail(err, -ENOMEM, "out of memory");
	ret = slmq_gguf_parse(&g, buf, len, &cli_allocator, err);
	if (ret) {
		free(have);
		return ret;
	}
	n_kv = g.n_kv;
	for (i = 0; i < g.n_kv; i++) {
		k = find_new(kv, n, g.kv[i].key);
		if (k >= 0)
			have[k] = true;
	}
	for (k = 0; k < n; k++)
		n_kv += !have[k];
	put_u32(&o, SLMQ_GGUF_MAGIC);
	put_u32(&o, g.version);
	put_u64(&o, g.n_tensors);
	put_u64(&o, n_kv);
	for (i = 0; i < g.n_kv; i++) {
		k = find_new(kv, n, g.kv[i].key);
		if (k < 0) {
			put_raw_kv(&o, &g.kv[i]);
			continue;
		}
		put_str(&o, kv[k].key);
		put_u32(&o, SLMQ_GGUF_STRING);
		put_str(&o, kv[k].str);
	}
	for (k = 0; k < n; k++) {
		if (have[k])
			continue;
		put_str(&o, kv[k].key);
		put_u32(&o, SLMQ_GGUF_STRING);
		put_str(&o, kv[k].str);
	}
	for (i = 0; i < g.n_tensors; i++)
		put_raw_tensor_info(&o, &g.tensors[i]);
	/* Tensor offsets are relative to the data section: keep it aligned. */
	pad = (g.alignment - o.len % g.alignment) % g.alignment;
	while (pad--)
		put(&o, "", 1);
	put(&o, g.data, g.data_len);
	slmq_gguf_release(&g, &cli_allocator);
	free(have);
	if (o.err) {
		free(o.p);
		return slmq_fail(err, o.err, "out of memory");
	}
	*out = o.p;
	*out_len = o.len;
	return 0;
}

int gm_set_strings_file(const char *path, const struct gm_kv *kv, int n,
			struct slmq_err *err)
{
	void *buf, *nbuf;
	size_t len, nlen;
	int ret;

	ret = cli_read_file(path, &buf, &len);
	if (ret)
		return slmq_fail(err, ret, "%s: %s", path, strerror(-ret));
	ret = gm_set_strings(buf, len, kv, n, &nbuf, &nlen, err);
	free(buf);
	if (ret)
		return ret;
	ret = cli_write_file(path, nbuf, nlen);
	free(nbuf);
	if (ret)
		return slmq_fail(err, ret, "%s: %s", path, strerror(-ret));
	return 0;
}
