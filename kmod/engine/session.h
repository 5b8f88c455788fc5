/* SPDX-License-Identifier: GPL-2.0 */
/* Engine-internal access to a session's scratch, for sampler.c. */
#ifndef SLMQ_SESSION_H
#define SLMQ_SESSION_H

#include "compat.h"
#include "model.h"

float *slmq_session_probs(struct slmq_session *s);	/* n_vocab floats */
u32 *slmq_session_cand(struct slmq_session *s);		/* n_vocab ids */
const struct slmq_env *slmq_session_env(const struct slmq_session *s);
u32 slmq_session_n_vocab(const struct slmq_session *s);
/*
 * Inside an FPU section: count macs steps of work; at the section budget,
 * end the section, yield and begin the next.  Returns yield()'s result.
 */
int slmq_session_spend(struct slmq_session *s, u64 macs);

#endif /* SLMQ_SESSION_H */
