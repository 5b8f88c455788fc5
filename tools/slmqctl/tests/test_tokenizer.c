// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's tokenizer against the fixture tokenizer: the vocabulary goes
 * tokenizer.json -> GGUF metadata -> slmq_vocab_load(), as in a converted
 * model; then every val.bin document must come back exactly:
 *   - val.bin is <s> ids </s> per document; decoding the ids of document k
 *     must give document k of val.txt (the documents, concatenated);
 *   - encoding that val.txt text must give the ids, every token;
 *   - decode(encode(x)) == x for the documents and for edge cases.
 * The derived scores/types are also checked against tokenizer.model (what
 * llama.cpp's converter reads), parsed here with a minimal protobuf reader.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli.h"
#include "gguf_writer.h"
#include "hf_tokenizer.h"
#include "../../kmod/engine/gguf.h"
#include "../../kmod/engine/tokenizer.h"

static const struct slmq_allocator *A = &cli_allocator;

struct tok_fixture {
	void *buf;
	size_t len;
	struct slmq_gguf g;
	struct slmq_vocab v;
};

static void write_vocab(struct gguf_writer *w, const struct hf_vocab *hv)
{
	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)hv->text,
		       hv->len, hv->n);
	gguf_w_arr(w, "tokenizer.ggml.scores", SLMQ_GGUF_F32, hv->score, hv->n);
	gguf_w_arr(w, "tokenizer.ggml.token_type", SLMQ_GGUF_I32, hv->type, hv->n);
	gguf_w_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)hv->bos_id);
	gguf_w_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)hv->eos_id);
	gguf_w_u32(w, "tokenizer.ggml.unknown_token_id", (uint32_t)hv->unk_id);
}

static int load_fixture(struct tok_fixture *f, struct hf_vocab *hv)
{
	struct slmq_err err = { 0 };
	struct gguf_writer *w;
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/pcilm-tiny", tap_fixture_dir());
	if (!tap_ok(!hf_vocab_load(hv, dir, 2048, 1, 2, &err), "tokenizer.json loads (%s)", err.msg))
		return -1;
	tap_ok(hv->n == 2048 && hv->bos_id == 1 && hv->eos_id == 2 && hv->unk_id == 0 &&
	       hv->add_bos == 1 && hv->add_eos == 0 && !hv->scores_from_merges,
	       "2048 tokens, <s>=1 </s>=2 <unk>=0, add_bos, scores from id order (merges agree)");
	w = gguf_writer_new();
	write_vocab(w, hv);
	if (gguf_writer_finish(w, &f->buf, &f->len))
		return -1;
	gguf_writer_free(w);
	if (!tap_ok(!slmq_gguf_parse(&f->g, f->buf, f->len, A, &err) &&
		    !slmq_vocab_load(&f->v, &f->g, A, &err), "vocabulary loads from GGUF (%s)", err.msg))
		return -1;
	return 0;
}

/* --- tokenizer.model (protobuf) --------------------------------------------- */

static uint64_t varint(const uint8_t *b, size_t len, size_t *i)
{
	uint64_t r = 0;
	int s = 0;

	while (*i < len) {
		uint8_t c = b[(*i)++];

		r |= (uint64_t)(c & 0x7f) << s;
		s += 7;
		if (!(c & 0x80))
			break;
	}
	return r;
}

/* ModelProto.pieces (field 1): SentencePiece {1: piece, 2: score, 3: type}. */
static int check_against_model(const struct hf_vocab *hv)
{
	char path[512];
	uint8_t *b;
	size_t len, i = 0, n = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/pcilm-tiny/tokenizer.model", tap_fixture_dir());
	if (cli_read_file(path, (void **)&b, &len))
		return tap_ok(0, "read tokenizer.model");
	while (i < len) {
		uint64_t key = varint(b, len, &i), l;
		size_t end, j;
		const char *piece = "";
		uint32_t plen = 0, score = 0, type = 1, want;

		if ((key & 7) != 2) {
			if ((key & 7) == 0)
				varint(b, len, &i);
			else
				i += (key & 7) == 5 ? 4 : 8;
			continue;
		}
		l = varint(b, len, &i);
		end = i + l;
		if (key >> 3 != 1) {
			i = end;
			continue;
		}
		for (j = i; j < end;) {
			uint64_t k = varint(b, end, &j);

			if ((k >> 3) == 1) {
				plen = (uint32_t)varint(b, end, &j);
				piece = (const char *)b + j;
				j += plen;
			} else if ((k >> 3) == 2) {
				memcpy(&score, b + j, 4);
				j += 4;
			} else {
				type = (uint32_t)varint(b, end, &j);
			}
		}
		memcpy(&want, &hv->score[n], 4);
		if (n >= hv->n || plen != hv->len[n] || memcmp(piece, hv->text[n], plen) ||
		    score != want || (int32_t)type != hv->type[n]) {
			if (bad++ < 3)
				tap_diag("piece %zu differs from tokenizer.model", n);
		}
		n++;
		i = end;
	}
	free(b);
	return tap_ok(!bad && n == hv->n,
		      "pieces, score bits and types equal tokenizer.model's (%zu pieces)", n);
}

