// SPDX-License-Identifier: GPL-2.0
/*
 * The engine alone, for the cross-architecture check (scripts/checks/cross.sh):
 * built from kmod/engine/ and cpu.c with nothing else (no json-c, libnl or
 * LAPACK, so one static binary per architecture runs under qemu-user), it
 * prints what must be the same on every CPU.
 *
 *   xengine kernels
 *       TAP: the table cli_kernels() picks (SLMQ_CPU pins one) against the
 *       generic C kernels on random rows of every type and length, both
 *       layouts, and random attention inputs: block types and attention bit
 *       for bit, F16/F32 within 2e-6 of the sum of |w_i x_i|.
 *   xengine run MODEL.gguf TOKENS.bin MAX_TOKENS [g8]
 *       Figures, one per line, "name value": the tokenizer's ids for a fixed
 *       text, the reference perplexity protocol (reference.json: windows of
 *       256 from the first MAX_TOKENS u16 ids, positions 1..255 scored) as a
 *       hash of every NLL's bits and their double sum's bits, a hash of all
 *       logits' bits, and a greedy continuation.  g8: the matrices packed
 *       (SLMQ_OPEN_INTERLEAVE), as slmqctl runs them.  The lines before
 *       "--" (kernels used, perplexity in decimal) are for people; the suite
 *       compares the rest byte for byte with the x86-64 run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../cpu.h"
#include "../../../kmod/engine/dot.h"
#include "../../../kmod/engine/fbits.h"
#include "../../../kmod/engine/model.h"
#include "../../../kmod/engine/quant.h"
#include "../../../kmod/engine/tokenizer.h"

#define DOT_TOL 2e-6
#define PPL_CTX 256

static void *x_alloc(void *ctx, size_t size)
{
	void *p = aligned_alloc(64, (size + 63) / 64 * 64);

	if (p)
		memset(p, 0, size);
	return p;
}

static void x_free(void *ctx, void *p)
{
	free(p);
}

static const struct slmq_allocator xalloc = { x_alloc, x_free, NULL };

static u64 rng = 0x9e3779b97f4a7c15ull;

static double urand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

static float grand(void)
{
	return (float)(urand() + urand() + urand() - 1.5);
}

/* Rows of every type and length through both tables, both layouts. */
static void test_rows(const struct slmq_kernels *k)
{
	static const u32 types[] = { SLMQ_TYPE_F32, SLMQ_TYPE_F16, SLMQ_TYPE_Q4_0,
				     SLMQ_TYPE_Q4_1, SLMQ_TYPE_Q8_0 };
	static const u32 lens[] = { 32, 96, 288, 352, 2048, 40 };
	enum { ROWS = 37 };
	u32 t, li, r, j;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		for (li = 0; li < ARRAY_SIZE(lens); li++) {
			u32 type = types[t], n = lens[li], g8 = 0;
			u64 rb = slmq_row_bytes(type, n);
			bool block = slmq_type_is_block(type), ok = true;
			float *w, *x, yg[ROWS], yk[ROWS], y8[ROWS];
			struct slmq_act xa;
			double worst = 0;
			u8 *wq, *p;
			void *xbuf;

			if (!rb)	/* 40 is only valid for F16/F32 */
				continue;
			w = malloc(sizeof(float) * n * ROWS);
			x = malloc(sizeof(float) * n);
			wq = malloc(rb * ROWS);
			p = malloc(rb * ROWS);
			xbuf = x_alloc(NULL, slmq_act_bytes(n));
			slmq_act_init(&xa, xbuf, n);
			for (j = 0; j < n * ROWS; j++)
				w[j] = grand() * 0.05f;
			for (j = 0; j < n; j++)
				x[j] = grand() * (j % 7 ? 1.0f : 6.0f);
			for (r = 0; r < ROWS; r++)
				slmq_quantize_row(type, w + r * n, wq + r * rb, n);
			/* Q8_0 weights of -128 (valid in a file): exact in ggml's layout */
			if (type == SLMQ_TYPE_Q8_0)
				for (j = 0; j < n; j += 5)
					wq[(j % ROWS) * rb + (j / 32) * 34 + 2 + j % 32] = 0x80;
			if (block)
				slmq_quantize_act(x, &xa, n);
			slmq_dot_rows(&slmq_kernels_generic, type, wq, rb, n, x, &xa, yg, 0, ROWS);
			slmq_dot_rows(k, type, wq, rb, n, x, &xa, yk, 0, ROWS);
			for (r = 0; r < ROWS; r++) {
				double l1 = 0;

				for (j = 0; j < n; j++)
					l1 += fabs((double)w[r * n + j] * x[j]);
				if (block)
					ok &= !memcmp(&yg[r], &yk[r], sizeof(float));
				else
					ok &= fabs((double)yg[r] - yk[r]) <= DOT_TOL * l1;
				worst = fmax(worst, fabs((double)yg[r] - yk[r]) / (l1 + 1e-30));
			}
			tap_ok(ok, "%s n=%u: generic and %s %s (worst |g-k|/L1 %.2e)",
			       slmq_type_name(type), n, k->name,
			       block ? "agree bit for bit" : "agree within 2e-6 * L1", worst);
			if (block && type != SLMQ_TYPE_Q8_0) {
				/* G8: full groups packed, the last partial group as it was */
				memcpy(p, wq, rb * ROWS);
				for (r = 0; r + 8 <= ROWS; r += 8)
					slmq_interleave_rows_g8(type, wq + r * rb, p + r * rb, n / 32);
				g8 = type | SLMQ_DOT_G8;
				slmq_dot_rows(k, g8, p, rb, n, x, &xa, y8, 0, 16);
				slmq_dot_rows(k, g8, p, rb, n, x, &xa, y8, 16, ROWS);
				tap_ok(!memcmp(yg, y8, sizeof(yg)),
				       "%s n=%u G8 layout, two ranges: %s gives generic's bits",
				       slmq_type_name(type), n, k->name);
			}
			free(w);
			free(x);
			free(wq);
			free(p);
			free(xbuf);
		}
	}
}

