// SPDX-License-Identifier: GPL-2.0
/*
 * One generation request: tokenize (or take the ids given), run the prompt,
 * sample up to max_tokens tokens.  Shared by the netlink family and the
 * exported API.  At most max_concurrent requests (generate and score,
 * slmq_score.c) run at once; the others wait, interruptibly.  A signal ends a running request between two FPU
 * sections (the engine's yield returns -EINTR).
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/semaphore.h>
#include <linux/slab.h>

#include "slmq_priv.h"

static struct semaphore slmq_gen_sem;
static atomic_t slmq_gen_running = ATOMIC_INIT(0);
static atomic_t slmq_gen_waiting = ATOMIC_INIT(0);

/* For sysfs: generations holding a slot, and requests waiting for one. */
int slmq_gen_running_count(void)
{
	return atomic_read(&slmq_gen_running);
}

int slmq_gen_waiting_count(void)
{
	return atomic_read(&slmq_gen_waiting);
}

void slmq_gen_init(void)
{
	sema_init(&slmq_gen_sem, max(slmq_max_concurrent, 1U));
}

/*
 * Prompt text to ids (BOS as the model asks), into a buffer of the most ids
 * the tokenizer can make of it (byte fallback: up to 3 per byte), so the
 * kernel takes every prompt slmqctl takes.
 */
static int slmq_gen_tokenize(struct slmq_kmodel *m, const struct slmq_gen_req *req,
			     u32 **ids, struct slmq_err *err)
{
	u64 bound = slmq_tokenize_max_ids(req->prompt_len, m->model.vocab.add_bos);
	u32 max;
	int n;

	if (bound > INT_MAX)
		return slmq_fail(err, -E2BIG, "prompt of %u bytes is too long", req->prompt_len);
	max = bound;
	*ids = kvmalloc_array(max, sizeof(u32), GFP_KERNEL | __GFP_NOWARN);
	if (!*ids)
		return slmq_fail(err, -ENOMEM, "out of memory");
	n = slmq_tokenize(&m->model.vocab, req->prompt, req->prompt_len,
			  m->model.vocab.add_bos, *ids, max, &slmq_kalloc);
	if (n < 0)
		return slmq_fail(err, n, "prompt could not be tokenized");
	if (n > max)
		return slmq_fail(err, -EOVERFLOW, "prompt needs %d tokens", n);
	return n;
}

/* Refuses the first id at or above the vocabulary size, naming it "<what> <index>". */
int slmq_ids_check(const struct slmq_kmodel *m, const u32 *ids, u32 n,
		   const char *what, struct slmq_err *err)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (ids[i] >= m->model.hp.n_vocab)
			return slmq_fail(err, -EINVAL, "%s %u is %u, vocabulary has %u",
					 what, i, ids[i], m->model.hp.n_vocab);
	return 0;
}

static int slmq_gen_check(struct slmq_kmodel *m, const u32 *ids, u32 n,
			  const struct slmq_gen_req *req, struct slmq_err *err)
{
	const struct slmq_hparams *hp = &m->model.hp;
	int ret;

	if (!n)
		return slmq_fail(err, -EINVAL, "empty prompt");
	if (n >= hp->n_ctx_train)
		return slmq_fail(err, -E2BIG, "prompt of %u tokens fills the %u-token context",
				 n, hp->n_ctx_train);
	ret = slmq_ids_check(m, ids, n, "prompt token", err);
	if (ret)
		return ret;
	if (!req->max_tokens)
		return slmq_fail(err, -EINVAL, "max_tokens is 0");
	return 0;
}

static int slmq_gen_alloc_out(struct slmq_kmodel *m, const struct slmq_gen_req *req,
			      struct slmq_gen_out *out, struct slmq_err *err)
{
	size_t text_bytes;
	u64 bytes;

