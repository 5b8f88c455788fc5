// SPDX-License-Identifier: GPL-2.0
/*
 * OUT/quantization_summary.json: the size policy, every attempt side by
 * side with its figures and verdict, and the conclusion (which attempt was
 * accepted, or which criterion failed by how much and what to do about it).
 * Shape: Documentation/schemas/quantization_summary.schema.json.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "accept.h"
#include "accept_priv.h"

void auto_policy(struct auto_args *a, const struct cli_model *fp,
		 struct json_object *summary)
{
	struct json_object *p = json_object_new_object();
	unsigned long long n = (unsigned long long)fp->model.n_params;
	char why[256];

	if (a->bits) {
		snprintf(why, sizeof(why), "--bits %d given", a->bits);
	} else {
		a->bits = n < AUTO_INT8_BELOW_PARAMS ? 8 : 4;
		snprintf(why, sizeof(why), "%llu parameters %s 20M: start at INT%d (--bits overrides)",
			 n, a->bits == 8 ? "<" : ">=", a->bits);
	}
	J_ADD(summary, "schema", json_object_new_string("slmq.quantization_summary/1"));
	J_ADD(summary, "model", json_object_new_string(a->model));
	J_ADD(summary, "name", json_object_new_string(a->name));
	J_ADD(summary, "n_params", json_object_new_int64((int64_t)n));
	J_ADD(p, "start_bits", json_object_new_int(a->bits));
	J_ADD(p, "reason", json_object_new_string(why));
	J_ADD(summary, "policy", p);
	J_ADD(summary, "method", json_object_new_string(a->method));
	J_ADD(summary, "method_reason", json_object_new_string(
		a->method_given ? "--method given" : a->calib ?
		"--calib given without --method: gptq" : "no calibration data: rtn"));
	J_ADD(summary, "calib", a->calib ? json_object_new_string(a->calib) : NULL);
	J_ADD(summary, "calib_samples", json_object_new_int((int)a->samples));
	J_ADD(summary, "eval", a->vo.eval_path ? json_object_new_string(a->vo.eval_path) : NULL);
	J_ADD(summary, "bench", a->vo.bench_path ? json_object_new_string(a->vo.bench_path) : NULL);
	J_ADD(summary, "thresholds", val_thresholds_json(&a->vo.th));
}

static struct json_object *base_json(const struct attempt *at)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "label", json_object_new_string(at->label));
	J_ADD(o, "reason", json_object_new_string(at->why));
	J_ADD(o, "bits", json_object_new_int(at->bits));
	J_ADD(o, "mixed", at->mixed ? json_object_new_string(at->mixed) : NULL);
	J_ADD(o, "calib_samples", json_object_new_int((int)at->samples));
	J_ADD(o, "skipped", json_object_new_boolean(at->skip != NULL));
	return o;
}

struct json_object *auto_skipped_json(const struct attempt *at)
{
	struct json_object *o = base_json(at);

	J_ADD(o, "skip_reason", json_object_new_string(at->skip));
	J_ADD(o, "verdict", json_object_new_string("SKIPPED"));
	return o;
}

static struct json_object *figures_json(const struct val_result *r)
{
	const struct val_measure *m = &r->m;
	const struct val_verdict *v = &r->v;
	struct json_object *f = json_object_new_object();

	J_ADD(f, "perplexity_fp", m->have_ppl ? val_json_num(m->ppl_fp) : NULL);
	J_ADD(f, "perplexity_quant", m->have_ppl ? val_json_num(m->ppl_q) : NULL);
	J_ADD(f, "perplexity_increase_pct", m->have_ppl ? val_json_num(v->q.ppl_increase_pct) : NULL);
	J_ADD(f, "os_bench_fp_pct", m->have_bench ? val_json_num(m->bench_fp_pct) : NULL);
	J_ADD(f, "os_bench_quant_pct", m->have_bench ? val_json_num(m->bench_q_pct) : NULL);
	J_ADD(f, "decode_tps_fp", m->have_speed ? val_json_num(m->speed_fp.decode_tps.median) : NULL);
	J_ADD(f, "decode_tps_quant", m->have_speed ? val_json_num(m->speed_q.decode_tps.median) : NULL);
	J_ADD(f, "decode_speedup", m->have_speed ? val_json_num(v->decode_speedup) : NULL);
	J_ADD(f, "prompt_speedup", m->have_speed ? val_json_num(v->prompt_speedup) : NULL);
	J_ADD(f, "file_ratio", val_json_num(v->file_ratio));
	J_ADD(f, "weight_ratio", val_json_num(v->weight_ratio));
	J_ADD(f, "bits_per_weight", val_json_num(v->bits_per_weight));
	J_ADD(f, "size_required_ratio", val_json_num(v->size_threshold));
	J_ADD(f, "gen_failures", json_object_new_int(m->gen_failures_q));
	J_ADD(f, "gen_completions", json_object_new_int(m->gen_completions));
	return f;
}

struct json_object *auto_attempt_json(const struct auto_args *a,
				      const struct attempt *at, const char *dir,
				      const struct val_result *r,
				      const struct hf_export_info *hx,
				      double seconds)
{
	struct json_object *o = base_json(at), *fails, *x;
	char path[4300];
	int k;

	J_ADD(o, "method", json_object_new_string(a->method));
	J_ADD(o, "dir", json_object_new_string(dir));
	snprintf(path, sizeof(path), "%s/validation_report.json", dir);
	J_ADD(o, "report", json_object_new_string(path));
	J_ADD(o, "verdict", json_object_new_string(r->v.accepted ? "ACCEPTED" : "REJECTED"));
	fails = json_object_new_array();
	for (k = 0; k < VAL_N_CRIT; k++) {
		const struct val_criterion *c = &r->v.c[k];
		struct json_object *e;

		if (c->evaluated && c->pass)
			continue;
		e = json_object_new_object();
		J_ADD(e, "name", json_object_new_string(c->name));
		J_ADD(e, "margin", c->evaluated ? val_json_num(c->margin) : NULL);
		J_ADD(e, "detail", json_object_new_string(c->detail));
		json_object_array_add(fails, e);
	}
	J_ADD(o, "failed_criteria", fails);
	J_ADD(o, "figures", figures_json(r));
	x = json_object_new_object();
	J_ADD(x, "bits", json_object_new_int(hx->bits));
	J_ADD(x, "sym", json_object_new_boolean(hx->sym));
	J_ADD(x, "exact", json_object_new_boolean(hx->exact));
	J_ADD(x, "max_abs_change", val_json_num(hx->max_abs_change));
	J_ADD(o, "hf_export", x);
	J_ADD(o, "seconds", val_json_num(seconds));
	return o;
}

void auto_note_misses(struct auto_args *a, const struct attempt *at,
		      const struct val_verdict *v)
{
	int k;

	if (v->accepted)
		a->accepted_any = true;
	for (k = 0; k < VAL_N_CRIT; k++) {
		const struct val_criterion *c = &v->c[k];
		struct miss *m = &a->miss[k];

		if (c->evaluated && c->pass)
			continue;
		/* An unmeasured criterion counts as the worst miss. */
		if (m->failed && c->evaluated && m->label && m->margin >= c->margin)
			continue;
		if (m->failed && !c->evaluated)
			continue;
		m->failed = true;
		m->margin = c->evaluated ? c->margin : -1e300;
		m->label = at->label;
		snprintf(m->detail, sizeof(m->detail), "%s", c->detail);
	}
}

