/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generate op: one request, its reply parsed.  As a do the reply is one
 * message; as a dump (what logits need: they can be megabytes) the first
 * message has everything but the logits and the logits follow, one
 * attribute per generated token, in as many messages as it takes.
 */
#ifndef SLMQCTL_NL_GENERATE_H
#define SLMQCTL_NL_GENERATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl_client.h"

struct slmq_nl_gen_req {
	const char *name;		/* NULL: left out (the kernel names it missing) */
	const char *prompt;		/* text, or (both or neither: the kernel refuses) */
	const uint32_t *ids;		/* token ids, n_ids of them */
	uint32_t n_ids;
	/*
	 * explicit: max_tokens and the four sampling knobs are sent as given,
	 * 0 included (slmqctl's requests); else max_tokens only when non-zero
	 * and no knob, the kernel choosing (16 tokens, greedy).
	 */
	bool explicit;
	uint32_t max_tokens;
	uint32_t temp_bits;		/* IEEE-754 single bits; 0 greedy */
	uint32_t top_k;
	uint32_t top_p_bits;
	uint64_t seed;
	bool want_logits;
	bool dump;			/* ask for the reply as a dump */
	/*
	 * Each logits attribute as it arrives (n_vocab floats, host order),
	 * in token order; non-zero stops the exchange with that error.
	 */
	int (*logits)(const void *data, size_t len, void *arg);
	void *logits_arg;
};

struct slmq_nl_gen_reply {
	char *name;			/* malloc'd, as the reply carries them */
	char *text;
	uint32_t *tokens;
	uint32_t n_tokens;
	uint32_t stop;			/* enum slmq_stop */
	uint32_t n_prompt_tokens;
	uint64_t latency_ns;
	bool has_n_prompt_tokens;
	bool has_latency;
};

/*
 * 0 with reply filled (free it with slmq_nl_gen_reply_free()), or -errno
 * with nl->err saying why: the kernel's refusal, or "no reply" (-EIO) when
 * no message carried the tokens, -EPROTO for a second one.
 */
int slmq_nl_generate(struct slmq_nl *nl, const struct slmq_nl_gen_req *req,
		     struct slmq_nl_gen_reply *reply);
void slmq_nl_gen_reply_free(struct slmq_nl_gen_reply *reply);

#endif /* SLMQCTL_NL_GENERATE_H */
