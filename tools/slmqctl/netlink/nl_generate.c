// SPDX-License-Identifier: GPL-2.0
/* The generate op (nl_generate.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl_generate.h"

struct gen_ctx {
	struct slmq_nl *nl;
	const struct slmq_nl_gen_req *req;
	struct slmq_nl_gen_reply *r;
	bool got;
};

static char *dup_attr(struct nlattr *a)
{
	return strdup(a ? nla_get_string(a) : "");
}

/* The first message: everything but the logits. */
static int on_head(struct gen_ctx *c, struct nlattr **tb)
{
	struct slmq_nl_gen_reply *r = c->r;
	struct nlattr *t = tb[SLMQ_A_MODEL_TOKENS];

	if (c->got) {
		snprintf(c->nl->err, sizeof(c->nl->err), "two replies to one generate request");
		return -EPROTO;
	}
	c->got = true;
	r->n_tokens = (uint32_t)(nla_len(t) / 4);
	r->tokens = malloc(((size_t)r->n_tokens + 1) * sizeof(uint32_t));
	r->name = dup_attr(tb[SLMQ_A_MODEL_NAME]);
	r->text = dup_attr(tb[SLMQ_A_MODEL_TEXT]);
	if (!r->tokens || !r->name || !r->text) {
		snprintf(c->nl->err, sizeof(c->nl->err), "out of memory");
		return -ENOMEM;
	}
	memcpy(r->tokens, nla_data(t), (size_t)r->n_tokens * 4);
	r->stop = tb[SLMQ_A_MODEL_STOP] ? nla_get_u32(tb[SLMQ_A_MODEL_STOP]) : 0;
	r->has_n_prompt_tokens = tb[SLMQ_A_MODEL_N_PROMPT_TOKENS];
	if (r->has_n_prompt_tokens)
		r->n_prompt_tokens = nla_get_u32(tb[SLMQ_A_MODEL_N_PROMPT_TOKENS]);
	r->has_latency = tb[SLMQ_A_MODEL_LATENCY_NS];
	if (r->has_latency)
		r->latency_ns = nla_get_u64(tb[SLMQ_A_MODEL_LATENCY_NS]);
	return 0;
}

static int on_reply(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	struct gen_ctx *c = arg;
	struct nlattr *a;
	int rem, ret;

	nla_for_each_attr(a, head, len, rem) {
		if (nla_type(a) != SLMQ_A_MODEL_LOGITS || !c->req->logits)
			continue;
		ret = c->req->logits(nla_data(a), nla_len(a), c->req->logits_arg);
		if (ret)
			return ret;
	}
	return tb[SLMQ_A_MODEL_TOKENS] ? on_head(c, tb) : 0;
}

static int put_request(struct nl_msg *m, const struct slmq_nl_gen_req *q)
{
	return (q->name && nla_put_string(m, SLMQ_A_MODEL_NAME, q->name)) ||
	       (q->prompt && nla_put_string(m, SLMQ_A_MODEL_PROMPT, q->prompt)) ||
	       (q->ids && nla_put(m, SLMQ_A_MODEL_PROMPT_TOKENS, (int)q->n_ids * 4, q->ids)) ||
	       ((q->explicit || q->max_tokens) &&
		nla_put_u32(m, SLMQ_A_MODEL_MAX_TOKENS, q->max_tokens)) ||
	       (q->explicit &&
		(nla_put_u32(m, SLMQ_A_MODEL_TEMPERATURE, q->temp_bits) ||
		 nla_put_u32(m, SLMQ_A_MODEL_TOP_K, q->top_k) ||
		 nla_put_u32(m, SLMQ_A_MODEL_TOP_P, q->top_p_bits) ||
		 nla_put_u64(m, SLMQ_A_MODEL_SEED, q->seed))) ||
	       (q->want_logits && nla_put_flag(m, SLMQ_A_MODEL_WANT_LOGITS));
}

int slmq_nl_generate(struct slmq_nl *nl, const struct slmq_nl_gen_req *req,
		     struct slmq_nl_gen_reply *reply)
{
	struct nl_msg *m = slmq_nl_msg(nl, SLMQ_CMD_GENERATE, req->dump ? NLM_F_DUMP : 0);
	struct gen_ctx c = { .nl = nl, .req = req, .r = reply };
	int ret;

	memset(reply, 0, sizeof(*reply));
	if (!m || put_request(m, req)) {
		nlmsg_free(m);
		snprintf(nl->err, sizeof(nl->err), "out of memory");
		return -ENOMEM;
	}
	ret = slmq_nl_call(nl, m, on_reply, &c);
	if (!ret && !c.got) {
		snprintf(nl->err, sizeof(nl->err), "no reply");
		ret = -EIO;
	}
	if (ret)
		slmq_nl_gen_reply_free(reply);
	return ret;
}

void slmq_nl_gen_reply_free(struct slmq_nl_gen_reply *reply)
{
	free(reply->name);
	free(reply->text);
	free(reply->tokens);
	memset(reply, 0, sizeof(*reply));
}