/* --- val.bin / val.txt -------------------------------------------------------- */

static int decode(const struct slmq_vocab *v, const uint32_t *ids, size_t n,
		  char **out, size_t *out_len)
{
	size_t cap = 64 + n * 8, len = 0, i;
	char *s = malloc(cap);
	uint32_t prev = (uint32_t)-1;

	for (i = 0; i < n; i++) {
		int k;

		if (len + SLMQ_TOKEN_MAX_BYTES > cap)
			s = realloc(s, cap *= 2);
		k = slmq_detokenize(v, prev, ids[i], s + len, SLMQ_TOKEN_MAX_BYTES);
		if (k < 0 || k > SLMQ_TOKEN_MAX_BYTES) {
			free(s);
			return -1;
		}
		len += (size_t)k;
		prev = ids[i];
	}
	*out = s;
	*out_len = len;
	return 0;
}

/* encode(text) == want (with <s> first) */
static int encodes_to(const struct slmq_vocab *v, const char *text, size_t len,
		      const uint32_t *want, size_t n_want)
{
	uint32_t *ids = malloc((n_want + 1) * sizeof(*ids));
	int n = slmq_tokenize(v, text, (uint32_t)len, true, ids, (uint32_t)n_want + 1, A);
	int ok = n == (int)n_want + 1 && ids[0] == v->bos_id &&
		 !memcmp(ids + 1, want, n_want * sizeof(*ids));

	free(ids);
	return ok;
}

static void test_val(const struct slmq_vocab *v)
{
	char bin[512], txtp[512], *txt, *dec;
	uint16_t *raw;
	size_t blen, tlen, n, i, doc = 0, pos = 0, dec_len, bad_dec = 0, bad_enc = 0, bad_fmt = 0;
	size_t tokens = 0;
	uint32_t *ids;

	snprintf(bin, sizeof(bin), "%s/oscorpus/val.bin", tap_fixture_dir());
	snprintf(txtp, sizeof(txtp), "%s/oscorpus/val.txt", tap_fixture_dir());
	if (cli_read_file(bin, (void **)&raw, &blen) || cli_read_file(txtp, (void **)&txt, &tlen)) {
		tap_ok(0, "read val.bin and val.txt");
		return;
	}
	n = blen / 2;
	ids = malloc(n * sizeof(*ids));
	for (i = 0; i < n; i++)
		ids[i] = raw[i];
	for (i = 0; i < n;) {
		size_t end = i + 1;

		while (end < n && ids[end] != v->eos_id)
			end++;
		if (ids[i] != v->bos_id || end == n) {
			bad_fmt++;
			break;
		}
		/* document: ids[i+1 .. end) */
		if (decode(v, ids + i + 1, end - i - 1, &dec, &dec_len) ||
		    pos + dec_len > tlen || memcmp(dec, txt + pos, dec_len) ||
		    !dec_len || dec[dec_len - 1] != '\n') {
			if (bad_dec++ < 3)
				tap_diag("document %zu: decoding differs from val.txt at byte %zu", doc, pos);
		} else if (!encodes_to(v, txt + pos, dec_len, ids + i + 1, end - i - 1)) {
			if (bad_enc++ < 3)
				tap_diag("document %zu: encoding val.txt differs from val.bin", doc);
		}
		tokens += end - i + 1;
		pos += dec_len;
		free(dec);
		doc++;
		i = end + 1;
	}
	tap_ok(!bad_fmt && doc == 500, "val.bin is 500 documents of <s> ... </s> (%zu)", doc);
	tap_ok(!bad_dec && pos == tlen,
	       "decoding each val.bin document gives val.txt, document by document (%zu bytes)", pos);
	tap_ok(!bad_dec && !bad_enc && tokens == n,
	       "encoding each val.txt document reproduces val.bin: %zu of %zu tokens", tokens, n);
	free(ids);
	free(raw);
	free(txt);
}