void auto_conclude(struct auto_args *a, int accepted,
		   struct json_object *summary)
{
	struct json_object *misses;
	char advice[1024];
	size_t used = 0;
	int k;

	J_ADD(summary, "result", json_object_new_string(accepted >= 0 ? "ACCEPTED" : "REJECTED"));
	if (accepted >= 0) {
		char dir[4200];

		snprintf(dir, sizeof(dir), "%s/%s%s", a->out, a->name, a->ladder[accepted].suffix);
		J_ADD(summary, "accepted", json_object_new_string(a->ladder[accepted].label));
		J_ADD(summary, "accepted_dir", json_object_new_string(dir));
		return;
	}
	J_ADD(summary, "accepted", NULL);
	misses = json_object_new_array();
	used = (size_t)snprintf(advice, sizeof(advice), "No attempt was accepted.");
	for (k = 0; k < VAL_N_CRIT; k++) {
		const struct miss *m = &a->miss[k];
		struct json_object *e;
		static const char *const names[] = { "quality", "speed", "size", "generation" };

		if (!m->failed)
			continue;
		e = json_object_new_object();
		J_ADD(e, "name", json_object_new_string(names[k]));
		J_ADD(e, "best_attempt", json_object_new_string(m->label));
		J_ADD(e, "margin", m->margin > -1e299 ? val_json_num(m->margin) : NULL);
		J_ADD(e, "detail", json_object_new_string(m->detail));
		json_object_array_add(misses, e);
		if (used < sizeof(advice))
			used += (size_t)snprintf(advice + used, sizeof(advice) - used,
						 " %s failed even at best (%s): %s.", names[k],
						 m->label, m->detail);
	}
	if (used < sizeof(advice))
		snprintf(advice + used, sizeof(advice) - used,
			 " Recommendation: quantization-aware training, or another checkpoint (--checkpoints); every threshold is a flag if the defaults do not fit this model.");
	J_ADD(summary, "closest_misses", misses);
	J_ADD(summary, "recommendation", json_object_new_string(advice));
}

