// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl perplexity: windowed perplexity on token data (engine figures),
 * computed here or, with --kernel NAME, by slmq.ko's model NAME (the score
 * op; MODEL is the file it was loaded from, for the context and tokenizer).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eval.h"
#include "pool.h"
#include "netlink/nl_perplexity.h"

#define USAGE "usage: slmqctl perplexity MODEL --data FILE [--ctx N] [--max-tokens N] [--kernel NAME] [--threads N] [--json]"

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	cli_progress("perplexity", done, total);
}

static int parse_u(const char *s, const char *what, unsigned long long max,
		   unsigned long long *out)
{
	char *end;

	*out = strtoull(s, &end, 10);
	if (!*s || *end || *s == '-' || *out > max)
		return cli_fail("%s: '%s' is not a number in 0..%llu", what, s, max);
	return 0;
}

static int cmd_perplexity(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "ctx", required_argument, NULL, 'c' },
		{ "max-tokens", required_argument, NULL, 'm' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "threads", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct eval_ppl_opts o = { .progress = progress };
	unsigned long long v;
	const char *data = NULL, *kname = NULL;
	struct slmq_err err = { 0 };
	struct slmq_env env;
	struct cli_model cm;
	struct eval_ppl r;
	uint32_t *ids;
	size_t n;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			data = optarg;
			break;
		case 'c':
			if (parse_u(optarg, "--ctx", UINT32_MAX, &v))
				return 1;
			o.ctx = (uint32_t)v;
			break;
		case 'm':
			if (parse_u(optarg, "--max-tokens", SIZE_MAX, &v) || !v)
				return v ? 1 : cli_fail("--max-tokens must be positive");
			o.max_tokens = (size_t)v;
			break;
		case 'k':
			kname = optarg;
			break;
		case 't':
			o.threads = pool_parse_threads(optarg);
			if (!o.threads)
				return 1;
			break;
		case 'j':
			break;
		default:
			return cli_fail(USAGE);
		}
	}
	if (optind != argc - 1 || !data)
		return cli_fail(USAGE);
	/* the faster in-memory layout for 4-bit matrices: same results, bit for bit */
	if (cli_model_open_flags(argv[optind], SLMQ_OPEN_INTERLEAVE, &cm, &err))
		return cli_fail("%s", err.msg);
	cli_env_init(&env);
	ret = eval_load_tokens(data, &cm.model.vocab, &ids, &n, &err);
	if (!ret)
		ret = kname ? nl_perplexity(kname, &cm.model, ids, n, &o, &r, &err) :
			      eval_perplexity(&cm.model, &env, ids, n, &o, &r, &err);
	if (ret) {
		cli_model_close(&cm);
		return cli_fail("%s", err.msg);
	}
	free(ids);
	if (cli_quiet) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "model", json_object_new_string(cm.path));
		json_object_object_add(j, "data", json_object_new_string(data));
		json_object_object_add(j, "ppl", json_object_new_double(r.ppl));
		json_object_object_add(j, "nll", json_object_new_double(r.nll));
		json_object_object_add(j, "tokens_scored", json_object_new_int64((int64_t)r.scored));
		json_object_object_add(j, "tokens_used", json_object_new_int64((int64_t)r.tokens_used));
		json_object_object_add(j, "windows", json_object_new_int(r.windows));
		json_object_object_add(j, "ctx", json_object_new_int(r.ctx));
		if (kname)
			json_object_object_add(j, "kernel_model", json_object_new_string(kname));
		else
			json_object_object_add(j, "kernels",
					       json_object_new_string(slmq_env_kernels(&env)->name));
		json_object_object_add(j, "seconds", json_object_new_double(r.seconds));
		cli_print_json(j);
	} else {
		printf("perplexity %.4f  (mean nll %.5f over %llu predictions, %u windows of %u, %.1f s, %s%s)\n",
		       r.ppl, r.nll, (unsigned long long)r.scored, r.windows, r.ctx,
		       r.seconds, kname ? "slmq.ko model " : slmq_env_kernels(&env)->name,
		       kname ? kname : " kernels");
	}
	cli_model_close(&cm);
	return 0;
}

SLMQCTL_COMMAND("perplexity", cmd_perplexity,
		"MODEL --data test.bin|test.txt [--ctx N] [--max-tokens N] [--kernel NAME] [--threads N] [--json]",
		"perplexity over non-overlapping windows (the fixtures' protocol); --kernel: computed by slmq.ko's NAME; --threads: workers (default: the CPUs, same figures)");
