// SPDX-License-Identifier: GPL-2.0
/*
 * The exchange shared by the commands that name one model (info, report,
 * unload).  Separate from nl_client.c, which the selftests link without
 * the CLI helpers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../cli.h"
#include "nl_client.h"

int slmq_nl_named_request(int argc, char **argv, const char *usage,
			  uint8_t cmd, int flags, slmq_nl_reply_fn fn, void *arg,
			  const char **name)
{
	const char *n = NULL;
	struct slmq_nl nl;
	struct nl_msg *m;
	int i, ret;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json"))
			n = n ? "" : argv[i];
	if (!n || !*n)
		return cli_fail("usage: slmqctl %s %s", argv[0], usage);
	if (slmq_nl_open(&nl))
		return cli_fail("%s", nl.err);
	m = slmq_nl_msg(&nl, cmd, flags);
	if (!m || nla_put_string(m, SLMQ_A_MODEL_NAME, n)) {
		ret = -ENOMEM;
		snprintf(nl.err, sizeof(nl.err), "out of memory");
	} else {
		ret = slmq_nl_call(&nl, m, fn, arg);
	}
	if (ret) {
		cli_fail("%s %s: %s", argv[0], n, nl.err);
		slmq_nl_close(&nl);
		return 1;
	}
	slmq_nl_close(&nl);
	*name = n;
	return 0;
}
