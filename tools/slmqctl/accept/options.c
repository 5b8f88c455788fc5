// SPDX-License-Identifier: GPL-2.0
/*
 * The quantize --auto command line: the loop's own options (-o OUT, --bits
 * as the starting rung, --mixed for the mixed rung, --calib-samples,
 * --name, --checkpoints), the validator's (val_opts_parse()), and the rest
 * as quantize's own (slmq_quantize_parse_opt()), applied to every rung.
 */
#include <stdlib.h>
#include <string.h>

#include "accept.h"
#include "accept_priv.h"

bool accept_requested(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--auto"))
			return true;
	return false;
}

/* 1 when argv[*i] is one of the loop's own options (consumed), 0 when not, -1 on error. */
static int parse_own(struct auto_args *a, int argc, char **argv, int *i)
{
	const char *s = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (!strcmp(s, "--checkpoints")) {
		while (*i + 1 < argc && argv[*i + 1][0] != '-' && a->n_ckpt < AUTO_MAX_CKPT)
			a->ckpt[a->n_ckpt++] = argv[++*i];
		if (!a->n_ckpt)
			return cli_fail("quantize --auto: --checkpoints needs directories"), -1;
		return 1;
	}
	if (strcmp(s, "-o") && strcmp(s, "--bits") && strcmp(s, "--mixed") &&
	    strcmp(s, "--calib-samples") && strcmp(s, "--name"))
		return 0;
	if (!v)
		return cli_fail("quantize --auto: %s needs a value", s), -1;
	++*i;
	if (!strcmp(s, "-o"))
		a->out = v;
	else if (!strcmp(s, "--bits"))
		a->bits = !strcmp(v, "8") ? 8 : !strcmp(v, "4") ? 4 : -1;
	else if (!strcmp(s, "--mixed"))
		a->mixed = v;
	else if (!strcmp(s, "--name"))
		a->name = v;
	else
		a->samples = (unsigned int)strtoul(v, NULL, 10);
	return 1;
}

static int parse_one(struct auto_args *a, int argc, char **argv, int *i)
{
	const char *s = argv[*i];
	int r;

	if (!strcmp(s, "--auto") || !strcmp(s, "--json"))
		return 1;
	/* --eval is also quantize's: it warns when calibrating on it */
	if (!strcmp(s, "--eval") && *i + 1 < argc)
		a->q.p.eval = argv[*i + 1];
	r = val_opts_parse(&a->vo, argc, argv, i);
	if (!r)
		r = parse_own(a, argc, argv, i);
	if (r)
		return r;
	if (s[0] != '-') {
		if (a->model)
			return cli_fail("quantize --auto: unexpected argument '%s'", s), -1;
		a->model = s;
		return 1;
	}
	r = slmq_quantize_parse_opt(&a->q, argc, argv, i);
	return r ? r : (slmq_quantize_unexpected(s), -1);
}

int auto_parse(struct auto_args *a, int argc, char **argv)
{
	int i;

	val_opts_default(&a->vo);
	slmq_quantize_args_init(&a->q);
	a->samples = a->q.p.calib_samples;
	for (i = 1; i < argc; i++)
		if (parse_one(a, argc, argv, &i) < 0)
			return 1;
	if (!a->out)
		return cli_fail("quantize --auto: need -o OUT_DIR");
	if (!a->model && !a->n_ckpt)
		return cli_fail("quantize --auto: need MODEL_DIR or --checkpoints DIR...");
	if (a->bits < 0)
		return cli_fail("quantize --auto: --bits must be 8 or 4");
	if (!a->samples)
		return cli_fail("quantize --auto: --calib-samples must be positive");
	if (slmq_quantize_side_types(&a->q))
		return 1;
	/* With calibration data and no method named, use it: GPTQ. */
	a->calib = a->q.p.calib;
	a->method_given = a->q.method_given;
	if (!a->method_given && a->calib)
		a->q.p.method = QP_GPTQ;
	a->method = slmq_quantize_method_name(a->q.p.method);
	return 0;
}
