// SPDX-License-Identifier: GPL-2.0
/* Model queries (nl_query.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nl_query.h"

static uint64_t get_u64(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static void parse_stats(struct nlattr *nest, struct slmq_nl_model *m)
{
	struct nlattr *tb[SLMQ_A_STATS_MAX + 1];

	if (!nest || nla_parse_nested(tb, SLMQ_A_STATS_MAX, nest, NULL))
		return;
	m->requests = get_u64(tb[SLMQ_A_STATS_REQUESTS]);
	m->tokens = get_u64(tb[SLMQ_A_STATS_TOKENS]);
	m->errors = get_u64(tb[SLMQ_A_STATS_ERRORS]);
	m->last_latency_ns = get_u64(tb[SLMQ_A_STATS_LAST_LATENCY_NS]);
}

/* Every tensor-type nest (a multi-attr), in order. */
static void parse_types(struct nlattr *head, int len, struct slmq_nl_model *m)
{
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem) {
		struct nlattr *t[SLMQ_A_TENSOR_TYPE_MAX + 1];

		if (nla_type(a) != SLMQ_A_MODEL_TENSOR_TYPE || m->n_types == SLMQ_NL_TYPES_MAX ||
		    nla_parse_nested(t, SLMQ_A_TENSOR_TYPE_MAX, a, NULL) ||
		    !t[SLMQ_A_TENSOR_TYPE_TYPE] || !t[SLMQ_A_TENSOR_TYPE_COUNT])
			continue;
		snprintf(m->types[m->n_types].type, sizeof(m->types[0].type), "%s",
			 nla_get_string(t[SLMQ_A_TENSOR_TYPE_TYPE]));
		m->types[m->n_types++].count = nla_get_u32(t[SLMQ_A_TENSOR_TYPE_COUNT]);
	}
}

void slmq_nl_model_parse(struct nlattr **tb, struct nlattr *head, int len,
			 struct slmq_nl_model *m)
{
	int i;

	memset(m, 0, sizeof(*m));
	for (i = 1; i <= SLMQ_A_MODEL_MAX && i < 64; i++)
		if (tb[i])
			m->have |= 1ull << i;
	if (tb[SLMQ_A_MODEL_SHA256] && nla_len(tb[SLMQ_A_MODEL_SHA256]) != SLMQ_SHA256_LEN)
		m->have &= ~(1ull << SLMQ_A_MODEL_SHA256);
	if (tb[SLMQ_A_MODEL_NAME])
		snprintf(m->name, sizeof(m->name), "%s", nla_get_string(tb[SLMQ_A_MODEL_NAME]));
	m->size = get_u64(tb[SLMQ_A_MODEL_SIZE]);
	if (slmq_nl_model_has(m, SLMQ_A_MODEL_SHA256))
		memcpy(m->sha256, nla_data(tb[SLMQ_A_MODEL_SHA256]), SLMQ_SHA256_LEN);
	m->n_params = get_u64(tb[SLMQ_A_MODEL_N_PARAMS]);
	m->n_tensors = tb[SLMQ_A_MODEL_N_TENSORS] ? nla_get_u32(tb[SLMQ_A_MODEL_N_TENSORS]) : 0;
	m->n_vocab = tb[SLMQ_A_MODEL_N_VOCAB] ? nla_get_u32(tb[SLMQ_A_MODEL_N_VOCAB]) : 0;
	m->n_layer = tb[SLMQ_A_MODEL_N_LAYER] ? nla_get_u32(tb[SLMQ_A_MODEL_N_LAYER]) : 0;
	m->n_embd = tb[SLMQ_A_MODEL_N_EMBD] ? nla_get_u32(tb[SLMQ_A_MODEL_N_EMBD]) : 0;
	m->n_ctx = tb[SLMQ_A_MODEL_N_CTX] ? nla_get_u32(tb[SLMQ_A_MODEL_N_CTX]) : 0;
	parse_types(head, len, m);
	if (tb[SLMQ_A_MODEL_VERDICT])
		snprintf(m->verdict, sizeof(m->verdict), "%s",
			 nla_get_string(tb[SLMQ_A_MODEL_VERDICT]));
	parse_stats(tb[SLMQ_A_MODEL_STATS], m);
}

static int on_model(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	slmq_nl_model_parse(tb, head, len, arg);
	return 0;
}

int slmq_nl_model_get(struct slmq_nl *nl, const char *name, struct slmq_nl_model *m)
{
	struct nl_msg *msg = slmq_nl_msg(nl, SLMQ_CMD_MODEL_GET, 0);

	memset(m, 0, sizeof(*m));
	if (!msg || nla_put_string(msg, SLMQ_A_MODEL_NAME, name)) {
		nlmsg_free(msg);
		snprintf(nl->err, sizeof(nl->err), "out of memory");
		return -ENOMEM;
	}
	return slmq_nl_call(nl, msg, on_model, m);
}