/* Q8_0 in G8 (interleave.c packs it only without -128 weights). */
static void test_q8_g8(const struct slmq_kernels *k)
{
	static const u32 lens[] = { 32, 352, 2048 };
	enum { ROWS = 21 };
	u32 li, r, j;

	for (li = 0; li < ARRAY_SIZE(lens); li++) {
		u32 n = lens[li];
		u64 rb = slmq_row_bytes(SLMQ_TYPE_Q8_0, n);
		u8 *w = malloc(rb * ROWS), *p = malloc(rb * ROWS);
		float *row = malloc(n * sizeof(float)), *x = malloc(n * sizeof(float));
		float yg[ROWS], yk[ROWS], y8g[ROWS];
		void *xbuf = x_alloc(NULL, slmq_act_bytes(n));
		struct slmq_act xa;

		slmq_act_init(&xa, xbuf, n);
		for (j = 0; j < n; j++)
			x[j] = grand();
		slmq_quantize_act(x, &xa, n);
		for (r = 0; r < ROWS; r++) {
			for (j = 0; j < n; j++)
				row[j] = grand() * 0.1f;
			slmq_quantize_row(SLMQ_TYPE_Q8_0, row, w + r * rb, n);
		}
		memcpy(p, w, rb * ROWS);
		for (r = 0; r + 8 <= ROWS; r += 8)
			slmq_interleave_rows_g8(SLMQ_TYPE_Q8_0, w + r * rb, p + r * rb, n / 32);
		slmq_dot_rows(&slmq_kernels_generic, SLMQ_TYPE_Q8_0, w, rb, n, x, &xa, yg, 0, ROWS);
		slmq_dot_rows(&slmq_kernels_generic, SLMQ_TYPE_Q8_0 | SLMQ_DOT_G8, p, rb, n, x,
			      &xa, y8g, 0, ROWS);
		slmq_dot_rows(k, SLMQ_TYPE_Q8_0 | SLMQ_DOT_G8, p, rb, n, x, &xa, yk, 0, ROWS);
		tap_ok(!memcmp(yg, yk, sizeof(yg)) && !memcmp(yg, y8g, sizeof(yg)),
		       "q8_0 n=%u G8 layout: %s gives generic's bits", n, k->name);
		free(w);
		free(p);
		free(row);
		free(x);
		free(xbuf);
	}
}

