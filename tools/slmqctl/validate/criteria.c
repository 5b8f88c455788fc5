// SPDX-License-Identifier: GPL-2.0
/*
 * Acceptance criteria: thresholds, their flags, and the judgement of measured
 * figures.  Nothing here measures anything, so tests can feed it numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "criteria.h"

const char val_thresholds_usage[] =
	"[--max-ppl-increase PCT] [--max-bench-drop PTS] [--min-fp-bench PCT] "
	"[--min-speedup X] [--min-size-ratio-int4 X] [--min-size-ratio-int8 X] "
	"[--max-gen-failures N]";

void val_thresholds_default(struct val_thresholds *t)
{
	t->max_ppl_increase_pct = 2.0;
	t->max_bench_drop_pts = 2.0;
	t->min_fp_bench_pct = 20.0;
	t->min_decode_speedup = 1.5;
	t->min_size_ratio_int4 = 3.0;
	t->min_size_ratio_int8 = 1.8;
	t->max_gen_failures = 0;
}

static int parse_num(const char *flag, const char *s, double lo, double *out)
{
	char *end;
	double v;

	if (!s) {
		cli_fail("%s needs a value", flag);
		return -1;
	}
	v = strtod(s, &end);
	if (end == s || *end || !isfinite(v) || v < lo) {
		cli_fail("%s: '%s' is not a number >= %g", flag, s, lo);
		return -1;
	}
	*out = v;
	return 0;
}

int val_thresholds_parse(struct val_thresholds *t, int argc, char **argv,
			 int *i)
{
	static const struct {
		const char *flag;
		size_t off;
	} dflags[] = {
		{ "--max-ppl-increase", offsetof(struct val_thresholds, max_ppl_increase_pct) },
		{ "--max-bench-drop", offsetof(struct val_thresholds, max_bench_drop_pts) },
		{ "--min-fp-bench", offsetof(struct val_thresholds, min_fp_bench_pct) },
		{ "--min-speedup", offsetof(struct val_thresholds, min_decode_speedup) },
		{ "--min-size-ratio-int4", offsetof(struct val_thresholds, min_size_ratio_int4) },
		{ "--min-size-ratio-int8", offsetof(struct val_thresholds, min_size_ratio_int8) },
	};
	const char *a = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	size_t k;
	double v;

	for (k = 0; k < sizeof(dflags) / sizeof(dflags[0]); k++) {
		if (strcmp(a, dflags[k].flag))
			continue;
		if (parse_num(a, val, 0, (double *)((char *)t + dflags[k].off)))
			return -1;
		(*i)++;
		return 1;
	}
	if (!strcmp(a, "--max-gen-failures")) {
		if (parse_num(a, val, 0, &v))
			return -1;
		t->max_gen_failures = (int)v;
		(*i)++;
		return 1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void val_rate_from_runs(struct val_rate *r, const double *v, int n)
{
	double s[64];
	int k;

	memset(r, 0, sizeof(*r));
	if (n <= 0)
		return;
	if (n > 64)
		n = 64;
	for (k = 0; k < n; k++)
		s[k] = v[k];
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	r->runs = n;
	r->min = s[0];
	r->max = s[n - 1];
	r->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double val_size_threshold(const struct val_thresholds *t, uint64_t q4,
			  uint64_t q8, const char **size_class)
{
	double f4, f8;

	if (!q4 && !q8) {
		*size_class = "none";
		return t->min_size_ratio_int8;
	}
	*size_class = !q8 ? "int4" : !q4 ? "int8" : "mixed";
	if (!q8)
		return t->min_size_ratio_int4;
	if (!q4)
		return t->min_size_ratio_int8;
	f4 = (double)q4 / (double)(q4 + q8);
	f8 = 1.0 - f4;
	return 1.0 / (f4 / t->min_size_ratio_int4 + f8 / t->min_size_ratio_int8);
}

static void crit_set(struct val_criterion *c, bool pass, double value,
		     double threshold, double margin)
{
	c->evaluated = true;
	c->pass = pass;
	c->value = value;
	c->threshold = threshold;
	c->margin = margin;
}

static void judge_quality(const struct val_thresholds *t,
			  const struct val_measure *m, struct val_verdict *v)
{
	struct val_criterion *c = &v->c[VAL_QUALITY];
	struct val_quality *q = &v->q;

	q->route = "none";
	if (m->have_ppl && m->ppl_fp > 0) {
		q->ppl_increase_pct = (m->ppl_q / m->ppl_fp - 1.0) * 100.0;
		/* NaN (a broken model) compares false: never passes. */
		q->ppl_pass = q->ppl_increase_pct < t->max_ppl_increase_pct;
	}
	if (m->have_bench) {
		q->bench_drop_pts = m->bench_fp_pct - m->bench_q_pct;
		/* A model that cannot do the benchmark cannot lose on it: 0 -> 0 proves nothing. */
		q->bench_counts = m->bench_fp_pct >= t->min_fp_bench_pct &&
				  m->bench_items > 0;
		q->bench_pass = q->bench_counts &&
				q->bench_drop_pts < t->max_bench_drop_pts;
	}
	if (q->ppl_pass || (!q->bench_pass && m->have_ppl)) {
		q->route = "perplexity";
		crit_set(c, q->ppl_pass, q->ppl_increase_pct,
			 t->max_ppl_increase_pct,
			 t->max_ppl_increase_pct - q->ppl_increase_pct);
	} else if (q->bench_counts) {
		q->route = "os_bench";
		crit_set(c, q->bench_pass, q->bench_drop_pts,
			 t->max_bench_drop_pts,
			 t->max_bench_drop_pts - q->bench_drop_pts);
	}
	if (!c->evaluated) {
		snprintf(c->detail, sizeof(c->detail),
			 "not measured: no perplexity and os_bench does not count (FP %.1f%% < %.1f%%)",
			 m->bench_fp_pct, t->min_fp_bench_pct);
		return;
	}
	if (m->have_ppl)
		snprintf(c->detail, sizeof(c->detail),
			 "perplexity %.4f -> %.4f (%+.2f%%, limit %.2f%%); os_bench %.1f%% -> %.1f%% (%s)",
			 m->ppl_fp, m->ppl_q, q->ppl_increase_pct,
			 t->max_ppl_increase_pct, m->bench_fp_pct, m->bench_q_pct,
			 !m->have_bench ? "not run" :
			 q->bench_counts ? "counts" : "FP below floor, does not count");
	else
		snprintf(c->detail, sizeof(c->detail),
			 "os_bench %.1f%% -> %.1f%% (drop %.2f points, limit %.2f)",
			 m->bench_fp_pct, m->bench_q_pct, q->bench_drop_pts,
			 t->max_bench_drop_pts);
}

