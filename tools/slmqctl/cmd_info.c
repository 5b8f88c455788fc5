// SPDX-License-Identifier: GPL-2.0
/* slmqctl info NAME [--json]: one model's size, shape, tensor types, verdict and stats. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kernel/nl_client.h"
#include "kernel/nl_model.h"

static int on_model(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	*(struct json_object **)arg = nl_model_json(tb, head, len);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	struct json_object *o = NULL;
	const char *name = NULL;
	struct slmq_nl nl;
	struct nl_msg *m;
	int i, ret;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json"))
			name = name ? "" : argv[i];
	if (!name || !*name)
		return cli_fail("usage: slmqctl info NAME [--json]");
	if (slmq_nl_open(&nl))
		return cli_fail("%s", nl.err);
	m = slmq_nl_msg(&nl, SLMQ_CMD_MODEL_GET, 0);
	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, name))
		ret = -12;
	else
		ret = slmq_nl_call(&nl, m, on_model, &o);
	if (ret || !o) {
		char err[512];

		snprintf(err, sizeof(err), "%s", nl.err);
		slmq_nl_close(&nl);
		return cli_fail("info %s: %s", name, err);
	}
	slmq_nl_close(&nl);
	if (cli_quiet) {
		cli_print_json(o);
	} else {
		nl_model_print_info(o);
		json_object_put(o);
	}
	return 0;
}

SLMQCTL_COMMAND("info", cmd_info, "NAME [--json]", "show one model slmq.ko serves");
