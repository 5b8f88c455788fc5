// SPDX-License-Identifier: GPL-2.0
/*
 * Measuring one model for validation: perplexity, os_bench, sizes and the
 * prompt-set completions, all through the eval library (the engine).
 */
#include <stdlib.h>
#include <string.h>

#include "validate.h"
#include "verdict.h"

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	cli_progress(ctx, done, total);
}

static bool is_q4(u32 t)
{
	return t == SLMQ_TYPE_Q4_0 || t == SLMQ_TYPE_Q4_1;
}

/* Sizes, and what the decoder linears were stored as (the size class). */
static void measure_size(const struct cli_model *cm, struct val_figs *f)
{
	const struct slmq_model *m = &cm->model;
	unsigned int count[16] = { 0 };
	size_t used = 0;
	u64 k;
	u32 l, t;

	/*
	 * The validation record stamped into a file (slmq.report can be tens of
	 * KB) is not the model: without this, re-validating a stamped INT4 file
	 * would find it 2.99x instead of 3.00x smaller.
	 */
	f->size.file_bytes = cm->len;
	if (m->gguf.n_tensors) {
		const struct slmq_gguf_tensor *last = &m->gguf.tensors[m->gguf.n_tensors - 1];
		u64 head = (u64)((const u8 *)last->name.ptr - m->gguf.buf) + last->name.len +
			   4 + 8ull * last->n_dims + 4 + 8;
		u64 al = m->gguf.alignment, data = cm->len - (u64)(m->gguf.data - m->gguf.buf);

		for (k = 0; k < m->gguf.n_kv; k++) {
			const struct slmq_gguf_kv *kv = &m->gguf.kv[k];

			if (slmq_gguf_str_eq(kv->key, VAL_KEY_REPORT) ||
			    slmq_gguf_str_eq(kv->key, VAL_KEY_VERDICT))
				head -= 8 + kv->key.len + 4 + kv->val_len;
		}
		/* the file as written without them: header, padding, data */
		f->size.file_bytes = (head + al - 1) / al * al + data;
	}
	f->size.weight_bytes = m->weight_bytes;
	f->size.n_params = m->n_params;
	for (l = 0; l < m->hp.n_layer; l++) {
		const struct slmq_layer *ly = &m->layers[l];
		const struct slmq_tensor *lin[7] = {
			&ly->wq, &ly->wk, &ly->wv, &ly->wo,
			&ly->w_gate, &ly->w_up, &ly->w_down,
		};

		for (k = 0; k < 7; k++) {
			u64 n = (u64)lin[k]->ne0 * lin[k]->ne1;

			if (is_q4(lin[k]->type))
				f->size.params_q4 += n;
			else if (lin[k]->type == SLMQ_TYPE_Q8_0)
				f->size.params_q8 += n;
		}
	}
	for (k = 0; k < m->gguf.n_tensors; k++)
		if (m->gguf.tensors[k].type < 16)
			count[m->gguf.tensors[k].type]++;
	f->types[0] = 0;
	for (t = 0; t < 16; t++) {
		const char *name = count[t] ? slmq_type_name(t) : NULL;
		int w;

		if (!name)
			continue;
		w = snprintf(f->types + used, sizeof(f->types) - used, "%s%s:%u",
			     used ? "," : "", name, count[t]);
		if (w < 0 || (size_t)w >= sizeof(f->types) - used)
			break;
		used += (size_t)w;
	}
}

static int measure_ppl(const struct cli_model *cm, const struct slmq_env *env,
		       const struct val_opts *o, struct val_figs *f,
		       struct slmq_err *err)
{
	struct eval_ppl_opts po = {
		.max_tokens = o->ppl_max_tokens,
		.threads = o->threads,
		.progress = progress,
		.progress_ctx = "perplexity",
	};
	uint32_t *ids;
	size_t n;
	int ret;

	ret = eval_load_tokens(o->eval_path, &cm->model.vocab, &ids, &n, err);
	if (ret)
		return ret;
	ret = eval_perplexity(&cm->model, env, ids, n, &po, &f->ppl, err);
	free(ids);
	f->have_ppl = !ret;
	return ret;
}

static int measure_bench(const struct cli_model *cm, const struct slmq_env *env,
			 const struct val_opts *o, struct val_figs *f,
			 struct slmq_err *err)
{
	struct osbench_items items;
	struct osbench_result r;
	int ret;

	ret = osbench_load(o->bench_path, o->bench_limit, &items, err);
	if (ret)
		return ret;
	memset(&r, 0, sizeof(r));
	ret = eval_osbench(&cm->model, env, &items, o->threads, 0, &r, progress, "os_bench", err);
	if (!ret) {
		f->have_bench = true;
		f->bench_n = r.n;
		f->bench_exact = r.exact;
		f->bench_pct = r.acc * 100.0;
		f->bench_prefix = r.prefix;
	}
	osbench_result_free(&r, items.n);
	osbench_free(&items);
	return ret;
}

