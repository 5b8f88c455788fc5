// SPDX-License-Identifier: GPL-2.0
/*
 * quantize --auto --checkpoints DIR...: pick the FP checkpoint to quantize.
 * Each candidate (the directories given, or the step_N folders of a single
 * parent directory) is evaluated on the --eval data with the same
 * perplexity protocol validation uses; the lowest perplexity wins, and the
 * summary records every candidate's figure and why the winner won.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "accept_priv.h"

struct cand {
	char path[4096];
	long step;		/* from step_N, -1 when not named so */
	double ppl;
};

static bool is_model_dir(const char *d)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s/config.json", d);
	return !stat(p, &st);
}

static int cmp_step(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	return (a->step > b->step) - (a->step < b->step);
}

/* step_N sub-directories of parent, sorted by N. */
static int expand_parent(const char *parent, struct cand *c, int max)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char *end;
		long step;

		if (strncmp(e->d_name, "step_", 5))
			continue;
		step = strtol(e->d_name + 5, &end, 10);
		if (end == e->d_name + 5 || *end)
			continue;
		snprintf(c[n].path, sizeof(c[n].path), "%s/%s", parent, e->d_name);
		c[n].step = step;
		if (is_model_dir(c[n].path))
			n++;
	}
	closedir(d);
	qsort(c, (size_t)n, sizeof(*c), cmp_step);
	return n;
}

static int eval_one(struct cand *c, const struct val_opts *o, struct slmq_err *err)
{
	struct eval_ppl_opts po = { .max_tokens = o->ppl_max_tokens, .threads = o->threads };
	struct eval_ppl r;
	struct cli_model cm;
	struct slmq_env env;
	uint32_t *ids;
	size_t n;
	int ret;

	ret = cli_model_open(c->path, &cm, err);
	if (ret)
		return ret;
	cli_env_init(&env);
	ret = eval_load_tokens(o->eval_path, &cm.model.vocab, &ids, &n, err);
	if (!ret) {
		ret = eval_perplexity(&cm.model, &env, ids, n, &po, &r, err);
		free(ids);
	}
	cli_model_close(&cm);
	c->ppl = ret ? NAN : r.ppl;
	return ret;
}

/* The candidates: the step_N folders of one parent, or the directories given. */
static int gather(struct auto_args *a, struct cand *c, int max)
{
	char tmp[4096], *st;
	int n = 0, k;

	if (a->n_ckpt == 1 && !is_model_dir(a->ckpt[0])) {
		n = expand_parent(a->ckpt[0], c, max);
		if (!a->name) {
			snprintf(a->name_buf, sizeof(a->name_buf), "%s",
				 cli_basename(a->ckpt[0], tmp, sizeof(tmp)));
			a->name = a->name_buf;
		}
		return n;
	}
	for (k = 0; k < a->n_ckpt; k++) {
		snprintf(c[n].path, sizeof(c[n].path), "%s", a->ckpt[k]);
		st = strstr(cli_basename(a->ckpt[k], tmp, sizeof(tmp)), "step_");
		c[n].step = st ? strtol(st + 5, NULL, 10) : -1;
		n++;
	}
	return n;
}

/* Evaluates every candidate into arr; *best and *second by perplexity. */
static int evaluate(struct auto_args *a, struct cand *c, int n,
		    struct json_object *arr, int *best, int *second)
{
	struct slmq_err err = { 0 };
	int k;

	*best = *second = -1;
	for (k = 0; k < n; k++) {
		struct json_object *e = json_object_new_object();

		if (eval_one(&c[k], &a->vo, &err)) {
			json_object_put(e);
			return cli_fail("%s: %s", c[k].path, err.msg);
		}
		if (!cli_quiet)
			printf("checkpoint %s: perplexity %.4f\n", c[k].path, c[k].ppl);
		json_object_object_add(e, "path", json_object_new_string(c[k].path));
		json_object_object_add(e, "step", c[k].step >= 0 ? json_object_new_int64(c[k].step) : NULL);
		json_object_object_add(e, "perplexity", val_json_num(c[k].ppl));
		json_object_array_add(arr, e);
		if (*best < 0 || c[k].ppl < c[*best].ppl) {
			*second = *best;
			*best = k;
		} else if (*second < 0 || c[k].ppl < c[*second].ppl) {
			*second = k;
		}
	}
	return 0;
}

int auto_pick_checkpoint(struct auto_args *a, struct json_object *summary)
{
	struct cand *c = calloc(AUTO_MAX_CKPT * 4, sizeof(*c));
	struct json_object *sel = json_object_new_object(), *arr = json_object_new_array();
	int n, best, second, ret = 1;
	char why[8800];

	if (!c) {
		ret = cli_fail("out of memory");
		goto out;
	}
	if (!a->vo.eval_path) {
		ret = cli_fail("quantize --auto: --checkpoints needs --eval DATA to compare them");
		goto out;
	}
	n = gather(a, c, AUTO_MAX_CKPT * 4);
	if (!n) {
		ret = cli_fail("quantize --auto: %s holds no step_N checkpoint directories", a->ckpt[0]);
		goto out;
	}
	if (evaluate(a, c, n, arr, &best, &second))
		goto out;
	if (second >= 0)
		snprintf(why, sizeof(why),
			 "lowest perplexity on %s: %.4f (next best %s: %.4f, %+.2f%%)",
			 a->vo.eval_path, c[best].ppl, c[second].path, c[second].ppl,
			 (c[second].ppl / c[best].ppl - 1) * 100);
	else
		snprintf(why, sizeof(why), "the only checkpoint (perplexity %.4f on %s)",
			 c[best].ppl, a->vo.eval_path);
	snprintf(a->ckpt_pick, sizeof(a->ckpt_pick), "%s", c[best].path);
	a->model = a->ckpt_pick;
	json_object_object_add(sel, "candidates", json_object_get(arr));
	json_object_object_add(sel, "chosen", json_object_new_string(c[best].path));
	json_object_object_add(sel, "reason", json_object_new_string(why));
	json_object_object_add(summary, "checkpoint_selection", json_object_get(sel));
	if (!cli_quiet)
		printf("chosen checkpoint: %s: %s\n", c[best].path, why);
	ret = 0;
out:
	json_object_put(arr);
	json_object_put(sel);
	free(c);
	return ret;
}