static int round_trip(const struct slmq_vocab *v, const char *s, size_t len)
{
	uint32_t ids[4096];
	char *dec;
	size_t dl;
	int n = slmq_tokenize(v, s, (uint32_t)len, false, ids, 4096, A), ok;

	if (n < 0 || n > 4096 || decode(v, ids, (size_t)n, &dec, &dl))
		return 0;
	ok = dl == len && !memcmp(dec, s, len);
	free(dec);
	return ok;
}

static void test_edges(const struct slmq_vocab *v)
{
	static const char *const cases[] = {
		"", " ", "  two leading spaces", "trailing  ", "\n\n\t tab",
		"PCI device 8086:10d3 is Intel Corporation 82574L Gigabit Network Connection.\n",
		"unicode \xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x99\x82",
		"literal <s> and </s> and <0x41>", "\xff\xfe invalid utf-8 \xe2\x96",
		"\xe2\x96 cut \xf0\x9f\x99", "\x80\x80 stray continuation bytes",
	};
	uint32_t ids[64], few[2];
	size_t i;
	int bad = 0, n;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (!round_trip(v, cases[i], strlen(cases[i]))) {
			tap_diag("round trip fails: \"%s\"", cases[i]);
			bad++;
		}
	tap_ok(!bad, "decode(encode(x)) == x for %zu edge cases", ARRAY_SIZE(cases));
	n = slmq_tokenize(v, "literal <s>", 11, false, ids, 64, A);
	bad = 0;
	for (i = 0; n > 0 && i < (size_t)n; i++)
		bad |= ids[i] == v->bos_id;
	tap_ok(n > 0 && !bad, "text \"<s>\" never becomes the control token");
	n = slmq_tokenize(v, "\xf0\x9f\x99\x82", 4, false, ids, 64, A);
	tap_ok(n == 5 && ids[1] == v->byte_ids[0xf0] && ids[4] == v->byte_ids[0x82],
	       "a character outside the vocabulary falls back to its 4 byte tokens");
	n = slmq_tokenize(v, "hello world", 11, true, few, 2, A);
	tap_ok(n > 2 && few[0] == v->bos_id, "short output buffer: returns the needed count (%d)", n);
	tap_ok(slmq_tokenize(v, "", 0, true, ids, 64, A) == 1 &&
	       slmq_tokenize(v, "", 0, false, ids, 64, A) == 0, "empty text: just <s>, or nothing");
	tap_ok(slmq_detokenize(v, 0, v->n_tokens, (char *)ids, 16) == -EINVAL,
	       "detokenize rejects an out-of-range id");
	{
		char small[4] = "....";
		uint32_t id = 0, k;

		for (k = 0; k < v->n_tokens; k++)	/* a long normal piece */
			if (v->type[k] == SLMQ_TOKEN_NORMAL && v->len[k] > v->len[id])
				id = k;
		n = slmq_detokenize(v, v->bos_id, id, small, 3);
		tap_ok(v->len[id] > 6 && n == 3 && small[3] == '.',
		       "detokenize never writes or reports more than out_len (%u-byte piece into 3)",
		       v->len[id]);
	}
}

/* --- scratch --------------------------------------------------------------------- */

/* An allocator that records the peak of live bytes (sizes in a header). */
static size_t live, peak;

static void *count_alloc(void *ctx, size_t size)
{
	size_t *p = cli_allocator.alloc(NULL, size + 64);

	if (!p)
		return NULL;
	*p = size;
	live += size;
	peak = live > peak ? live : peak;
	return (char *)p + 64;
}

static void count_free(void *ctx, void *ptr)
{
	size_t *p = (size_t *)((char *)ptr - 64);

	live -= *p;
	cli_allocator.free(NULL, p);
}

static const struct slmq_allocator counting = { count_alloc, count_free, NULL };

