// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl bench: prompt and decode speed of the engine, one thread.
 * Each run feeds a fixed pseudo-random prompt of N tokens, then decodes N
 * tokens greedily; the figures are the median over runs with min and max.
 *
 * Speeds are given per second of this thread's CPU time (the primary
 * figures: on a shared machine wall time mostly measures the neighbours)
 * and per second of wall time.  Bytes per token are the weights a decode
 * step reads: everything but the embedding table (one row of it) unless the
 * output head is tied to it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define USAGE "usage: slmqctl bench MODEL [--tokens N] [--runs R] [--json]"

struct bench_run {
	double prompt_tps, decode_tps;		/* per CPU second */
	double prompt_wall, decode_wall;	/* per wall-clock second */
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void median_spread(double *v, int n, double out[3])
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	out[0] = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	out[1] = v[0];
	out[2] = v[n - 1];
}

static int one_run(struct slmq_session *s, const uint32_t *prompt, uint32_t n,
		   struct bench_run *r)
{
	struct slmq_sampler sp;
	double t0, t1, t2, c0, c1, c2;
	uint32_t i, tok;
	int ret;

	slmq_sampler_init(&sp, 0, 0, 0x3f800000u, 0);
	slmq_session_reset(s);
	c0 = cpu_now();
	t0 = cli_now();
	/* the prompt as every prompt is fed: batched, a tile at a time */
	ret = slmq_session_prefill(s, prompt, n, NULL, NULL);
	if (ret)
		return ret;
	t1 = cli_now();
	c1 = cpu_now();
	for (i = 0; i < n; i++) {
		tok = slmq_sample(&sp, s);
		ret = slmq_session_eval(s, tok);
		if (ret)
			return ret;
	}
	t2 = cli_now();
	c2 = cpu_now();
	r->prompt_tps = n / (c1 - c0);
	r->decode_tps = n / (c2 - c1);
	r->prompt_wall = n / (t1 - t0);
	r->decode_wall = n / (t2 - t1);
	return 0;
}

static int parse_count(const char *s, const char *what, unsigned long max,
		       unsigned long *out)
{
	char *end;

	*out = strtoul(s, &end, 10);
	if (!*s || *end || *s == '-' || !*out || *out > max)
		return cli_fail("%s: '%s' is not a number in 1..%lu", what, s, max);
	return 0;
}

/* Weight bytes one decode step reads. */
static uint64_t bytes_per_token(const struct slmq_model *m)
{
	if (m->output.data == m->tok_embd.data)
		return m->weight_bytes;
	return m->weight_bytes - m->tok_embd.nbytes;
}

static void report(const struct cli_model *cm, const struct slmq_env *env,
		   uint32_t n, int runs, const double p[3], const double d[3],
		   const double pw[3], const double dw[3])
{
	const struct slmq_model *m = &cm->model;
	double gbs = d[0] * (double)bytes_per_token(m) / 1e9;
	struct json_object *j;

	if (!cli_quiet) {
		printf("%s: %llu params, %.1f MB weights (%.1f MB read per token), %s kernels, 1 thread, %d runs of %u+%u tokens\n",
		       cm->path, (unsigned long long)m->n_params,
		       m->weight_bytes / 1e6, bytes_per_token(m) / 1e6,
		       slmq_env_kernels(env)->name, runs, n, n);
		printf("  prompt %8.1f tok/s  (min %.1f, max %.1f; wall clock %.1f)\n",
		       p[0], p[1], p[2], pw[0]);
		printf("  decode %8.1f tok/s  (min %.1f, max %.1f; wall clock %.1f), %.1f GB/s of weights\n",
		       d[0], d[1], d[2], dw[0], gbs);
		return;
	}
	j = json_object_new_object();
	json_object_object_add(j, "model", json_object_new_string(cm->path));
	json_object_object_add(j, "params", json_object_new_int64((int64_t)m->n_params));
	json_object_object_add(j, "weight_bytes", json_object_new_int64((int64_t)m->weight_bytes));
	json_object_object_add(j, "kernels", json_object_new_string(slmq_env_kernels(env)->name));
	json_object_object_add(j, "threads", json_object_new_int(1));
	json_object_object_add(j, "tokens", json_object_new_int(n));
	json_object_object_add(j, "runs", json_object_new_int(runs));
	json_object_object_add(j, "prompt_tps", json_object_new_double(p[0]));
	json_object_object_add(j, "prompt_tps_min", json_object_new_double(p[1]));
	json_object_object_add(j, "prompt_tps_max", json_object_new_double(p[2]));
	json_object_object_add(j, "decode_tps", json_object_new_double(d[0]));
	json_object_object_add(j, "decode_tps_min", json_object_new_double(d[1]));
	json_object_object_add(j, "decode_tps_max", json_object_new_double(d[2]));
	json_object_object_add(j, "prompt_tps_wall", json_object_new_double(pw[0]));
	json_object_object_add(j, "decode_tps_wall", json_object_new_double(dw[0]));
	json_object_object_add(j, "bytes_per_token", json_object_new_int64((int64_t)bytes_per_token(m)));
	json_object_object_add(j, "decode_weight_gbs", json_object_new_double(gbs));
	json_object_object_add(j, "clock", json_object_new_string("thread cpu time"));
	cli_print_json(j);
}

