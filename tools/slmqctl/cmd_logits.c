// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl logits: the engine's next-token logits after a prompt (to check a
 * forward pass against a reference implementation).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define USAGE "usage: slmqctl logits MODEL (--tokens ID,ID,... | -p PROMPT) [--top K] [--json]"
#define MAX_IDS 4096

static int parse_ids(const char *s, uint32_t *ids, uint32_t *n)
{
	char *end;

	*n = 0;
	while (*s) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || *n == MAX_IDS || v > UINT32_MAX)
			return cli_fail("--tokens: expected comma-separated ids, got '%s'", s);
		ids[(*n)++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return cli_fail("--tokens: unexpected '%c'", *end);
	}
	return *n ? 0 : cli_fail("--tokens: no ids");
}

static int cmp_desc(const void *a, const void *b, void *lg)
{
	const float *l = lg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (l[x] != l[y])
		return l[x] > l[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void print_logits(const struct slmq_model *m, const uint32_t *ids,
			 uint32_t n, const float *lg, uint32_t top)
{
	uint32_t nv = m->hp.n_vocab, i, *order = malloc(nv * sizeof(uint32_t));
	double mx = lg[0], sum = 0, lse;
	struct json_object *j, *arr, *t;

	for (i = 1; i < nv; i++)
		mx = lg[i] > mx ? lg[i] : mx;
	for (i = 0; i < nv; i++)
		sum += exp(lg[i] - mx);
	lse = mx + log(sum);
	for (i = 0; i < nv; i++)
		order[i] = i;
	qsort_r(order, nv, sizeof(*order), cmp_desc, (void *)lg);
	if (top > nv)
		top = nv;
	if (!cli_quiet) {
		printf("logsumexp %.5f\n", lse);
		for (i = 0; i < top; i++)
			printf("  %6u %10.5f\n", order[i], lg[order[i]]);
		free(order);
		return;
	}
	j = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_int64(ids[i]));
	json_object_object_add(j, "input_ids", arr);
	json_object_object_add(j, "logsumexp", json_object_new_double(lse));
	t = json_object_new_array();
	for (i = 0; i < top; i++)
		json_object_array_add(t, json_object_new_int64(order[i]));
	json_object_object_add(j, "top_ids", t);
	arr = json_object_new_array();
	for (i = 0; i < nv; i++)
		json_object_array_add(arr, json_object_new_double(lg[i]));
	json_object_object_add(j, "logits", arr);
	cli_print_json(j);
	free(order);
}

static int cmd_logits(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tokens", required_argument, NULL, 't' },
		{ "prompt", required_argument, NULL, 'p' },
		{ "top", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	static uint32_t ids[MAX_IDS];
	const char *tokens = NULL, *prompt = NULL;
	struct slmq_err err = { 0 };
	struct slmq_session *s;
	struct slmq_env env;
	struct cli_model cm;
	uint32_t n = 0, i, top = 10;
	int c, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:", opts, NULL)) != -1) {
		switch (c) {
		case 't': tokens = optarg; break;
		case 'p': prompt = optarg; break;
		case 'k': top = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'j': break;
		default: return cli_fail(USAGE);
		}
	}
	if (optind != argc - 1 || !tokens == !prompt)
		return cli_fail(USAGE);
	if (tokens && parse_ids(tokens, ids, &n))
		return 1;
	/* the faster in-memory layout for 4-bit matrices: same results, bit for bit */
	if (cli_model_open_flags(argv[optind], SLMQ_OPEN_INTERLEAVE, &cm, &err))
		return cli_fail("%s", err.msg);
	if (prompt) {
		int k = slmq_tokenize(&cm.model.vocab, prompt, (u32)strlen(prompt),
				      cm.model.vocab.add_bos, ids, MAX_IDS, &cli_allocator);

		if (k <= 0 || k > MAX_IDS) {
			cli_model_close(&cm);
			return cli_fail("cannot tokenize the prompt");
		}
		n = (uint32_t)k;
	}
	for (i = 0; i < n; i++) {
		if (ids[i] >= cm.model.hp.n_vocab) {
			cli_model_close(&cm);
			return cli_fail("token id %u is outside the vocabulary (%u tokens)",
					ids[i], cm.model.hp.n_vocab);
		}
	}
	cli_env_init(&env);
	/* n positions, not the model's context (a config may claim 2^24) */
	s = slmq_session_new(&cm.model, &env, n, &err);
	if (!s) {
		cli_model_close(&cm);
		return cli_fail("%s", err.msg);
	}
	ret = slmq_session_prefill(s, ids, n, NULL, NULL);
	if (ret) {
		i = slmq_session_pos(s);
		ret = cli_fail("token %u (id %u): %s", i, ids[i], strerror(-ret));
	}
	if (!ret)
		print_logits(&cm.model, ids, n, slmq_session_logits(s), top);
	slmq_session_free(s);
	cli_model_close(&cm);
	return ret;
}

SLMQCTL_COMMAND("logits", cmd_logits,
		"MODEL (--tokens ID,ID,... | -p PROMPT) [--top K] [--json]",
		"next-token logits after a prompt (forward-pass check)");
SLMQCTL_OPTIONS("logits", logits_long, "[--prompt PROMPT]");	/* = -p */
