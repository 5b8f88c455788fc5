/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mixed precision: per-tensor storage types chosen by module name.
 *
 * A spec is a comma-separated list of KEY=VALUE rules, applied in order (a
 * later rule overrides an earlier one for the tensors both match):
 *   KEY    attn   the attention projections (attn_q/k/v/output, not the norm)
 *          ffn    the MLP projections (ffn_gate/up/down, not the norm)
 *          output the output head (output.weight)
 *          embed  the token embeddings (token_embd.weight)
 *          anything else: a substring of the GGUF tensor name
 *                 ("attn_v", "ffn_down", "blk.0.")
 *   VALUE  4 (Q4_0, or Q4_1 with --asym), 8 (Q8_0), 16 (F16), 32 (F32), or
 *          a type name q4_0, q4_1, q8_0, f16, f32
 * "preset" stands for the seed's advice, attention INT8 and FFN INT4, with
 * the output head and embeddings at INT8: "attn=8,ffn=4,output=8,embed=8".
 */
#ifndef SLMQ_MIXED_H
#define SLMQ_MIXED_H

#include <stdbool.h>
#include <stddef.h>
#include "../../../kmod/engine/compat.h"

#define MIXED_MAX_RULES 32
#define MIXED_PRESET "attn=8,ffn=4,output=8,embed=8"

struct mixed_rule {
	char key[64];
	u32 type;
};

struct mixed_map {
	struct mixed_rule r[MIXED_MAX_RULES];
	u32 n;
};

/* Parses spec (or "preset"); asym picks Q4_1 for "4".  0 or -EINVAL with err. */
int mixed_parse(const char *spec, bool asym, struct mixed_map *mm, struct slmq_err *err);

/* Does rule key match GGUF tensor name? */
bool mixed_key_matches(const char *key, const char *name);

/* The type for GGUF tensor name: the last matching rule's, else def. */
u32 mixed_type_for(const struct mixed_map *mm, const char *name, u32 def);

#endif /* SLMQ_MIXED_H */