static void test_attention(const struct slmq_kernels *k)
{
	static const u32 hds[] = { 32, 64, 40 };
	enum { NT = 37 };
	u32 h, i;

	for (h = 0; h < ARRAY_SIZE(hds); h++) {
		u32 hd = hds[h];
		float *q = malloc(hd * sizeof(float)), *kv = malloc(NT * hd * sizeof(float));
		float sg[NT], sk[NT], *og = malloc(hd * sizeof(float)), *ok = malloc(hd * sizeof(float));
		float eg[NT], ek[NT];

		for (i = 0; i < hd; i++)
			q[i] = grand();
		for (i = 0; i < NT * hd; i++)
			kv[i] = grand();
		slmq_kernels_generic.attn_scores(q, kv, hd, NT, 0.17677669f, sg);
		k->attn_scores(q, kv, hd, NT, 0.17677669f, sk);
		slmq_kernels_generic.attn_wsum(og, sg, kv, hd, NT);
		k->attn_wsum(ok, sg, kv, hd, NT);
		slmq_kernels_generic.expf_array(eg, sg, NT);
		k->expf_array(ek, sg, NT);
		tap_ok(!memcmp(sg, sk, sizeof(sg)) && !memcmp(og, ok, hd * sizeof(float)) &&
		       !memcmp(eg, ek, sizeof(eg)),
		       "attention scores, weighted sum and exp, head dim %u: %s gives generic's bits",
		       hd, k->name);
		free(q);
		free(kv);
		free(og);
		free(ok);
	}
}

static int cmd_kernels(void)
{
	const struct slmq_kernels *k = cli_kernels();

	tap_diag("kernels: %s (cpu features 0x%x)", k->name, cli_cpu_features());
	if (k == &slmq_kernels_generic) {
		printf("1..0 # SKIP no SIMD kernels chosen here (%s)\n", SLMQ_KERNELS_PATHS);
		return 0;
	}
	test_rows(k);
	test_q8_g8(k);
	test_attention(k);
	return tap_done();
}

/* FNV-1a over 32-bit words. */
static u64 fnv(u64 h, const void *p, size_t n)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

#define FNV0 0xcbf29ce484222325ull

