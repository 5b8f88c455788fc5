// SPDX-License-Identifier: GPL-2.0
/*
 * slmqctl validate --backend kernel NAME MODEL: the perplexity and generation
 * checks run through slmq.ko (the score and generate ops), compared with
 * the userspace engine on the same file.  The kernel and userspace share
 * one engine, so they must agree exactly: the NLL of every position of the
 * perplexity windows bit for bit (hence the perplexity is identical) and
 * every greedy and seeded sampled completion of the prompt set token for
 * token.
 *
 * Perplexity follows `slmqctl perplexity`: non-overlapping windows of the
 * model's context (or --kernel-ctx), the same token budget, one score
 * request per window.
 *
 * os_bench items are answered by the kernel too and must get the very same
 * predictions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../kmod/engine/fbits.h"
#include "../netlink/nl_generate.h"
#include "../netlink/nl_perplexity.h"
#include "kernel_backend.h"

/* A greedy or sampled completion of prompt by slmq.ko (reply: slmq_nl_gen_reply_free()). */
static int kb_generate(struct slmq_nl *nl, const char *name, const uint32_t *prompt,
		       uint32_t np, const struct eval_gen_opts *o, struct slmq_nl_gen_reply *r)
{
	struct slmq_nl_gen_req req = {
		.name = name, .ids = prompt, .n_ids = np, .max_tokens = o->max_new,
		.explicit = true, .temp_bits = slmq_f32_bits(o->temp), .top_k = o->top_k,
		.top_p_bits = slmq_f32_bits(o->top_p), .seed = o->seed,
	};

	return slmq_nl_generate(nl, &req, r);
}

/* The same window in userspace, exactly as eval_perplexity() scores it. */
/*
 * Both sides score the same windows and sum them with eval_perplexity()'s
 * own pieces, so equal NLL bits give the very perplexity `slmqctl
 * perplexity` prints.
 */
static int ppl_check(struct slmq_nl *nl, const char *name, const struct cli_model *cm,
		     const struct kb_opts *ko, struct kb_result *res, struct slmq_err *err)
{
	uint32_t ctx = ko->ctx ? ko->ctx : cm->model.hp.n_ctx_train, w, i, nw;
	uint32_t *ids, *knll = NULL, *unll = NULL;
	struct slmq_session *s = NULL;
	struct slmq_env env;
	double ks = 0, us = 0;
	size_t n;
	int ret;

	ret = eval_load_tokens(ko->eval_path, &cm->model.vocab, &ids, &n, err);
	if (ret)
		return ret;
	ret = eval_ppl_windows(ko->max_tokens, n, ctx, cm->model.hp.n_ctx_train, &nw, err);
	if (ret)
		goto free_ids;
	knll = malloc((size_t)ctx * 4);
	unll = malloc((size_t)ctx * 4);
	cli_env_init(&env);
	if (!knll || !unll) {
		ret = slmq_fail(err, -ENOMEM, "out of memory");
		goto free_ids;
	}
	s = slmq_session_new(&cm->model, &env, ctx, err);
	if (!s) {
		ret = err->code ? err->code : -ENOMEM;
		goto free_ids;
	}
	for (w = 0; w < nw && !ret; w++) {
		const uint32_t *win = ids + (size_t)w * ctx;

		ret = nl_score(nl, name, win, ctx, knll, err) ?:
		      eval_score_window(s, win, ctx, unll, err);
		if (ret)
			break;
		for (i = 0; i + 1 < ctx; i++)
			res->nll_mismatches += knll[i] != unll[i];
		ret = eval_nll_add(&ks, knll, ctx, err) ?:
		      eval_nll_add(&us, unll, ctx, err);
		if (ret)
			break;
		cli_progress("kernel perplexity", (unsigned long long)w + 1,
			     (unsigned long long)nw);
	}
	if (!ret) {
		res->ppl_ctx = ctx;
		res->ppl_windows = nw;
		res->ppl_positions = (uint64_t)nw * (ctx - 1);
		res->ppl_kernel = exp(ks / (double)res->ppl_positions);
		res->ppl_user = exp(us / (double)res->ppl_positions);
		res->have_ppl = true;
	}
	slmq_session_free(s);
free_ids:
	free(knll);
	free(unll);
	free(ids);
	return ret;
}

