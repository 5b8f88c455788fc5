/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SentencePiece-style BPE with byte fallback (Llama-2 convention), built from
 * the GGUF tokenizer.ggml.* metadata.  No floating point: piece scores are
 * compared through an order-preserving integer mapping of their bits.
 */
#ifndef SLMQ_TOKENIZER_H
#define SLMQ_TOKENIZER_H

#include "compat.h"

struct slmq_gguf;

enum slmq_token_type {
	SLMQ_TOKEN_NORMAL = 1,
	SLMQ_TOKEN_UNKNOWN = 2,
	SLMQ_TOKEN_CONTROL = 3,
	SLMQ_TOKEN_USER_DEFINED = 4,
	SLMQ_TOKEN_UNUSED = 5,
	SLMQ_TOKEN_BYTE = 6,
};

struct slmq_vocab {
	u32 n_tokens;
	u32 bos_id, eos_id, unk_id;
	bool add_bos;
	u32 byte_ids[256];		/* id of <0xXX>, or U32_MAX */
	const char **text;		/* piece text (NUL-terminated copies) */
	u32 *len;
	s32 *score_key;			/* order-preserving integer of the f32 score */
	u8 *type;
	/* hash of piece text -> id, for merges */
	u32 *hash;
	u32 hash_mask;
	char *pool;
	/*
	 * A mergeable piece holds "▁" after its first byte, so merges may
	 * cross a space: slmq_tokenize() cannot work word group by word group.
	 */
	bool space_inside;
};

int slmq_vocab_load(struct slmq_vocab *v, const struct slmq_gguf *g,
		    const struct slmq_allocator *a, struct slmq_err *err);
void slmq_vocab_release(struct slmq_vocab *v, const struct slmq_allocator *a);

/*
 * Encode UTF-8 text (add_bos: prepend <s>).  Writes at most max_ids ids;
 * returns the number of ids the text needs (may exceed max_ids) or a negative
 * errno.  Scratch from a: about 53 bytes per input byte of the longest
 * stretch it must encode at once, which is SLMQ_TOK_CHUNK bytes extended
 * to the next space (the whole text when vocab->space_inside).
 */
#define SLMQ_TOK_CHUNK 4096
int slmq_tokenize(const struct slmq_vocab *v, const char *text, u32 text_len,
		  bool add_bos, u32 *ids, u32 max_ids,
		  const struct slmq_allocator *a);

/*
 * The most ids slmq_tokenize() can return for text_len bytes: every id
 * covers at least one byte of the normalized text, which is the "▁" prefix
 * plus the text with each space turned into "▁" (3 bytes, so byte fallback
 * can make 3 ids of one space), plus BOS.
 */
static inline u64 slmq_tokenize_max_ids(u32 text_len, bool add_bos)
{
	return (text_len ? (u64)text_len * 3 + 3 : 0) + add_bos;
}

/* Longest piece text a vocabulary may hold, so also the longest decoded token. */
#define SLMQ_TOKEN_MAX_BYTES 256

/*
 * Bytes of one token as it appears in decoded text: "▁" becomes a space,
 * <0xXX> becomes that byte, control tokens give nothing.  prev is the token
 * before it, or (u32)-1 at the start of the text (a leading space there or
 * after a control token such as <s> is dropped, as SentencePiece does).
 * Returns the number of bytes written to out, at most out_len (a longer
 * token is cut; SLMQ_TOKEN_MAX_BYTES is always enough), or -EINVAL for a
 * bad id.
 */
int slmq_detokenize(const struct slmq_vocab *v, u32 prev, u32 id, char *out,
		    u32 out_len);

#endif /* SLMQ_TOKENIZER_H */
