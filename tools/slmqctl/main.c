// SPDX-License-Identifier: GPL-2.0
/* slmqctl: quantize, validate and serve small language models, in userspace and in slmq.ko. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef SLMQ_VERSION
#define SLMQ_VERSION "unknown"
#endif

extern const struct slmqctl_cmd __start_slmqctl_cmds[];
extern const struct slmqctl_cmd __stop_slmqctl_cmds[];
extern const struct slmqctl_opts __start_slmqctl_opts[];
extern const struct slmqctl_opts __stop_slmqctl_opts[];

static void usage(FILE *f)
{
	const struct slmqctl_cmd *c;

	fprintf(f, "usage: slmqctl COMMAND [ARGS] [--json]\n"
		"       slmqctl COMMAND --help | slmqctl help COMMAND | slmqctl --version\n\n"
		"commands:\n");
	for (c = __start_slmqctl_cmds; c < __stop_slmqctl_cmds; c++)
		fprintf(f, "  %-12s %s\n      slmqctl %s %s\n", c->name,
			c->summary, c->name, c->usage);
}

static const struct slmqctl_cmd *find_cmd(const char *name)
{
	const struct slmqctl_cmd *c;

	for (c = __start_slmqctl_cmds; c < __stop_slmqctl_cmds; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* An option starts a word: after the start, a blank, '[', '(' or '|'. */
static bool opt_start(const char *u, const char *p)
{
	return *p == '-' && (p[1] == '-' || isalnum((unsigned char)p[1])) &&
	       (p == u || strchr(" [(|", p[-1]));
}

static size_t word_len(const char *p)
{
	return strcspn(p, " [])");
}

/*
 * One option of a usage line at p: "--ctx N" from "[--ctx N]".  The argument
 * is the next word unless that is another option, a bracket or "|".
 * Returns the option's length with its argument.
 */
static size_t opt_len(const char *p)
{
	size_t n = word_len(p), a;
	const char *q = p + n;

	if (*q != ' ' || strchr("-[(|.", q[1]) || !q[1])
		return n;
	a = word_len(q + 1);
	return a ? n + 1 + a : n;
}

/* Whether the option of length n at opt appears in u before end (NULL: anywhere). */
static bool listed(const char *u, const char *end, const char *opt, size_t n)
{
	const char *p;

	for (p = u; (!end || p < end) && *p; p++)
		if (opt_start(u, p) && word_len(p) == n && !strncmp(p, opt, n))
			return true;
	return false;
}

/* The usage texts of c: its own, then every SLMQCTL_OPTIONS() for it. */
static const char *help_text(const struct slmqctl_cmd *c, int k)
{
	const struct slmqctl_opts *o;

	if (k-- == 0)
		return c->usage;
	for (o = __start_slmqctl_opts; o < __stop_slmqctl_opts; o++)
		if (!strcmp(o->cmd, c->name) && k-- == 0)
			return o->usage;
	return NULL;
}

static bool listed_before(const struct slmqctl_cmd *c, int k, const char *p, size_t n)
{
	const char *u = help_text(c, k);
	int j;

	for (j = 0; j < k; j++)
		if (listed(help_text(c, j), NULL, p, n))
			return true;
	return listed(u, p, p, n);
}

static void print_opts(const struct slmqctl_cmd *c, int k, bool *json)
{
	const char *u = help_text(c, k), *p;

	for (p = u; *p; p++) {
		size_t n;

		if (!opt_start(u, p))
			continue;
		n = word_len(p);
		if (n == 6 && !strncmp(p, "--json", 6))
			*json = true;
		else if (!listed_before(c, k, p, n))
			printf("  %.*s\n", (int)opt_len(p), p);
	}
}

/*
 * `slmqctl CMD --help`: the command's own usage line and summary, then each
 * option its usage texts name, once, one a line.  Driven by the registration
 * texts, so no command's option parser has to know about --help.
 */
static int cmd_help(const struct slmqctl_cmd *c)
{
	bool json = false;
	int k;

	printf("usage: slmqctl %s %s\n\n%s\n\noptions:\n", c->name, c->usage, c->summary);
	for (k = 0; help_text(c, k); k++)
		print_opts(c, k, &json);
	if (json)
		printf("  --json\n      machine-readable result on stdout (no progress, no tables)\n");
	printf("  -h, --help\n      this help\n\nsee slmqctl(8)\n");
	return 0;
}

static bool wants_help(int argc, char **argv)
{
	int i;

	if (argc > 2 && !strcmp(argv[2], "-h"))
		return true;
	for (i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const struct slmqctl_cmd *c;
	int i;

	if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("slmqctl %s\n", SLMQ_VERSION);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "help")) {
		c = find_cmd(argv[2]);
		return c ? cmd_help(c) :
			cli_fail("unknown command '%s' (see slmqctl --help)", argv[2]);
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return cli_fail("unknown command '%s' (see slmqctl --help)", argv[1]);
	if (wants_help(argc, argv))
		return cmd_help(c);
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json"))
			cli_quiet = true;
	return c->run(argc - 1, argv + 1);
}