/* Peak scratch of one slmq_tokenize() call, and its ids. */
static int tokenize_peak(const struct slmq_vocab *v, const char *t, size_t n,
			 uint32_t *ids, uint32_t max, size_t *scratch)
{
	int k;

	live = peak = 0;
	k = slmq_tokenize(v, t, (u32)n, true, ids, max, &counting);
	*scratch = peak;
	return k;
}

/*
 * Text: words of val.txt, runs of spaces, literal "▁", a long word and
 * invalid bytes, repeated to n bytes.
 */
static char *mixed_text(const char *val, size_t val_len, size_t n)
{
	static const char *odd[] = { "  ", "   x", "\xe2\x96\x81\xe2\x96\x81 a", "\xff\xe2 ",
				     "\xe2\x96\x81 ", " \xe2\x96", "\t\n " };
	char *t = malloc(n + 1);
	size_t at = 0, k = 0, i = 0;

	while (t && at < n) {
		const char *src = val + (i % val_len);
		size_t len = 1 + (k * 7919) % 200;

		if (k % 5 == 4) {
			src = odd[k % 7];
			len = strlen(src);
		} else if (i % val_len + len > val_len) {
			len = val_len - i % val_len;
		}
		if (at + len > n)
			len = n - at;
		memcpy(t + at, src, len);
		at += len;
		i += len;
		k++;
	}
	if (t)
		t[n] = 0;
	return t;
}

/*
 * The tokenizer used to size its scratch for the whole text (~160 bytes
 * per input byte: 160 MiB here).  Text with spaces now needs scratch for
 * one stretch of SLMQ_TOK_CHUNK bytes; a stretch without a space (where it
 * cannot cut) about 53 bytes per byte.  The ids must be the same as the
 * whole text encoded at once (forced with space_inside).
 */
static void test_scratch(const struct slmq_vocab *v)
{
	enum { N = 1 << 20, W = 1 << 16 };
	struct slmq_vocab whole = *v;
	size_t val_len, sc, sc_whole, sc_word;
	uint32_t *a = malloc((N + 2) * sizeof(*a)), *b = malloc((N + 2) * sizeof(*b));
	char path[512], *val = NULL, *t, *word = malloc(W);
	int na, nb, nw;

	snprintf(path, sizeof(path), "%s/oscorpus/val.txt", tap_fixture_dir());
	if (cli_read_file(path, (void **)&val, &val_len) || !a || !b || !word ||
	    !(t = mixed_text(val, val_len, N))) {
		tap_ok(0, "scratch test setup");
		return;
	}
	tap_ok(!v->space_inside, "the fixture vocabulary has no piece with \"▁\" after another character");
	na = tokenize_peak(v, t, N, a, N + 2, &sc);
	whole.space_inside = true;
	nb = tokenize_peak(&whole, t, N, b, N + 2, &sc_whole);
	tap_ok(na > 0 && na == nb && !memcmp(a, b, (size_t)na * sizeof(*a)),
	       "1 MiB of mixed text: %d ids, the same as encoding it at once", na);
	if (!tap_ok(sc <= 64 * (SLMQ_TOK_CHUNK + 256),
		    "1 MiB of text: %zu bytes of scratch (at once: %zu)", sc, sc_whole))
		tap_diag("bound %d", 64 * (SLMQ_TOK_CHUNK + 256));
	memset(word, 'q', W);
	nw = tokenize_peak(v, word, W, a, N + 2, &sc_word);
	tap_ok(nw > 0 && sc_word <= 56 * (size_t)W,
	       "a 64 KiB word: %zu bytes of scratch (%.1f per byte)", sc_word,
	       (double)sc_word / W);
	tap_ok(live == 0, "no scratch left allocated");
	free(t);
	free(val);
	free(word);
	free(a);
	free(b);
}

