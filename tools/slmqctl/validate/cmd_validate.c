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
	if (cli_model_open(orig, &a, &err)) {
		val_prompts_free(&ps);
		return cli_fail("%s: %s", orig, err.msg);
	}
	if (cli_model_open(quant, &b, &err)) {
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

static int cmd_validate(int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL }, *out = "validation_report.json";
	struct val_opts o;
	bool stamp = false;
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
			if (++i >= argc || strcmp(argv[i], "user"))
				return cli_fail("validate: --backend %s is not available: only 'user' (the kernel path needs a logits-returning netlink op)",
						i < argc ? argv[i] : "");
			continue;
		}
		if (argv[i][0] == '-' || n == 2)
			return cli_fail("validate: unexpected argument '%s' (usage: slmqctl validate %s%s %s)",
					argv[i], USAGE_HEAD, val_opts_usage, val_thresholds_usage);
		pos[n++] = argv[i];
	}
	if (n != 2)
		return cli_fail("validate: need ORIG and QUANT (a Hugging Face directory or a GGUF each)");
	return run(pos[0], pos[1], out, stamp, &o);
}

SLMQCTL_COMMAND("validate", cmd_validate,
		"ORIG QUANT [--eval test.bin] [--bench os_bench.jsonl] [--prompts FILE] "
		"[-o report.json] [--stamp] [thresholds: --max-ppl-increase PCT --min-speedup X ...] [--json]",
		"judge a quantized model against its original (ACCEPTED/REJECTED, validation_report.json)");