static int gen_check(struct slmq_nl *nl, const char *name, const struct cli_model *cm,
		     const struct kb_opts *ko, const struct val_prompts *ps,
		     struct kb_result *res, struct slmq_err *err)
{
	const struct slmq_vocab *v = &cm->model.vocab;
	struct slmq_session *s;
	struct slmq_env env;
	int k, j, ret = 0;

	cli_env_init(&env);
	/* prompts are under 512 ids: sized to that, not the model's context */
	s = slmq_session_new(&cm->model, &env,
			     eval_gen_ctx(&cm->model, 512, ko->vo->gen_max_new), err);
	if (!s)
		return err->code ? err->code : -ENOMEM;
	for (k = 0; k < ps->n && !ret; k++) {
		uint32_t ids[512];
		int np = slmq_tokenize(v, ps->p[k], (u32)strlen(ps->p[k]), true, ids, 512,
				       &cli_allocator);

		if (np <= 0 || np >= 512) {
			ret = slmq_fail(err, -EINVAL, "prompt %d does not fit", k + 1);
			break;
		}
		for (j = 0; j <= ko->vo->gen_sampled && !ret; j++) {
			struct eval_gen_opts go;
			struct eval_gen u;
			struct slmq_nl_gen_reply r;
			uint32_t kn;

			val_gen_opts(ko->vo, j > 0, ko->vo->seed + (uint64_t)k * 7919 + (uint64_t)j, &go);
			ret = eval_generate(s, v, ids, (uint32_t)np, &go, &u, err);
			if (ret)
				break;
			ret = kb_generate(nl, name, ids, (uint32_t)np, &go, &r);
			if (ret) {
				slmq_fail(err, ret, "kernel generate: %s", nl->err);
			} else {
				/* The kernel may report the EOS it stopped at among the tokens. */
				kn = r.n_tokens;
				if (kn && r.tokens[kn - 1] == v->eos_id)
					kn--;
				res->completions++;
				res->gen_mismatches += kn != u.n ||
					(kn && memcmp(r.tokens, u.ids, kn * 4));
			}
			slmq_nl_gen_reply_free(&r);
			eval_gen_free(&u);
		}
	}
	slmq_session_free(s);
	return ret;
}

/*
 * os_bench through the kernel: greedy, at most 64 new tokens; the kernel has
 * no stop id, so its continuation is cut at the first newline (what the
 * protocol stops at), decoded, stripped and scored like userspace's.
 */
static int bench_check(struct slmq_nl *nl, const char *name, const struct cli_model *cm,
		       const struct kb_opts *ko, struct kb_result *res, struct slmq_err *err)
{
	struct eval_gen_opts go = { .max_new = OSBENCH_MAX_NEW, .top_p = 1.0f,
				    .stop_id = UINT32_MAX };
	const struct slmq_vocab *v = &cm->model.vocab;
	struct osbench_items items;
	struct osbench_result ur;
	struct slmq_env env;
	size_t i;
	int ret;

	ret = osbench_load(ko->vo->bench_path, ko->vo->bench_limit, &items, err);
	if (ret)
		return ret;
	cli_env_init(&env);
	memset(&ur, 0, sizeof(ur));
	ret = eval_osbench(&cm->model, &env, &items, ko->vo->threads, &ur, NULL, NULL, err);
	for (i = 0; i < items.n && !ret; i++) {
		const struct osbench_item *it = &items.v[i];
		struct slmq_nl_gen_reply r;
		uint32_t n = 0;
		char *text, *pred;
		size_t tl;

		ret = kb_generate(nl, name, it->prompt_ids, it->n_prompt, &go, &r);
		if (ret) {
			slmq_fail(err, ret, "kernel generate: %s", nl->err);
			break;
		}
		while (n < r.n_tokens && r.tokens[n] != OSBENCH_STOP_ID && r.tokens[n] != v->eos_id)
			n++;
		text = eval_detokenize(v, it->prompt_ids[it->n_prompt - 1], r.tokens, n, &tl);
		pred = text ? osbench_strip(text, tl) : NULL;
		if (!pred) {
			ret = slmq_fail(err, -ENOMEM, "out of memory");
		} else {
			res->bench_items++;
			res->bench_exact_kernel += !strcmp(pred, it->answer);
			res->bench_mismatches += strcmp(pred, ur.predictions[i]) != 0;
		}
		free(pred);
		free(text);
		slmq_nl_gen_reply_free(&r);
	}
	if (!ret) {
		res->bench_exact_user = ur.exact;
		res->have_bench = true;
	}
	osbench_result_free(&ur, items.n);
	osbench_free(&items);
	return ret;
}