	out->tokens = kvmalloc_array(req->max_tokens, sizeof(u32), GFP_KERNEL);
	if (check_mul_overflow((size_t)req->max_tokens, (size_t)16, &text_bytes))
		return slmq_fail(err, -EINVAL, "max_tokens too large");
	out->text = kvzalloc(text_bytes + 1, GFP_KERNEL);
	if (!out->tokens || !out->text)
		return slmq_fail(err, -ENOMEM, "out of memory for %u tokens", req->max_tokens);
	if (!req->want_logits)
		return 0;
	/* max_tokens * n_vocab floats can be most of memory: a session's bytes. */
	bytes = (u64)req->max_tokens * m->model.hp.n_vocab * sizeof(float);
	if (slmq_sess_reserve(bytes))
		return slmq_fail(err, -EFBIG,
				 "logits of %u tokens do not fit max_total_mb (%llu MiB in use)",
				 req->max_tokens, slmq_mem_total_bytes() >> 20);
	out->logits_reserved = bytes;
	out->logits = kvmalloc(bytes, GFP_KERNEL | __GFP_NOWARN);
	if (!out->logits)
		return slmq_fail(err, -ENOMEM, "out of memory for the logits of %u tokens",
				 req->max_tokens);
	return 0;
}

/* Sample, record, feed back: the decoding loop after the prompt has run. */
static int slmq_gen_decode(struct slmq_kmodel *m, struct slmq_session *s,
			   const struct slmq_gen_req *req, struct slmq_gen_out *out,
			   u32 prev, struct slmq_err *err)
{
	const struct slmq_model *mo = &m->model;
	size_t text_cap = (size_t)req->max_tokens * 16;
	struct slmq_sampler sp;
	u32 tok;
	int ret;

	slmq_sampler_init(&sp, req->temp_bits, req->top_k, req->top_p_bits, req->seed);
	for (;;) {
		if (out->logits)
			memcpy(out->logits + (size_t)out->n_tokens * mo->hp.n_vocab,
			       slmq_session_logits(s), mo->hp.n_vocab * sizeof(float));
		tok = slmq_sample(&sp, s);
		/* Like slmqctl generate: EOS ends the text and is not part of it. */
		if (tok == mo->vocab.eos_id) {
			out->stop = SLMQ_STOP_EOS;
			return 0;
		}
		out->tokens[out->n_tokens++] = tok;
		out->text_len += slmq_detokenize(&mo->vocab, prev, tok,
						 out->text + out->text_len,
						 text_cap - out->text_len);
		prev = tok;
		if (out->n_tokens == req->max_tokens) {
			out->stop = SLMQ_STOP_MAX_TOKENS;
			return 0;
		}
		if (slmq_session_pos(s) >= slmq_session_n_ctx(s)) {
			out->stop = SLMQ_STOP_CTX_FULL;
			return 0;
		}
		ret = slmq_session_eval(s, tok);
		if (ret)
			return slmq_fail(err, ret, ret == -EINTR ? "interrupted by a signal" :
					 "evaluating generated token %u failed", out->n_tokens);
	}
}

static int slmq_gen_locked(struct slmq_kmodel *m, const struct slmq_gen_req *req,
			   struct slmq_gen_out *out, struct slmq_err *err)
{
	struct slmq_session *s;
	struct slmq_kenv ke;
	u32 *ids = NULL, n, n_ctx;
	int ret;

	if (req->prompt) {
		ret = slmq_gen_tokenize(m, req, &ids, err);
		if (ret < 0)
			goto free_ids;
		n = ret;
	} else {
		n = req->n_prompt_tokens;
	}
	ret = slmq_gen_check(m, ids ? ids : req->prompt_tokens, n, req, err);
	if (ret)
		goto free_ids;
	ret = slmq_gen_alloc_out(m, req, out, err);
	if (ret)
		goto free_ids;
	out->n_prompt_tokens = n;
	/* What this request can use: its prompt and max_tokens, within the model's context. */
	n_ctx = min_t(u64, m->model.hp.n_ctx_train, (u64)n + req->max_tokens);
	slmq_env_init(&ke);
	s = slmq_session_new(&m->model, &ke.env, n_ctx, err);
	if (!s) {
		ret = slmq_env_session_err(&ke, n_ctx, err);
		goto free_ids;
	}
	/* the prompt a tile at a time (the same bits as one token at a time) */
	ret = slmq_session_prefill(s, ids ? ids : req->prompt_tokens, n, NULL, NULL);
	if (ret) {
		slmq_fail(err, ret, ret == -EINTR ? "interrupted by a signal" :
			  "evaluating prompt token %u failed", slmq_session_pos(s));
		goto free_session;
	}
	ret = slmq_gen_decode(m, s, req, out, ids ? ids[n - 1] : req->prompt_tokens[n - 1],
			      err);
free_session:
	slmq_session_free(s);
free_ids:
	kvfree(ids);
	return ret;
}

