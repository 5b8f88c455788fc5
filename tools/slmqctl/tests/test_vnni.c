// SPDX-License-Identifier: GPL-2.0
/*
 * The VNNI kernel tables (dot_avx512vnni.c, dot_avxvnni.c) against the
 * generic one: block rows bit for bit on random and adversarial blocks
 * (weights and activations all -128, all 127, mixed over the whole int8
 * range), every block type, both layouts, row counts and ranges that are
 * not multiples of 8; and the pcilm-tiny fixture's logits bit for bit with
 * its matrices quantized to each block type, in ggml's layout and packed.
 *
 * QEMU's TCG gives the VM no AVX-512, so these paths are tested here,
 * natively.  dot_avxvnni.c is also linked in built EVEX-encoded
 * (AVX512VL + AVX512_VNNI; the Makefile's avxvnni_evex.o), so its
 * arithmetic runs on a CPU with AVX-512 VNNI but without AVX-VNNI; the VEX
 * build itself runs only where the CPU has AVX-VNNI and is skipped, with
 * that reason, elsewhere.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "cli.h"
#include "../../../kmod/engine/dot.h"
#include "../../../kmod/engine/matvec.h"
#include "../../../kmod/engine/quant.h"

/* dot_avxvnni.c built with -DSLMQ_AVXVNNI_EVEX (the Makefile's avxvnni_evex.o) */
extern const struct slmq_kernels slmq_kernels_avxvnni_evex;

static const struct {
	const struct slmq_kernels *k;
	const char *what;
} paths[] = {
	{ &slmq_kernels_avx512vnni, "avx512vnni" },
	{ &slmq_kernels_avxvnni, "avxvnni" },
	{ &slmq_kernels_avxvnni_evex, "avxvnni (EVEX build)" },
};

static u64 rng = 0x2545f4914f6cdd1dull;

static u64 next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static float grand(void)
{
	return (float)((double)(next() >> 11) / 9007199254740992.0 * 2 - 1);
}

/* How a test fills the int8 quants of weights and activations. */
enum pat { PAT_QUANT, PAT_MIN, PAT_MAX, PAT_MIXED, PAT_COUNT };
static const char *const pat_name[] = { "quantized", "all -128", "all 127", "mixed" };

/*
 * An activation of nb blocks: PAT_QUANT from slmq_quantize_act(), else
 * quants set directly (-128 included, which slmq_quantize_act() never
 * writes) with their exact sums and random scales.
 */
static void make_act(struct slmq_act *a, u32 nb, enum pat p)
{
	u32 n = nb * SLMQ_QK, i, b;
	float x[24 * SLMQ_QK];

	for (i = 0; i < n; i++)
		x[i] = grand() * (i % 5 ? 1.0f : 5.0f);
	slmq_quantize_act(x, a, n);
	if (p == PAT_QUANT)
		return;
	for (b = 0; b < nb; b++) {
		s32 s = 0;

		for (i = 0; i < SLMQ_QK; i++) {
			s8 q = p == PAT_MIN ? -128 : p == PAT_MAX ? 127 : (s8)(next() >> 56);

			a->qs[b * SLMQ_QK + i] = q;
			s += q;
		}
		a->sum[b] = s;
	}
}

/*
 * rows rows of nb blocks in ggml's layout: quantized random weights, then
 * (unless PAT_QUANT) every quant byte overwritten: Q8_0 -128 / 127 /
 * random bytes; Q4 nibbles 0 / 15 / random (for Q4_0: -8 / 7 / mixed).
 */
static void make_rows(u32 type, u8 *w, u32 rows, u32 nb, enum pat p)
{
	u32 n = nb * SLMQ_QK, bs = (u32)slmq_row_bytes(type, SLMQ_QK);
	u32 hdr = type == SLMQ_TYPE_Q4_1 ? 4 : 2, r, b, j;
	u64 rb = slmq_row_bytes(type, n);
	float row[24 * SLMQ_QK];

	for (r = 0; r < rows; r++) {
		for (j = 0; j < n; j++)
			row[j] = grand() * 0.1f;
		slmq_quantize_row(type, row, w + r * rb, n);
		if (p == PAT_QUANT)
			continue;
		for (b = 0; b < nb; b++) {
			u8 *q = w + r * rb + (u64)b * bs + hdr;

			for (j = 0; j < bs - hdr; j++)
				q[j] = p == PAT_MIXED ? (u8)(next() >> 56) :
				       type == SLMQ_TYPE_Q8_0 ? (p == PAT_MIN ? 0x80 : 0x7f) :
				       (p == PAT_MIN ? 0x00 : 0xff);
		}
	}
}

/*
 * One case: generic on ggml's layout is the reference; the path must give
 * its bits on ggml's layout (whole, and from row 3 on), and on the G8 layout
 * (whole, and split at row 8), as must generic on G8.
 */
