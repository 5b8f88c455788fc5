// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl bench: prompt and decode speed of the engine, one thread.
 * Each run feeds a fixed pseudo-random prompt of P tokens (--prompt, default
 * N), then decodes N tokens greedily; the figures are the median over runs
 * with min and max, and (for make bench's llama-bench-shaped table) the mean
 * and sample standard deviation.  --warmup runs go first and are not counted
 * (the first run pays for page faults and cold caches).
 *
 * Speeds are given per second of this thread's CPU time (the primary
 * figures: on a shared machine wall time mostly measures the neighbours)
 * and per second of wall time.  Bytes per token are the weights a decode
 * step reads: everything but the embedding table (one row of it) unless the
 * output head is tied to it.  The session's memory (the KV cache, F16
 * unless --kv f32, and the scratch buffers) is reported with them.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define USAGE "usage: slmqctl bench MODEL [--tokens N] [--prompt P] [--runs R] [--warmup W] [--kv f16|f32] [--json]"

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

static void mean_sd(const double *v, int n, double out[2])
{
	double sum = 0, ss = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += v[i];
	out[0] = sum / n;
	for (i = 0; i < n; i++)
		ss += (v[i] - out[0]) * (v[i] - out[0]);
	out[1] = n > 1 ? sqrt(ss / (n - 1)) : 0;
}

static int one_run(struct slmq_session *s, const uint32_t *prompt, uint32_t np,
		   uint32_t n, struct bench_run *r)
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
	ret = slmq_session_prefill(s, prompt, np, NULL, NULL);
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
	r->prompt_tps = np / (c1 - c0);
	r->decode_tps = n / (c2 - c1);
	r->prompt_wall = np / (t1 - t0);
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

/* The four figures of a run, in struct bench_run's order, over all runs. */
enum { B_PROMPT, B_DECODE, B_PROMPT_WALL, B_DECODE_WALL, B_N };
static const char *const stat_name[B_N] = {
	"prompt_tps", "decode_tps", "prompt_tps_wall", "decode_tps_wall",
};

struct bench_stats {
	double med[B_N][3];	/* median, min, max */
	double msd[B_N][2];	/* mean, standard deviation */
};

static void report(const struct cli_model *cm, const struct slmq_env *env,
		   const struct slmq_session *s, uint32_t np, uint32_t n,
		   int runs, const struct bench_stats *st)
{
	const double *p = st->med[B_PROMPT], *d = st->med[B_DECODE];
	const double *pw = st->med[B_PROMPT_WALL], *dw = st->med[B_DECODE_WALL];
	char key[40];
	int k;
	const struct slmq_model *m = &cm->model;
	double gbs = d[0] * (double)bytes_per_token(m) / 1e9;
	const char *kv;
	struct slmq_session_mem mem;
	struct json_object *j;

	slmq_session_mem(s, &mem);
	kv = mem.kv_type == SLMQ_TYPE_F32 ? "f32" : "f16";

	if (!cli_quiet) {
		printf("%s: %llu params, %.1f MB weights (%.1f MB read per token), %s kernels, 1 thread, %d runs of %u+%u tokens\n",
		       cm->path, (unsigned long long)m->n_params,
		       m->weight_bytes / 1e6, bytes_per_token(m) / 1e6,
		       slmq_env_kernels(env)->name, runs, np, n);
		printf("  prompt %8.1f tok/s  (min %.1f, max %.1f; wall clock %.1f)\n",
		       p[0], p[1], p[2], pw[0]);
		printf("  decode %8.1f tok/s  (min %.1f, max %.1f; wall clock %.1f), %.1f GB/s of weights\n",
		       d[0], d[1], d[2], dw[0], gbs);
		printf("  session of %u positions: KV cache %.2f MB (%s), scratch %.2f MB\n",
		       np + n, mem.kv_bytes / 1e6, kv, mem.scratch_bytes / 1e6);
		return;
	}
	j = json_object_new_object();
	json_object_object_add(j, "model", json_object_new_string(cm->path));
	json_object_object_add(j, "params", json_object_new_int64((int64_t)m->n_params));
	json_object_object_add(j, "weight_bytes", json_object_new_int64((int64_t)m->weight_bytes));
	json_object_object_add(j, "kernels", json_object_new_string(slmq_env_kernels(env)->name));
	json_object_object_add(j, "threads", json_object_new_int(1));
	json_object_object_add(j, "tokens", json_object_new_int(n));
	json_object_object_add(j, "prompt_tokens", json_object_new_int(np));
	json_object_object_add(j, "runs", json_object_new_int(runs));
	json_object_object_add(j, "prompt_tps", json_object_new_double(p[0]));
	json_object_object_add(j, "prompt_tps_min", json_object_new_double(p[1]));
	json_object_object_add(j, "prompt_tps_max", json_object_new_double(p[2]));
	json_object_object_add(j, "decode_tps", json_object_new_double(d[0]));
	json_object_object_add(j, "decode_tps_min", json_object_new_double(d[1]));
	json_object_object_add(j, "decode_tps_max", json_object_new_double(d[2]));
	json_object_object_add(j, "prompt_tps_wall", json_object_new_double(pw[0]));
	json_object_object_add(j, "decode_tps_wall", json_object_new_double(dw[0]));
	for (k = 0; k < B_N; k++) {
		snprintf(key, sizeof(key), "%s_mean", stat_name[k]);
		json_object_object_add(j, key, json_object_new_double(st->msd[k][0]));
		snprintf(key, sizeof(key), "%s_sd", stat_name[k]);
		json_object_object_add(j, key, json_object_new_double(st->msd[k][1]));
	}
	json_object_object_add(j, "bytes_per_token", json_object_new_int64((int64_t)bytes_per_token(m)));
	json_object_object_add(j, "decode_weight_gbs", json_object_new_double(gbs));
	json_object_object_add(j, "kv", json_object_new_string(kv));
	json_object_object_add(j, "kv_bytes", json_object_new_int64((int64_t)mem.kv_bytes));
	json_object_object_add(j, "scratch_bytes", json_object_new_int64((int64_t)mem.scratch_bytes));
	json_object_object_add(j, "clock", json_object_new_string("thread cpu time"));
	cli_print_json(j);
}

