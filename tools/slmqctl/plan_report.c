// SPDX-License-Identifier: GPL-2.0
/* Reporting what each tensor became (see plan_report.h). */
#include <stdio.h>
#include <string.h>

#include "../../kmod/engine/type_traits.h"
#include "plan_report.h"

static unsigned long long entry_bytes(const struct qplan_entry *e)
{
	return slmq_row_bytes(e->type, e->t->cols) * e->t->rows;
}

void plan_totals(const struct qplan *p, unsigned long long *bytes,
		 unsigned long long *params)
{
	size_t i;

	*bytes = 0;
	*params = 0;
	for (i = 0; i < p->n; i++) {
		*bytes += entry_bytes(&p->e[i]);
		*params += p->e[i].t->rows * p->e[i].t->cols;
	}
}

struct json_object *plan_report_json(const struct qplan *p)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct qplan_entry *e = &p->e[i];
		struct json_object *o = json_object_new_object(), *shape;

		shape = json_object_new_array();
		json_object_array_add(shape, json_object_new_int64((int64_t)e->t->cols));
		if (e->t->n_dims == 2)
			json_object_array_add(shape, json_object_new_int64((int64_t)e->t->rows));
		json_object_object_add(o, "name", json_object_new_string(e->t->name));
		json_object_object_add(o, "hf_name", json_object_new_string(e->t->hf_name));
		json_object_object_add(o, "type", json_object_new_string(convert_type_name(e->type)));
		json_object_object_add(o, "shape", shape);
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)entry_bytes(e)));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* "blk.*.attn_q.weight" for layer tensors, the name itself otherwise. */
static void pattern(const struct hf_tensor *t, char *out, size_t n)
{
	const char *dot = strchr(t->name + 4, '.');

	if (t->layer >= 0 && dot)
		snprintf(out, n, "blk.*%s", dot);
	else
		snprintf(out, n, "%s", t->name);
}

void plan_report_print(const struct qplan *p)
{
	unsigned long long bytes, params;
	char pat[80], prev[80] = "";
	size_t i, j;

	printf("%-28s %-6s %s\n", "tensor", "type", "count");
	for (i = 0; i < p->n; i++) {
		size_t count = 0;
		bool seen = false;

		pattern(p->e[i].t, pat, sizeof(pat));
		for (j = 0; j < i && !seen; j++) {
			pattern(p->e[j].t, prev, sizeof(prev));
			seen = !strcmp(prev, pat) && p->e[j].type == p->e[i].type;
		}
		if (seen)
			continue;
		for (j = i; j < p->n; j++) {
			pattern(p->e[j].t, prev, sizeof(prev));
			count += !strcmp(prev, pat) && p->e[j].type == p->e[i].type;
		}
		printf("%-28s %-6s %zu\n", pat, convert_type_name(p->e[i].type), count);
	}
	plan_totals(p, &bytes, &params);
	printf("%llu parameters, %llu bytes of weights (%.3f bits/weight)\n",
	       params, bytes, params ? 8.0 * (double)bytes / (double)params : 0.0);
}
