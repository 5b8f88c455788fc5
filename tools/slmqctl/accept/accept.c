// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl quantize MODEL_DIR -o OUT --auto: quantize, validate, fall back.
 *
 * The ladder (every rung recorded in OUT/quantization_summary.json):
 *   start INT4: INT4 (chosen method) -> mixed preset -> INT8 -> INT4 with
 *               double the calibration samples (bounded by the file)
 *   start INT8: INT8 -> mixed preset -> INT4 -> INT4 with double samples
 * --bits picks the start; without it the seed's policy applies: models below
 * 20M parameters start at INT8, larger ones at INT4.  The loop stops at the
 * first ACCEPTED attempt.  Each attempt is one slmq_quantize() call with the
 * command line's parameters and the rung's bits, mixed spec and samples,
 * into OUT/NAME_int4 (_int8, _mixed, _int4_calib2x), then validated; its
 * directory gets validation_report.json, the verdict stamped into
 * model.gguf and the Hugging Face GPTQ-layout export.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../quant/calib.h"
#include "accept.h"
#include "accept_priv.h"
#include "hf_export.h"

/*
 * One rung: quantize's own parameters from the command line with the rung's
 * bits, mixed spec and calibration samples.  Its report is not printed (the
 * summary records the attempt); errors print as `slmqctl quantize` prints
 * them.
 */
static int run_quantize(const struct auto_args *a, const struct attempt *at,
			const char *dir)
{
	struct slmq_quantize_params p = a->q.p;
	struct slmq_quantize_result res;
	struct slmq_err err = { 0 };
	struct hf_model m;
	int ret;

	p.bits = (u32)at->bits;
	/* INT8 is symmetric Q8_0 only: --asym is an INT4 choice. */
	p.asym = at->bits == 4 && p.asym;
	p.mixed = at->mixed;
	p.calib_samples = at->samples;
	p.out_dir = dir;
	if (hf_model_open(&m, a->model, &err))
		return cli_fail("%s: %s", a->model, err.msg);
	ret = slmq_quantize(&p, &m, &res, &err);
	hf_model_close(&m);
	if (ret)
		return cli_fail("quantize: %s", err.msg);
	slmq_quantize_result_free(&res);
	return 0;
}

/* How many calibration sequences the file can give (for the doubled rung). */
static unsigned int calib_capacity(const struct auto_args *a,
				   const struct cli_model *fp, unsigned int want)
{
	struct calib_opts co = { a->calib, want, fp->model.hp.n_ctx_train, 1234, NULL };
	struct slmq_err err = { 0 };
	struct calib_set cs;
	unsigned int got;

	if (calib_load(&co, &fp->model.vocab, fp->model.hp.n_vocab, &cs, &err))
		return 0;
	got = cs.nseq;
	calib_free(&cs);
	return got;
}

static struct attempt rung(const char *label, int bits, const char *mixed,
			    unsigned int samples, const char *suffix,
			    const char *why)
{
	struct attempt at = { 0 };

	at.label = label;
	at.bits = bits;
	at.mixed = mixed;
	at.samples = samples;
	at.suffix = suffix;
	at.why = why;
	return at;
}

static void plan_ladder(struct auto_args *a, const struct cli_model *fp)
{
	const char *mixed = a->mixed ? a->mixed : "preset";
	bool calibrated = strcmp(a->method, "rtn") != 0;
	struct attempt *l = a->ladder;
	int n = 0;

	if (a->bits == 8) {
		l[n++] = rung("int8", 8, NULL, a->samples, "_int8", "start: INT8");
		l[n++] = rung("mixed", 4, mixed, a->samples, "_mixed", "INT8 rejected: mixed precision");
		l[n++] = rung("int4", 4, NULL, a->samples, "_int4", "mixed rejected: INT4");
	} else {
		l[n++] = rung("int4", 4, NULL, a->samples, "_int4", "start: INT4");
		l[n++] = rung("mixed", 4, mixed, a->samples, "_mixed", "INT4 rejected: mixed precision");
		l[n++] = rung("int8", 8, NULL, a->samples, "_int8", "mixed rejected: INT8");
	}
	l[n] = rung("int4_calib2x", 4, NULL, a->samples * 2, "_int4_calib2x",
		    "all rejected: INT4 with double the calibration samples");
	if (!calibrated) {
		l[n].skip = "the method (rtn) uses no calibration data";
	} else {
		unsigned int cap = calib_capacity(a, fp, a->samples * 2);

		if (cap)
			l[n].samples = cap;
		if (cap && cap <= a->samples)
			l[n].skip = "the calibration file holds no more samples than the first INT4 attempt used";
	}
	a->n_ladder = n + 1;
}

static void attempt_dir(const struct auto_args *a, const struct attempt *at,
			char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s%s", a->out, a->name, at->suffix);
}

/* Copies the tokenizer and generation files next to the HF export. */
static void copy_side_files(const char *src, const char *dst)
{
	static const char *const f[] = {
		"tokenizer.json", "tokenizer.model", "tokenizer_config.json",
		"special_tokens_map.json", "generation_config.json", NULL,
	};
	char a[4400], b[4400];
	void *buf;
	size_t len;
	int k;

	for (k = 0; f[k]; k++) {
		snprintf(a, sizeof(a), "%s/%s", src, f[k]);
		snprintf(b, sizeof(b), "%s/%s", dst, f[k]);
		if (!cli_read_file(a, &buf, &len)) {
			cli_write_file(b, buf, len);
			free(buf);
		}
	}
}

