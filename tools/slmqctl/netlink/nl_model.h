/* SPDX-License-Identifier: GPL-2.0 */
/* A model-get reply as JSON, and how list/info print it. */
#ifndef SLMQCTL_NL_MODEL_H
#define SLMQCTL_NL_MODEL_H

#include <json-c/json.h>
#include <netlink/attr.h>

/* {"name", "size", "sha256", "n_params", ..., "tensor_types": {"Q4_0": 28}, "stats": {...}} */
struct json_object *nl_model_json(struct nlattr **tb, struct nlattr *head, int len);
/* One line for `slmqctl list`; header when obj is NULL. */
void nl_model_print_row(struct json_object *obj);
/* "key: value" lines for `slmqctl info`. */
void nl_model_print_info(struct json_object *obj);

#endif
