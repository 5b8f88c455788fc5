/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The score op for slmqctl's evaluation (nl_perplexity.c): per-position
 * NLLs of an id window computed by slmq.ko with errors as struct slmq_err,
 * and the perplexity protocol of `slmqctl perplexity` run through it.
 */
#ifndef SLMQCTL_NL_PERPLEXITY_H
#define SLMQCTL_NL_PERPLEXITY_H

#include <stddef.h>
#include <stdint.h>

#include "../eval.h"
#include "nl_score.h"

/* The kernel's NLLs for n ids (n - 1 IEEE single bit patterns into nll). */
int nl_score(struct slmq_nl *nl, const char *name, const uint32_t *ids, uint32_t n,
	     uint32_t *nll, struct slmq_err *err);

/* eval_perplexity() with slmq.ko's model NAME scoring each window. */
int nl_perplexity(const char *name, const struct slmq_model *m, const uint32_t *ids,
		  size_t n, const struct eval_ppl_opts *o, struct eval_ppl *r,
		  struct slmq_err *err);

#endif /* SLMQCTL_NL_PERPLEXITY_H */
