// SPDX-License-Identifier: GPL-2.0
/* slmqctl info NAME [--json]: one model's size, shape, tensor types, verdict and stats. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "netlink/nl_client.h"
#include "netlink/nl_model.h"

static int on_model(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	*(struct json_object **)arg = nl_model_json(tb, head, len);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	struct json_object *o = NULL;
	const char *name;

	if (slmq_nl_named_request(argc, argv, "NAME [--json]", SLMQ_CMD_MODEL_GET, 0,
				  on_model, &o, &name))
		return 1;
	if (!o)
		return cli_fail("info %s: the kernel sent no model", name);
	if (cli_quiet) {
		cli_print_json(o);
	} else {
		nl_model_print_info(o);
		json_object_put(o);
	}
	return 0;
}

SLMQCTL_COMMAND("info", cmd_info, "NAME [--json]", "show one model slmq.ko serves");