static int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tokens", required_argument, NULL, 'n' },
		{ "runs", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n = 64, runs = 5;
	struct slmq_err err = { 0 };
	struct slmq_session *s;
	struct slmq_env env;
	struct cli_model cm;
	double *pv, *dv, *pwv, *dwv, p[3], d[3], pw[3], dw[3];
	uint32_t *prompt, i;
	uint64_t x = 0x2545f4914f6cdd1dull;
	int c, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c == 'n' && parse_count(optarg, "--tokens", 1u << 20, &n))
			return 1;
		if (c == 'r' && parse_count(optarg, "--runs", 1000, &runs))
			return 1;
		if (c == '?')
			return cli_fail(USAGE);
	}
	if (optind != argc - 1)
		return cli_fail(USAGE);
	/* the faster in-memory layout for 4-bit matrices: same results, bit for bit */
	if (cli_model_open_flags(argv[optind], SLMQ_OPEN_INTERLEAVE, &cm, &err))
		return cli_fail("%s", err.msg);
	if (2 * n > cm.model.hp.n_ctx_train) {
		cli_model_close(&cm);
		return cli_fail("--tokens %lu: prompt and decode need %lu positions, the model has %u",
				n, 2 * n, cm.model.hp.n_ctx_train);
	}
	cli_env_init(&env);
	s = slmq_session_new(&cm.model, &env, (uint32_t)(2 * n), &err);
	prompt = malloc(n * sizeof(*prompt));
	pv = malloc(runs * sizeof(double));
	dv = malloc(runs * sizeof(double));
	pwv = malloc(runs * sizeof(double));
	dwv = malloc(runs * sizeof(double));
	if (!s || !prompt || !pv || !dv || !pwv || !dwv) {
		ret = cli_fail("%s", s ? "out of memory" : err.msg);
		goto out;
	}
	for (i = 0; i < n; i++) {	/* fixed pseudo-random prompt */
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		prompt[i] = (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 33) %
			    cm.model.hp.n_vocab;
	}
	for (i = 0; i < runs; i++) {
		struct bench_run r;

		if (one_run(s, prompt, (uint32_t)n, &r)) {
			ret = cli_fail("bench: evaluation failed");
			goto out;
		}
		pv[i] = r.prompt_tps;
		dv[i] = r.decode_tps;
		pwv[i] = r.prompt_wall;
		dwv[i] = r.decode_wall;
		cli_progress("bench", i + 1, runs);
	}
	median_spread(pv, (int)runs, p);
	median_spread(dv, (int)runs, d);
	median_spread(pwv, (int)runs, pw);
	median_spread(dwv, (int)runs, dw);
	report(&cm, &env, (uint32_t)n, (int)runs, p, d, pw, dw);
out:
	free(prompt);
	free(pv);
	free(dv);
	free(pwv);
	free(dwv);
	slmq_session_free(s);
	cli_model_close(&cm);
	return ret;
}

SLMQCTL_COMMAND("bench", cmd_bench, "MODEL [--tokens N] [--runs R] [--json]",
		"prompt and decode tokens/s, one thread (median of runs, min/max)");
