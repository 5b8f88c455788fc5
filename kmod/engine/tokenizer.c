// SPDX-License-Identifier: GPL-2.0
/*
 * SentencePiece BPE with byte fallback, the algorithm of llama.cpp's SPM
 * tokenizer (llm_tokenizer_spm) and of SentencePiece's bpe_model.cc:
 *
 *  1. normalize: prepend "▁" (dummy prefix), replace every ' ' by "▁";
 *  2. split into UTF-8 characters (an invalid sequence: one byte each);
 *  3. repeatedly merge the adjacent pair whose concatenation is a piece with
 *     the highest score (ties: leftmost pair first);
 *  4. a final symbol that is not a piece becomes its bytes' <0xXX> tokens.
 *
 * Like SentencePiece, only NORMAL and USER_DEFINED pieces take part in
 * merges, so literal text "<s>" never becomes the control token.
 *
 * No floating point: scores are compared through score_key, an integer
 * whose order is the float order of the score bits.
 */
#include "compat.h"
#include "gguf.h"
#include "tokenizer.h"

#define TOK_NONE		0xffffffffu
#define TOK_MAX_TOKENS		(1u << 22)
#define TOK_MAX_TEXT		(1u << 28)

static const char SPACE_MARK[] = "\xe2\x96\x81";	/* U+2581 "▁" */
#define SPACE_MARK_LEN 3

/*
 * Order-preserving map of IEEE single bits to s32: a < b as floats iff
 * key(a) < key(b).  -0.0 maps like +0.0 so that they tie, as in C.
 */
