// SPDX-License-Identifier: GPL-2.0
/* Token data for evaluation: .bin id files or text through the model's tokenizer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eval.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static int bin_tokens(const char *path, const unsigned char *p, size_t len,
		      const struct slmq_vocab *v, uint32_t **ids, size_t *n,
		      struct slmq_err *err)
{
	size_t i, cnt = len / 2;
	uint32_t *out;

	if (len % 2)
		return slmq_fail(err, -EINVAL, "%s: odd size %zu (expected u16 ids)",
				 path, len);
	out = malloc((cnt ? cnt : 1) * sizeof(*out));
	if (!out)
		return slmq_fail(err, -ENOMEM, "%s: out of memory", path);
	for (i = 0; i < cnt; i++) {
		uint32_t id = p[2 * i] | (uint32_t)p[2 * i + 1] << 8;

		if (id >= v->n_tokens) {
			/* the message reports id, not out[i]: out is freed first */
			free(out);
			return slmq_fail(err, -EINVAL,
					 "%s: token %u at index %zu is outside the model's vocabulary (%u)",
					 path, id, i, v->n_tokens);
		}
		out[i] = id;
	}
	*ids = out;
	*n = cnt;
	return 0;
}

static int text_tokens(const char *path, const char *text, size_t len,
		       const struct slmq_vocab *v, uint32_t **ids, size_t *n,
		       struct slmq_err *err)
{
	uint32_t *out;
	int need;

	if (len > UINT32_MAX - 1)
		return slmq_fail(err, -EFBIG, "%s: text too large", path);
	need = slmq_tokenize(v, text, (u32)len, true, NULL, 0, &cli_allocator);
	if (need < 0)
		return slmq_fail(err, need, "%s: cannot tokenize (%s)", path,
				 strerror(-need));
	out = malloc(((size_t)need + 1) * sizeof(*out));
	if (!out)
		return slmq_fail(err, -ENOMEM, "%s: out of memory", path);
	need = slmq_tokenize(v, text, (u32)len, true, out, (u32)need,
			     &cli_allocator);
	if (need < 0) {
		free(out);
		return slmq_fail(err, need, "%s: cannot tokenize", path);
	}
	*ids = out;
	*n = (size_t)need;
	return 0;
}

/**
 * eval_parse_tokens() - evaluation ids from the bytes of a .bin or text file.
 * @name: file name for messages
 * @buf: the file's bytes
 * @len: bytes
 * @bin: u16 little-endian ids (a .bin file) rather than text
 * @v: the model's vocabulary (checks ids, tokenizes text)
 * @ids: malloc'd ids
 * @n: count
 * @err: error line
 *
 * Return: 0 or a negative errno.
 */
int eval_parse_tokens(const char *name, const void *buf, size_t len, bool bin,
		      const struct slmq_vocab *v, uint32_t **ids, size_t *n,
		      struct slmq_err *err)
{
	if (bin)
		return bin_tokens(name, buf, len, v, ids, n, err);
	return text_tokens(name, buf, len, v, ids, n, err);
}

/**
 * eval_load_tokens() - read evaluation ids from a .bin or a text file.
 * @path: file
 * @v: the model's vocabulary (checks ids, tokenizes text)
 * @ids: malloc'd ids
 * @n: count
 * @err: error line
 */
int eval_load_tokens(const char *path, const struct slmq_vocab *v,
		     uint32_t **ids, size_t *n, struct slmq_err *err)
{
	void *buf;
	size_t len;
	int ret;

	ret = cli_read_file(path, &buf, &len);
	if (ret)
		return slmq_fail(err, ret, "%s: %s", path, strerror(-ret));
	ret = eval_parse_tokens(path, buf, len, ends_with(path, ".bin"), v, ids,
				n, err);
	free(buf);
	return ret;
}
