/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The acceptance criteria of a quantized model, as pure functions of measured
 * numbers: no model, no clock.  cmd_validate measures, these functions judge,
 * so the judgement (including the speed criterion) is unit-testable and
 * deterministic.
 */
#ifndef SLMQ_VALIDATE_CRITERIA_H
#define SLMQ_VALIDATE_CRITERIA_H

#include <stdbool.h>
#include <stdint.h>

/* Every threshold is a command-line flag (val_thresholds_parse). */
struct val_thresholds {
	double max_ppl_increase_pct;	/* quality route 1: < 2 % */
	double max_bench_drop_pts;	/* quality route 2: < 2 points */
	double min_fp_bench_pct;	/* route 2 counts only when FP >= 20 % */
	double min_decode_speedup;	/* >= 1.5x FP16 decode tokens/s */
	double min_size_ratio_int4;	/* >= 3.0x smaller than FP16 */
	double min_size_ratio_int8;	/* >= 1.8x */
	int max_gen_failures;		/* new generation failures allowed: 0 */
};

void val_thresholds_default(struct val_thresholds *t);

/*
 * If argv[*i] is a threshold flag, consume it and its value (advancing *i)
 * and return 1; return 0 when it is not one of ours, -1 (after cli_fail)
 * on a bad value.  Flags: --max-ppl-increase PCT --max-bench-drop PTS
 * --min-fp-bench PCT --min-speedup X --min-size-ratio-int4 X
 * --min-size-ratio-int8 X --max-gen-failures N.
 */
int val_thresholds_parse(struct val_thresholds *t, int argc, char **argv,
			 int *i);
extern const char val_thresholds_usage[];

/* Median of several timed runs, with the spread. */
struct val_rate {
	double median, min, max;
	int runs;
};

/* Sorts a copy of v (n runs of tokens/s) and fills r. */
void val_rate_from_runs(struct val_rate *r, const double *v, int n);

struct val_speed {
	struct val_rate prompt_tps;
	struct val_rate decode_tps;
	int threads;
	int prompt_tokens, decode_tokens;
};

/* Weight bytes by quantized width, from the model's tensor types. */
struct val_size {
	uint64_t file_bytes;
	uint64_t weight_bytes;		/* in memory, as the engine holds them */
	uint64_t n_params;		/* weights counted in weight_bytes */
	uint64_t params_q4, params_q8;	/* weights stored at 4 / 8 bits */
};

/* What was measured, for both models; have_* say which parts exist. */
struct val_measure {
	bool have_ppl;
	double ppl_fp, ppl_q;
	uint64_t ppl_tokens;

	bool have_bench;
	double bench_fp_pct, bench_q_pct;	/* exact match, percent */
	int bench_items;

	bool have_speed;
	struct val_speed speed_fp, speed_q;

	struct val_size size_fp, size_q;

	bool have_gen;
	int gen_completions;		/* prompt x mode pairs checked */
	int gen_failures_q;		/* quant failures the FP model did not have */
	int gen_failures_fp;		/* failures of the FP model itself (context) */
};

enum val_crit_id { VAL_QUALITY, VAL_SPEED, VAL_SIZE, VAL_GENERATION, VAL_N_CRIT };

struct val_criterion {
	const char *name;		/* "quality", "speed", "size", "generation" */
	bool evaluated;			/* measured at all */
	bool pass;
	double value;			/* the deciding figure */
	double threshold;
	double margin;			/* how far from the threshold, in value units: > 0 passes */
	char detail[256];		/* one line for people */
};

/* Quality has two routes; both are always reported. */
struct val_quality {
	double ppl_increase_pct;
	bool ppl_pass;
	double bench_drop_pts;
	bool bench_counts;		/* FP model scores >= min_fp_bench_pct */
	bool bench_pass;		/* counts and drop below threshold */
	const char *route;		/* "perplexity", "os_bench" or "none" */
};

struct val_verdict {
	struct val_criterion c[VAL_N_CRIT];
	struct val_quality q;
	double decode_speedup, prompt_speedup;
	double file_ratio, weight_ratio, bits_per_weight, size_threshold;
	const char *size_class;		/* "int4", "int8", "mixed" or "none" */
	bool accepted;
};

/*
 * Judge: fills every criterion from m.  A criterion that was not measured
 * fails (an unproven model is not accepted), with a detail saying so.
 */
void val_judge(const struct val_thresholds *t, const struct val_measure *m,
	       struct val_verdict *v);

/*
 * Size threshold for a model with q4 and q8 weights: each class alone must
 * reach its ratio, so a mix must reach the harmonic blend
 * 1 / (f4 / r4 + f8 / r8) (what exact-threshold parts would add up to).
 */
double val_size_threshold(const struct val_thresholds *t, uint64_t q4,
			  uint64_t q8, const char **size_class);

#endif /* SLMQ_VALIDATE_CRITERIA_H */
