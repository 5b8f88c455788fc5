// SPDX-License-Identifier: GPL-2.0
/* Re-serialize a GGUF with some string keys set (see gguf_meta.h). */
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "../gguf_writer.h"
#include "gguf_meta.h"

static int find_new(const struct gm_kv *kv, int n, struct slmq_gguf_str key)
{
	int k;

	for (k = 0; k < n; k++)
		if (slmq_gguf_str_eq(key, kv[k].key))
			return k;
	return -1;
}

/* Keys in the file's order, a replaced one where it was; then the new ones. */
static void write_kvs(struct gguf_writer *w, const struct slmq_gguf *g,
		      const struct gm_kv *kv, int n, bool *have)
{
	u64 i;
	int k;

	for (i = 0; i < g->n_kv; i++) {
		k = find_new(kv, n, g->kv[i].key);
		if (k < 0) {
			gguf_w_copy_kv(w, &g->kv[i]);
			continue;
		}
		have[k] = true;
		gguf_w_str(w, kv[k].key, kv[k].str);
	}
	for (k = 0; k < n; k++)
		if (!have[k])
			gguf_w_str(w, kv[k].key, kv[k].str);
}

int gm_set_strings(const void *buf, size_t len, const struct gm_kv *kv, int n,
		   void **out, size_t *out_len, struct slmq_err *err)
{
	bool *have = calloc((size_t)n + 1, sizeof(bool));
	struct gguf_writer *w = gguf_writer_new();
	struct slmq_gguf g;
	int ret;

	if (!have || !w) {
		ret = slmq_fail(err, -ENOMEM, "out of memory");
		goto out_free;
	}
	ret = slmq_gguf_parse(&g, buf, len, &cli_allocator, err);
	if (ret)
		goto out_free;
	gguf_w_copy_tensors(w, &g);
	write_kvs(w, &g, kv, n, have);
	ret = gguf_writer_finish(w, out, out_len);
	if (ret)
		ret = slmq_fail(err, ret, "out of memory");
	slmq_gguf_release(&g, &cli_allocator);
out_free:
	gguf_writer_free(w);
	free(have);
	return ret;
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
