// SPDX-License-Identifier: GPL-2.0
/*
 * Speed of the FP and the quantized model on this machine, one thread, the
 * same engine: runs alternate between the two models so that a busy
 * neighbour slows both alike, and each figure is the median of the runs with
 * its spread.  Times are this thread's CPU time, as `slmqctl bench` reports
 * (wall time on a shared machine mostly measures the neighbours).
 *
 * Nothing judges these numbers here: criteria.c does, from the figures, so
 * the judgement is testable without a clock.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "validate.h"

static double thread_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One run: n prompt tokens, then n greedy decode steps. */
static int one_run(struct slmq_session *s, const uint32_t *prompt, uint32_t n,
		   double *prompt_tps, double *decode_tps)
{
	struct slmq_sampler sp;
	double c0, c1, c2;
	uint32_t i;
	int ret;

	slmq_sampler_init(&sp, 0, 0, 0x3f800000u, 1);
	slmq_session_reset(s);
	c0 = thread_cpu_now();
	ret = slmq_session_prefill(s, prompt, n, NULL, NULL);
	if (ret)
		return ret;
	c1 = thread_cpu_now();
	for (i = 0; i < n; i++) {
		ret = slmq_session_eval(s, slmq_sample(&sp, s));
		if (ret)
			return ret;
	}
	c2 = thread_cpu_now();
	*prompt_tps = n / (c1 - c0 > 1e-9 ? c1 - c0 : 1e-9);
	*decode_tps = n / (c2 - c1 > 1e-9 ? c2 - c1 : 1e-9);
	return 0;
}

int val_measure_speed(const struct cli_model *fp, const struct cli_model *q,
		      const struct val_opts *o, struct val_speed *sfp,
		      struct val_speed *sq, struct slmq_err *err)
{
	const struct cli_model *cm[2] = { fp, q };
	struct val_speed *out[2] = { sfp, sq };
	double pt[2][64], dt[2][64];
	struct slmq_session *s[2] = { NULL, NULL };
	uint32_t prompt[1024], n = o->speed_tokens, i, ctx;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct slmq_env env;
	int runs = o->speed_runs, r, k, ret = 0;

	if (runs < 1 || runs > 64)
		return slmq_fail(err, -EINVAL, "speed runs must be 1..64");
	ctx = fp->model.hp.n_ctx_train;
	if (n < 1 || 2 * n > ctx || n > 1024)
		return slmq_fail(err, -EINVAL, "speed tokens must be 1..%u (half the context)",
				 ctx / 2 < 1024 ? ctx / 2 : 1024);
	/* Fixed pseudo-random ordinary tokens: the same prompt for both models. */
	for (i = 0; i < n; i++) {
		x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
		prompt[i] = 3 + (uint32_t)((x * 2685821657736338717ull) >> 33) %
				(fp->model.hp.n_vocab - 3);
	}
	cli_env_init(&env);
	for (k = 0; k < 2; k++) {
		s[k] = slmq_session_new(&cm[k]->model, &env, 2 * n, err);
		if (!s[k]) {
			ret = err->code ? err->code : -ENOMEM;
			goto out_free_sessions;
		}
	}
	/* One untimed warm-up each: page faults and caches are not speed. */
	for (k = 0; k < 2 && !ret; k++)
		ret = one_run(s[k], prompt, n, &pt[k][0], &dt[k][0]);
	for (r = 0; r < runs && !ret; r++) {
		for (k = 0; k < 2 && !ret; k++)
			ret = one_run(s[k], prompt, n, &pt[k][r], &dt[k][r]);
		cli_progress("speed", (unsigned long long)r + 1, (unsigned long long)runs);
	}
	if (ret) {
		slmq_fail(err, ret, "speed run failed: %s", strerror(-ret));
		goto out_free_sessions;
	}
	for (k = 0; k < 2; k++) {
		memset(out[k], 0, sizeof(*out[k]));
		val_rate_from_runs(&out[k]->prompt_tps, pt[k], runs);
		val_rate_from_runs(&out[k]->decode_tps, dt[k], runs);
		out[k]->threads = 1;
		out[k]->prompt_tokens = (int)n;
		out[k]->decode_tokens = (int)n;
	}
out_free_sessions:
	slmq_session_free(s[1]);
	slmq_session_free(s[0]);
	return ret;
}
