// SPDX-License-Identifier: GPL-2.0
/* slmqctl report NAME [--json]: the acceptance report (slmq.report) the loaded model carries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "netlink/nl_client.h"

struct report {
	char *text;
	size_t len;
};

/* The report comes in pieces (multi-attr), concatenated in order. */
static int on_report(struct nlattr **tb, struct nlattr *head, int len, void *arg)
{
	struct report *r = arg;
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem) {
		size_t n;
		char *p;

		if (nla_type(a) != SLMQ_A_MODEL_REPORT)
			continue;
		n = strnlen(nla_data(a), nla_len(a));
		p = realloc(r->text, r->len + n + 1);
		if (!p)
			return -12;
		memcpy(p + r->len, nla_data(a), n);
		r->len += n;
		p[r->len] = '\0';
		r->text = p;
	}
	return 0;
}

static int cmd_report(int argc, char **argv)
{
	struct report r = { 0 };
	const char *name;

	if (slmq_nl_named_request(argc, argv, "NAME [--json]", SLMQ_CMD_REPORT_GET, NLM_F_DUMP,
				  on_report, &r, &name)) {
		free(r.text);
		return 1;
	}
	if (!r.text)
		return cli_fail("report %s: the kernel sent no report", name);
	if (cli_quiet) {
		struct json_object *o = json_object_new_object();
		struct json_object *rep = json_tokener_parse(r.text);

		json_object_object_add(o, "name", json_object_new_string(name));
		/* The report is JSON when `slmqctl validate` wrote it; keep any other text as is. */
		json_object_object_add(o, "report", rep ? rep : json_object_new_string(r.text));
		cli_print_json(o);
	} else {
		fputs(r.text, stdout);
		if (r.len && r.text[r.len - 1] != '\n')
			putchar('\n');
	}
	free(r.text);
	return 0;
}

SLMQCTL_COMMAND("report", cmd_report, "NAME [--json]",
		"print the acceptance report stored with a loaded model");
