// SPDX-License-Identifier: GPL-2.0
/* slmqctl generate: continue a prompt, greedy or sampled. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eval.h"

#define USAGE "usage: slmqctl generate MODEL -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P] [--seed S] [--kv f16|f32] [--json]"

static int parse_num(const char *s, const char *what, double lo, double hi,
		     double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (!*s || *end || !(*out >= lo && *out <= hi))
		return cli_fail("%s: '%s' is not a number in %g..%g", what, s, lo, hi);
	return 0;
}

struct gen_args {
	const char *model, *prompt;
	struct eval_gen_opts o;
	u32 session_flags;	/* --kv */
};

static int parse_args(int argc, char **argv, struct gen_args *a)
{
	static const struct option opts[] = {
		{ "prompt", required_argument, NULL, 'p' },
		{ "tokens", required_argument, NULL, 'n' },
		{ "temp", required_argument, NULL, 't' },
		{ "top-k", required_argument, NULL, 'k' },
		{ "top-p", required_argument, NULL, 'P' },
		{ "seed", required_argument, NULL, 's' },
		{ "kv", required_argument, NULL, 'K' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	a->o = (struct eval_gen_opts){ .max_new = 64, .top_p = 1.0f,
				       .stop_id = UINT32_MAX };
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			a->prompt = optarg;
			break;
		case 'n':
			if (parse_num(optarg, "-n", 0, 1e9, &v))
				return 1;
			a->o.max_new = (uint32_t)v;
			break;
		case 't':
			if (parse_num(optarg, "--temp", 0, 100, &v))
				return 1;
			a->o.temp = (float)v;
			break;
		case 'k':
			if (parse_num(optarg, "--top-k", 0, 1e9, &v))
				return 1;
			a->o.top_k = (uint32_t)v;
			break;
		case 'P':
			if (parse_num(optarg, "--top-p", 1e-6, 1, &v))
				return 1;
			a->o.top_p = (float)v;
			break;
		case 's':
			if (parse_num(optarg, "--seed", 0, 1.8e19, &v))
				return 1;
			a->o.seed = strtoull(optarg, NULL, 10);
			break;
		case 'K':
			if (cli_parse_kv(optarg, &a->session_flags))
				return 1;
			break;
		case 'j':
			break;
		default:
			return cli_fail(USAGE);
		}
	}
	if (optind != argc - 1 || !a->prompt)
		return cli_fail(USAGE);
	a->model = argv[optind];
	return 0;
}

static struct json_object *ids_json(const uint32_t *ids, uint32_t n)
{
	struct json_object *arr = json_object_new_array();
	uint32_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_int64(ids[i]));
	return arr;
}

static void print_result(const struct gen_args *a, const uint32_t *pids,
			 uint32_t np, const struct eval_gen *g)
{
	struct json_object *j;

	if (!cli_quiet) {
		printf("%s%s\n", a->prompt, g->text);
		return;
	}
	j = json_object_new_object();
	json_object_object_add(j, "prompt", json_object_new_string(a->prompt));
	json_object_object_add(j, "prompt_ids", ids_json(pids, np));
	json_object_object_add(j, "text", json_object_new_string_len(g->text, (int)g->text_len));
	json_object_object_add(j, "ids", ids_json(g->ids, g->n));
	json_object_object_add(j, "stopped_at_eos", json_object_new_boolean(g->stopped));
	json_object_object_add(j, "prompt_seconds", json_object_new_double(g->prompt_seconds));
	json_object_object_add(j, "gen_seconds", json_object_new_double(g->gen_seconds));
	cli_print_json(j);
}

static int cmd_generate(int argc, char **argv)
{
	struct slmq_err err = { 0 };
	struct slmq_session *s = NULL;
	struct slmq_env env;
	struct cli_model cm;
	struct gen_args a = { 0 };
	struct eval_gen g;
	uint32_t *pids = NULL;
	int np, ret;

	if (parse_args(argc, argv, &a))
		return 1;
	/* the faster in-memory layout for 4-bit matrices: same results, bit for bit */
	if (cli_model_open_flags(a.model, SLMQ_OPEN_INTERLEAVE, &cm, &err))
		return cli_fail("%s", err.msg);
	cli_env_init(&env);
	np = slmq_tokenize(&cm.model.vocab, a.prompt, (u32)strlen(a.prompt),
			   cm.model.vocab.add_bos, NULL, 0, &cli_allocator);
	if (np > 0)
		pids = malloc((size_t)np * sizeof(*pids));
	if (np <= 0 || !pids ||
	    slmq_tokenize(&cm.model.vocab, a.prompt, (u32)strlen(a.prompt),
			  cm.model.vocab.add_bos, pids, (u32)np, &cli_allocator) != np) {
		ret = cli_fail("cannot tokenize the prompt");
		goto close;
	}
	/* sized to the request: a config may give the model 2^24 positions */
	s = slmq_session_open(&cm.model, &env,
			      eval_gen_ctx(&cm.model, (uint32_t)np, a.o.max_new),
			      a.session_flags, &err);
	if (!s) {
		ret = cli_fail("%s", err.msg);
		goto close;
	}
	if (eval_generate(s, &cm.model.vocab, pids, (uint32_t)np, &a.o, &g, &err)) {
		ret = cli_fail("%s", err.msg);
		goto close;
	}
	print_result(&a, pids, (uint32_t)np, &g);
	eval_gen_free(&g);
	ret = 0;
close:
	slmq_session_free(s);
	free(pids);
	cli_model_close(&cm);
	return ret;
}

SLMQCTL_COMMAND("generate", cmd_generate,
		"MODEL -p PROMPT [-n N] [--temp T --top-k K --top-p P --seed S] [--kv f16|f32] [--json]",
		"continue a prompt (greedy unless --temp), stop at </s>; --kv: the KV cache's type (default f16)");
SLMQCTL_OPTIONS("generate", generate_long, "[--prompt PROMPT] [--tokens N]");	/* = -p, -n */
