// SPDX-License-Identifier: GPL-2.0
/* Turning model-get replies (parsed by nl_query.c) into JSON and tables. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../cli.h"
#include "nl_client.h"
#include "nl_model.h"
#include "nl_query.h"

/* The attribute's value under key, if the reply carried it. */
static void add_u64(struct json_object *o, const struct slmq_nl_model *m, int attr,
		    const char *key, uint64_t v)
{
	if (slmq_nl_model_has(m, attr))
		json_object_object_add(o, key, json_object_new_uint64(v));
}

static void add_u32(struct json_object *o, const struct slmq_nl_model *m, int attr,
		    const char *key, uint32_t v)
{
	if (slmq_nl_model_has(m, attr))
		json_object_object_add(o, key, json_object_new_int64(v));
}

static struct json_object *stats_json(const struct slmq_nl_model *m)
{
	struct json_object *o = json_object_new_object();

	if (slmq_nl_model_has(m, SLMQ_A_MODEL_STATS)) {
		json_object_object_add(o, "requests", json_object_new_uint64(m->requests));
		json_object_object_add(o, "tokens", json_object_new_uint64(m->tokens));
		json_object_object_add(o, "errors", json_object_new_uint64(m->errors));
		json_object_object_add(o, "last_latency_ns",
				       json_object_new_uint64(m->last_latency_ns));
	}
	return o;
}

struct json_object *nl_model_json(struct nlattr **tb, struct nlattr *head, int len)
{
	struct json_object *o = json_object_new_object(), *types;
	struct slmq_nl_model m;
	char hex[65];
	uint32_t i;

	slmq_nl_model_parse(tb, head, len, &m);
	if (slmq_nl_model_has(&m, SLMQ_A_MODEL_NAME))
		json_object_object_add(o, "name", json_object_new_string(m.name));
	add_u64(o, &m, SLMQ_A_MODEL_SIZE, "size", m.size);
	if (slmq_nl_model_has(&m, SLMQ_A_MODEL_SHA256)) {
		for (i = 0; i < SLMQ_SHA256_LEN; i++)
			sprintf(hex + 2 * i, "%02x", m.sha256[i]);
		json_object_object_add(o, "sha256", json_object_new_string(hex));
	}
	add_u64(o, &m, SLMQ_A_MODEL_N_PARAMS, "n_params", m.n_params);
	add_u32(o, &m, SLMQ_A_MODEL_N_TENSORS, "n_tensors", m.n_tensors);
	add_u32(o, &m, SLMQ_A_MODEL_N_VOCAB, "n_vocab", m.n_vocab);
	add_u32(o, &m, SLMQ_A_MODEL_N_LAYER, "n_layer", m.n_layer);
	add_u32(o, &m, SLMQ_A_MODEL_N_EMBD, "n_embd", m.n_embd);
	add_u32(o, &m, SLMQ_A_MODEL_N_CTX, "n_ctx", m.n_ctx);
	types = json_object_new_object();
	for (i = 0; i < m.n_types; i++)
		json_object_object_add(types, m.types[i].type,
				       json_object_new_int64(m.types[i].count));
	json_object_object_add(o, "tensor_types", types);
	if (slmq_nl_model_has(&m, SLMQ_A_MODEL_VERDICT))
		json_object_object_add(o, "verdict", json_object_new_string(m.verdict));
	json_object_object_add(o, "stats", stats_json(&m));
	return o;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? cli_json_str(v, "") : "";
}

static uint64_t ju64(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

static void types_str(struct json_object *o, char *buf, size_t len)
{
	struct json_object *types;
	size_t n = 0;

	buf[0] = '\0';
	if (!json_object_object_get_ex(o, "tensor_types", &types))
		return;
	json_object_object_foreach(types, k, v)
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s:%d", n ? "," : "", k,
			      json_object_get_int(v));
}

void nl_model_print_row(struct json_object *o)
{
	struct json_object *st;
	char types[128];

	if (!o) {
		printf("%-20s %10s %10s %-24s %-9s %8s %8s\n", "NAME", "BYTES", "PARAMS",
		       "TENSORS", "VERDICT", "REQS", "TOKENS");
		return;
	}
	types_str(o, types, sizeof(types));
	json_object_object_get_ex(o, "stats", &st);
	printf("%-20s %10" PRIu64 " %10" PRIu64 " %-24s %-9s %8" PRIu64 " %8" PRIu64 "\n",
	       jstr(o, "name"), ju64(o, "size"), ju64(o, "n_params"), types,
	       *jstr(o, "verdict") ? jstr(o, "verdict") : "-", ju64(st, "requests"),
	       ju64(st, "tokens"));
}

void nl_model_print_info(struct json_object *o)
{
	json_object_object_foreach(o, k, v) {
		if (json_object_is_type(v, json_type_object)) {
			printf("%s:\n", k);
			json_object_object_foreach(v, k2, v2)
				printf("  %s: %s\n", k2, json_object_get_string(v2) ?: "null");
		} else {
			printf("%s: %s\n", k, json_object_get_string(v) ?: "null");
		}
	}
}