/**
 * slmq_gen_run() - generate with a model the caller holds a reference on
 * @m: the model
 * @req: prompt (text or ids), limits and sampling parameters
 * @out: results; free with slmq_gen_out_free() whatever the return value
 * @err: why the request failed
 *
 * Updates the model's stats.
 *
 * Return: 0 or a negative errno (-EINTR when a signal arrived while waiting
 * for a slot or while generating).
 */
int slmq_gen_run(struct slmq_kmodel *m, const struct slmq_gen_req *req,
		 struct slmq_gen_out *out, struct slmq_err *err)
{
	u64 start = ktime_get_ns();
	int ret;

	memset(out, 0, sizeof(*out));
	ret = slmq_slot_get(m, err);
	if (ret)
		return ret;
	ret = slmq_gen_locked(m, req, out, err);
	slmq_slot_put();
	if (!ret)
		out->latency_ns = ktime_get_ns() - start;
	slmq_stats_count(m, ret, out->n_tokens, out->latency_ns);
	return ret;
}

/**
 * slmq_slot_get() - count a request on a model and wait for a free slot
 * @m: the model the request is for
 * @err: why no slot was taken
 *
 * Generate and score share the max_concurrent slots.  On failure the
 * request is already counted as an error; on success the caller runs,
 * then calls slmq_slot_put() and slmq_stats_count().
 *
 * Return: 0 or -EINTR (a signal arrived while waiting).
 */
int slmq_slot_get(struct slmq_kmodel *m, struct slmq_err *err)
{
	int ret;

	atomic64_inc(&m->stats.requests);
	atomic_inc(&slmq_gen_waiting);
	ret = down_interruptible(&slmq_gen_sem);
	atomic_dec(&slmq_gen_waiting);
	if (ret) {
		atomic64_inc(&m->stats.errors);
		return slmq_fail(err, -EINTR, "interrupted while waiting for a free slot");
	}
	atomic_inc(&slmq_gen_running);
	return 0;
}

/* Gives back the slot slmq_slot_get() took. */
void slmq_slot_put(void)
{
	atomic_dec(&slmq_gen_running);
	up(&slmq_gen_sem);
}

/* The outcome of a request that held a slot: an error, or its tokens and latency. */
void slmq_stats_count(struct slmq_kmodel *m, int ret, u32 tokens, u64 latency_ns)
{
	if (ret) {
		atomic64_inc(&m->stats.errors);
		return;
	}
	atomic64_add(tokens, &m->stats.tokens);
	atomic64_set(&m->stats.last_latency_ns, latency_ns);
}

/* A request refused before it ran (e.g. a reply it could not get). */
void slmq_stats_refused(struct slmq_kmodel *m)
{
	atomic64_inc(&m->stats.requests);
	atomic64_inc(&m->stats.errors);
}

/* A request that ran but whose answer never reached the caller. */
void slmq_stats_reply_failed(struct slmq_kmodel *m)
{
	atomic64_inc(&m->stats.errors);
}

void slmq_gen_out_free(struct slmq_gen_out *out)
{
	kvfree(out->tokens);
	kvfree(out->text);
	kvfree(out->logits);
	slmq_sess_unreserve(out->logits_reserved);
	memset(out, 0, sizeof(*out));
}
