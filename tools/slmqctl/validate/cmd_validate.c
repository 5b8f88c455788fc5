// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl validate ORIG QUANT: measure both models the same way, judge the
 * quantized one by the acceptance criteria, write validation_report.json
 * and print a short table.  Exit 0 when ACCEPTED, 3 when REJECTED (so
 * scripts can tell a verdict from an error, which is 1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_backend.h"
#include "validate.h"

#define USAGE_HEAD "ORIG QUANT [-o report.json] [--stamp] "

static int write_report(const char *path, struct json_object *rep)
{
	const char *s = json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	int ret = cli_write_file(path, s, strlen(s));

	return ret ? cli_fail("validate: %s: %s", path, strerror(-ret)) : 0;
}

static int run(const char *orig, const char *quant, const char *out,
	       bool stamp, const struct val_opts *o)
{
	struct cli_model a, b;
	struct val_prompts ps;
	struct val_figs fpf;
	struct val_result r;
	struct slmq_err err = { 0 };
	int ret;

	if (val_prompts_load(o->prompts_path, &ps, &err))
		return cli_fail("validate: %s", err.msg);
	/* Measure both as the engine runs them (`slmqctl bench` interleaves too). */
	if (cli_model_open_flags(orig, SLMQ_OPEN_INTERLEAVE, &a, &err)) {
		val_prompts_free(&ps);
		return cli_fail("%s: %s", orig, err.msg);
	}
	if (cli_model_open_flags(quant, SLMQ_OPEN_INTERLEAVE, &b, &err)) {
		cli_model_close(&a);
		val_prompts_free(&ps);
		return cli_fail("%s: %s", quant, err.msg);
	}
	val_opts_warn(o);
	memset(&fpf, 0, sizeof(fpf));
	ret = val_validate(&a, &b, o, &ps, &fpf, &r, &err);
	val_figs_free(&fpf);
	cli_model_close(&b);
	cli_model_close(&a);
	val_prompts_free(&ps);
	if (ret)
		return cli_fail("validate: %s", err.msg);
	ret = write_report(out, r.report);
	if (!ret && stamp && val_stamp_gguf(quant, r.report, r.v.accepted, &err))
		ret = cli_fail("validate: %s", err.msg);
	if (!ret && !cli_quiet)
		printf("wrote %s\n", out);
	if (!ret && cli_quiet)
		cli_print_json(json_object_get(r.report));
	if (!ret)
		ret = r.v.accepted ? 0 : 3;
	val_result_free(&r);
	return ret;
}

/* --backend kernel NAME MODEL: slmq.ko's NAME against the userspace engine on MODEL. */
static int run_kernel(const char *name, const char *path, const char *out,
		      const struct val_opts *o, uint32_t ctx)
{
	struct kb_opts ko = { .vo = o, .eval_path = o->eval_path,
			      .max_tokens = o->ppl_max_tokens, .ctx = ctx };
	struct slmq_err err = { 0 };
	struct val_prompts ps;
	struct kb_result r;
	struct cli_model cm;
	struct json_object *rep;
	int ret;

	if (val_prompts_load(o->prompts_path, &ps, &err))
		return cli_fail("validate: %s", err.msg);
	/* As `slmqctl perplexity` runs it (and the kernel interleaves its copy): same bits, faster. */
	if (cli_model_open_flags(path, SLMQ_OPEN_INTERLEAVE, &cm, &err)) {
		val_prompts_free(&ps);
		return cli_fail("%s: %s", path, err.msg);
	}
	if (ctx == 1 || ctx > cm.model.hp.n_ctx_train) {
		cli_model_close(&cm);
		val_prompts_free(&ps);
		return cli_fail("validate: --kernel-ctx must be 2..%u", cm.model.hp.n_ctx_train);
	}
	ret = kb_validate(name, &cm, &ko, &ps, &r, &err);
	cli_model_close(&cm);
	val_prompts_free(&ps);
	if (ret)
		return cli_fail("validate --backend kernel %s: %s", name, err.msg);
	rep = kb_report_json(name, path, &ko, &r);
	ret = write_report(out, rep);
	if (!ret && cli_quiet) {
		cli_print_json(rep);
		rep = NULL;
	} else if (!ret) {
		if (r.have_ppl)
			printf("perplexity  kernel %.6f  userspace %.6f  over %llu positions (%u windows of %u): %s, %llu NLLs differ\n",
			       r.ppl_kernel, r.ppl_user, (unsigned long long)r.ppl_positions,
			       r.ppl_windows, r.ppl_ctx,
			       r.ppl_kernel == r.ppl_user ? "identical" : "DIFFERENT",
			       (unsigned long long)r.nll_mismatches);
		printf("generation  %d completions, %d differ\n", r.completions, r.gen_mismatches);
		if (r.have_bench)
			printf("os_bench    %u items: kernel %u exact, userspace %u exact, %u predictions differ\n",
			       r.bench_items, r.bench_exact_kernel, r.bench_exact_user,
			       r.bench_mismatches);
		printf("kernel %s userspace; wrote %s\n", r.agree ? "agrees with" : "DISAGREES with", out);
	}
	json_object_put(rep);
	return ret ? ret : r.agree ? 0 : 3;
}

static int cmd_validate(int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL }, *out = NULL;
	struct val_opts o;
	bool stamp = false, kernel = false;
	unsigned long kctx = 0;	/* the model's context, as `slmqctl perplexity` */
	int i, n = 0, r;

	val_opts_default(&o);
	for (i = 1; i < argc; i++) {
		r = val_opts_parse(&o, argc, argv, &i);
		if (r < 0)
			return 1;
		if (r)
			continue;
		if (!strcmp(argv[i], "--json"))
			continue;
		if (!strcmp(argv[i], "--stamp")) {
			stamp = true;
			continue;
		}
		if (!strcmp(argv[i], "-o")) {
			if (++i >= argc)
				return cli_fail("validate: -o needs a file");
			out = argv[i];
			continue;
		}
		if (!strcmp(argv[i], "--backend")) {
			if (++i >= argc || (strcmp(argv[i], "user") && strcmp(argv[i], "kernel")))
				return cli_fail("validate: --backend needs user or kernel");
			kernel = !strcmp(argv[i], "kernel");
			continue;
		}
		if (!strcmp(argv[i], "--kernel-ctx")) {
			if (++i >= argc)
				return cli_fail("validate: --kernel-ctx needs a number");
			kctx = strtoul(argv[i], NULL, 10);
			continue;
		}
		if (argv[i][0] == '-' || n == 2)
			return cli_fail("validate: unexpected argument '%s' (usage: slmqctl validate %s%s %s)",
					argv[i], USAGE_HEAD, val_opts_usage, val_thresholds_usage);
		pos[n++] = argv[i];
	}
	if (kernel) {
		if (n != 2)
			return cli_fail("validate --backend kernel: need NAME (loaded in slmq.ko) and the MODEL file it was loaded from");
		return run_kernel(pos[0], pos[1], out ? out : "kernel_agreement.json", &o,
				  (uint32_t)kctx);
	}
	if (n != 2)
		return cli_fail("validate: need ORIG and QUANT (a Hugging Face directory or a GGUF each)");
	return run(pos[0], pos[1], out ? out : "validation_report.json", stamp, &o);
}

SLMQCTL_COMMAND("validate", cmd_validate,
		"ORIG QUANT [--eval test.bin] [--bench os_bench.jsonl] [--prompts FILE] "
		"[-o report.json] [--stamp] [thresholds: --max-ppl-increase PCT --min-speedup X ...] [--json]; "
		"validate --backend kernel NAME MODEL [--eval F] [--eval-tokens N] [--kernel-ctx N] [--prompts F]",
		"judge a quantized model against its original (ACCEPTED/REJECTED, validation_report.json)");
