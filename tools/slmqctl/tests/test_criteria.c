// SPDX-License-Identifier: GPL-2.0
/* Acceptance criteria judged from injected figures (no timing, no model). */
#include <math.h>
#include <string.h>

#include "tap.h"
#include "validate/criteria.h"

static void good(struct val_measure *m)
{
	static const double fp_dec[] = { 100, 98, 103, 101, 99 };
	static const double q_dec[] = { 260, 250, 255, 240, 270 };

	memset(m, 0, sizeof(*m));
	m->have_ppl = true;
	m->ppl_fp = 18.0;
	m->ppl_q = 18.2;
	m->ppl_tokens = 99450;
	m->have_bench = true;
	m->bench_fp_pct = 0.4;
	m->bench_q_pct = 0.3;
	m->bench_items = 1000;
	m->have_speed = true;
	val_rate_from_runs(&m->speed_fp.decode_tps, fp_dec, 5);
	val_rate_from_runs(&m->speed_q.decode_tps, q_dec, 5);
	val_rate_from_runs(&m->speed_fp.prompt_tps, fp_dec, 5);
	val_rate_from_runs(&m->speed_q.prompt_tps, q_dec, 5);
	m->size_fp.file_bytes = 2600000;
	m->size_fp.weight_bytes = 2525440;
	m->size_fp.n_params = 1262720;
	m->size_q.file_bytes = 800000;
	m->size_q.weight_bytes = 720000;
	m->size_q.n_params = 1262720;
	m->size_q.params_q4 = 1262720;
	m->have_gen = true;
	m->gen_completions = 24;
}

int main(void)
{
	struct val_thresholds t;
	struct val_measure m;
	struct val_verdict v;
	struct val_rate r;
	static const double runs[] = { 5, 1, 4, 2, 3, 100 };
	const char *cls;
	double thr;

	val_thresholds_default(&t);
	val_rate_from_runs(&r, runs, 6);
	tap_ok(r.median == 3.5 && r.min == 1 && r.max == 100 && r.runs == 6,
	       "median 3.5 of 6 runs, spread 1..100 (got %g %g..%g)", r.median, r.min, r.max);

	good(&m);
	val_judge(&t, &m, &v);
	tap_ok(v.accepted, "good figures accepted");
	tap_ok(!strcmp(v.q.route, "perplexity") && fabs(v.q.ppl_increase_pct - 1.111) < 0.01,
	       "quality decided by perplexity (+%.3f%%)", v.q.ppl_increase_pct);
	tap_ok(fabs(v.decode_speedup - 2.55) < 1e-9, "decode speedup is the ratio of medians (%.3f)",
	       v.decode_speedup);

	m.ppl_q = 18.5;
	val_judge(&t, &m, &v);
	tap_ok(!v.accepted && !v.c[VAL_QUALITY].pass && v.c[VAL_QUALITY].margin < 0,
	       "+2.8%% perplexity rejected, margin %.3f", v.c[VAL_QUALITY].margin);
	tap_ok(!v.q.bench_counts, "0.4%% FP os_bench does not count: 0.4->0.3 cannot accept");

	m.bench_fp_pct = m.bench_q_pct = 0;
	m.have_ppl = false;
	val_judge(&t, &m, &v);
	tap_ok(!v.accepted && !v.c[VAL_QUALITY].evaluated,
	       "0%% -> 0%% os_bench without perplexity never accepts");

	good(&m);
	m.ppl_q = 19.0;
	m.bench_fp_pct = 45;
	m.bench_q_pct = 44;
	val_judge(&t, &m, &v);
	tap_ok(v.accepted && !strcmp(v.q.route, "os_bench"),
	       "perplexity fails but a counting os_bench drop of 1 point accepts (route %s)",
	       v.q.route);
	m.bench_q_pct = 42.5;
	val_judge(&t, &m, &v);
	tap_ok(!v.accepted && !v.c[VAL_QUALITY].pass, "both quality routes failing rejects");
	t.min_fp_bench_pct = 50;
	m.bench_q_pct = 44;
	val_judge(&t, &m, &v);
	tap_ok(!v.accepted, "raising --min-fp-bench above the FP score turns the route off");
	val_thresholds_default(&t);

	good(&m);
	m.ppl_q = NAN;
	val_judge(&t, &m, &v);
	tap_ok(!v.accepted && !v.c[VAL_QUALITY].pass, "NaN perplexity (broken model) rejected");

	good(&m);
	m.speed_q.decode_tps.median = 140;
	val_judge(&t, &m, &v);
	tap_ok(!v.accepted && !v.c[VAL_SPEED].pass && fabs(v.c[VAL_SPEED].margin + 0.1) < 1e-9,
	       "1.4x decode rejected by 0.1x");
	t.min_decode_speedup = 1.0;
	val_judge(&t, &m, &v);
	tap_ok(v.accepted, "--min-speedup 1.0 accepts the same figures");
	val_thresholds_default(&t);
	m.have_speed = false;
	val_judge(&t, &m, &v);
	tap_ok(!v.accepted && !v.c[VAL_SPEED].evaluated, "unmeasured speed is not a pass");

	good(&m);
	m.size_q.file_bytes = 1000000;
	val_judge(&t, &m, &v);
	tap_ok(!v.accepted && !v.c[VAL_SIZE].pass && fabs(v.c[VAL_SIZE].value - 2.6) < 1e-9,
	       "INT4 file 2.6x smaller rejected (the worse of file and memory decides)");
	thr = val_size_threshold(&t, 0, 100, &cls);
	tap_ok(thr == 1.8 && !strcmp(cls, "int8"), "INT8 threshold 1.8x");
	thr = val_size_threshold(&t, 50, 50, &cls);
	tap_ok(fabs(thr - 2.25) < 1e-9 && !strcmp(cls, "mixed"),
	       "half INT4 half INT8 needs the harmonic blend 2.25x (got %.4f)", thr);

	good(&m);
	m.gen_failures_q = 1;
	m.gen_failures_fp = 3;
	val_judge(&t, &m, &v);
	tap_ok(!v.accepted && !v.c[VAL_GENERATION].pass, "one new generation failure rejects");
	t.max_gen_failures = 1;
	val_judge(&t, &m, &v);
	tap_ok(v.accepted, "--max-gen-failures 1 allows it");
	return tap_done();
}
