// SPDX-License-Identifier: GPL-2.0
/*
 * Generation-failure detectors (see genfail.h).  Every judgement is relative
 * to the FP model: a small model may loop on its own (pcilm-tiny's greedy
 * "The ls command" sample repeats phrases), and that is not the
 * quantization's fault.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "genfail.h"

const char *const gf_kind_name[GF_N_KINDS] = {
	[GF_REPEAT_NGRAM] = "repeat_ngram",
	[GF_REPEAT_LINE] = "repeat_line",
	[GF_NEWLINES] = "endless_newlines",
	[GF_GARBAGE_BYTES] = "garbage_bytes",
	[GF_ODD_TOKENS] = "byte_fallback_tokens",
	[GF_EARLY_EOS] = "early_eos",
	[GF_MISSING_EOS] = "missing_eos",
};

void gf_params_default(struct gf_params *p)
{
	p->ngram_max = 8;
	p->ngram_min_repeats = 3;
	p->ngram_min_tokens = 12;
	p->line_min_repeats = 3;
	p->newline_run = 4;
	p->odd_run = 6;
	p->odd_rate_factor = 3.0;
	p->odd_rate_slack = 0.02;
	p->garbage_bytes = 2;
	p->early_eos_tokens = 2;
	p->early_eos_fp_min = 8;
	p->near_tie_logits = 1.0f;
	p->near_tie_max = 4;
	p->min_sample_prob = 0.01f;
}

bool gf_fp_plausible(const struct gf_params *p, const float *logits, uint32_t n,
		     uint32_t tok, float temp, bool *tie, float *gap)
{
	uint32_t i, best = 0;
	double sum = 0;

	*tie = false;
	*gap = 0;
	if (tok >= n)
		return false;
	for (i = 1; i < n; i++)
		if (logits[i] > logits[best])
			best = i;
	*gap = logits[best] - logits[tok];
	if (temp <= 0) {
		*tie = best != tok;
		return best == tok || *gap <= p->near_tie_logits;
	}
	/* p(tok) = 1 / sum_i exp((l_i - l_tok) / T) */
	for (i = 0; i < n; i++)
		sum += exp(((double)logits[i] - logits[tok]) / temp);
	return 1.0 / sum >= p->min_sample_prob;
}

/* Back-to-back copies of ids[i..i+n) starting at i. */
static int copies_at(const uint32_t *ids, int len, int i, int n)
{
	int k = 1;

	while (i + (k + 1) * n <= len &&
	       !memcmp(ids + i, ids + i + k * n, (size_t)n * sizeof(*ids)))
		k++;
	return k;
}

void gf_longest_repeat(const uint32_t *ids, int len, int ngram_max,
		       struct gf_repeat *r)
{
	int i, n, k;

	memset(r, 0, sizeof(*r));
	for (n = 1; n <= ngram_max; n++) {
		for (i = 0; i + 2 * n <= len; i++) {
			k = copies_at(ids, len, i, n);
			if (k < 2 || k * n <= r->covered)
				continue;
			r->covered = k * n;
			r->n = n;
			r->copies = k;
			r->start = i;
		}
	}
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* [s, e) trimmed of blanks; returns its length. */
static size_t trim(const char **s, const char *e)
{
	while (*s < e && blank(**s))
		(*s)++;
	while (e > *s && blank(e[-1]))
		e--;
	return (size_t)(e - *s);
}

int gf_max_line_repeats(const char *text, size_t len)
{
	const char *p = text, *end = text + len, *prev = NULL;
	size_t prev_len = 0;
	int run = 0, best = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s = p;
		size_t l = trim(&s, e);

		/* Blank lines neither break nor extend a run of repeats. */
		if (l) {
			if (prev && l == prev_len && !memcmp(s, prev, l))
				run++;
			else
				run = 1;
			prev = s;
			prev_len = l;
			if (run > best)
				best = run;
		}
		p = nl ? nl + 1 : end;
	}
	return best;
}

