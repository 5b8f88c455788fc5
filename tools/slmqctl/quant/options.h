/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The options of `slmqctl quantize` into struct slmq_quantize_params: the
 * only place (with accept/, which adds --auto's own) that knows them.
 * Like the validator's option parsers, these print their error (one line
 * on stderr, via cli_fail) and return -1 or 1.
 */
#ifndef SLMQ_QUANT_OPTIONS_H
#define SLMQ_QUANT_OPTIONS_H

#include "quantize.h"

struct slmq_quantize_args {
	struct slmq_quantize_params p;
	const char *model_dir;
	const char *embd, *output;	/* type names as given, or NULL */
	int bits;			/* as given: 0 none, -1 neither 8 nor 4 */
	bool method_given;
};

/* The command's usage line (registered by cmd_quantize.c). */
extern const char slmq_quantize_cmd_usage[];

void slmq_quantize_args_init(struct slmq_quantize_args *a);

/*
 * Consumes argv[*i] (and its value, advancing *i) when it is an option of
 * quantize itself (-o --bits --asym --embd-type --output-type --json and
 * the method's --method --calib --calib-samples --calib-seqlen --seed --damp
 * --act-order --group-size --mixed --eval).  1: consumed, 0: not ours,
 * -1: error printed.
 */
int slmq_quantize_parse_opt(struct slmq_quantize_args *a, int argc,
			    char **argv, int *i);

/* Prints "quantize: unexpected argument ..." with the usage; returns 1. */
int slmq_quantize_unexpected(const char *arg);

/* --embd-type/--output-type names into a->p; 0, or 1 after printing. */
int slmq_quantize_side_types(struct slmq_quantize_args *a);

/* A whole `quantize` command line (not --auto); 0, or 1 after printing. */
int slmq_quantize_parse_args(struct slmq_quantize_args *a, int argc,
			     char **argv);

#endif /* SLMQ_QUANT_OPTIONS_H */