static s32 score_key(u32 bits)
{
	u32 u;

	if (bits == 0x80000000u)
		bits = 0;
	u = (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
	return (s32)(u ^ 0x80000000u);
}

static u32 piece_hash(const char *p, u32 n)
{
	u32 h = 2166136261u;
	u32 i;

	for (i = 0; i < n; i++)
		h = (h ^ (u8)p[i]) * 16777619u;
	return h;
}

static bool mergeable(const struct slmq_vocab *v, u32 id)
{
	return v->type[id] == SLMQ_TOKEN_NORMAL ||
	       v->type[id] == SLMQ_TOKEN_USER_DEFINED;
}

static bool space_mark_at(const char *p, u64 i)
{
	return !memcmp(p + i, SPACE_MARK, SPACE_MARK_LEN);
}

/* Does p hold "▁" right after something other than "▁" (as in "a▁b")? */
static bool space_after_other(const char *p, u64 n)
{
	u64 i;

	for (i = 1; i + SPACE_MARK_LEN <= n; i++)
		if (space_mark_at(p, i) &&
		    (i < SPACE_MARK_LEN || !space_mark_at(p, i - SPACE_MARK_LEN)))
			return true;
	return false;
}

/* Id of a piece that may take part in merges, or TOK_NONE. */
static u32 find_piece(const struct slmq_vocab *v, const char *p, u32 n)
{
	u32 h = piece_hash(p, n) & v->hash_mask;

	while (v->hash[h] != TOK_NONE) {
		u32 id = v->hash[h];

		if (v->len[id] == n && !memcmp(v->text[id], p, n))
			return mergeable(v, id) ? id : TOK_NONE;
		h = (h + 1) & v->hash_mask;
	}
	return TOK_NONE;
}

static void hash_insert(struct slmq_vocab *v, u32 id)
{
	u32 h = piece_hash(v->text[id], v->len[id]) & v->hash_mask;

	while (v->hash[h] != TOK_NONE) {
		u32 o = v->hash[h];

		/* duplicate text: keep the first mergeable piece */
		if (v->len[o] == v->len[id] &&
		    !memcmp(v->text[o], v->text[id], v->len[id])) {
			if (!mergeable(v, o) && mergeable(v, id))
				v->hash[h] = id;
			return;
		}
		h = (h + 1) & v->hash_mask;
	}
	v->hash[h] = id;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "<0xXX>" (upper-case hex, as SentencePiece writes it) -> XX, or -1. */
static int byte_piece_value(const char *p, u32 n)
{
	int hi, lo;

	if (n != 6 || memcmp(p, "<0x", 3) || p[5] != '>')
		return -1;
	hi = hexval(p[3]);
	lo = hexval(p[4]);
	return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

static int vocab_alloc(struct slmq_vocab *v, u32 n, u64 pool_len,
		       const struct slmq_allocator *a)
{
	u32 size = 16;

	while (size < 2 * n)
		size <<= 1;
	v->text = slmq_alloc_array(a, n, sizeof(*v->text));
	v->len = slmq_alloc_array(a, n, sizeof(*v->len));
	v->score_key = slmq_alloc_array(a, n, sizeof(*v->score_key));
	v->type = slmq_alloc_array(a, n, sizeof(*v->type));
	v->hash = slmq_alloc_array(a, size, sizeof(*v->hash));
	v->pool = slmq_alloc(a, pool_len);
	v->hash_mask = size - 1;
	if (!v->text || !v->len || !v->score_key || !v->type || !v->hash ||
	    !v->pool)
		return -ENOMEM;
	memset(v->hash, 0xff, (size_t)size * sizeof(*v->hash));
	return 0;
}

/* An optional per-token array: absent is fine, wrong type or length is not. */
static int token_array(const struct slmq_gguf *g, const char *key, u32 type,
		       u32 n, const u8 **out, struct slmq_err *err)
{
	const struct slmq_gguf_kv *kv = slmq_gguf_find_kv(g, key);

	*out = NULL;
	if (!kv)
		return 0;
	if (kv->type != SLMQ_GGUF_ARRAY || kv->arr_type != type)
		return slmq_fail(err, -EINVAL, "tokenizer: %s has the wrong type", key);
	if (kv->arr_len != n)
		return slmq_fail(err, -EINVAL,
				 "tokenizer: %s has %llu entries for %u tokens", key,
				 (unsigned long long)kv->arr_len, n);
	*out = kv->val;
	return 0;
}

static int read_special(const struct slmq_gguf *g, const char *key, u32 def,
			u32 n, u32 *out, struct slmq_err *err)
{
	int ret = slmq_gguf_get_u32(g, key, out, err);

	if (ret == -ENOENT) {
		*out = def;
		ret = 0;
	}
	if (ret)
		return ret;
	if (*out >= n)
		return slmq_fail(err, -EINVAL, "tokenizer: %s %u is not a token id (vocab %u)",
				 key, *out, n);
	return 0;
}

static int read_specials(struct slmq_vocab *v, const struct slmq_gguf *g,
			 struct slmq_err *err)
{
	int ret;

	/* llama.cpp's SPM defaults: <unk>=0, <s>=1, </s>=2, add <s> */
	ret = read_special(g, "tokenizer.ggml.bos_token_id", 1, v->n_tokens,
			   &v->bos_id, err);
	if (!ret)
		ret = read_special(g, "tokenizer.ggml.eos_token_id", 2,
				   v->n_tokens, &v->eos_id, err);
	if (!ret)
		ret = read_special(g, "tokenizer.ggml.unknown_token_id", 0,
				   v->n_tokens, &v->unk_id, err);
	if (ret)
		return ret;
	v->add_bos = true;
	ret = slmq_gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &v->add_bos, err);
	return ret == -ENOENT ? 0 : ret;
}

/* Copies the pieces, scores and types; builds the piece hash and byte map. */
static int fill_tokens(struct slmq_vocab *v, const struct slmq_gguf_kv *toks,
		       const u8 *scores, const u8 *types, struct slmq_err *err)
{
	u64 pos = 0, off = 0;
	u32 i, bits;
	s32 t;
	int b;

	for (i = 0; i < v->n_tokens; i++) {
		struct slmq_gguf_str s = slmq_gguf_arr_next_str(toks, &pos);

		if (s.len > SLMQ_TOKEN_MAX_BYTES)
			return slmq_fail(err, -EINVAL,
					 "tokenizer: token %u is %llu bytes long (limit %d)",
					 i, (unsigned long long)s.len, SLMQ_TOKEN_MAX_BYTES);
		v->text[i] = v->pool + off;
		memcpy(v->pool + off, s.ptr, s.len);
		off += s.len + 1;
		v->len[i] = (u32)s.len;
		bits = 0;
		if (scores)
			memcpy(&bits, scores + 4ull * i, 4);
		v->score_key[i] = score_key(bits);
		t = SLMQ_TOKEN_NORMAL;
		if (types)
			memcpy(&t, types + 4ull * i, 4);
		if (t < SLMQ_TOKEN_NORMAL || t > SLMQ_TOKEN_BYTE)
			return slmq_fail(err, -EINVAL,
					 "tokenizer: token %u has unknown type %d", i, t);
		v->type[i] = (u8)t;
		if (mergeable(v, i) && space_after_other(s.ptr, v->len[i]))
			v->space_inside = true;
		b = byte_piece_value(s.ptr, v->len[i]);
		if (t == SLMQ_TOKEN_BYTE && b >= 0 && v->byte_ids[b] == TOK_NONE)
			v->byte_ids[b] = i;
	}
	for (i = 0; i < v->n_tokens; i++)
		hash_insert(v, i);
	return 0;
}

/**
 * slmq_vocab_load() - build the tokenizer from a GGUF's tokenizer.ggml.* keys
 * @v:   vocabulary to fill (released with slmq_vocab_release())
 * @g:   parsed GGUF
 * @a:   allocator
 * @err: one line naming the problem
 *
 * Requires tokenizer.ggml.model "llama" and tokenizer.ggml.tokens; scores,
 * token types and special ids default as in llama.cpp when absent.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int slmq_vocab_load(struct slmq_vocab *v, const struct slmq_gguf *g,
		    const struct slmq_allocator *a, struct slmq_err *err)
{
	const struct slmq_gguf_kv *toks;
	const u8 *scores, *types;
	struct slmq_gguf_str model;
	u64 pos = 0, pool_len = 0, i;
	int ret;

	memset(v, 0, sizeof(*v));
	memset(v->byte_ids, 0xff, sizeof(v->byte_ids));
	ret = slmq_gguf_get_str(g, "tokenizer.ggml.model", &model, err);
	if (ret == -ENOENT)
		return slmq_fail(err, -EINVAL, "tokenizer: tokenizer.ggml.model is missing");
	if (ret)
		return ret;
	if (!slmq_gguf_str_eq(model, "llama"))
		return slmq_fail(err, -EINVAL,
				 "tokenizer: model '%.*s' not supported (need 'llama', SentencePiece BPE)",
				 (int)min_t(u64, model.len, 32), model.ptr);
	toks = slmq_gguf_find_kv(g, "tokenizer.ggml.tokens");
	if (!toks || toks->type != SLMQ_GGUF_ARRAY ||
	    toks->arr_type != SLMQ_GGUF_STRING)
		return slmq_fail(err, -EINVAL,
				 "tokenizer: tokenizer.ggml.tokens is missing or not a string array");
	if (!toks->arr_len || toks->arr_len > TOK_MAX_TOKENS)
		return slmq_fail(err, -EINVAL, "tokenizer: %llu tokens (need 1..%u)",
				 (unsigned long long)toks->arr_len, TOK_MAX_TOKENS);
	v->n_tokens = (u32)toks->arr_len;
	ret = token_array(g, "tokenizer.ggml.scores", SLMQ_GGUF_F32, v->n_tokens,
			  &scores, err);
	if (!ret)
		ret = token_array(g, "tokenizer.ggml.token_type", SLMQ_GGUF_I32,
				  v->n_tokens, &types, err);
	if (!ret)
		ret = read_specials(v, g, err);
	if (ret)
		return ret;
	/* the parser bounded every string by the buffer, so this sum cannot overflow */
	for (i = 0; i < v->n_tokens; i++)
		pool_len += slmq_gguf_arr_next_str(toks, &pos).len + 1;
	ret = vocab_alloc(v, v->n_tokens, pool_len, a);
	if (ret) {
		slmq_fail(err, ret, "tokenizer: out of memory");
		goto out_release;
	}
	ret = fill_tokens(v, toks, scores, types, err);
	if (ret)
		goto out_release;
	return 0;

out_release:
	slmq_vocab_release(v, a);
	return ret;
}

/**
 * slmq_vocab_release() - free what slmq_vocab_load() allocated
 * @v: vocabulary (may be zeroed or partially loaded)
 * @a: the allocator given to slmq_vocab_load()
 */
void slmq_vocab_release(struct slmq_vocab *v, const struct slmq_allocator *a)
{
	slmq_free(a, v->text);
	slmq_free(a, v->len);
	slmq_free(a, v->score_key);
	slmq_free(a, v->type);
	slmq_free(a, v->hash);
	slmq_free(a, v->pool);
	v->text = NULL;
	v->len = NULL;
	v->score_key = NULL;
	v->type = NULL;
	v->hash = NULL;
	v->pool = NULL;
	v->n_tokens = 0;
}

/* --- encoding ------------------------------------------------------------ */
/*
 * Scratch: SentencePiece's merge loop needs a symbol per character and a
 * heap of candidate pairs, 16 + 3 * 12 bytes per character; sized for the
 * whole text that was ~160 bytes per input byte (654 MB for 4 MB of text).
 *
 * A merge joins two neighbouring symbols into a vocabulary piece, so it
 * crosses the boundary between a character c other than "▁" and a "▁" only
 * if some piece holds c"▁".  Llama vocabularies have pieces of "▁" runs
 * ("▁▁▁▁", for indentation) but none with "▁" after another character
 * (SentencePiece's split_by_whitespace); for those (!space_inside) the text
 * is encoded in stretches of SLMQ_TOK_CHUNK bytes, each cut before a space
 * that follows something else than a space or "▁": the same ids, scratch
 * reused from stretch to stretch.
 */

struct symbol {
	u32 off;	/* into the normalized text */
	u32 n;		/* bytes; 0 once merged into its left neighbour */
	s32 prev, next;
};

struct bigram {
	s32 score;
	u32 left;	/* symbol index */
	u32 size;	/* bytes of the merged piece when it was queued */
};

struct tok_state {
	const struct slmq_vocab *v;
	const char *text;	/* normalized */
	struct symbol *sym;
	struct bigram *heap;
	u32 n_heap;
	u32 *ids;
	u32 max_ids, n_ids;
};

/* Max-heap order: higher score first, then the leftmost pair. */
static bool bigram_before(const struct bigram *a, const struct bigram *b)
{
	return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static void heap_push(struct tok_state *st, struct bigram b)
{
	u32 i = st->n_heap++;

	while (i) {
		u32 parent = (i - 1) / 2;

		if (!bigram_before(&b, &st->heap[parent]))
			break;
		st->heap[i] = st->heap[parent];
		i = parent;
	}
	st->heap[i] = b;
}

static struct bigram heap_pop(struct tok_state *st)
{
	struct bigram top = st->heap[0], last = st->heap[--st->n_heap];
	u32 i = 0, n = st->n_heap;

	for (;;) {
		u32 c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && bigram_before(&st->heap[c + 1], &st->heap[c]))
			c++;
		if (!bigram_before(&st->heap[c], &last))
			break;
		st->heap[i] = st->heap[c];
		i = c;
	}
	if (n)
		st->heap[i] = last;
	return top;
}

static void try_bigram(struct tok_state *st, s32 left, s32 right)
{
	const struct symbol *l, *r;
	struct bigram b;
	u32 id;

	if (left < 0 || right < 0)
		return;
	l = &st->sym[left];
	r = &st->sym[right];
	id = find_piece(st->v, st->text + l->off, l->n + r->n);
	if (id == TOK_NONE)
		return;
	b.score = st->v->score_key[id];
	b.left = (u32)left;
	b.size = l->n + r->n;
	heap_push(st, b);
}

static void emit(struct tok_state *st, u32 id)
{
	if (st->n_ids < st->max_ids)
		st->ids[st->n_ids] = id;
	st->n_ids++;
}

/* A final symbol: its piece, or one <0xXX> token per byte. */
static void emit_symbol(struct tok_state *st, const struct symbol *s)
{
	u32 id = find_piece(st->v, st->text + s->off, s->n), i;

	if (id != TOK_NONE) {
		emit(st, id);
		return;
	}
	for (i = 0; i < s->n; i++) {
		id = st->v->byte_ids[(u8)st->text[s->off + i]];
		emit(st, id == TOK_NONE ? st->v->unk_id : id);
	}
}

static u32 utf8_len(u8 c)
{
	static const u8 lens[16] = { 1, 1, 1, 1, 1, 1, 1, 1,
				     1, 1, 1, 1, 2, 2, 3, 4 };

	return lens[c >> 4];
}

/* (Dummy prefix +) spaces to "▁"; returns the normalized length. */
static u32 normalize(const char *text, u32 len, bool prefix, char *out)
{
	u32 i, n = 0;

	if (prefix) {
		memcpy(out, SPACE_MARK, SPACE_MARK_LEN);
		n = SPACE_MARK_LEN;
	}
	for (i = 0; i < len; i++) {
		if (text[i] == ' ') {
			memcpy(out + n, SPACE_MARK, SPACE_MARK_LEN);
			n += SPACE_MARK_LEN;
		} else {
			out[n++] = text[i];
		}
	}
	return n;
}

/*
 * Bytes of the character at off: its UTF-8 length when the continuation
 * bytes are really there, else 1, so invalid UTF-8 never swallows the
 * bytes of the next character (which could be a "▁") into byte fallback.
 */
static u32 char_len(const char *text, u32 off, u32 len)
{
	u32 cl = utf8_len((u8)text[off]), i;

	if (cl > len - off)
		return 1;
	for (i = 1; i < cl; i++)
		if (((u8)text[off + i] & 0xc0) != 0x80)
			return 1;
	return cl;
}

static u32 split_symbols(struct tok_state *st, u32 len)
{
	u32 off = 0, n = 0;

	while (off < len) {
		u32 cl = char_len(st->text, off, len);

		st->sym[n].off = off;
		st->sym[n].n = cl;
		st->sym[n].prev = (s32)n - 1;
		st->sym[n].next = off + cl < len ? (s32)n + 1 : -1;
		off += cl;
		n++;
	}
	return n;
}

static void merge_all(struct tok_state *st, u32 n_sym)
{
	u32 i;

	for (i = 1; i < n_sym; i++)
		try_bigram(st, (s32)i - 1, (s32)i);
	while (st->n_heap) {
		struct bigram b = heap_pop(st);
		struct symbol *l = &st->sym[b.left], *r;

		/* stale entry: one side was merged away since it was queued */
		if (!l->n || l->next < 0)
			continue;
		r = &st->sym[l->next];
		if (!r->n || l->n + r->n != b.size)
			continue;
		l->n += r->n;
		r->n = 0;
		l->next = r->next;
		if (r->next >= 0)
			st->sym[r->next].prev = (s32)b.left;
		try_bigram(st, l->prev, (s32)b.left);
		try_bigram(st, (s32)b.left, l->next);
	}
}

/* End of the stretch starting at start: see the comment above struct symbol. */
static u32 chunk_end(const struct slmq_vocab *v, const char *text, u32 len,
		     u32 start)
{
	u32 end;

	if (v->space_inside || len - start <= SLMQ_TOK_CHUNK)
		return len;
	for (end = start + SLMQ_TOK_CHUNK; end < len; end++)
		if (text[end] == ' ' && text[end - 1] != ' ' &&
		    !(end >= SPACE_MARK_LEN && space_mark_at(text, end - SPACE_MARK_LEN)))
			break;
	return end;
}

/* Encode text[start, end): one stretch, scratch in st. */
static void encode_chunk(struct tok_state *st, const char *text, u32 start,
			 u32 end, char *norm)
{
	u32 norm_len, n_sym, i;

	norm_len = normalize(text + start, end - start, !start, norm);
	st->text = norm;
	st->n_heap = 0;
	n_sym = split_symbols(st, norm_len);
	merge_all(st, n_sym);
	for (i = 0; i < n_sym; i = st->sym[i].next < 0 ? n_sym : (u32)st->sym[i].next)
		emit_symbol(st, &st->sym[i]);
}

/**
 * slmq_tokenize() - encode UTF-8 text as SentencePiece does
 * @v:        vocabulary
 * @text:     UTF-8 text (need not be NUL-terminated)
 * @text_len: bytes of text
 * @add_bos:  put <s> first
 * @ids:      output
 * @max_ids:  capacity of ids
 * @a:        allocator for scratch space
 *
 * Return: the number of ids the text needs (only the first max_ids are
 * written), -EINVAL for text longer than 256 MiB, -ENOMEM.
 */
int slmq_tokenize(const struct slmq_vocab *v, const char *text, u32 text_len,
		  bool add_bos, u32 *ids, u32 max_ids,
		  const struct slmq_allocator *a)
{
	struct tok_state st = { .v = v, .ids = ids, .max_ids = max_ids };
	u64 norm_max = 0, sym_max = 0;
	u32 start, end, i, spaces;
	char *norm;

	if (text_len > TOK_MAX_TEXT)
		return -EINVAL;
	if (add_bos)
		emit(&st, v->bos_id);
	if (!text_len)
		return (int)st.n_ids;
	/*
	 * Scratch for the longest stretch: its normalized bytes (a space
	 * becomes 3), at most one symbol per input byte plus the prefix, and
	 * at most 3 pairs per symbol queued (one per neighbour pair at the
	 * start, two per merge).
	 */
	for (start = 0; start < text_len; start = end) {
		end = chunk_end(v, text, text_len, start);
		for (i = start, spaces = 0; i < end; i++)
			spaces += text[i] == ' ';
		norm_max = max_t(u64, norm_max, (u64)(end - start) + 2 * spaces +
				 (start ? 0 : SPACE_MARK_LEN));
		sym_max = max_t(u64, sym_max, (u64)(end - start) + 1);
	}
	norm = slmq_alloc(a, norm_max);
	st.sym = slmq_alloc_array(a, sym_max, sizeof(*st.sym));
	st.heap = slmq_alloc_array(a, sym_max, 3 * sizeof(*st.heap));
	if (!norm || !st.sym || !st.heap) {
		st.n_ids = (u32)-ENOMEM;
		goto out_free;
	}
	for (start = 0; start < text_len; start = end) {
		end = chunk_end(v, text, text_len, start);
		encode_chunk(&st, text, start, end, norm);
	}
out_free:
	slmq_free(a, st.heap);
	slmq_free(a, st.sym);
	slmq_free(a, norm);
	return (int)st.n_ids;
}

/* --- decoding ------------------------------------------------------------ */

/* Appends n bytes at out[at], as far as out_len allows; returns the new length. */
static u32 put_bytes(char *out, u32 out_len, u32 at, const char *src, u32 n)
{
	u32 i;

	for (i = 0; i < n && at < out_len; i++)
		out[at++] = src[i];
	return at;
}

/**
 * slmq_detokenize() - the text of one token
 * @v:       vocabulary
 * @prev:    the token before @id, or (u32)-1 at the start of the text
 * @id:      token to decode
 * @out:     output bytes (not NUL-terminated)
 * @out_len: capacity of out
 *
 * "▁" becomes ' ', <0xXX> the byte XX, control tokens nothing, <unk> " ⁇ "
 * (as SentencePiece).  SentencePiece drops the space its dummy prefix adds,
 * so a leading space is dropped at the start of the text or after a control
 * token such as <s>.
 *
 * Return: bytes written to out, at most out_len (the token is cut when it
 * is longer; SLMQ_TOKEN_MAX_BYTES is always enough), -EINVAL for a bad id.
 */
int slmq_detokenize(const struct slmq_vocab *v, u32 prev, u32 id, char *out,
		    u32 out_len)
{
	bool at_start = prev >= v->n_tokens || v->type[prev] == SLMQ_TOKEN_CONTROL;
	const char *p;
	u32 i, n = 0;
	int b;

	if (id >= v->n_tokens)
		return -EINVAL;
	p = v->text[id];
	switch (v->type[id]) {
	case SLMQ_TOKEN_CONTROL:
	case SLMQ_TOKEN_UNUSED:
		return 0;
	case SLMQ_TOKEN_UNKNOWN:
		return (int)put_bytes(out, out_len, 0, " \xe2\x81\x87 ", 5);
	case SLMQ_TOKEN_BYTE:
		b = byte_piece_value(p, v->len[id]);
		if (b >= 0) {
			char c = (char)b;

			return (int)put_bytes(out, out_len, 0, &c, 1);
		}
		break;
	default:
		break;
	}
	for (i = 0; i < v->len[id]; i++) {
		if (i + SPACE_MARK_LEN <= v->len[id] &&
		    !memcmp(p + i, SPACE_MARK, SPACE_MARK_LEN)) {
			i += SPACE_MARK_LEN - 1;
			if (!(n == 0 && i == SPACE_MARK_LEN - 1 && at_start))
				n = put_bytes(out, out_len, n, " ", 1);
		} else {
			n = put_bytes(out, out_len, n, p + i, 1);
		}
	}
	return (int)n;
}