static int read_all(const char *path, void **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	*buf = x_alloc(NULL, (size_t)n + 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

static const char sample_text[] =
	"The kernel module loads the firmware: mmap(2), ioctl() and 0x1f; naïve café.";
static const u32 greedy_prompt[] = { 1, 342, 574, 1956, 2009, 1984, 2009, 2012, 284 };

static int cmd_run(const char *model, const char *tokens, u32 max_tokens, bool g8)
{
	struct slmq_err err = { 0 };
	struct slmq_model m;
	struct slmq_session *s;
	struct slmq_sampler sp;
	struct slmq_env env = { .alloc = &xalloc, .kernels = cli_kernels() };
	u64 hn = FNV0, hl = FNV0, nbits;
	size_t len, tlen, ntok;
	void *buf, *tbuf;
	u32 ids[256], nid, w, nw, i, tok = 0, out[16];
	double total = 0;
	int ret, r;

	if (read_all(model, &buf, &len) || read_all(tokens, &tbuf, &tlen)) {
		fprintf(stderr, "xengine: cannot read %s or %s\n", model, tokens);
		return 1;
	}
	ret = slmq_model_open(&m, buf, len, g8 ? SLMQ_OPEN_INTERLEAVE : 0, &xalloc, &err);
	if (ret) {
		fprintf(stderr, "xengine: %s: %s\n", model, err.msg);
		return 1;
	}
	s = slmq_session_new(&m, &env, PPL_CTX, &err);
	if (!s) {
		fprintf(stderr, "xengine: session: %s\n", err.msg);
		return 1;
	}
	ntok = tlen / 2 < max_tokens ? tlen / 2 : max_tokens;
	nw = (u32)(ntok / PPL_CTX);
	for (w = 0; w < nw; w++) {
		const u8 *t = (const u8 *)tbuf + (size_t)w * PPL_CTX * 2;

		slmq_session_reset(s);
		for (i = 0; i + 1 < PPL_CTX; i++) {
			u32 nll;

			if (slmq_session_eval(s, t[2 * i] | t[2 * i + 1] << 8)) {
				fprintf(stderr, "xengine: eval failed\n");
				return 1;
			}
			hl = fnv(hl, slmq_session_logits(s), m.hp.n_vocab * sizeof(float));
			nll = slmq_session_nll_bits(s, t[2 * i + 2] | t[2 * i + 3] << 8);
			hn = fnv(hn, &nll, sizeof(nll));
			total += slmq_bits_f32(nll);
		}
	}
	slmq_session_reset(s);
	slmq_sampler_init(&sp, 0, 0, 0x3f800000u, 1);
	for (i = 0; i < ARRAY_SIZE(greedy_prompt) + ARRAY_SIZE(out) - 1; i++) {
		tok = i < ARRAY_SIZE(greedy_prompt) ? greedy_prompt[i] :
		      out[i - ARRAY_SIZE(greedy_prompt)];
		if (slmq_session_eval(s, tok))
			return 1;
		if (i + 1 >= ARRAY_SIZE(greedy_prompt))
			out[i + 1 - ARRAY_SIZE(greedy_prompt)] = slmq_sample(&sp, s);
	}
	r = slmq_tokenize(&m.vocab, sample_text, sizeof(sample_text) - 1, true, ids,
			  ARRAY_SIZE(ids), &xalloc);
	if (r < 0 || r > (int)ARRAY_SIZE(ids)) {
		fprintf(stderr, "xengine: tokenize: %d\n", r);
		return 1;
	}
	nid = (u32)r;
	memcpy(&nbits, &total, sizeof(nbits));
	printf("kernels %s\n", env.kernels->name);
	printf("ppl %.6f over %u windows of %u\n",
	       nw ? exp(total / ((double)nw * (PPL_CTX - 1))) : 0.0, nw, PPL_CTX);
	printf("--\n");
	printf("scored %u\n", nw * (PPL_CTX - 1));
	printf("nll_bits_fnv %016llx\n", (unsigned long long)hn);
	printf("nll_sum_bits %016llx\n", (unsigned long long)nbits);
	printf("logits_bits_fnv %016llx\n", (unsigned long long)hl);
	printf("greedy");
	for (i = 0; i < ARRAY_SIZE(out); i++)
		printf(" %u", out[i]);
	printf("\ntokens");
	for (i = 0; i < nid; i++)
		printf(" %u", ids[i]);
	printf("\n");
	slmq_session_free(s);
	slmq_model_release(&m, &xalloc);
	free(buf);
	free(tbuf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "kernels"))
		return cmd_kernels();
	if ((argc == 5 || (argc == 6 && !strcmp(argv[5], "g8"))) && !strcmp(argv[1], "run"))
		return cmd_run(argv[2], argv[3], (u32)strtoul(argv[4], NULL, 0), argc == 6);
	fprintf(stderr, "usage: xengine kernels | xengine run MODEL.gguf TOKENS.bin MAX_TOKENS [g8]\n");
	return 2;
}
