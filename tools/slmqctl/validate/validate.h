/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validation of a quantized model against its FP original: measure both with
 * the same engine, machine, thread and tokens, judge with criteria.h, and
 * describe everything in a validation report (report.c).
 *
 * The FP model's figures are kept in a struct val_figs so that the
 * quantize --auto loop measures the original once for all its attempts.
 */
#ifndef SLMQ_VALIDATE_H
#define SLMQ_VALIDATE_H

#include <json-c/json.h>

#include "../cli.h"
#include "../eval.h"
#include "criteria.h"
#include "genfail.h"

/* The report and summary builders add many members: keep those lines short. */
#define J_ADD(o, k, v) json_object_object_add(o, k, v)

struct val_opts {
	const char *eval_path;		/* perplexity tokens (test.bin) or NULL */
	const char *bench_path;		/* os_bench.jsonl or NULL */
	const char *prompts_path;	/* NULL: the bundled prompt set */
	size_t ppl_max_tokens;		/* 0: eval_perplexity's default (100000) */
	size_t bench_limit;		/* 0: every item */
	int speed_runs;			/* timed runs per model (median, spread) */
	uint32_t speed_tokens;		/* prompt tokens and decode tokens per run */
	uint32_t gen_max_new;		/* tokens per completion */
	int gen_sampled;		/* seeded sampled completions per prompt */
	uint64_t seed;
	unsigned int threads;		/* perplexity/os_bench workers; 0: the CPUs */
	struct val_thresholds th;
	struct gf_params gp;
};

void val_opts_default(struct val_opts *o);
/* Warns (once) when the options cannot measure quality at all. */
void val_opts_warn(const struct val_opts *o);
/* Parses a validation option at argv[*i] (thresholds included): 1, 0 or -1. */
int val_opts_parse(struct val_opts *o, int argc, char **argv, int *i);
extern const char val_opts_usage[];

/* Prompts: the bundled set or a file, one per line ("\n" escapes). */
struct val_prompts {
	char **p;
	int n;
};
int val_prompts_load(const char *path, struct val_prompts *ps,
		     struct slmq_err *err);
void val_prompts_free(struct val_prompts *ps);

/* One completion of one prompt by one model. */
struct val_gen_item {
	int prompt;			/* index into the prompt set */
	bool sampled;
	uint64_t seed;
	struct eval_gen g;
	uint8_t *odd;			/* per generated id: unknown/byte-fallback */
	bool eos;
};

/* Everything measured on one model (speed aside: that needs both). */
struct val_figs {
	char path[4096];
	bool have_ppl;
	struct eval_ppl ppl;
	bool have_bench;
	uint32_t bench_n, bench_exact;
	double bench_pct, bench_prefix;
	struct val_size size;
	char types[128];		/* "q4_0:28,q8_0:2,f32:9" */
	struct val_gen_item *gen;
	int n_gen;
	double seconds;
};

/* The sampler settings of validation completions (greedy, or T 0.8 / k 40 / p 0.95). */
void val_gen_opts(const struct val_opts *o, bool sampled, uint64_t seed,
		  struct eval_gen_opts *go);
/* Per id: unknown or byte-fallback piece (newline/tab bytes are ordinary); malloc'd. */
uint8_t *val_odd_flags(const struct slmq_vocab *v, const uint32_t *ids, uint32_t n);

int val_measure(const struct cli_model *cm, const struct val_opts *o,
		const struct val_prompts *ps, struct val_figs *f,
		struct slmq_err *err);
void val_figs_free(struct val_figs *f);

/* Interleaved timed runs of both models (so drift hits both alike). */
int val_measure_speed(const struct cli_model *fp, const struct cli_model *q,
		      const struct val_opts *o, struct val_speed *sfp,
		      struct val_speed *sq, struct slmq_err *err);

/* The FP model teacher-forced along a quantized completion (fork.c). */
struct val_fork {
	bool checked, plausible;
	int ties;			/* greedy choices that were FP near ties */
	float max_gap;			/* largest FP logit gap to a chosen token */
};

/* Per-completion failure masks of q against fp (new failures only). */
struct val_gen_cmp {
	unsigned int *q_mask;		/* failures q has and fp does not */
	unsigned int *fp_mask;		/* fp's own failures (context) */
	int *agree;			/* leading tokens equal */
	unsigned int *excused;		/* failures of text the FP model could have written */
	struct val_fork *fork;
	uint8_t normal[256];		/* the FP model's normal bytes */
	int n;
	double fp_odd_rate, q_odd_rate;
};
void val_compare_gen(const struct val_opts *o, const struct val_prompts *ps,
		     const struct val_figs *fp, const struct val_figs *q,
		     struct val_gen_cmp *c, struct val_measure *m);
void val_gen_cmp_free(struct val_gen_cmp *c);
/*
 * For each quant failure: teacher-force the FP model along the quantized
 * completion; when every token is FP-plausible the failure is excused (moved
 * from q_mask to excused) and m's count updated.  See fork.c.
 */
int val_fork_check(const struct cli_model *fp_model, const struct val_opts *o,
		   const struct val_prompts *ps, const struct val_figs *fp,
		   const struct val_figs *q, struct val_gen_cmp *c,
		   struct val_measure *m, struct slmq_err *err);

/* Everything about one validation, for the report and the --auto loop. */
struct val_result {
	struct val_measure m;
	struct val_verdict v;
	struct json_object *report;	/* owned */
};

/*
 * Validate quant against orig.  fp_figs: the FP model's figures, measured
 * here when fp_figs->path is empty (and kept for the next call).
 */
int val_validate(const struct cli_model *orig, const struct cli_model *quant,
		 const struct val_opts *o, const struct val_prompts *ps,
		 struct val_figs *fp_figs, struct val_result *r,
		 struct slmq_err *err);
void val_result_free(struct val_result *r);

/* report.c */
struct json_object *val_report_json(const struct val_opts *o,
				    const struct val_prompts *ps,
				    const struct val_figs *fp,
				    const struct val_figs *q,
				    const struct val_measure *m,
				    const struct val_verdict *v,
				    const struct val_gen_cmp *gc);
struct json_object *val_thresholds_json(const struct val_thresholds *t);
/* A finite double, or JSON null for NaN/inf (JSON has no NaN). */
struct json_object *val_json_num(double x);
/* The short table of a verdict, for people. */
void val_print_table(FILE *f, const struct val_figs *fp,
		     const struct val_figs *q, const struct val_measure *m,
		     const struct val_verdict *v);

/* stamp.c: slmq.verdict and slmq.report into a GGUF file (tensors untouched). */
int val_stamp_gguf(const char *path, struct json_object *rep, bool accepted,
		   struct slmq_err *err);

#endif /* SLMQ_VALIDATE_H */