static double num(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !v)
		return NAN;
	return json_object_get_double(v);
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : "";
}

void auto_print_table(struct json_object *summary, const char *path)
{
	struct json_object *att, *p;
	size_t k;

	json_object_object_get_ex(summary, "policy", &p);
	printf("\n%s (%s parameters): %s\n", str(summary, "name"),
	       str(summary, "n_params"), str(p, "reason"));
	printf("%-13s %-9s %10s %9s %11s %8s %7s %6s %4s  %s\n", "attempt", "verdict",
	       "ppl", "ppl +%", "os_bench %", "decode x", "size x", "bpw", "gen", "failed");
	json_object_object_get_ex(summary, "attempts", &att);
	for (k = 0; k < json_object_array_length(att); k++) {
		struct json_object *a = json_object_array_get_idx(att, k), *f, *fc;
		char failed[256] = "";
		size_t j, used = 0;

		if (!json_object_object_get_ex(a, "figures", &f)) {
			printf("%-13s %-9s  %s\n", str(a, "label"), "skipped", str(a, "skip_reason"));
			continue;
		}
		json_object_object_get_ex(a, "failed_criteria", &fc);
		for (j = 0; j < json_object_array_length(fc) && used < sizeof(failed); j++) {
			struct json_object *e = json_object_array_get_idx(fc, j);

			used += (size_t)snprintf(failed + used, sizeof(failed) - used, "%s%s(%+.3g)",
						 j ? "," : "", str(e, "name"), num(e, "margin"));
		}
		printf("%-13s %-9s %10.4f %+8.2f%% %5.1f->%-5.1f %8.2f %7.2f %6.2f %4d  %s\n",
		       str(a, "label"), str(a, "verdict"), num(f, "perplexity_quant"),
		       num(f, "perplexity_increase_pct"), num(f, "os_bench_fp_pct"),
		       num(f, "os_bench_quant_pct"), num(f, "decode_speedup"),
		       num(f, "file_ratio"), num(f, "bits_per_weight"),
		       (int)num(f, "gen_failures"), failed);
	}
	printf("result: %s%s%s\n", str(summary, "result"),
	       json_object_object_get_ex(summary, "recommendation", &p) ? "\n" : "",
	       json_object_object_get_ex(summary, "recommendation", &p) ? cli_json_str(p, "") : "");
	printf("wrote %s\n", path);
}
