// SPDX-License-Identifier: GPL-2.0
/* Calibration data: token files or text, seeded sampling of sequences. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "../cli.h"

static int from_bin(const u8 *b, size_t len, u32 n_vocab, u32 **ids, u64 *n,
		    struct slmq_err *err)
{
	size_t i;

	if (len % 2) {
		return slmq_fail(err, -EINVAL, "token file has an odd size (%zu bytes), not uint16 ids", len);
	}
	*n = len / 2;
	*ids = malloc((*n ? *n : 1) * sizeof(u32));
	if (!*ids)
		return -ENOMEM;
	for (i = 0; i < *n; i++) {
		u32 id = b[2 * i] | (u32)b[2 * i + 1] << 8;

		if (id >= n_vocab) {
			slmq_fail(err, -EINVAL, "token %zu is id %u, beyond the model's vocabulary of %u",
				 i, id, n_vocab);
			free(*ids);
			*ids = NULL;
			return -EINVAL;
		}
		(*ids)[i] = id;
	}
	return 0;
}

/* Appends <s> doc </s> to the stream, growing it as needed. */
static int add_doc(const struct slmq_vocab *v, const char *doc, size_t len,
		   u32 **ids, u64 *n, u64 *cap)
{
	int need;

	if (len > UINT_MAX / 2)
		return -E2BIG;
	for (;;) {
		need = slmq_tokenize(v, doc, (u32)len, true, *ids + *n,
				     (u32)min_t(u64, *cap - *n, UINT_MAX), &cli_allocator);
		if (need < 0)
			return need;
		if (*n + need + 1 <= *cap)
			break;
		*cap = (*n + need + 1) * 2;
		*ids = realloc(*ids, *cap * sizeof(u32));
		if (!*ids)
			return -ENOMEM;
	}
	*n += need;
	(*ids)[(*n)++] = v->eos_id;
	return 0;
}

static int from_text(const char *t, size_t len, const struct slmq_vocab *v,
		     u32 **ids, u64 *n, struct slmq_err *err)
{
	bool blank_sep = memmem(t, len, "\n\n", 2) != NULL;
	u64 cap = len / 2 + 64;
	size_t i = 0;
	int rc;

	*n = 0;
	*ids = malloc(cap * sizeof(u32));
	if (!*ids)
		return -ENOMEM;
	while (i < len) {
		const char *end = blank_sep ? memmem(t + i, len - i, "\n\n", 2) :
					      memchr(t + i, '\n', len - i);
		size_t dl = end ? (size_t)(end - (t + i)) + 1 : len - i;

		/* the document keeps its final newline, as in val.txt */
		if (dl > 1 || (dl == 1 && t[i] != '\n')) {
			rc = add_doc(v, t + i, dl, ids, n, &cap);
			if (rc) {
				slmq_fail(err, -EINVAL, "cannot tokenize calibration text at byte %zu: %s",
					 i, strerror(-rc));
				free(*ids);
				*ids = NULL;
				return rc;
			}
		}
		i += dl + (blank_sep && end ? 1 : 0);
	}
	return 0;
}

int calib_tokens(const void *buf, size_t len, bool text,
		 const struct slmq_vocab *vocab, u32 n_vocab, u32 **ids,
		 u64 *n, struct slmq_err *err)
{
	*ids = NULL;
	*n = 0;
	if (!text)
		return from_bin(buf, len, n_vocab, ids, n, err);
	if (!vocab) {
		return slmq_fail(err, -EINVAL, "text calibration data needs the model's tokenizer");
	}
	return from_text(buf, len, vocab, ids, n, err);
}

static u64 xorshift(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s * 0x2545f4914f6cdd1dull;
}

int calib_draw(const u32 *stream, u64 n, const struct calib_opts *o,
	       struct calib_set *cs, struct slmq_err *err)
{
	u64 slots = o->seqlen ? n / o->seqlen : 0, i, rng = o->seed * 2654435761u + 88172645463325252ull;
	u64 *order, off;
	u32 k;

	memset(cs, 0, sizeof(*cs));
	if (!o->seqlen || !o->samples || !slots) {
		return slmq_fail(err, -EINVAL, "calibration data holds %llu tokens, fewer than one sequence of %u",
			 (unsigned long long)n, o->seqlen);
	}
	cs->seqlen = o->seqlen;
	cs->nseq = (u32)min_t(u64, slots, o->samples);
	cs->capped = cs->nseq < o->samples;
	cs->stream_tokens = n;
	order = malloc(slots * sizeof(u64));
	cs->ids = malloc((size_t)cs->nseq * o->seqlen * sizeof(u32));
	if (!order || !cs->ids) {
		free(order);
		calib_free(cs);
		return -ENOMEM;
	}
	/* a seeded start offset within the slack, then a seeded choice of windows */
	off = xorshift(&rng) % (n - slots * o->seqlen + 1);
	for (i = 0; i < slots; i++)
		order[i] = i;
	for (i = slots - 1; i > 0; i--) {
		u64 j = xorshift(&rng) % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (k = 0; k < cs->nseq; k++)
		memcpy(cs->ids + (size_t)k * o->seqlen, stream + off + order[k] * o->seqlen,
		       o->seqlen * sizeof(u32));
	free(order);
	return 0;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static bool has_ext(const char *p, const char *ext)
{
	size_t l = strlen(p), e = strlen(ext);

	return l >= e && !strcmp(p + l - e, ext);
}

/* The seed asks for a validation split: say so when it looks like anything else. */
static void warn_split(const struct calib_opts *o)
{
	char a[PATH_MAX], b[PATH_MAX];
	const char *bn = base_name(o->path);

	if (o->eval_path && realpath(o->path, a) && realpath(o->eval_path, b) && !strcmp(a, b))
		cli_warn("calibration data %s is the evaluation data: figures measured on it are optimistic",
			 o->path);
	else if (strstr(bn, "test"))
		cli_warn("calibration data %s looks like a test split; calibrate on a validation split",
			 o->path);
	else if (strstr(bn, "train"))
		cli_warn("calibration data %s looks like a training split; calibrate on a validation split",
			 o->path);
}

int calib_load(const struct calib_opts *o, const struct slmq_vocab *vocab,
	       u32 n_vocab, struct calib_set *cs, struct slmq_err *err)
{
	void *buf;
	size_t len;
	u32 *stream;
	u64 n;
	int rc;

	rc = cli_read_file(o->path, &buf, &len);
	if (rc) {
		return slmq_fail(err, rc, "%s: %s", o->path, strerror(-rc));
	}
	rc = calib_tokens(buf, len, !has_ext(o->path, ".bin"), vocab, n_vocab,
			  &stream, &n, err);
	free(buf);
	if (rc)
		return rc;
	rc = calib_draw(stream, n, o, cs, err);
	free(stream);
	if (rc)
		return rc;
	warn_split(o);
	if (n < CALIB_WARN_TOKENS)
		cli_warn("calibration data %s holds only %llu tokens (< %u): expect noisier statistics",
			 o->path, (unsigned long long)n, CALIB_WARN_TOKENS);
	if (cs->capped)
		cli_warn("calibration data holds %u sequences of %u tokens, fewer than the %u asked for: using %u",
			 cs->nseq, cs->seqlen, o->samples, cs->nseq);
	return 0;
}

void calib_free(struct calib_set *cs)
{
	free(cs->ids);
	cs->ids = NULL;
}
