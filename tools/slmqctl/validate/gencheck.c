// SPDX-License-Identifier: GPL-2.0
/*
 * The generation criterion: each quantized completion against the FP
 * completion of the same prompt, mode and seed (genfail.c does the looking).
 */
#include <stdlib.h>
#include <string.h>

#include "validate.h"

static void to_completion(const struct val_gen_item *it, int max_new,
			  struct gf_completion *c)
{
	c->ids = it->g.ids;
	c->odd = it->odd;
	c->n = (int)it->g.n;
	c->text = it->g.text ? it->g.text : "";
	c->text_len = it->g.text ? it->g.text_len : 0;
	c->eos = it->eos;
	c->max_new = max_new;
}

static double odd_rate(const struct val_figs *f)
{
	long odd = 0, n = 0;
	int k;
	uint32_t i;

	for (k = 0; k < f->n_gen; k++) {
		for (i = 0; i < f->gen[k].g.n; i++)
			odd += f->gen[k].odd[i];
		n += f->gen[k].g.n;
	}
	return n ? (double)odd / (double)n : 0.0;
}

static int leading_agreement(const struct val_gen_item *a,
			     const struct val_gen_item *b)
{
	uint32_t i, n = a->g.n < b->g.n ? a->g.n : b->g.n;

	for (i = 0; i < n && a->g.ids[i] == b->g.ids[i]; i++)
		;
	/* Both stopped at the same place: the whole completion agrees. */
	return (int)i;
}

void val_compare_gen(const struct val_opts *o, const struct val_prompts *ps,
		     const struct val_figs *fp, const struct val_figs *q,
		     struct val_gen_cmp *c, struct val_measure *m)
{
	uint8_t *normal;
	int k, n = fp->n_gen < q->n_gen ? fp->n_gen : q->n_gen;

	memset(c, 0, sizeof(*c));
	c->q_mask = calloc((size_t)n + 1, sizeof(*c->q_mask));
	c->fp_mask = calloc((size_t)n + 1, sizeof(*c->fp_mask));
	c->agree = calloc((size_t)n + 1, sizeof(*c->agree));
	c->excused = calloc((size_t)n + 1, sizeof(*c->excused));
	c->fork = calloc((size_t)n + 1, sizeof(*c->fork));
	if (!c->q_mask || !c->fp_mask || !c->agree || !c->excused || !c->fork)
		return;
	normal = c->normal;
	c->n = n;
	/* What the FP model "normally" writes: its own output and the prompts. */
	gf_byteset_base(normal);
	for (k = 0; k < ps->n; k++)
		gf_byteset_add(normal, ps->p[k], strlen(ps->p[k]));
	for (k = 0; k < fp->n_gen; k++)
		if (fp->gen[k].g.text)
			gf_byteset_add(normal, fp->gen[k].g.text, fp->gen[k].g.text_len);
	c->fp_odd_rate = odd_rate(fp);
	c->q_odd_rate = odd_rate(q);
	m->have_gen = n > 0;
	m->gen_completions = n;
	m->gen_failures_q = 0;
	m->gen_failures_fp = 0;
	for (k = 0; k < n; k++) {
		struct gf_completion a, b;

		to_completion(&fp->gen[k], (int)o->gen_max_new, &a);
		to_completion(&q->gen[k], (int)o->gen_max_new, &b);
		c->fp_mask[k] = gf_detect(&o->gp, &a, normal);
		c->q_mask[k] = gf_compare(&o->gp, &a, &b, normal, c->fp_odd_rate);
		c->agree[k] = leading_agreement(&fp->gen[k], &q->gen[k]);
		m->gen_failures_q += c->q_mask[k] != 0;
		m->gen_failures_fp += c->fp_mask[k] != 0;
	}
}

void val_gen_cmp_free(struct val_gen_cmp *c)
{
	free(c->q_mask);
	free(c->fp_mask);
	free(c->agree);
	free(c->excused);
	free(c->fork);
	memset(c, 0, sizeof(*c));
}