static bool rows_case(const struct slmq_kernels *k, u32 type, u32 nb, u32 rows,
		      enum pat wp, enum pat ap)
{
	u32 n = nb * SLMQ_QK, gt = type | SLMQ_DOT_G8, r, mid = rows >= 16 ? 8 : 0;
	u64 rb = slmq_row_bytes(type, n);
	u8 *w = malloc(rb * rows), *p = malloc(rb * rows);
	float *y = calloc(6 * rows, sizeof(float));
	void *xbuf = aligned_alloc(64, (slmq_act_bytes(n) + 63) / 64 * 64);
	struct slmq_act xa;
	bool same = true;

	slmq_act_init(&xa, xbuf, n);
	make_act(&xa, nb, ap);
	make_rows(type, w, rows, nb, wp);
	memcpy(p, w, rb * rows);
	for (r = 0; r + 8 <= rows; r += 8)
		slmq_interleave_rows_g8(type, w + r * rb, p + r * rb, nb);
	slmq_dot_rows(&slmq_kernels_generic, type, w, rb, n, NULL, &xa, y, 0, rows);
	slmq_dot_rows(k, type, w, rb, n, NULL, &xa, y + rows, 0, rows);
	slmq_dot_rows(&slmq_kernels_generic, gt, p, rb, n, NULL, &xa, y + 2 * rows, 0, rows);
	slmq_dot_rows(k, gt, p, rb, n, NULL, &xa, y + 3 * rows, 0, rows);
	slmq_dot_rows(k, gt, p, rb, n, NULL, &xa, y + 4 * rows, 0, mid);
	slmq_dot_rows(k, gt, p, rb, n, NULL, &xa, y + 4 * rows, mid, rows);
	memcpy(y + 5 * rows, y, (rows < 3 ? rows : 3) * sizeof(float));
	if (rows > 3)
		slmq_dot_rows(k, type, w, rb, n, NULL, &xa, y + 5 * rows, 3, rows);
	for (r = 1; r < 6; r++)
		same &= !memcmp(y, y + r * rows, rows * sizeof(float));
	/* not vacuous: a broken kernel writing nothing would leave zeros */
	for (r = 0; r < rows && ap != PAT_QUANT; r++)
		same &= isfinite(y[r]);
	if (!same)
		tap_diag("%s %s nb=%u rows=%u weights %s, activation %s: differs from generic",
			 k->name, slmq_type_name(type), nb, rows, pat_name[wp], pat_name[ap]);
	free(w);
	free(p);
	free(y);
	free(xbuf);
	return same;
}

static void test_rows(const struct slmq_kernels *k, const char *what)
{
	static const u32 types[] = { SLMQ_TYPE_Q4_0, SLMQ_TYPE_Q4_1, SLMQ_TYPE_Q8_0 };
	static const u32 nbs[] = { 1, 3, 8, 9, 24 };
	static const u32 nrows[] = { 1, 5, 8, 13, 21, 40 };
	u32 t, b, r, wp, ap, cases;

	for (t = 0; t < ARRAY_SIZE(types); t++) {
		bool ok = true;

		cases = 0;
		for (b = 0; b < ARRAY_SIZE(nbs); b++)
			for (r = 0; r < ARRAY_SIZE(nrows); r++)
				for (wp = 0; wp < PAT_COUNT; wp++)
					for (ap = 0; ap < PAT_COUNT; ap++, cases++)
						ok &= rows_case(k, types[t], nbs[b], nrows[r], wp, ap);
		tap_ok(ok, "%s %s: %u cases (weights and activations quantized, all -128, all 127, mixed; 1..40 rows; 1..24 blocks) give generic's bits on both layouts",
		       what, slmq_type_name(types[t]), cases);
	}
}

/* Greedy steps from prompt with kernels k; every step's logits kept. */
static int run_greedy(const struct slmq_model *m, const struct slmq_kernels *k,
		      const u32 *prompt, u32 np, u32 steps, float *logits)
{
	struct slmq_env env;
	struct slmq_sampler sp;
	struct slmq_session *s;
	struct slmq_err err = { 0 };
	u32 i, tok = 0, nv = m->hp.n_vocab;

	cli_env_init(&env);
	env.kernels = k;
	s = slmq_session_new(m, &env, 0, &err);
	if (!s) {
		tap_diag("session: %s", err.msg);
		return -1;
	}
	slmq_sampler_init(&sp, 0, 0, 0x3f800000u, 1);
	for (i = 0; i < np + steps - 1; i++) {
		if (slmq_session_eval(s, tok = i < np ? prompt[i] : tok))
			break;
		if (i >= np - 1) {
			tok = slmq_sample(&sp, s);
			memcpy(logits + (size_t)(i - np + 1) * nv,
			       slmq_session_logits(s), nv * sizeof(float));
		}
	}
	slmq_session_free(s);
	return 0;
}

static const u32 prompt[] = { 1, 342, 574, 1956, 2009, 1984, 2009, 2012, 284 };
enum { STEPS = 32 };