static void judge_speed(const struct val_thresholds *t,
			const struct val_measure *m, struct val_verdict *v)
{
	struct val_criterion *c = &v->c[VAL_SPEED];

	if (!m->have_speed || m->speed_fp.decode_tps.median <= 0) {
		snprintf(c->detail, sizeof(c->detail), "not measured");
		return;
	}
	v->decode_speedup = m->speed_q.decode_tps.median /
			    m->speed_fp.decode_tps.median;
	if (m->speed_fp.prompt_tps.median > 0)
		v->prompt_speedup = m->speed_q.prompt_tps.median /
				    m->speed_fp.prompt_tps.median;
	crit_set(c, v->decode_speedup >= t->min_decode_speedup,
		 v->decode_speedup, t->min_decode_speedup,
		 v->decode_speedup - t->min_decode_speedup);
	snprintf(c->detail, sizeof(c->detail),
		 "decode %.1f -> %.1f tok/s (%.2fx, need %.2fx); prompt %.1f -> %.1f tok/s (%.2fx)",
		 m->speed_fp.decode_tps.median, m->speed_q.decode_tps.median,
		 v->decode_speedup, t->min_decode_speedup,
		 m->speed_fp.prompt_tps.median, m->speed_q.prompt_tps.median,
		 v->prompt_speedup);
}

static void judge_size(const struct val_thresholds *t,
		       const struct val_measure *m, struct val_verdict *v)
{
	struct val_criterion *c = &v->c[VAL_SIZE];
	const struct val_size *f = &m->size_fp, *q = &m->size_q;
	double worst;

	v->size_threshold = val_size_threshold(t, q->params_q4, q->params_q8,
					       &v->size_class);
	if (!f->file_bytes || !q->file_bytes || !f->weight_bytes ||
	    !q->weight_bytes) {
		snprintf(c->detail, sizeof(c->detail), "not measured");
		return;
	}
	v->file_ratio = (double)f->file_bytes / (double)q->file_bytes;
	v->weight_ratio = (double)f->weight_bytes / (double)q->weight_bytes;
	if (q->n_params)
		v->bits_per_weight = 8.0 * (double)q->weight_bytes /
				     (double)q->n_params;
	/* Both the file and the memory must shrink: the worse one decides. */
	worst = v->file_ratio < v->weight_ratio ? v->file_ratio : v->weight_ratio;
	crit_set(c, worst >= v->size_threshold, worst, v->size_threshold,
		 worst - v->size_threshold);
	snprintf(c->detail, sizeof(c->detail),
		 "%s: file %.2fx, weights %.2fx smaller (%.2f bits/weight), need %.2fx",
		 v->size_class, v->file_ratio, v->weight_ratio,
		 v->bits_per_weight, v->size_threshold);
}

static void judge_generation(const struct val_thresholds *t,
			     const struct val_measure *m, struct val_verdict *v)
{
	struct val_criterion *c = &v->c[VAL_GENERATION];

	if (!m->have_gen || m->gen_completions <= 0) {
		snprintf(c->detail, sizeof(c->detail), "not measured");
		return;
	}
	crit_set(c, m->gen_failures_q <= t->max_gen_failures,
		 m->gen_failures_q, t->max_gen_failures,
		 t->max_gen_failures - m->gen_failures_q);
	snprintf(c->detail, sizeof(c->detail),
		 "%d of %d completions fail where the FP model does not (allowed %d; FP itself: %d)",
		 m->gen_failures_q, m->gen_completions, t->max_gen_failures,
		 m->gen_failures_fp);
}

void val_judge(const struct val_thresholds *t, const struct val_measure *m,
	       struct val_verdict *v)
{
	static const char *const names[VAL_N_CRIT] = {
		"quality", "speed", "size", "generation"
	};
	int k;

	memset(v, 0, sizeof(*v));
	for (k = 0; k < VAL_N_CRIT; k++)
		v->c[k].name = names[k];
	judge_quality(t, m, v);
	judge_speed(t, m, v);
	judge_size(t, m, v);
	judge_generation(t, m, v);
	v->accepted = true;
	for (k = 0; k < VAL_N_CRIT; k++)
		if (!v->c[k].evaluated || !v->c[k].pass)
			v->accepted = false;
}

SLMQCTL_OPTIONS("validate", validate_thresholds, val_thresholds_usage);
SLMQCTL_OPTIONS("quantize", quantize_thresholds, val_thresholds_usage);	/* --auto */