int gf_max_newline_run(const char *text, size_t len)
{
	int run = 0, best = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (text[i] == '\n') {
			if (++run > best)
				best = run;
		} else if (!blank(text[i])) {
			run = 0;
		}
	}
	return best;
}

int gf_max_odd_run(const uint8_t *odd, int n, int *count)
{
	int i, run = 0, best = 0, c = 0;

	for (i = 0; i < n; i++) {
		if (odd[i]) {
			c++;
			if (++run > best)
				best = run;
		} else {
			run = 0;
		}
	}
	if (count)
		*count = c;
	return best;
}

void gf_byteset_base(uint8_t set[256])
{
	int b;

	memset(set, 0, 256);
	for (b = 0x20; b < 0x7f; b++)
		set[b] = 1;
	set['\n'] = set['\t'] = 1;
}

void gf_byteset_add(uint8_t set[256], const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		set[(uint8_t)text[i]] = 1;
}

int gf_bytes_outside(const uint8_t set[256], const char *text, size_t len)
{
	size_t i;
	int n = 0;

	for (i = 0; i < len; i++)
		n += !set[(uint8_t)text[i]];
	return n;
}

unsigned int gf_detect(const struct gf_params *p, const struct gf_completion *c,
		       const uint8_t normal[256])
{
	struct gf_repeat r;
	unsigned int m = 0;

	gf_longest_repeat(c->ids, c->n, p->ngram_max, &r);
	if (r.copies >= p->ngram_min_repeats && r.covered >= p->ngram_min_tokens)
		m |= 1u << GF_REPEAT_NGRAM;
	if (gf_max_line_repeats(c->text, c->text_len) >= p->line_min_repeats)
		m |= 1u << GF_REPEAT_LINE;
	if (gf_max_newline_run(c->text, c->text_len) >= p->newline_run)
		m |= 1u << GF_NEWLINES;
	if (normal && gf_bytes_outside(normal, c->text, c->text_len) >
		      p->garbage_bytes)
		m |= 1u << GF_GARBAGE_BYTES;
	return m;
}

static bool odd_failure(const struct gf_params *p,
			const struct gf_completion *fp,
			const struct gf_completion *q, double fp_odd_rate)
{
	int q_count, fp_run, q_run;
	double q_rate;

	if (!q->odd || q->n <= 0)
		return false;
	q_run = gf_max_odd_run(q->odd, q->n, &q_count);
	fp_run = fp->odd ? gf_max_odd_run(fp->odd, fp->n, NULL) : 0;
	if (q_run >= p->odd_run && fp_run < p->odd_run)
		return true;
	/* A rate needs a few events to mean anything. */
	q_rate = (double)q_count / q->n;
	return q_count >= p->odd_run &&
	       q_rate > p->odd_rate_factor * fp_odd_rate + p->odd_rate_slack;
}

unsigned int gf_compare(const struct gf_params *p,
			const struct gf_completion *fp,
			const struct gf_completion *q,
			const uint8_t normal[256], double fp_odd_rate)
{
	unsigned int m = gf_detect(p, q, normal) & ~gf_detect(p, fp, normal);

	if (odd_failure(p, fp, q, fp_odd_rate))
		m |= 1u << GF_ODD_TOKENS;
	if (q->eos && q->n <= p->early_eos_tokens &&
	    fp->n >= p->early_eos_fp_min)
		m |= 1u << GF_EARLY_EOS;
	/* FP finished well inside the budget; quant never finishes. */
	if (fp->eos && fp->n <= q->max_new / 2 && !q->eos && q->n >= q->max_new)
		m |= 1u << GF_MISSING_EOS;
	return m;
}

void gf_mask_str(unsigned int mask, char *buf, size_t len)
{
	size_t used = 0;
	int k;

	if (len)
		buf[0] = 0;
	for (k = 0; k < GF_N_KINDS; k++) {
		int w;

		if (!(mask & (1u << k)))
			continue;
		w = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
			     gf_kind_name[k]);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}
