// SPDX-License-Identifier: GPL-2.0
/* Mixed-precision rules by module name (see mixed.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mixed.h"
#include "../../../kmod/engine/blocks.h"

static int parse_value(const char *v, size_t len, bool asym, u32 *type)
{
	static const struct { const char *s; u32 t; } names[] = {
		{ "8", SLMQ_TYPE_Q8_0 }, { "16", SLMQ_TYPE_F16 }, { "32", SLMQ_TYPE_F32 },
		{ "q4_0", SLMQ_TYPE_Q4_0 }, { "q4_1", SLMQ_TYPE_Q4_1 },
		{ "q8_0", SLMQ_TYPE_Q8_0 }, { "f16", SLMQ_TYPE_F16 }, { "f32", SLMQ_TYPE_F32 },
	};
	u32 i;

	if (len == 1 && *v == '4') {
		*type = asym ? SLMQ_TYPE_Q4_1 : SLMQ_TYPE_Q4_0;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i].s) == len && !strncmp(names[i].s, v, len)) {
			*type = names[i].t;
			return 0;
		}
	return -EINVAL;
}

int mixed_parse(const char *spec, bool asym, struct mixed_map *mm, struct slmq_err *err)
{
	const char *p;

	memset(mm, 0, sizeof(*mm));
	if (!strcmp(spec, "preset"))
		spec = MIXED_PRESET;
	for (p = spec; *p;) {
		const char *end = strchr(p, ','), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct mixed_rule *r = &mm->r[mm->n];

		eq = memchr(p, '=', len);
		if (!eq || eq == p || (size_t)(eq - p) >= sizeof(r->key)) {
			return slmq_fail(err, -EINVAL, "--mixed: '%.*s' is not KEY=BITS", (int)len, p);
		}
		if (mm->n == MIXED_MAX_RULES) {
			return slmq_fail(err, -EINVAL, "--mixed: more than %d rules", MIXED_MAX_RULES);
		}
		memcpy(r->key, p, eq - p);
		r->key[eq - p] = 0;
		if (parse_value(eq + 1, len - (eq + 1 - p), asym, &r->type)) {
			return slmq_fail(err, -EINVAL, "--mixed: '%.*s': bits must be 4, 8, 16, 32 or q4_0/q4_1/q8_0/f16/f32",
				 (int)len, p);
		}
		mm->n++;
		p += len + (end ? 1 : 0);
	}
	if (!mm->n) {
		return slmq_fail(err, -EINVAL, "--mixed: no rules");
	}
	return 0;
}

static bool has_any(const char *name, const char *const *subs)
{
	for (; *subs; subs++)
		if (strstr(name, *subs))
			return true;
	return false;
}

bool mixed_key_matches(const char *key, const char *name)
{
	static const char *const attn[] = { "attn_q.", "attn_k.", "attn_v.", "attn_output.", NULL };
	static const char *const ffn[] = { "ffn_gate.", "ffn_up.", "ffn_down.", NULL };

	if (!strcmp(key, "attn"))
		return has_any(name, attn);
	if (!strcmp(key, "ffn"))
		return has_any(name, ffn);
	if (!strcmp(key, "output"))
		return !strcmp(name, "output.weight");
	if (!strcmp(key, "embed"))
		return !strcmp(name, "token_embd.weight");
	return strstr(name, key) != NULL;
}

u32 mixed_type_for(const struct mixed_map *mm, const char *name, u32 def)
{
	u32 i, t = def;

	for (i = 0; i < mm->n; i++)
		if (mixed_key_matches(mm->r[i].key, name))
			t = mm->r[i].type;
	return t;
}
