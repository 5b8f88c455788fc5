// SPDX-License-Identifier: GPL-2.0
/*
 * validation_report.json: every figure both models produced, the thresholds,
 * each criterion's decision with its margin, and the verdict.  The shape is
 * Documentation/schemas/validation_report.schema.json.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../pool.h"
#include "validate.h"

struct json_object *val_json_num(double x)
{
	return isfinite(x) ? json_object_new_double(x) : NULL;
}

static struct json_object *j_u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static struct json_object *model_json(const struct val_figs *f)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "path", json_object_new_string(f->path));
	J_ADD(o, "file_bytes", j_u64(f->size.file_bytes));
	J_ADD(o, "weight_bytes", j_u64(f->size.weight_bytes));
	J_ADD(o, "n_params", j_u64(f->size.n_params));
	J_ADD(o, "bits_per_weight", val_json_num(f->size.n_params ?
		8.0 * (double)f->size.weight_bytes / (double)f->size.n_params : 0));
	J_ADD(o, "params_q4", j_u64(f->size.params_q4));
	J_ADD(o, "params_q8", j_u64(f->size.params_q8));
	J_ADD(o, "tensor_types", json_object_new_string(f->types));
	J_ADD(o, "seconds", val_json_num(f->seconds));
	return o;
}

static void crit_common(struct json_object *o, const struct val_criterion *c)
{
	J_ADD(o, "evaluated", json_object_new_boolean(c->evaluated));
	J_ADD(o, "pass", json_object_new_boolean(c->evaluated && c->pass));
	J_ADD(o, "value", c->evaluated ? val_json_num(c->value) : NULL);
	J_ADD(o, "threshold", c->evaluated ? val_json_num(c->threshold) : NULL);
	J_ADD(o, "margin", c->evaluated ? val_json_num(c->margin) : NULL);
	J_ADD(o, "detail", json_object_new_string(c->detail));
}

static struct json_object *quality_json(const struct val_opts *o,
					const struct val_figs *fp,
					const struct val_figs *q,
					const struct val_verdict *v)
{
	struct json_object *c = json_object_new_object(), *p, *b;

	crit_common(c, &v->c[VAL_QUALITY]);
	J_ADD(c, "route", json_object_new_string(v->q.route));
	p = json_object_new_object();
	J_ADD(p, "measured", json_object_new_boolean(fp->have_ppl && q->have_ppl));
	J_ADD(p, "data", o->eval_path ? json_object_new_string(o->eval_path) : NULL);
	if (fp->have_ppl && q->have_ppl) {
		J_ADD(p, "fp", val_json_num(fp->ppl.ppl));
		J_ADD(p, "quant", val_json_num(q->ppl.ppl));
		J_ADD(p, "increase_pct", val_json_num(v->q.ppl_increase_pct));
		J_ADD(p, "scored_tokens", j_u64(fp->ppl.scored));
		J_ADD(p, "windows", json_object_new_int((int)fp->ppl.windows));
		J_ADD(p, "ctx", json_object_new_int((int)fp->ppl.ctx));
	}
	J_ADD(p, "threshold_pct", val_json_num(o->th.max_ppl_increase_pct));
	J_ADD(p, "pass", json_object_new_boolean(v->q.ppl_pass));
	J_ADD(c, "perplexity", p);
	b = json_object_new_object();
	J_ADD(b, "measured", json_object_new_boolean(fp->have_bench && q->have_bench));
	J_ADD(b, "data", o->bench_path ? json_object_new_string(o->bench_path) : NULL);
	if (fp->have_bench && q->have_bench) {
		J_ADD(b, "items", json_object_new_int((int)fp->bench_n));
		J_ADD(b, "fp_exact_pct", val_json_num(fp->bench_pct));
		J_ADD(b, "quant_exact_pct", val_json_num(q->bench_pct));
		J_ADD(b, "drop_points", val_json_num(v->q.bench_drop_pts));
		J_ADD(b, "fp_prefix", val_json_num(fp->bench_prefix));
		J_ADD(b, "quant_prefix", val_json_num(q->bench_prefix));
	}
	J_ADD(b, "threshold_points", val_json_num(o->th.max_bench_drop_pts));
	J_ADD(b, "fp_floor_pct", val_json_num(o->th.min_fp_bench_pct));
	J_ADD(b, "counts", json_object_new_boolean(v->q.bench_counts));
	J_ADD(b, "pass", json_object_new_boolean(v->q.bench_pass));
	J_ADD(c, "os_bench", b);
	return c;
}

static struct json_object *rate_json(const struct val_rate *r)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "median", val_json_num(r->median));
	J_ADD(o, "min", val_json_num(r->min));
	J_ADD(o, "max", val_json_num(r->max));
	J_ADD(o, "runs", json_object_new_int(r->runs));
	return o;
}

static struct json_object *speed_side(const struct val_speed *s)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "prompt_tps", rate_json(&s->prompt_tps));
	J_ADD(o, "decode_tps", rate_json(&s->decode_tps));
	return o;
}

static struct json_object *speed_json(const struct val_opts *o,
				      const struct val_measure *m,
				      const struct val_verdict *v)
{
	struct json_object *c = json_object_new_object();

	crit_common(c, &v->c[VAL_SPEED]);
	J_ADD(c, "measured", json_object_new_boolean(m->have_speed));
	if (m->have_speed) {
		J_ADD(c, "decode_speedup", val_json_num(v->decode_speedup));
		J_ADD(c, "prompt_speedup", val_json_num(v->prompt_speedup));
		J_ADD(c, "threads", json_object_new_int(m->speed_fp.threads));
		J_ADD(c, "tokens", json_object_new_int(m->speed_fp.decode_tokens));
		J_ADD(c, "clock", json_object_new_string("thread cpu time"));
		J_ADD(c, "fp", speed_side(&m->speed_fp));
		J_ADD(c, "quant", speed_side(&m->speed_q));
	}
	J_ADD(c, "min_decode_speedup", val_json_num(o->th.min_decode_speedup));
	return c;
}

static struct json_object *size_json(const struct val_verdict *v)
{
	struct json_object *c = json_object_new_object();

	crit_common(c, &v->c[VAL_SIZE]);
	J_ADD(c, "class", json_object_new_string(v->size_class));
	J_ADD(c, "file_ratio", val_json_num(v->file_ratio));
	J_ADD(c, "weight_ratio", val_json_num(v->weight_ratio));
	J_ADD(c, "bits_per_weight", val_json_num(v->bits_per_weight));
	J_ADD(c, "required_ratio", val_json_num(v->size_threshold));
	return c;
}

static struct json_object *mask_json(unsigned int mask)
{
	struct json_object *a = json_object_new_array();
	int k;

	for (k = 0; k < GF_N_KINDS; k++)
		if (mask & (1u << k))
			json_object_array_add(a, json_object_new_string(gf_kind_name[k]));
	return a;
}

static struct json_object *completion_json(const struct val_gen_item *it,
					   unsigned int mask)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "text", json_object_new_string_len(it->g.text ? it->g.text : "",
						    (int)(it->g.text ? it->g.text_len : 0)));
	J_ADD(o, "tokens", json_object_new_int((int)it->g.n));
	J_ADD(o, "eos", json_object_new_boolean(it->eos));
	J_ADD(o, "failures", mask_json(mask));
	return o;
}

static struct json_object *gen_json(const struct val_opts *o,
				    const struct val_prompts *ps,
				    const struct val_figs *fp,
				    const struct val_figs *q,
				    const struct val_measure *m,
				    const struct val_verdict *v,
				    const struct val_gen_cmp *gc)
{
	struct json_object *c = json_object_new_object(), *items;
	int k;

	crit_common(c, &v->c[VAL_GENERATION]);
	J_ADD(c, "prompts", json_object_new_int(ps ? ps->n : 0));
	J_ADD(c, "prompt_set", json_object_new_string(o->prompts_path ?
				o->prompts_path : "bundled"));
	J_ADD(c, "completions", json_object_new_int(m->gen_completions));
	J_ADD(c, "failures", json_object_new_int(m->gen_failures_q));
	J_ADD(c, "fp_failures", json_object_new_int(m->gen_failures_fp));
	J_ADD(c, "max_new_tokens", json_object_new_int((int)o->gen_max_new));
	J_ADD(c, "fp_byte_fallback_rate", val_json_num(gc ? gc->fp_odd_rate : 0));
	J_ADD(c, "quant_byte_fallback_rate", val_json_num(gc ? gc->q_odd_rate : 0));
	items = json_object_new_array();
	for (k = 0; gc && k < gc->n; k++) {
		struct json_object *it = json_object_new_object();
		const struct val_gen_item *a = &fp->gen[k], *b = &q->gen[k];

		J_ADD(it, "prompt", json_object_new_string(ps->p[a->prompt]));
		J_ADD(it, "mode", json_object_new_string(a->sampled ? "sampled" : "greedy"));
		J_ADD(it, "seed", j_u64(a->seed));
		J_ADD(it, "fp", completion_json(a, gc->fp_mask[k]));
		J_ADD(it, "quant", completion_json(b, gc->q_mask[k]));
		J_ADD(it, "agree_tokens", json_object_new_int(gc->agree[k]));
		J_ADD(it, "new_failures", mask_json(gc->q_mask[k]));
		/* Failures of text the FP model could have written itself (fork.c). */
		J_ADD(it, "excused_failures", mask_json(gc->excused[k]));
		if (gc->fork[k].checked) {
			struct json_object *f = json_object_new_object();

			J_ADD(f, "fp_plausible", json_object_new_boolean(gc->fork[k].plausible));
			J_ADD(f, "near_ties", json_object_new_int(gc->fork[k].ties));
			J_ADD(f, "max_logit_gap", val_json_num(gc->fork[k].max_gap));
			J_ADD(it, "fp_check", f);
		}
		json_object_array_add(items, it);
	}
	J_ADD(c, "items", items);
	return c;
}

