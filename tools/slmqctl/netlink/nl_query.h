/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Model queries: a model-get reply (one message of a do or of a dump)
 * parsed into a struct, and the model-get of one name.
 */
#ifndef SLMQCTL_NL_QUERY_H
#define SLMQCTL_NL_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "nl_client.h"

#define SLMQ_NL_TYPES_MAX 16

struct slmq_nl_model {
	uint64_t have;			/* bit (1 << SLMQ_A_MODEL_x): the reply carried it */
	char name[SLMQ_NAME_MAX];
	uint64_t size;
	uint8_t sha256[SLMQ_SHA256_LEN];
	uint64_t n_params;
	uint32_t n_tensors, n_vocab, n_layer, n_embd, n_ctx;
	struct {
		char type[16];		/* ggml's spelling: f32, f16, q4_0, ... */
		uint32_t count;
	} types[SLMQ_NL_TYPES_MAX];	/* tensors per block type */
	uint32_t n_types;
	char verdict[64];
	uint64_t requests, tokens, errors, last_latency_ns;	/* stats (0 if absent) */
};

static inline bool slmq_nl_model_has(const struct slmq_nl_model *m, int attr)
{
	return m->have & (1ull << attr);
}

/* One reply message (an slmq_nl_reply_fn's arguments) into m. */
void slmq_nl_model_parse(struct nlattr **tb, struct nlattr *head, int len,
			 struct slmq_nl_model *m);
/* model-get of name: 0 or -errno with nl->err set. */
int slmq_nl_model_get(struct slmq_nl *nl, const char *name, struct slmq_nl_model *m);

#endif /* SLMQCTL_NL_QUERY_H */
