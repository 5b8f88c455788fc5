// SPDX-License-Identifier: GPL-2.0
/* slmqctl list [--json]: the models slmq.ko serves, with their stats. */
#include <stdio.h>

#include "cli.h"
#include "netlink/nl_client.h"
#include "netlink/nl_model.h"

static int on_model(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	json_object_array_add(arg, nl_model_json(tb, head, len));
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	struct json_object *arr = json_object_new_array();
	struct slmq_nl nl;
	struct nl_msg *m;
	size_t i;
	int ret;

	if (slmq_nl_open(&nl)) {
		json_object_put(arr);
		return cli_fail("%s", nl.err);
	}
	m = slmq_nl_msg(&nl, SLMQ_CMD_MODEL_GET, NLM_F_DUMP);
	ret = m ? slmq_nl_call(&nl, m, on_model, arr) : -12;
	if (ret) {
		char err[512];

		snprintf(err, sizeof(err), "%s", nl.err);
		slmq_nl_close(&nl);
		json_object_put(arr);
		return cli_fail("list: %s", err);
	}
	slmq_nl_close(&nl);
	if (cli_quiet) {
		cli_print_json(arr);
		return 0;
	}
	nl_model_print_row(NULL);
	for (i = 0; i < json_object_array_length(arr); i++)
		nl_model_print_row(json_object_array_get_idx(arr, i));
	json_object_put(arr);
	return 0;
}

SLMQCTL_COMMAND("list", cmd_list, "[--json]", "list the models slmq.ko serves");