struct json_object *val_thresholds_json(const struct val_thresholds *t)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "max_ppl_increase_pct", val_json_num(t->max_ppl_increase_pct));
	J_ADD(o, "max_bench_drop_points", val_json_num(t->max_bench_drop_pts));
	J_ADD(o, "min_fp_bench_pct", val_json_num(t->min_fp_bench_pct));
	J_ADD(o, "min_decode_speedup", val_json_num(t->min_decode_speedup));
	J_ADD(o, "min_size_ratio_int4", val_json_num(t->min_size_ratio_int4));
	J_ADD(o, "min_size_ratio_int8", val_json_num(t->min_size_ratio_int8));
	J_ADD(o, "max_gen_failures", json_object_new_int(t->max_gen_failures));
	return o;
}

static struct json_object *failed_json(const struct val_verdict *v)
{
	struct json_object *a = json_object_new_array();
	int k;

	for (k = 0; k < VAL_N_CRIT; k++) {
		const struct val_criterion *c = &v->c[k];
		struct json_object *o;

		if (c->evaluated && c->pass)
			continue;
		o = json_object_new_object();
		J_ADD(o, "name", json_object_new_string(c->name));
		J_ADD(o, "detail", json_object_new_string(c->detail));
		J_ADD(o, "value", c->evaluated ? val_json_num(c->value) : NULL);
		J_ADD(o, "threshold", c->evaluated ? val_json_num(c->threshold) : NULL);
		J_ADD(o, "margin", c->evaluated ? val_json_num(c->margin) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

struct json_object *val_report_json(const struct val_opts *o,
				    const struct val_prompts *ps,
				    const struct val_figs *fp,
				    const struct val_figs *q,
				    const struct val_measure *m,
				    const struct val_verdict *v,
				    const struct val_gen_cmp *gc)
{
	struct json_object *r = json_object_new_object(), *c, *env;
	struct slmq_env e;

	cli_env_init(&e);
	J_ADD(r, "schema", json_object_new_string("slmq.validation_report/1"));
	J_ADD(r, "verdict", json_object_new_string(v->accepted ? "ACCEPTED" : "REJECTED"));
	J_ADD(r, "failed_criteria", failed_json(v));
	J_ADD(r, "original", model_json(fp));
	J_ADD(r, "quantized", model_json(q));
	env = json_object_new_object();
	J_ADD(env, "backend", json_object_new_string("userspace"));
	J_ADD(env, "kernels", json_object_new_string(slmq_env_kernels(&e)->name));
	J_ADD(env, "threads", json_object_new_int(1));
	J_ADD(env, "eval_threads", json_object_new_int((int)(o->threads ? o->threads :
							     pool_default_threads())));
	J_ADD(r, "environment", env);
	J_ADD(r, "thresholds", val_thresholds_json(&o->th));
	c = json_object_new_object();
	J_ADD(c, "quality", quality_json(o, fp, q, v));
	J_ADD(c, "speed", speed_json(o, m, v));
	J_ADD(c, "size", size_json(v));
	J_ADD(c, "generation", gen_json(o, ps, fp, q, m, v, gc));
	J_ADD(r, "criteria", c);
	return r;
}

void val_print_table(FILE *f, const struct val_figs *fp,
		     const struct val_figs *q, const struct val_measure *m,
		     const struct val_verdict *v)
{
	int k;

	fprintf(f, "%-10s  %-4s  %s\n", "criterion", "pass", "figures");
	for (k = 0; k < VAL_N_CRIT; k++) {
		const struct val_criterion *c = &v->c[k];

		fprintf(f, "%-10s  %-4s  %s\n", c->name,
			!c->evaluated ? "n/a" : c->pass ? "yes" : "NO", c->detail);
	}
	fprintf(f, "verdict: %s  (%s: %s)\n", v->accepted ? "ACCEPTED" : "REJECTED",
		q->path, q->types);
}
