// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl ask NAME -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P]
 *             [--seed S] [--tokens ID,ID,...] [--logits FILE] [--json]
 *
 * Generation inside slmq.ko.  --tokens sends token ids instead of text;
 * --logits FILE writes the float32 logits of every generated step (n_vocab
 * per step, host order) so they can be compared bit for bit with
 * userspace.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/engine/fbits.h"
#include "cli.h"
#include "netlink/nl_generate.h"

static const char *const stop_names[] = { "eos", "max_tokens", "ctx_full" };

struct ask_logits {
	FILE *f;
	int error;
};

/*
 * The logits of every step, in order, into the --logits file; a write
 * error is reported after the exchange (the rest of the reply still comes).
 */
static int write_logits(const void *data, size_t len, void *arg)
{
	struct ask_logits *l = arg;

	if (fwrite(data, 1, len, l->f) != len)
		l->error = -EIO;
	return 0;
}

static struct json_object *reply_json(const struct slmq_nl_gen_reply *r)
{
	struct json_object *o = json_object_new_object(), *toks = json_object_new_array();
	uint32_t i;

	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "text", json_object_new_string(r->text));
	for (i = 0; i < r->n_tokens; i++)
		json_object_array_add(toks, json_object_new_int64(r->tokens[i]));
	json_object_object_add(o, "tokens", toks);
	json_object_object_add(o, "stop", json_object_new_string(r->stop < 3 ?
				stop_names[r->stop] : "?"));
	if (r->has_n_prompt_tokens)
		json_object_object_add(o, "n_prompt_tokens",
				       json_object_new_int64(r->n_prompt_tokens));
	if (r->has_latency)
		json_object_object_add(o, "latency_ns", json_object_new_uint64(r->latency_ns));
	return o;
}

/* "1,2,3" -> attribute bytes. */
static int parse_ids(const char *s, uint32_t **ids, size_t *n)
{
	char *end;

	*n = 0;
	*ids = NULL;
	while (*s) {
		unsigned long v = strtoul(s, &end, 10);
		uint32_t *p;

		if (end == s || (*end && *end != ','))
			return -EINVAL;
		p = realloc(*ids, (*n + 1) * sizeof(**ids));
		if (!p)
			return -ENOMEM;
		*ids = p;
		(*ids)[(*n)++] = (uint32_t)v;
		s = *end ? end + 1 : end;
	}
	return *n ? 0 : -EINVAL;
}

#define USAGE "NAME -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P] [--seed S] " \
	      "[--tokens ID,...] [--logits FILE] [--json]"

static int cmd_ask(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prompt", required_argument, NULL, 'p' },
		{ "max-tokens", required_argument, NULL, 'n' },
		{ "temp", required_argument, NULL, 't' },
		{ "top-k", required_argument, NULL, 'k' },
		{ "top-p", required_argument, NULL, 'P' },
		{ "seed", required_argument, NULL, 's' },
		{ "tokens", required_argument, NULL, 'T' },
		{ "logits", required_argument, NULL, 'L' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 }
	};
	const char *prompt = NULL, *ids_arg = NULL, *logits_path = NULL;
	struct ask_logits lg = { 0 };
	struct slmq_nl_gen_reply r;
	struct slmq_nl_gen_req req;
	unsigned long n = 16, top_k = 0, seed = 0;
	float temp = 0.0f, top_p = 1.0f;
	struct slmq_nl nl;
	struct json_object *obj;
	uint32_t *ids = NULL;
	size_t n_ids = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "p:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'p': prompt = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 't': temp = strtof(optarg, NULL); break;
		case 'k': top_k = strtoul(optarg, NULL, 10); break;
		case 'P': top_p = strtof(optarg, NULL); break;
		case 's': seed = strtoul(optarg, NULL, 10); break;
		case 'T': ids_arg = optarg; break;
		case 'L': logits_path = optarg; break;
		case 'j': break;
		default: return cli_fail("usage: slmqctl ask " USAGE);
		}
	}
	if (optind != argc - 1 || !!prompt == !!ids_arg)
		return cli_fail("usage: slmqctl ask " USAGE);
	if (ids_arg && parse_ids(ids_arg, &ids, &n_ids))
		return cli_fail("--tokens: expected comma-separated token ids");
	if (logits_path && !(lg.f = fopen(logits_path, "wb"))) {
		free(ids);
		return cli_fail("%s: %s", logits_path, strerror(errno));
	}
	if (slmq_nl_open(&nl)) {
		free(ids);
		if (lg.f)
			fclose(lg.f);
		return cli_fail("%s", nl.err);
	}
	/* Logits can be megabytes: ask for a dump, which streams them. */
	req = (struct slmq_nl_gen_req){
		.name = argv[optind], .prompt = prompt, .ids = ids, .n_ids = n_ids,
		.max_tokens = n, .explicit = true, .temp_bits = slmq_f32_bits(temp),
		.top_k = top_k, .top_p_bits = slmq_f32_bits(top_p), .seed = seed,
		.want_logits = logits_path, .dump = logits_path,
		.logits = lg.f ? write_logits : NULL, .logits_arg = &lg,
	};
	ret = slmq_nl_generate(&nl, &req, &r);
	free(ids);
	if (lg.f && fclose(lg.f) && !lg.error)
		lg.error = -EIO;
	if (ret || lg.error) {
		char err[512];

		snprintf(err, sizeof(err), "%s", ret ? nl.err : "cannot write logits");
		slmq_nl_close(&nl);
		if (!ret)
			slmq_nl_gen_reply_free(&r);
		return cli_fail("ask %s: %s", argv[optind], err);
	}
	obj = reply_json(&r);
	slmq_nl_gen_reply_free(&r);
	slmq_nl_close(&nl);
	if (cli_quiet) {
		cli_print_json(obj);
	} else {
		struct json_object *t;

		json_object_object_get_ex(obj, "text", &t);
		printf("%s\n", cli_json_str(t, ""));
		json_object_put(obj);
	}
	return 0;
}

SLMQCTL_COMMAND("ask", cmd_ask, USAGE, "generate text inside slmq.ko");
SLMQCTL_OPTIONS("ask", ask_long, "[--prompt PROMPT] [--max-tokens N]");	/* = -p, -n */