/* The fixture with every matrix (output head too) re-quantized in memory. */
static void **quantize_model(struct slmq_model *qm, const struct slmq_model *src,
			     u32 type, u32 *nbufs)
{
	struct slmq_layer *layers = calloc(src->hp.n_layer, sizeof(*layers));
	void **bufs = calloc(src->hp.n_layer * 7 + 2, sizeof(void *));
	u32 l, k, nb = 0;

	*qm = *src;
	bufs[nb++] = layers;
	for (l = 0; l <= qm->hp.n_layer; l++) {
		bool head = l == qm->hp.n_layer;
		struct slmq_tensor *mats[7];

		if (!head) {
			layers[l] = src->layers[l];
			mats[0] = &layers[l].wq;
			mats[1] = &layers[l].wk;
			mats[2] = &layers[l].wv;
			mats[3] = &layers[l].wo;
			mats[4] = &layers[l].w_gate;
			mats[5] = &layers[l].w_up;
			mats[6] = &layers[l].w_down;
		} else {
			mats[0] = &qm->output;
		}
		for (k = 0; k < (head ? 1 : 7); k++) {
			struct slmq_tensor *w = mats[k];
			u64 rb = slmq_row_bytes(type, w->ne0), r;
			float *row = malloc(w->ne0 * sizeof(float));
			u8 *q = malloc(rb * w->ne1);

			for (r = 0; r < w->ne1; r++) {
				slmq_tensor_row(w, r, row);
				slmq_quantize_row(type, row, q + r * rb, w->ne0);
			}
			free(row);
			w->type = type;
			w->data = q;
			w->nbytes = rb * w->ne1;
			bufs[nb++] = q;
		}
	}
	qm->layers = layers;
	*nbufs = nb;
	return bufs;
}

static void test_model(const struct slmq_model *fix, u32 type, const bool *run)
{
	u32 np = ARRAY_SIZE(prompt), nv = fix->hp.n_vocab, nb, i, pi, pass;
	size_t nl = (size_t)STEPS * nv;
	float *ref = calloc(nl, sizeof(float)), *got = calloc(nl, sizeof(float));
	struct slmq_err err = { 0 };
	struct slmq_model qm;
	void **bufs = quantize_model(&qm, fix, type, &nb);

	for (pass = 0; pass < 2; pass++) {
		const char *lay = pass ? "packed (G8)" : "ggml's layout";

		if (pass && slmq_model_interleave(&qm, &cli_allocator, &err)) {
			tap_ok(0, "pcilm-tiny %s: interleave: %s", slmq_type_name(type), err.msg);
			break;
		}
		if (run_greedy(&qm, &slmq_kernels_generic, prompt, np, STEPS, ref)) {
			tap_ok(0, "pcilm-tiny %s %s: generic session", slmq_type_name(type), lay);
			continue;
		}
		for (pi = 0; pi < ARRAY_SIZE(paths); pi++) {
			double worst = 0;

			if (!run[pi])
				continue;
			if (run_greedy(&qm, paths[pi].k, prompt, np, STEPS, got)) {
				tap_ok(0, "pcilm-tiny %s %s: %s session", slmq_type_name(type),
				       lay, paths[pi].what);
				continue;
			}
			for (i = 0; i < nl; i++)
				worst = fmax(worst, fabs((double)ref[i] - got[i]));
			tap_ok(!memcmp(ref, got, nl * sizeof(float)),
			       "pcilm-tiny %s, %s: %s logits of %u greedy steps are generic's bit for bit (max diff %.2e)",
			       slmq_type_name(type), lay, paths[pi].what, STEPS, worst);
		}
	}
	for (i = 0; i < nb; i++)
		free(bufs[i]);
	free(bufs);
	free(ref);
	free(got);
}

int main(void)
{
	static const u32 types[] = { SLMQ_TYPE_Q4_0, SLMQ_TYPE_Q4_1, SLMQ_TYPE_Q8_0 };
	u32 cpu = cli_cpu_features(), i;
	bool run[ARRAY_SIZE(paths)];
	char path[4200];
	struct cli_model cm;
	struct slmq_err err = { 0 };

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		run[i] = (cpu & paths[i].k->needs) == paths[i].k->needs;
		if (!run[i])
			tap_ok(1, "%s kernels # SKIP this CPU lacks %s", paths[i].what,
			       paths[i].k->needs & SLMQ_CPU_AVX_VNNI ? "AVX-VNNI" :
			       "AVX-512 F/BW/VL/VNNI");
		else
			test_rows(paths[i].k, paths[i].what);
	}
	snprintf(path, sizeof(path), "%s/pcilm-tiny", tap_fixture_dir());
	if (cli_model_open(path, &cm, &err)) {
		tap_ok(0, "open %s: %s", path, err.msg);
		return tap_done();
	}
	for (i = 0; i < ARRAY_SIZE(types); i++)
		test_model(&cm.model, types[i], run);
	cli_model_close(&cm);
	return tap_done();
}
