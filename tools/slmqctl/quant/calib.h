/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calibration data for GPTQ/AWQ: a token stream cut into fixed-length
 * sequences drawn with a fixed seed.
 *
 * Input is a nanoGPT-style token file (*.bin: little-endian uint16 ids) or
 * UTF-8 text: documents separated by blank lines when the file has any,
 * else one document per line, each encoded as <s> text </s> with the
 * model's tokenizer (how val.bin was made from val.txt).
 */
#ifndef SLMQ_CALIB_H
#define SLMQ_CALIB_H

#include <stdbool.h>
#include <stddef.h>
#include "../../../kmod/engine/compat.h"
#include "../../../kmod/engine/tokenizer.h"

#define CALIB_DEFAULT_SAMPLES 512
#define CALIB_WARN_TOKENS 100000

struct calib_opts {
	const char *path;
	u32 samples;		/* wanted sequences */
	u32 seqlen;		/* tokens per sequence */
	u64 seed;
	const char *eval_path;	/* data the model will be evaluated on, or NULL */
};

struct calib_set {
	u32 nseq, seqlen;
	u32 *ids;		/* nseq x seqlen */
	u64 stream_tokens;	/* tokens the file holds */
	bool capped;		/* fewer sequences than asked for */
};

/*
 * calib_tokens() - the token stream of a buffer (bounds-checked; ids must be
 * < n_vocab).  vocab is needed for text only.  *ids is malloc'd.
 * Returns 0 or -errno with err set.
 */
int calib_tokens(const void *buf, size_t len, bool text,
		 const struct slmq_vocab *vocab, u32 n_vocab, u32 **ids,
		 u64 *n, struct slmq_err *err);

/*
 * calib_draw() - cut stream[0..n) into the sequences asked for: up to
 * o->samples distinct non-overlapping windows of o->seqlen tokens, picked
 * with a seeded shuffle (all windows when the stream holds fewer).
 */
int calib_draw(const u32 *stream, u64 n, const struct calib_opts *o,
	       struct calib_set *cs, struct slmq_err *err);

/* Reads o->path and draws the set; warnings (small file, eval data) via cli_warn. */
int calib_load(const struct calib_opts *o, const struct slmq_vocab *vocab,
	       u32 n_vocab, struct calib_set *cs, struct slmq_err *err);
void calib_free(struct calib_set *cs);

#endif /* SLMQ_CALIB_H */
