// SPDX-License-Identifier: GPL-2.0
/* The score op (nl_score.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "nl_score.h"

struct score_reply {
	uint32_t *nll;
	uint32_t want;
	bool got;
	bool bad;
};

static int on_score(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	struct score_reply *r = arg;
	struct nlattr *a = tb[SLMQ_A_MODEL_NLL];

	r->got = true;
	r->bad = !a || (size_t)nla_len(a) != (size_t)r->want * 4 ||
		 !tb[SLMQ_A_MODEL_N_PROMPT_TOKENS] ||
		 nla_get_u32(tb[SLMQ_A_MODEL_N_PROMPT_TOKENS]) != r->want + 1;
	if (!r->bad)
		memcpy(r->nll, nla_data(a), (size_t)r->want * 4);
	return 0;
}

int slmq_nl_score(struct slmq_nl *nl, const char *name, const uint32_t *ids, uint32_t n,
		  uint32_t *nll)
{
	struct nl_msg *m = slmq_nl_msg(nl, SLMQ_CMD_SCORE, 0);
	struct score_reply r = { .nll = nll, .want = n ? n - 1 : 0 };
	int ret;

	if (!m || (name && nla_put_string(m, SLMQ_A_MODEL_NAME, name)) ||
	    (ids && nla_put(m, SLMQ_A_MODEL_PROMPT_TOKENS, (int)n * 4, ids))) {
		nlmsg_free(m);
		snprintf(nl->err, sizeof(nl->err), "out of memory");
		return -ENOMEM;
	}
	ret = slmq_nl_call(nl, m, on_score, &r);
	if (!ret && (!r.got || r.bad)) {
		snprintf(nl->err, sizeof(nl->err), "score reply missing or of the wrong length");
		ret = -EPROTO;
	}
	return ret;
}
