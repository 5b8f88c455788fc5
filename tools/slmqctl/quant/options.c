// SPDX-License-Identifier: GPL-2.0
/* slmqctl quantize's command line into struct slmq_quantize_params. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "calib.h"
#include "../cli.h"
#include "../convert.h"
#include "../../../kmod/engine/blocks.h"

#define USAGE_CORE "MODEL_DIR -o OUT_DIR --bits 8|4 [--asym] [--embd-type T] [--output-type T] [--json] "

static const char method_usage[] =
	"[--method rtn|gptq|awq|awq+gptq] [--calib FILE] [--calib-samples N] "
	"[--calib-seqlen N] [--seed N] [--damp F] [--act-order] "
	"[--group-size 32|64|128] [--mixed SPEC|preset] [--eval FILE]";

const char slmq_quantize_cmd_usage[] =
	"MODEL_DIR -o OUT_DIR --bits 8|4 [--asym] [--method rtn|gptq|awq|awq+gptq] "
	"[--group-size 32|64|128] [--calib FILE] [--mixed SPEC] [--embd-type T] "
	"[--output-type T] [--auto [--eval F] [--bench F] [--checkpoints DIR...] [thresholds]] [--json]";

void slmq_quantize_params_default(struct slmq_quantize_params *p)
{
	memset(p, 0, sizeof(*p));
	p->bits = 4;
	p->embd_type = SLMQ_TYPE_Q8_0;
	p->output_type = SLMQ_TYPE_Q8_0;
	p->method = QP_RTN;
	p->group_size = 32;
	p->calib_samples = CALIB_DEFAULT_SAMPLES;
	p->seed = 1234;
	p->damp = 0.01f;
}

void slmq_quantize_args_init(struct slmq_quantize_args *a)
{
	memset(a, 0, sizeof(*a));
	slmq_quantize_params_default(&a->p);
}

/* 1 when argv[*i] is a core option (consumed), 0 when not, -1 on error. */
static int parse_core(struct slmq_quantize_args *q, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;

	if (!strcmp(a, "--asym")) {
		q->p.asym = true;
		return 1;
	}
	if (!strcmp(a, "--json"))
		return 1;
	if (strcmp(a, "-o") && strcmp(a, "--bits") && strcmp(a, "--embd-type") &&
	    strcmp(a, "--output-type"))
		return 0;
	if (!v)
		return cli_fail("quantize: %s needs a value", a), -1;
	++*i;
	if (!strcmp(a, "-o"))
		q->p.out_dir = v;
	else if (!strcmp(a, "--bits"))
		q->bits = !strcmp(v, "8") ? 8 : !strcmp(v, "4") ? 4 : -1;
	else if (!strcmp(a, "--embd-type"))
		q->embd = v;
	else
		q->output = v;
	return 1;
}

static int num(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno || end == v || *end || *out < lo || *out > hi) {
		cli_fail("%s: '%s' is not a number in [%g, %g]", opt, v, lo, hi);
		return -1;
	}
	return 0;
}

static int parse_method(struct slmq_quantize_args *q, const char *v)
{
	u32 k;

	for (k = QP_RTN; k <= QP_AWQ_GPTQ; k++)
		if (!strcmp(v, slmq_quantize_method_name(k))) {
			q->p.method = k;
			q->method_given = true;
			return 1;
		}
	cli_fail("--method: '%s' is not rtn, gptq, awq or awq+gptq", v);
	return -1;
}