/* A piece with "▁" after another character: merges cross spaces, no stretches. */
static void test_space_inside(void)
{
#define SP "\xe2\x96\x81"
	const char *toks[] = { "<unk>", "<s>", "</s>", SP "a", "b", SP "b", "a" SP "b",
			       SP "a" SP "b" };
#undef SP
	float scores[] = { 0, 0, 0, -1, -1, -1, -2, -3 };
	int32_t types[] = { 2, 3, 3, 1, 1, 1, 1, 1 };
	struct slmq_err err = { 0 };
	struct gguf_writer *w = gguf_writer_new();
	struct slmq_gguf g;
	struct slmq_vocab v;
	uint32_t ids[8];
	size_t len;
	void *buf;
	int n = -1;

	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, 8);
	gguf_w_arr(w, "tokenizer.ggml.scores", SLMQ_GGUF_F32, scores, 8);
	gguf_w_arr(w, "tokenizer.ggml.token_type", SLMQ_GGUF_I32, types, 8);
	if (!gguf_writer_finish(w, &buf, &len) && !slmq_gguf_parse(&g, buf, len, A, &err)) {
		if (!slmq_vocab_load(&v, &g, A, &err)) {
			n = slmq_tokenize(&v, "a b", 3, false, ids, 8, A);
			tap_ok(v.space_inside, "a vocabulary with \"a▁b\" is marked space_inside");
			slmq_vocab_release(&v, A);
		}
		slmq_gguf_release(&g, A);
		free(buf);
	}
	gguf_writer_free(w);
	tap_ok(n == 1 && ids[0] == 7, "\"a b\" merges across the space into \"▁a▁b\" (%d ids)", n);
}

/* --- malformed vocabularies ------------------------------------------------------ */

static void expect_vocab_fail(struct gguf_writer *w, const char *want, const char *what)
{
	struct slmq_err err = { 0 };
	struct slmq_gguf g;
	struct slmq_vocab v;
	void *buf;
	size_t len;
	int ret = -1;

	if (!gguf_writer_finish(w, &buf, &len)) {
		if (!slmq_gguf_parse(&g, buf, len, A, &err)) {
			ret = slmq_vocab_load(&v, &g, A, &err);
			if (!ret)
				slmq_vocab_release(&v, A);
			slmq_gguf_release(&g, A);
		}
		free(buf);
	}
	gguf_writer_free(w);
	tap_ok(ret == -EINVAL && strstr(err.msg, want), "%s: \"%s\"", what, err.msg);
}

static void test_bad_vocab(void)
{
	const char *toks[] = { "<unk>", "<s>", "</s>", "a" };
	float scores[] = { 0, 0, 0, -1 };
	int32_t types[] = { 2, 3, 3, 9 };
	char longp[300];
	const char *ltoks[] = { longp };
	struct gguf_writer *w;

	w = gguf_writer_new();
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, 4);
	expect_vocab_fail(w, "tokenizer.ggml.model is missing", "no tokenizer model");

	w = gguf_writer_new();
	gguf_w_str(w, "tokenizer.ggml.model", "gpt2");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, 4);
	expect_vocab_fail(w, "model 'gpt2' not supported", "gpt2 tokenizer");

	w = gguf_writer_new();
	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, 4);
	gguf_w_arr(w, "tokenizer.ggml.scores", SLMQ_GGUF_F32, scores, 3);
	expect_vocab_fail(w, "has 3 entries for 4 tokens", "short score array");

	w = gguf_writer_new();
	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, 4);
	gguf_w_arr(w, "tokenizer.ggml.token_type", SLMQ_GGUF_I32, types, 4);
	expect_vocab_fail(w, "token 3 has unknown type 9", "unknown token type");

	w = gguf_writer_new();
	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, 4);
	gguf_w_u32(w, "tokenizer.ggml.bos_token_id", 4);
	expect_vocab_fail(w, "bos_token_id 4 is not a token id", "bos id out of range");

	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	w = gguf_writer_new();
	gguf_w_str(w, "tokenizer.ggml.model", "llama");
	gguf_w_arr_str(w, "tokenizer.ggml.tokens", ltoks, NULL, 1);
	gguf_w_u32(w, "tokenizer.ggml.bos_token_id", 0);
	gguf_w_u32(w, "tokenizer.ggml.eos_token_id", 0);
	expect_vocab_fail(w, "bytes long (limit 256)", "299-byte piece");
}

int main(void)
{
	struct tok_fixture f = { 0 };
	struct hf_vocab hv;

	if (!load_fixture(&f, &hv)) {
		check_against_model(&hv);
		test_val(&f.v);
		test_edges(&f.v);
		test_scratch(&f.v);
		slmq_vocab_release(&f.v, A);
		slmq_gguf_release(&f.g, A);
		free(f.buf);
		hf_vocab_free(&hv);
	}
	test_bad_vocab();
	test_space_inside();
	return tap_done();
}
