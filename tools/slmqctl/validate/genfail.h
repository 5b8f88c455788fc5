/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generation-failure detectors.  They look at one completion (token ids,
 * which of them are byte-fallback/unknown pieces, the decoded bytes, and how
 * it ended) and always judge the quantized model's completion against the
 * FP model's completion of the same prompt in the same mode: a failure only
 * counts when the FP model does not fail the same way.
 *
 * Pure functions on plain data, so tests can feed crafted sequences.
 */
#ifndef SLMQ_VALIDATE_GENFAIL_H
#define SLMQ_VALIDATE_GENFAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One completion of max_new tokens at most. */
struct gf_completion {
	const uint32_t *ids;		/* generated ids (prompt excluded, EOS excluded) */
	const uint8_t *odd;		/* per id: 1 if unknown or byte-fallback (not \n or \t) */
	int n;
	const char *text;		/* decoded generated text */
	size_t text_len;
	bool eos;			/* stopped on EOS */
	int max_new;			/* the token budget */
};

enum gf_kind {
	GF_REPEAT_NGRAM,	/* an n-gram repeated back to back */
	GF_REPEAT_LINE,		/* the same line again and again */
	GF_NEWLINES,		/* endless newlines */
	GF_GARBAGE_BYTES,	/* bytes the FP model never produces */
	GF_ODD_TOKENS,		/* runs of unknown/byte-fallback pieces */
	GF_EARLY_EOS,		/* stops almost at once where FP goes on */
	GF_MISSING_EOS,		/* runs to the budget where FP stops */
	GF_N_KINDS
};

extern const char *const gf_kind_name[GF_N_KINDS];

/* Detector tuning; gf_params_default() gives what validate uses. */
struct gf_params {
	int ngram_max;		/* n-grams of 1..ngram_max tokens */
	int ngram_min_repeats;	/* back-to-back copies that make a loop */
	int ngram_min_tokens;	/* ... covering at least this many tokens */
	int line_min_repeats;	/* same non-empty line this many times in a row */
	int newline_run;	/* this many newlines with only blanks between */
	int odd_run;		/* consecutive unknown/byte-fallback tokens */
	double odd_rate_factor;	/* quant rate > factor * FP rate + odd_rate_slack */
	double odd_rate_slack;
	int garbage_bytes;	/* more than this many bytes outside the FP's set */
	int early_eos_tokens;	/* quant stops within this many tokens ... */
	int early_eos_fp_min;	/* ... while FP goes on for at least this many */
	float near_tie_logits;	/* greedy: a choice within this of FP's best is a near tie */
	int near_tie_max;	/* ... and at most this many of them in a completion */
	float min_sample_prob;	/* sampled: FP's probability (at T) of each token at least */
};

/*
 * Could the FP model have written this token here?  Greedy: it is FP's
 * argmax, or a near tie (*tie set) within near_tie_logits of it.  Sampled
 * (temp > 0): its FP probability at that temperature is at least
 * min_sample_prob.  *gap gets FP's best logit minus the token's.
 */
bool gf_fp_plausible(const struct gf_params *p, const float *logits, uint32_t n,
		     uint32_t tok, float temp, bool *tie, float *gap);

void gf_params_default(struct gf_params *p);

/* Longest back-to-back repetition of any n-gram: tokens covered, n and copies. */
struct gf_repeat {
	int covered, n, copies, start;
};
void gf_longest_repeat(const uint32_t *ids, int len, int ngram_max,
		       struct gf_repeat *r);

/* Copies of the most repeated non-empty line in a row; newline run length. */
int gf_max_line_repeats(const char *text, size_t len);
int gf_max_newline_run(const char *text, size_t len);
/* Longest run of odd (unknown/byte-fallback) tokens, and their count. */
int gf_max_odd_run(const uint8_t *odd, int n, int *count);

/*
 * The set of bytes a model "normally" writes: union over its completions
 * (and the prompts), plus printable ASCII and \n \t, which any text model
 * may produce.  set is 256 flags.
 */
void gf_byteset_add(uint8_t set[256], const char *text, size_t len);
void gf_byteset_base(uint8_t set[256]);
int gf_bytes_outside(const uint8_t set[256], const char *text, size_t len);

/*
 * Failures of one completion on its own (bitmask of 1 << enum gf_kind),
 * against the byte set of normal output; EOS checks need the pair and are
 * left to gf_compare().
 */
unsigned int gf_detect(const struct gf_params *p, const struct gf_completion *c,
		       const uint8_t normal[256]);

/*
 * Failures of q that fp does not have on the same prompt and mode.  Odd
 * token runs and rates are compared with the FP completion, EOS behaviour
 * with where the FP model stopped.  fp_odd_rate is the FP model's overall
 * odd-token rate over the whole prompt set.
 */
unsigned int gf_compare(const struct gf_params *p,
			const struct gf_completion *fp,
			const struct gf_completion *q,
			const uint8_t normal[256], double fp_odd_rate);

/* "repeat_ngram,missing_eos" (empty string for 0) into buf. */
void gf_mask_str(unsigned int mask, char *buf, size_t len);

#endif /* SLMQ_VALIDATE_GENFAIL_H */
