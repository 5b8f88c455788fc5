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
#include "kernel/nl_client.h"

static const char *const stop_names[] = { "eos", "max_tokens", "ctx_full" };

struct ask_result {
	struct json_object *obj;
	FILE *logits;
	int error;
};

/* The logits of a reply message, in order: they may span many messages. */
static void write_logits(struct ask_result *r, struct nlattr *head, int len)
{
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem)
		if (nla_type(a) == SLMQ_A_MODEL_LOGITS && r->logits &&
		    fwrite(nla_data(a), 1, nla_len(a), r->logits) != (size_t)nla_len(a))
			r->error = -EIO;
}

/*
 * With logits the reply is a dump: a first message with text and tokens,
 * then messages of logits only.
 */
static int on_reply(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	struct ask_result *r = arg;
	struct json_object *o, *toks;
	const uint32_t *ids;
	uint32_t stop;
	int i, n;

	write_logits(r, head, len);
	if (!tb[SLMQ_A_MODEL_TOKENS])
		return 0;
	if (r->obj)
		return -EPROTO;
	o = json_object_new_object();
	toks = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string(tb[SLMQ_A_MODEL_NAME] ?
				nla_get_string(tb[SLMQ_A_MODEL_NAME]) : ""));
	json_object_object_add(o, "text", json_object_new_string(tb[SLMQ_A_MODEL_TEXT] ?
				nla_get_string(tb[SLMQ_A_MODEL_TEXT]) : ""));
	if (tb[SLMQ_A_MODEL_TOKENS]) {
		ids = nla_data(tb[SLMQ_A_MODEL_TOKENS]);
		n = nla_len(tb[SLMQ_A_MODEL_TOKENS]) / 4;
		for (i = 0; i < n; i++)
			json_object_array_add(toks, json_object_new_int64(ids[i]));
	}
	json_object_object_add(o, "tokens", toks);
	stop = tb[SLMQ_A_MODEL_STOP] ? nla_get_u32(tb[SLMQ_A_MODEL_STOP]) : 0;
	json_object_object_add(o, "stop", json_object_new_string(stop < 3 ? stop_names[stop] : "?"));
	if (tb[SLMQ_A_MODEL_N_PROMPT_TOKENS])
		json_object_object_add(o, "n_prompt_tokens",
				       json_object_new_int64(nla_get_u32(tb[SLMQ_A_MODEL_N_PROMPT_TOKENS])));
	if (tb[SLMQ_A_MODEL_LATENCY_NS])
		json_object_object_add(o, "latency_ns",
				       json_object_new_uint64(nla_get_u64(tb[SLMQ_A_MODEL_LATENCY_NS])));
	r->obj = o;
	return 0;
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
	struct ask_result r = { 0 };
	unsigned long n = 16, top_k = 0, seed = 0;
	float temp = 0.0f, top_p = 1.0f;
	struct slmq_nl nl;
	struct nl_msg *m;
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
	if (logits_path && !(r.logits = fopen(logits_path, "wb"))) {
		free(ids);
		return cli_fail("%s: %s", logits_path, strerror(errno));
	}
	if (slmq_nl_open(&nl)) {
		free(ids);
		if (r.logits)
			fclose(r.logits);
		return cli_fail("%s", nl.err);
	}
	/* Logits can be megabytes: ask for a dump, which streams them. */
	m = slmq_nl_msg(&nl, SLMQ_CMD_GENERATE, logits_path ? NLM_F_DUMP : 0);
	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, argv[optind]) ||
	    (prompt && nla_put_string(m, SLMQ_A_MODEL_PROMPT, prompt)) ||
	    (ids && nla_put(m, SLMQ_A_MODEL_PROMPT_TOKENS, n_ids * 4, ids)) ||
	    nla_put_u32(m, SLMQ_A_MODEL_MAX_TOKENS, n) ||
	    nla_put_u32(m, SLMQ_A_MODEL_TEMPERATURE, slmq_f32_bits(temp)) ||
	    nla_put_u32(m, SLMQ_A_MODEL_TOP_K, top_k) ||
	    nla_put_u32(m, SLMQ_A_MODEL_TOP_P, slmq_f32_bits(top_p)) ||
	    nla_put_u64(m, SLMQ_A_MODEL_SEED, seed) ||
	    (logits_path && nla_put_flag(m, SLMQ_A_MODEL_WANT_LOGITS)))
		ret = -ENOMEM;
	else
		ret = slmq_nl_call(&nl, m, on_reply, &r);
	free(ids);
	if (r.logits && fclose(r.logits) && !r.error)
		r.error = -EIO;
	if (ret || !r.obj || r.error) {
		char err[512];

		snprintf(err, sizeof(err), "%s", ret ? nl.err : r.error ? "cannot write logits" :
			 "no reply");
		slmq_nl_close(&nl);
		if (r.obj)
			json_object_put(r.obj);
		return cli_fail("ask %s: %s", argv[optind], err);
	}
	slmq_nl_close(&nl);
	if (cli_quiet) {
		cli_print_json(r.obj);
	} else {
		struct json_object *t;

		json_object_object_get_ex(r.obj, "text", &t);
		printf("%s\n", cli_json_str(t, ""));
		json_object_put(r.obj);
	}
	return 0;
}

SLMQCTL_COMMAND("ask", cmd_ask, USAGE, "generate text inside slmq.ko");
SLMQCTL_OPTIONS("ask", ask_long, "[--prompt PROMPT] [--max-tokens N]");	/* = -p, -n */
