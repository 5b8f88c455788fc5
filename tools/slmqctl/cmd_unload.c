// SPDX-License-Identifier: GPL-2.0
/* slmqctl unload NAME [--json]: withdraw a model from slmq.ko (holders finish with it). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kernel/nl_client.h"

static int cmd_unload(int argc, char **argv)
{
	const char *name = NULL;
	struct slmq_nl nl;
	struct nl_msg *m;
	int i, ret;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json"))
			name = name ? "" : argv[i];
	if (!name || !*name)
		return cli_fail("usage: slmqctl unload NAME [--json]");
	if (slmq_nl_open(&nl))
		return cli_fail("%s", nl.err);
	m = slmq_nl_msg(&nl, SLMQ_CMD_MODEL_DELETE, 0);
	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, name))
		ret = -12;
	else
		ret = slmq_nl_call(&nl, m, NULL, NULL);
	if (ret) {
		char err[512];

		snprintf(err, sizeof(err), "%s", nl.err);
		slmq_nl_close(&nl);
		return cli_fail("unload %s: %s", name, err);
	}
	slmq_nl_close(&nl);
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