static int write_json_file(const char *path, struct json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	int ret = cli_write_file(path, s, strlen(s));

	return ret ? cli_fail("%s: %s", path, strerror(-ret)) : 0;
}

struct export_args {
	const char *dir;
	struct hf_export_info *info;
};

static int export_first(const struct slmq_model *m, void *ctx, struct slmq_err *err)
{
	struct export_args *x = ctx;

	return hf_export_gptq(m, x->dir, x->info, err);
}

/* Quantize, validate, stamp, export: one rung.  Fills at->... and rec. */
static int one_attempt(struct auto_args *a, struct attempt *at,
		       const struct cli_model *fp, const struct val_prompts *ps,
		       struct val_figs *fpf, struct json_object **rec)
{
	char dir[4200], path[4300];
	struct slmq_err err = { 0 };
	struct hf_export_info hx;
	struct export_args xa;
	struct val_result r;
	struct cli_model q;
	double t0 = cli_now();
	int ret;

	attempt_dir(a, at, dir, sizeof(dir));
	if (!cli_quiet)
		printf("== attempt %s: %s -> %s\n", at->label, at->why, dir);
	if (run_quantize(a, at, dir))
		return cli_fail("quantize --auto: attempt %s: quantization failed", at->label);
	snprintf(path, sizeof(path), "%s/model.gguf", dir);
	/* the export reads the file's own blocks, so it runs before they are interleaved */
	xa.dir = dir;
	xa.info = &hx;
	if (cli_model_open_first(path, SLMQ_OPEN_INTERLEAVE, export_first, &xa, &q, &err))
		return cli_fail("quantize --auto: attempt %s: %s", at->label, err.msg);
	ret = val_validate(fp, &q, &a->vo, ps, fpf, &r, &err);
	cli_model_close(&q);
	if (ret)
		return cli_fail("quantize --auto: attempt %s: %s", at->label, err.msg);
	if (!ret)
		copy_side_files(a->model, dir);
	snprintf(path, sizeof(path), "%s/validation_report.json", dir);
	if (!ret)
		ret = write_json_file(path, r.report) ? -EIO : 0;
	snprintf(path, sizeof(path), "%s/model.gguf", dir);
	if (!ret)
		ret = val_stamp_gguf(path, r.report, r.v.accepted, &err);
	if (ret) {
		val_result_free(&r);
		return cli_fail("quantize --auto: attempt %s: %s", at->label,
				err.msg[0] ? err.msg : "writing artifacts failed");
	}
	at->accepted = r.v.accepted;
	at->ran = true;
	*rec = auto_attempt_json(a, at, dir, &r, &hx, cli_now() - t0);
	auto_note_misses(a, at, &r.v);
	val_result_free(&r);
	return 0;
}

static int run_ladder(struct auto_args *a, const struct cli_model *fp,
		      struct json_object *summary)
{
	struct json_object *attempts = json_object_new_array(), *rec = NULL;
	struct val_prompts ps;
	struct val_figs fpf;
	struct slmq_err err = { 0 };
	int k, accepted = -1, ret = 0;

	json_object_object_add(summary, "attempts", attempts);
	if (val_prompts_load(a->vo.prompts_path, &ps, &err))
		return cli_fail("quantize --auto: %s", err.msg);
	memset(&fpf, 0, sizeof(fpf));
	for (k = 0; k < a->n_ladder && accepted < 0; k++) {
		struct attempt *at = &a->ladder[k];

		if (at->skip) {
			json_object_array_add(attempts, auto_skipped_json(at));
			if (!cli_quiet)
				printf("== attempt %s skipped: %s\n", at->label, at->skip);
			continue;
		}
		ret = one_attempt(a, at, fp, &ps, &fpf, &rec);
		if (ret)
			break;
		json_object_array_add(attempts, rec);
		if (at->accepted)
			accepted = k;
	}
	val_figs_free(&fpf);
	val_prompts_free(&ps);
	if (ret)
		return ret;
	auto_conclude(a, accepted, summary);
	return 0;
}

int accept_run(int argc, char **argv)
{
	struct auto_args *a = calloc(1, sizeof(*a));
	struct json_object *summary = json_object_new_object();
	struct slmq_err err = { 0 };
	struct cli_model fp;
	char name[4096], path[4200];
	int ret = 1;

	if (!a || auto_parse(a, argc, argv))
		goto out_free;
	val_opts_warn(&a->vo);
	if (mkdir(a->out, 0755) < 0 && errno != EEXIST) {
		cli_fail("%s: %s", a->out, strerror(errno));
		goto out_free;
	}
	if (a->n_ckpt && auto_pick_checkpoint(a, summary))
		goto out_free;
	if (!a->name)
		a->name = cli_basename(a->model, name, sizeof(name));
	/* Measured as the engine runs it (a no-op for F16; `slmqctl bench` interleaves too). */
	if (cli_model_open_flags(a->model, SLMQ_OPEN_INTERLEAVE, &fp, &err)) {
		cli_fail("%s: %s", a->model, err.msg);
		goto out_free;
	}
	auto_policy(a, &fp, summary);
	plan_ladder(a, &fp);
	ret = run_ladder(a, &fp, summary);
	cli_model_close(&fp);
	if (ret)
		goto out_free;
	snprintf(path, sizeof(path), "%s/quantization_summary.json", a->out);
	ret = write_json_file(path, summary);
	if (ret)
		goto out_free;
	if (cli_quiet)
		cli_print_json(json_object_get(summary));
	else
		auto_print_table(summary, path);
	ret = a->accepted_any ? 0 : 3;
out_free:
	json_object_put(summary);
	free(a);
	return ret;
}
