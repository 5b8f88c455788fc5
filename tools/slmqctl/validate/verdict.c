// SPDX-License-Identifier: GPL-2.0
/* Reading the validation verdict out of a GGUF (see verdict.h). */
#include <stdio.h>
#include <string.h>

#include "../cli.h"
#include "verdict.h"

enum val_verdict_state val_verdict_get(const struct slmq_gguf *g)
{
	struct slmq_gguf_str s;

	if (slmq_gguf_get_str(g, VAL_KEY_VERDICT, &s, NULL))
		return VAL_VERDICT_NONE;
	/* Anything but an explicit ACCEPTED is a refusal: fail closed. */
	return slmq_gguf_str_eq(s, "ACCEPTED") ? VAL_VERDICT_ACCEPTED :
						 VAL_VERDICT_REJECTED;
}

const char *val_verdict_name(enum val_verdict_state v)
{
	return v == VAL_VERDICT_ACCEPTED ? "ACCEPTED" :
	       v == VAL_VERDICT_REJECTED ? "REJECTED" : "none";
}

void val_verdict_failed(const struct slmq_gguf *g, char *buf, size_t len)
{
	struct slmq_gguf_str s;
	struct json_object *rep, *arr, *name;
	struct json_tokener *tok;
	size_t used = 0, k;

	if (len)
		buf[0] = 0;
	if (slmq_gguf_get_str(g, VAL_KEY_REPORT, &s, NULL) || s.len > INT32_MAX)
		return;
	tok = json_tokener_new();
	if (!tok)
		return;
	rep = json_tokener_parse_ex(tok, s.ptr, (int)s.len);
	json_tokener_free(tok);
	if (!rep)
		return;
	if (json_object_object_get_ex(rep, "failed_criteria", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		for (k = 0; k < json_object_array_length(arr); k++) {
			struct json_object *c = json_object_array_get_idx(arr, k);
			int w;

			if (!json_object_object_get_ex(c, "name", &name))
				continue;
			w = snprintf(buf + used, len - used, "%s%s",
				     used ? "," : "", cli_json_str(name, "?"));
			if (w < 0 || (size_t)w >= len - used)
				break;
			used += (size_t)w;
		}
	}
	json_object_put(rep);
}

int val_verdict_check_load(const void *buf, size_t len, bool force,
			   enum val_verdict_state *state, char *msg,
			   size_t msglen)
{
	struct slmq_err err = { 0 };
	struct slmq_gguf g;
	enum val_verdict_state v;
	char failed[128];
	int ret;

	ret = slmq_gguf_parse(&g, buf, len, &cli_allocator, &err);
	if (ret) {
		snprintf(msg, msglen, "%s", err.msg);
		return ret;
	}
	v = val_verdict_get(&g);
	val_verdict_failed(&g, failed, sizeof(failed));
	slmq_gguf_release(&g, &cli_allocator);
	if (state)
		*state = v;
	if (v != VAL_VERDICT_REJECTED || force) {
		if (msglen)
			msg[0] = 0;
		return 0;
	}
	snprintf(msg, msglen,
		 "model was REJECTED by validation (failed: %s); use --force to load it anyway",
		 failed[0] ? failed : "see slmq.report");
	return -EPERM;
}
