// SPDX-License-Identifier: GPL-2.0
/* slmqctl unload NAME [--json]: withdraw a model from slmq.ko (holders finish with it). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "netlink/nl_client.h"

static int cmd_unload(int argc, char **argv)
{
	const char *name;

	if (slmq_nl_named_request(argc, argv, "NAME [--json]", SLMQ_CMD_MODEL_DELETE, 0,
				  NULL, NULL, &name))
		return 1;
	if (cli_quiet) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "unloaded", json_object_new_boolean(1));
		cli_print_json(o);
	} else {
		printf("unloaded %s\n", name);
	}
	return 0;
}

SLMQCTL_COMMAND("unload", cmd_unload, "NAME [--json]", "withdraw a model from slmq.ko");