static int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tokens", required_argument, NULL, 'n' },
		{ "prompt", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "kv", required_argument, NULL, 'K' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n = 64, np = 0, runs = 5, warmup = 0;
	struct slmq_err err = { 0 };
	struct slmq_session *s;
	struct slmq_env env;
	struct cli_model cm;
	double *v[B_N] = { NULL };
	struct bench_stats st;
	uint32_t *prompt, i, flags = 0;
	uint64_t x = 0x2545f4914f6cdd1dull;
	int c, k, ret = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c == 'n' && parse_count(optarg, "--tokens", 1u << 20, &n))
			return 1;
		if (c == 'p' && parse_count(optarg, "--prompt", 1u << 20, &np))
			return 1;
		if (c == 'r' && parse_count(optarg, "--runs", 1000, &runs))
			return 1;
		/* parse_count() refuses 0, which is --warmup's default */
		if (c == 'w' && strcmp(optarg, "0") &&
		    parse_count(optarg, "--warmup", 1000, &warmup))
			return 1;
		if (c == 'K' && cli_parse_kv(optarg, &flags))
			return 1;
		if (c == '?')
			return cli_fail(USAGE);
	}
	if (optind != argc - 1)
		return cli_fail(USAGE);
	if (!np)
		np = n;
	/* the faster in-memory layout for 4-bit matrices: same results, bit for bit */
	if (cli_model_open_flags(argv[optind], SLMQ_OPEN_INTERLEAVE, &cm, &err))
		return cli_fail("%s", err.msg);
	if (np + n > cm.model.hp.n_ctx_train) {
		cli_model_close(&cm);
		return cli_fail("--tokens %lu: prompt and decode need %lu positions, the model has %u",
				n, np + n, cm.model.hp.n_ctx_train);
	}
	cli_env_init(&env);
	s = slmq_session_open(&cm.model, &env, (uint32_t)(np + n), flags, &err);
	prompt = malloc(np * sizeof(*prompt));
	for (k = 0; k < B_N; k++)
		v[k] = malloc(runs * sizeof(double));
	if (!s || !prompt || !v[0] || !v[1] || !v[2] || !v[3]) {
		ret = cli_fail("%s", s ? "out of memory" : err.msg);
		goto out;
	}
	for (i = 0; i < np; i++) {	/* fixed pseudo-random prompt */
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		prompt[i] = (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 33) %
			    cm.model.hp.n_vocab;
	}
	for (i = 0; i < warmup + runs; i++) {
		struct bench_run r;

		if (one_run(s, prompt, (uint32_t)np, (uint32_t)n, &r)) {
			ret = cli_fail("bench: evaluation failed");
			goto out;
		}
		if (i < warmup)
			continue;
		v[B_PROMPT][i - warmup] = r.prompt_tps;
		v[B_DECODE][i - warmup] = r.decode_tps;
		v[B_PROMPT_WALL][i - warmup] = r.prompt_wall;
		v[B_DECODE_WALL][i - warmup] = r.decode_wall;
		cli_progress("bench", i + 1, warmup + runs);
	}
	for (k = 0; k < B_N; k++) {
		/* mean first: median_spread() sorts */
		mean_sd(v[k], (int)runs, st.msd[k]);
		median_spread(v[k], (int)runs, st.med[k]);
	}
	report(&cm, &env, s, (uint32_t)np, (uint32_t)n, (int)runs, &st);
out:
	free(prompt);
	for (k = 0; k < B_N; k++)
		free(v[k]);
	slmq_session_free(s);
	cli_model_close(&cm);
	return ret;
}

SLMQCTL_COMMAND("bench", cmd_bench, "MODEL [--tokens N] [--prompt P] [--runs R] [--warmup W] [--kv f16|f32] [--json]",
		"prompt and decode tokens/s, one thread (median of runs, min/max; mean and sd in --json), the session's memory; --prompt: prompt tokens (default N); --warmup: uncounted runs first (default 0); --kv: the KV cache's type (default f16)");
