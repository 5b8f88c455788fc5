// SPDX-License-Identifier: GPL-2.0
/* Turning model-get replies into JSON and tables. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../cli.h"
#include "nl_client.h"
#include "nl_model.h"

static void add_u64(struct json_object *o, const char *key, struct nlattr *a)
{
	if (a)
		json_object_object_add(o, key, json_object_new_uint64(nla_get_u64(a)));
}

static void add_u32(struct json_object *o, const char *key, struct nlattr *a)
{
	if (a)
		json_object_object_add(o, key, json_object_new_int64(nla_get_u32(a)));
}

static struct json_object *stats_json(struct nlattr *nest)
{
	struct nlattr *tb[SLMQ_A_STATS_MAX + 1];
	struct json_object *o = json_object_new_object();

	if (nest && !nla_parse_nested(tb, SLMQ_A_STATS_MAX, nest, NULL)) {
		add_u64(o, "requests", tb[SLMQ_A_STATS_REQUESTS]);
		add_u64(o, "tokens", tb[SLMQ_A_STATS_TOKENS]);
		add_u64(o, "errors", tb[SLMQ_A_STATS_ERRORS]);
		add_u64(o, "last_latency_ns", tb[SLMQ_A_STATS_LAST_LATENCY_NS]);
	}
	return o;
}

struct json_object *nl_model_json(struct nlattr **tb, struct nlattr *head, int len)
{
	struct json_object *o = json_object_new_object(), *types;
	const uint8_t *sha;
	struct nlattr *a;
	char hex[65];
	int i, rem;

	if (tb[SLMQ_A_MODEL_NAME])
		json_object_object_add(o, "name",
				       json_object_new_string(nla_get_string(tb[SLMQ_A_MODEL_NAME])));
	add_u64(o, "size", tb[SLMQ_A_MODEL_SIZE]);
	if (tb[SLMQ_A_MODEL_SHA256] && nla_len(tb[SLMQ_A_MODEL_SHA256]) == 32) {
		sha = nla_data(tb[SLMQ_A_MODEL_SHA256]);
		for (i = 0; i < 32; i++)
			sprintf(hex + 2 * i, "%02x", sha[i]);
		json_object_object_add(o, "sha256", json_object_new_string(hex));
	}
	add_u64(o, "n_params", tb[SLMQ_A_MODEL_N_PARAMS]);
	add_u32(o, "n_tensors", tb[SLMQ_A_MODEL_N_TENSORS]);
	add_u32(o, "n_vocab", tb[SLMQ_A_MODEL_N_VOCAB]);
	add_u32(o, "n_layer", tb[SLMQ_A_MODEL_N_LAYER]);
	add_u32(o, "n_embd", tb[SLMQ_A_MODEL_N_EMBD]);
	add_u32(o, "n_ctx", tb[SLMQ_A_MODEL_N_CTX]);
	add_u64(o, "kv_bytes", tb[SLMQ_A_MODEL_KV_BYTES]);	/* a full-context session's */
	types = json_object_new_object();
	nla_for_each_attr(a, head, len, rem) {
		struct nlattr *t[SLMQ_A_TENSOR_TYPE_MAX + 1];

		if (nla_type(a) != SLMQ_A_MODEL_TENSOR_TYPE ||
		    nla_parse_nested(t, SLMQ_A_TENSOR_TYPE_MAX, a, NULL) ||
		    !t[SLMQ_A_TENSOR_TYPE_TYPE] || !t[SLMQ_A_TENSOR_TYPE_COUNT])
			continue;
		json_object_object_add(types, nla_get_string(t[SLMQ_A_TENSOR_TYPE_TYPE]),
				       json_object_new_int64(nla_get_u32(t[SLMQ_A_TENSOR_TYPE_COUNT])));
	}
	json_object_object_add(o, "tensor_types", types);
	if (tb[SLMQ_A_MODEL_VERDICT])
		json_object_object_add(o, "verdict",
				       json_object_new_string(nla_get_string(tb[SLMQ_A_MODEL_VERDICT])));
	json_object_object_add(o, "stats", stats_json(tb[SLMQ_A_MODEL_STATS]));
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
