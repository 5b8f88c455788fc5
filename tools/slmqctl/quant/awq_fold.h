/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where AWQ's per-channel scales go in a Llama block: the consumers of a
 * linear's input get W diag(s), its producer is divided by s.
 *   LF_ATTN_IN: attn_norm /= s;  q, k, v columns *= s
 *   LF_O_IN:    v rows /= s;     o columns *= s
 *   LF_FFN_IN:  ffn_norm /= s;   gate, up columns *= s
 *   LF_DOWN_IN: up rows /= s;    down columns *= s
 * With grouped-query attention one v row feeds the same channel of every
 * query head in its group, so o's scales must agree across those heads:
 * awq_tie_gqa() makes the channel means (hence the scales) agree.
 */
#ifndef SLMQ_AWQ_FOLD_H
#define SLMQ_AWQ_FOLD_H

#include "layer_fwd.h"

/* Replaces o-input channel values (means, scales) by their average over each kv group. */
void awq_tie_gqa(const struct lf_dims *d, float *xmean);

/* Folds s (the site's input width) into w; the FP block function is unchanged. */
void awq_fold_site(const struct lf_dims *d, struct lf_weights *w,
		   enum lf_site site, const float *s);

#endif /* SLMQ_AWQ_FOLD_H */
