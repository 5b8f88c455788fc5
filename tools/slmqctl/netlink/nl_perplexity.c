// SPDX-License-Identifier: GPL-2.0
/*
 * The score op with slmqctl's errors, and nl_perplexity(), which is
 * eval_perplexity() with the kernel doing the scoring: it cuts, sums and
 * finishes with eval_ppl.c's own pieces, so equal bits give the very same
 * perplexity.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "nl_perplexity.h"

int nl_score(struct slmq_nl *nl, const char *name, const uint32_t *ids, uint32_t n,
	     uint32_t *nll, struct slmq_err *err)
{
	int ret = slmq_nl_score(nl, name, ids, n, nll);

	if (ret == -EPROTO)
		return slmq_fail(err, -EPROTO, "kernel score: reply without %u NLL values",
				 n ? n - 1 : 0);
	if (ret)
		return slmq_fail(err, ret, "kernel score: %s", nl->err);
	return 0;
}

/**
 * nl_perplexity() - perplexity of a model loaded in slmq.ko.
 * @name: its name in slmq.ko
 * @m: the same model opened in userspace (context length, vocabulary)
 * @ids: token data
 * @n: number of ids
 * @o: window length, token budget, progress
 * @r: result (seconds: the whole exchange)
 * @err: error line
 *
 * Return: 0 or a negative errno.
 */
int nl_perplexity(const char *name, const struct slmq_model *m, const uint32_t *ids,
		  size_t n, const struct eval_ppl_opts *o, struct eval_ppl *r,
		  struct slmq_err *err)
{
	uint32_t ctx = o->ctx ? o->ctx : m->hp.n_ctx_train, w, nw, *nll;
	double total = 0, t0 = cli_now();
	struct slmq_nl nl;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = eval_ppl_windows(o->max_tokens, n, ctx, m->hp.n_ctx_train, &nw, err);
	if (ret)
		return ret;
	nll = malloc((size_t)ctx * 4);
	if (!nll)
		return slmq_fail(err, -ENOMEM, "out of memory");
	if (slmq_nl_open(&nl)) {
		free(nll);
		return slmq_fail(err, -ENODEV, "%s", nl.err);
	}
	for (w = 0; w < nw && !ret; w++) {
		ret = nl_score(&nl, name, ids + (size_t)w * ctx, ctx, nll, err) ?:
		      eval_nll_add(&total, nll, ctx, err);
		if (o->progress)
			o->progress(o->progress_ctx, w + 1, nw);
	}
	slmq_nl_close(&nl);
	free(nll);
	if (ret)
		return ret;
	eval_ppl_finish(r, ctx, nw, total, t0);
	return 0;
}
