// SPDX-License-Identifier: GPL-2.0
/* One validation: measure (FP once), time both, compare, judge, report. */
#include <string.h>

#include "validate.h"

int val_validate(const struct cli_model *orig, const struct cli_model *quant,
		 const struct val_opts *o, const struct val_prompts *ps,
		 struct val_figs *fp_figs, struct val_result *r,
		 struct slmq_err *err)
{
	struct val_figs qf;
	struct val_gen_cmp gc;
	struct val_measure *m = &r->m;
	int ret;

	memset(r, 0, sizeof(*r));
	if (orig->model.hp.n_vocab != quant->model.hp.n_vocab ||
	    orig->model.hp.n_embd != quant->model.hp.n_embd ||
	    orig->model.hp.n_layer != quant->model.hp.n_layer)
		return slmq_fail(err, -EINVAL,
				 "%s and %s are not the same model (vocab, width or depth differ)",
				 orig->path, quant->path);
	if (!fp_figs->path[0]) {
		ret = val_measure(orig, o, ps, fp_figs, err);
		if (ret)
			return ret;
	}
	ret = val_measure(quant, o, ps, &qf, err);
	if (ret)
		goto out_free_q;
	if (o->speed_runs > 0) {
		ret = val_measure_speed(orig, quant, o, &m->speed_fp, &m->speed_q, err);
		if (ret)
			goto out_free_q;
		m->have_speed = true;
	}
	m->have_ppl = fp_figs->have_ppl && qf.have_ppl;
	m->ppl_fp = fp_figs->ppl.ppl;
	m->ppl_q = qf.ppl.ppl;
	m->ppl_tokens = fp_figs->ppl.scored;
	m->have_bench = fp_figs->have_bench && qf.have_bench;
	m->bench_fp_pct = fp_figs->bench_pct;
	m->bench_q_pct = qf.bench_pct;
	m->bench_items = (int)fp_figs->bench_n;
	m->size_fp = fp_figs->size;
	m->size_q = qf.size;
	val_compare_gen(o, ps, fp_figs, &qf, &gc, m);
	ret = val_fork_check(orig, o, ps, fp_figs, &qf, &gc, m, err);
	if (ret) {
		val_gen_cmp_free(&gc);
		goto out_free_q;
	}
	val_judge(&o->th, m, &r->v);
	r->report = val_report_json(o, ps, fp_figs, &qf, m, &r->v, &gc);
	if (!cli_quiet)
		val_print_table(stdout, fp_figs, &qf, m, &r->v);
	val_gen_cmp_free(&gc);
out_free_q:
	val_figs_free(&qf);
	return ret;
}

void val_result_free(struct val_result *r)
{
	json_object_put(r->report);
	r->report = NULL;
}