/* Unknown pieces and byte-fallback pieces other than the newline/tab bytes. */
uint8_t *val_odd_flags(const struct slmq_vocab *v, const uint32_t *ids, uint32_t n)
{
	uint8_t *odd = calloc(n ? n : 1, 1);
	uint32_t k;

	if (!odd)
		return NULL;
	for (k = 0; k < n; k++) {
		uint32_t id = ids[k];

		if (id >= v->n_tokens)
			odd[k] = 1;
		else if (v->type[id] == SLMQ_TOKEN_UNKNOWN)
			odd[k] = 1;
		else if (v->type[id] == SLMQ_TOKEN_BYTE)
			odd[k] = id != v->byte_ids['\n'] && id != v->byte_ids['\t'];
	}
	return odd;
}

void val_gen_opts(const struct val_opts *o, bool sampled, uint64_t seed,
		  struct eval_gen_opts *go)
{
	memset(go, 0, sizeof(*go));
	go->max_new = o->gen_max_new;
	go->temp = sampled ? 0.8f : 0.0f;
	go->top_k = sampled ? 40 : 0;
	go->top_p = sampled ? 0.95f : 1.0f;
	go->seed = seed;
	go->stop_id = UINT32_MAX;
}

static int gen_one(struct slmq_session *s, const struct slmq_vocab *v,
		   const uint32_t *ids, uint32_t n_ids, const struct val_opts *o,
		   struct val_gen_item *it, struct slmq_err *err)
{
	struct eval_gen_opts go;
	uint32_t room = slmq_session_n_ctx(s) - n_ids;
	int ret;

	val_gen_opts(o, it->sampled, it->seed, &go);
	if (go.max_new > room)
		go.max_new = room;
	ret = eval_generate(s, v, ids, n_ids, &go, &it->g, err);
	if (ret)
		return ret;
	it->eos = it->g.stopped && it->g.stop_token == v->eos_id;
	it->odd = val_odd_flags(v, it->g.ids, it->g.n);
	return it->odd ? 0 : slmq_fail(err, -ENOMEM, "out of memory");
}

static int measure_gen(const struct cli_model *cm, const struct slmq_env *env,
		       const struct val_opts *o, const struct val_prompts *ps,
		       struct val_figs *f, struct slmq_err *err)
{
	const struct slmq_vocab *v = &cm->model.vocab;
	int per = 1 + o->gen_sampled, k, j, ret = 0;
	struct slmq_session *s;
	uint32_t ids[512];

	f->gen = calloc((size_t)ps->n * per, sizeof(*f->gen));
	if (!f->gen)
		return slmq_fail(err, -ENOMEM, "out of memory");
	/* prompts are under 512 ids: sized to that, not the model's context */
	s = slmq_session_new(&cm->model, env,
			     eval_gen_ctx(&cm->model, 512, o->gen_max_new), err);
	if (!s)
		return err->code ? err->code : -ENOMEM;
	for (k = 0; k < ps->n && !ret; k++) {
		int n = slmq_tokenize(v, ps->p[k], (u32)strlen(ps->p[k]), true, ids,
				      512, &cli_allocator);

		if (n < 0 || n >= 512 || (u32)n + 1 >= slmq_session_n_ctx(s)) {
			ret = slmq_fail(err, -EINVAL, "prompt %d does not fit the context", k + 1);
			break;
		}
		for (j = 0; j < per && !ret; j++) {
			struct val_gen_item *it = &f->gen[f->n_gen];

			it->prompt = k;
			it->sampled = j > 0;
			it->seed = o->seed + (uint64_t)k * 7919 + (uint64_t)j;
			ret = gen_one(s, v, ids, (uint32_t)n, o, it, err);
			f->n_gen++;
		}
		cli_progress("generation", (unsigned long long)k + 1,
			     (unsigned long long)ps->n);
	}
	slmq_session_free(s);
	return ret;
}

int val_measure(const struct cli_model *cm, const struct val_opts *o,
		const struct val_prompts *ps, struct val_figs *f,
		struct slmq_err *err)
{
	struct slmq_env env;
	double t0 = cli_now();
	int ret = 0;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", cm->path);
	cli_env_init(&env);
	measure_size(cm, f);
	if (o->eval_path)
		ret = measure_ppl(cm, &env, o, f, err);
	if (!ret && o->bench_path)
		ret = measure_bench(cm, &env, o, f, err);
	if (!ret && ps && ps->n)
		ret = measure_gen(cm, &env, o, ps, f, err);
	f->seconds = cli_now() - t0;
	return ret;
}

void val_figs_free(struct val_figs *f)
{
	int k;

	for (k = 0; k < f->n_gen; k++) {
		eval_gen_free(&f->gen[k].g);
		free(f->gen[k].odd);
	}
	free(f->gen);
	f->gen = NULL;
	f->n_gen = 0;
}