/* The whole-number options: --seed, --calib-samples, --calib-seqlen, --group-size. */
static int parse_count(struct slmq_quantize_params *p, const char *a, const char *v)
{
	double d;

	if (num(a, v, 0, 1e15, &d))
		return -1;
	if (d != (double)(u64)d) {
		cli_fail("%s: '%s' is not a whole number", a, v);
		return -1;
	}
	if (!strcmp(a, "--seed")) {
		p->seed = (u64)d;
	} else if (d > 1u << 24 || !d) {
		cli_fail("%s: %s is out of range", a, v);
		return -1;
	} else if (!strcmp(a, "--calib-samples")) {
		p->calib_samples = (u32)d;
	} else if (!strcmp(a, "--calib-seqlen")) {
		p->calib_seqlen = (u32)d;
	} else if (d != 32 && d != 64 && d != 128) {
		cli_fail("--group-size: %s is not 32, 64 or 128", v);
		return -1;
	} else {
		p->group_size = (u32)d;
	}
	return 1;
}

/* The method's options, as parse_core(). */
static int parse_method_opt(struct slmq_quantize_args *q, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	struct slmq_quantize_params *p = &q->p;
	double d;

	if (!strcmp(a, "--act-order")) {
		p->act_order = true;
		return 1;
	}
	if (strcmp(a, "--method") && strcmp(a, "--calib") && strcmp(a, "--calib-samples") &&
	    strcmp(a, "--calib-seqlen") && strcmp(a, "--seed") && strcmp(a, "--damp") &&
	    strcmp(a, "--group-size") && strcmp(a, "--mixed") && strcmp(a, "--eval"))
		return 0;
	if (!v) {
		cli_fail("%s needs a value", a);
		return -1;
	}
	(*i)++;
	if (!strcmp(a, "--method"))
		return parse_method(q, v);
	if (!strcmp(a, "--calib"))
		p->calib = v;
	else if (!strcmp(a, "--mixed"))
		p->mixed = v;
	else if (!strcmp(a, "--eval"))
		p->eval = v;
	else if (!strcmp(a, "--damp")) {
		if (num(a, v, 0, 10, &d))
			return -1;
		p->damp = (float)d;
	} else {
		return parse_count(p, a, v);
	}
	return 1;
}

int slmq_quantize_parse_opt(struct slmq_quantize_args *a, int argc,
			    char **argv, int *i)
{
	int r = parse_core(a, argc, argv, i);

	return r ? r : parse_method_opt(a, argc, argv, i);
}

int slmq_quantize_unexpected(const char *arg)
{
	return cli_fail("quantize: unexpected argument '%s' (usage: slmqctl quantize %s%s)",
			arg, USAGE_CORE, method_usage);
}

static int side_type(const char *s, const char *what, u32 *t)
{
	int v;

	*t = SLMQ_TYPE_Q8_0;
	if (!s)
		return 0;
	v = convert_parse_type(s);
	if (v < 0)
		return cli_fail("quantize: %s '%s' is not f32, f16, q8_0, q4_0 or q4_1", what, s);
	*t = (u32)v;
	return 0;
}

int slmq_quantize_side_types(struct slmq_quantize_args *a)
{
	return side_type(a->embd, "--embd-type", &a->p.embd_type) ||
	       side_type(a->output, "--output-type", &a->p.output_type);
}

int slmq_quantize_parse_args(struct slmq_quantize_args *q, int argc, char **argv)
{
	int i, r;

	slmq_quantize_args_init(q);
	for (i = 1; i < argc; i++) {
		r = slmq_quantize_parse_opt(q, argc, argv, &i);
		if (r < 0)
			return 1;
		if (r)
			continue;
		if (argv[i][0] == '-' || q->model_dir)
			return slmq_quantize_unexpected(argv[i]);
		q->model_dir = argv[i];
	}
	if (!q->model_dir || !q->p.out_dir)
		return cli_fail("quantize: need MODEL_DIR and -o OUT_DIR");
	if (q->bits != 8 && q->bits != 4)
		return cli_fail("quantize: --bits must be 8 or 4");
	if (q->p.asym && q->bits != 4)
		return cli_fail("quantize: --asym needs --bits 4 (8 bits is symmetric Q8_0)");
	if (slmq_quantize_side_types(q))
		return 1;
	q->p.bits = (u32)q->bits;
	return 0;
}

SLMQCTL_OPTIONS("quantize", quantize_method, method_usage);
