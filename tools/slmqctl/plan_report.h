/* SPDX-License-Identifier: GPL-2.0 */
/* What a conversion wrote, tensor by tensor: a table on a terminal, JSON with --json. */
#ifndef SLMQCTL_PLAN_REPORT_H
#define SLMQCTL_PLAN_REPORT_H

#include <json-c/json.h>

#include "convert.h"

/* [{"name", "hf_name", "type", "shape": [ne0, ne1], "bytes"}] */
struct json_object *plan_report_json(const struct qplan *p);
/* One line per distinct (kind, type) and the totals, on stdout. */
void plan_report_print(const struct qplan *p);
/* Bytes of all tensors' data and their parameter count. */
void plan_totals(const struct qplan *p, unsigned long long *bytes,
		 unsigned long long *params);

#endif /* SLMQCTL_PLAN_REPORT_H */
