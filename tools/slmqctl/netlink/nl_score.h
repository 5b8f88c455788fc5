/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The score op: slmq.ko runs a window of ids and returns -log p(next id)
 * for each position after the first, as IEEE single bits.
 */
#ifndef SLMQCTL_NL_SCORE_H
#define SLMQCTL_NL_SCORE_H

#include <stdint.h>

#include "nl_client.h"

/*
 * nll receives n - 1 NLL bit patterns (room for them is the caller's); a
 * NULL name or ids leaves the attribute out.  0 or -errno with nl->err
 * set; -EPROTO for a reply without exactly n - 1 values for n ids.
 */
int slmq_nl_score(struct slmq_nl *nl, const char *name, const uint32_t *ids, uint32_t n,
		  uint32_t *nll);

#endif /* SLMQCTL_NL_SCORE_H */