int kb_validate(const char *name, const struct cli_model *cm, const struct kb_opts *ko,
		const struct val_prompts *ps, struct kb_result *res, struct slmq_err *err)
{
	struct slmq_nl nl;
	int ret;

	memset(res, 0, sizeof(*res));
	if (slmq_nl_open(&nl))
		return slmq_fail(err, -ENODEV, "%s", nl.err);
	ret = ko->eval_path ? ppl_check(&nl, name, cm, ko, res, err) : 0;
	if (!ret)
		ret = gen_check(&nl, name, cm, ko, ps, res, err);
	if (!ret && ko->vo->bench_path)
		ret = bench_check(&nl, name, cm, ko, res, err);
	slmq_nl_close(&nl);
	res->agree = !ret && res->nll_mismatches == 0 && res->gen_mismatches == 0 &&
		     res->bench_mismatches == 0 &&
		     res->completions > 0 && (!ko->eval_path || res->ppl_positions > 0);
	return ret;
}

struct json_object *kb_report_json(const char *name, const char *path,
				   const struct kb_opts *ko, const struct kb_result *r)
{
	struct json_object *o = json_object_new_object(), *p, *g;

	json_object_object_add(o, "schema", json_object_new_string("slmq.kernel_agreement/2"));
	json_object_object_add(o, "backend", json_object_new_string("kernel"));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "model", json_object_new_string(path));
	json_object_object_add(o, "agree", json_object_new_boolean(r->agree));
	p = json_object_new_object();
	json_object_object_add(p, "measured", json_object_new_boolean(r->have_ppl));
	json_object_object_add(p, "window", json_object_new_int((int)r->ppl_ctx));
	json_object_object_add(p, "windows", json_object_new_int((int)r->ppl_windows));
	json_object_object_add(p, "positions", json_object_new_int64((int64_t)r->ppl_positions));
	json_object_object_add(p, "kernel", r->have_ppl ? val_json_num(r->ppl_kernel) : NULL);
	json_object_object_add(p, "userspace", r->have_ppl ? val_json_num(r->ppl_user) : NULL);
	json_object_object_add(p, "identical", json_object_new_boolean(r->have_ppl &&
				r->ppl_kernel == r->ppl_user && !r->nll_mismatches));
	json_object_object_add(p, "nll_mismatches", json_object_new_int64((int64_t)r->nll_mismatches));
	json_object_object_add(o, "perplexity", p);
	g = json_object_new_object();
	json_object_object_add(g, "completions", json_object_new_int(r->completions));
	json_object_object_add(g, "mismatches", json_object_new_int(r->gen_mismatches));
	json_object_object_add(o, "generation", g);
	g = json_object_new_object();
	json_object_object_add(g, "measured", json_object_new_boolean(r->have_bench));
	json_object_object_add(g, "items", json_object_new_int((int)r->bench_items));
	json_object_object_add(g, "kernel_exact", json_object_new_int((int)r->bench_exact_kernel));
	json_object_object_add(g, "userspace_exact", json_object_new_int((int)r->bench_exact_user));
	json_object_object_add(g, "prediction_mismatches", json_object_new_int((int)r->bench_mismatches));
	json_object_object_add(o, "os_bench", g);
	return o;
}
