// SPDX-License-Identifier: GPL-2.0
/* slmqctl: quantize, validate and serve small language models, in userspace and in slmq.ko. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

extern const struct slmqctl_cmd __start_slmqctl_cmds[];
extern const struct slmqctl_cmd __stop_slmqctl_cmds[];

static void usage(FILE *f)
{
	const struct slmqctl_cmd *c;

	fprintf(f, "usage: slmqctl COMMAND [ARGS] [--json]\n\ncommands:\n");
	for (c = __start_slmqctl_cmds; c < __stop_slmqctl_cmds; c++)
		fprintf(f, "  %-12s %s\n      slmqctl %s %s\n", c->name,
			c->summary, c->name, c->usage);
}

int main(int argc, char **argv)
{
	const struct slmqctl_cmd *c;
	int i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json"))
			cli_quiet = true;
	for (c = __start_slmqctl_cmds; c < __stop_slmqctl_cmds; c++)
		if (!strcmp(c->name, argv[1]))
			return c->run(argc - 1, argv + 1);
	return cli_fail("unknown command '%s' (see slmqctl --help)", argv[1]);
}
