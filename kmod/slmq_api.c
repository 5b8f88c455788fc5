// SPDX-License-Identifier: GPL-2.0
/*
 * The exported API (slmq_kapi.h): other kernel code looks models up, runs
 * generations, scores token sequences or drives a session token by token, and model modules
 * register the GGUF they embed.  Each model reference and each session
 * pins slmq.ko, so rmmod is refused while any is held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/export.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "slmq_priv.h"

struct slmqk_session {
	struct slmq_kmodel *m;
	struct slmq_kenv ke;		/* counts the session against max_total_mb */
	struct slmq_session *s;
	bool have_logits;		/* at least one token was fed */
};

/**
 * slmqk_model_get() - look up a published model and take a reference
 * @name: the model's registry name
 *
 * The model stays valid (even if replaced or deleted meanwhile) until
 * slmqk_model_put().  Holding it pins slmq.ko.
 *
 * Context: process context, may sleep.
 * Return: the model, or ERR_PTR(-ENOENT) when no model has that name.
 */
struct slmq_kmodel *slmqk_model_get(const char *name)
{
	struct slmq_kmodel *m = slmq_registry_lookup(name);

	if (!m)
		return ERR_PTR(-ENOENT);
	__module_get(THIS_MODULE);
	return m;
}
EXPORT_SYMBOL_GPL(slmqk_model_get);

/**
 * slmqk_model_put() - drop a reference from slmqk_model_get()
 * @m: the model; NULL and error pointers are ignored
 */
void slmqk_model_put(struct slmq_kmodel *m)
{
	if (IS_ERR_OR_NULL(m))
		return;
	slmq_kmodel_put(m);
	module_put(THIS_MODULE);
}
EXPORT_SYMBOL_GPL(slmqk_model_put);

/**
 * slmqk_model_n_vocab() - vocabulary size, i.e. how many logits a step has
 * @m: a model the caller holds
 *
 * Return: the number of tokens in the model's vocabulary.
 */
u32 slmqk_model_n_vocab(const struct slmq_kmodel *m)
{
	return m->model.hp.n_vocab;
}
EXPORT_SYMBOL_GPL(slmqk_model_n_vocab);

/**
 * slmqk_model_verdict() - the acceptance verdict stored with the model
 * @m: a model the caller holds
 * @buf: receives the slmq.verdict metadata string (e.g. "ACCEPTED"), or ""
 * @len: size of @buf
 *
 * Return: the verdict's length, or -ENODATA when the model carries none.
 */
int slmqk_model_verdict(const struct slmq_kmodel *m, char *buf, size_t len)
{
	if (len)
		buf[0] = '\0';
	if (!m->verdict.ptr)
		return -ENODATA;
	if (len)
		snprintf(buf, len, "%.*s", (int)min_t(u64, m->verdict.len, INT_MAX),
			 m->verdict.ptr);
	return m->verdict.len;
}
EXPORT_SYMBOL_GPL(slmqk_model_verdict);

/**
 * slmqk_generate() - greedy generation from a text prompt into a buffer
 * @m: a model the caller holds
 * @prompt: NUL-terminated UTF-8 prompt (BOS prepended if the model wants it)
 * @max_tokens: at most this many tokens are generated
 * @out: receives the generated text, NUL-terminated (truncated to fit)
 * @out_len: size of @out
 *
 * Counts towards the model's stats and the module's concurrency limit.
 *
 * Context: process context, may sleep; a pending signal ends it with -EINTR.
 * Return: the number of tokens generated, or a negative errno.
 */
int slmqk_generate(struct slmq_kmodel *m, const char *prompt, u32 max_tokens,
		   char *out, size_t out_len)
{
	struct slmq_gen_req req = {
		.prompt = prompt,
		.prompt_len = strlen(prompt),
		.max_tokens = max_tokens,
		.top_p_bits = 0x3f800000u,
	};
	struct slmq_err err = {};
	struct slmq_gen_out res;
	int ret;

	ret = slmq_gen_run(m, &req, &res, &err);
	if (!ret) {
		if (out_len)
			strscpy(out, res.text, out_len);
		ret = res.n_tokens;
	}
	slmq_gen_out_free(&res);
	return ret;
}
EXPORT_SYMBOL_GPL(slmqk_generate);

/**
 * slmqk_score() - negative log-likelihood of each next token of a sequence
 * @m: a model the caller holds
 * @ids: token ids, at least 2 and at most the model's context length, each
 *	below the vocabulary size
 * @n: how many
 * @nll_bits: receives @n - 1 values: after ids[0..i], -log p(ids[i + 1])
 *	under the model, as IEEE-754 single precision bit patterns (so the
 *	caller needs no FPU section to carry them)
 *
 * One fresh session over the ids: exactly the per-window computation of
 * `slmqctl perplexity`, so the values equal userspace's bit for bit.
 * Counts towards the model's stats and the module's concurrency limit,
 * like slmqk_generate().
 *
 * Context: process context, may sleep; a pending signal ends it with -EINTR.
 * Return: @n - 1 (the number of values written), -EINVAL for a bad @n or
 * id (nothing is run), -EINTR or -ENOMEM.
 */
int slmqk_score(struct slmq_kmodel *m, const u32 *ids, u32 n, u32 *nll_bits)
{
	struct slmq_err err = {};
	u64 latency_ns;
	int ret;

	ret = slmq_score_run(m, ids, n, nll_bits, &latency_ns, &err);
	return ret ? ret : n - 1;
}
EXPORT_SYMBOL_GPL(slmqk_score);

/**
 * slmqk_tokenize() - turn text into the model's token ids
 * @m: a model the caller holds
 * @text: NUL-terminated UTF-8
 * @add_bos: prepend the beginning-of-sequence token
 * @ids: receives at most @max_ids ids
 * @max_ids: size of @ids
 *
 * Return: the number of ids the text needs (may exceed @max_ids) or a
 * negative errno.
 */
int slmqk_tokenize(struct slmq_kmodel *m, const char *text, bool add_bos,
		   u32 *ids, u32 max_ids)
{
	return slmq_tokenize(&m->model.vocab, text, strlen(text), add_bos, ids,
			     max_ids, &slmq_kalloc);
}
EXPORT_SYMBOL_GPL(slmqk_tokenize);

/**
 * slmqk_detokenize() - the text of one token
 * @m: a model the caller holds
 * @prev: the token before it (a leading space after BOS is dropped)
 * @id: the token
 * @out: receives the bytes, not NUL-terminated
 * @out_len: size of @out (16 is always enough)
 *
 * Return: the number of bytes written (0 for control tokens).
 */
int slmqk_detokenize(struct slmq_kmodel *m, u32 prev, u32 id, char *out, u32 out_len)
{
	if (id >= m->model.hp.n_vocab)
		return -EINVAL;
	return slmq_detokenize(&m->model.vocab, prev, id, out, out_len);
}
EXPORT_SYMBOL_GPL(slmqk_detokenize);

/**
 * slmqk_session_open() - start a decoding session on a model
 * @m: a model the caller holds; the session takes its own reference
 * @n_ctx: context length (0: the model's training context)
 *
 * The session's memory counts against max_total_mb.
 *
 * Context: process context, may sleep.
 * Return: the session or an ERR_PTR (-EFBIG when max_total_mb has no room
 * for it).
 */
struct slmqk_session *slmqk_session_open(struct slmq_kmodel *m, u32 n_ctx)
{
	struct slmq_err err = {};
	struct slmqk_session *ks;

	if (!n_ctx || n_ctx > m->model.hp.n_ctx_train)
		n_ctx = m->model.hp.n_ctx_train;
	ks = kzalloc(sizeof(*ks), GFP_KERNEL);
	if (!ks)
		return ERR_PTR(-ENOMEM);
	slmq_env_init(&ks->ke);
	ks->s = slmq_session_new(&m->model, &ks->ke.env, n_ctx, &err);
	if (!ks->s) {
		int ret = slmq_env_session_err(&ks->ke, n_ctx, &err);

		kfree(ks);
		return ERR_PTR(ret);
	}
	kref_get(&m->ref);
	__module_get(THIS_MODULE);
	ks->m = m;
	return ks;
}
EXPORT_SYMBOL_GPL(slmqk_session_open);

/**
 * slmqk_session_feed() - run tokens through the model at the current position
 * @s: session
 * @tokens: token ids
 * @n: how many
 *
 * Afterwards the logits predict the token after the last one fed.
 *
 * Context: process context, may sleep; a pending signal ends it with -EINTR.
 * Return: 0, -EINVAL for an id outside the vocabulary, -ENOSPC when the
 * context is full, -EINTR.
 */
int slmqk_session_feed(struct slmqk_session *s, const u32 *tokens, u32 n)
{
	u32 start = slmq_session_pos(s->s);
	int ret;

	/* batched; it stops at a bad id or a full context as a loop would */
	ret = slmq_session_prefill(s->s, tokens, n, NULL, NULL);
	if (slmq_session_pos(s->s) != start)
		s->have_logits = true;
	return ret;
}
EXPORT_SYMBOL_GPL(slmqk_session_feed);

/**
 * slmqk_session_logits() - copy the current logits as IEEE-754 bit patterns
 * @s: session that has been fed at least one token
 * @bits: receives min(@n, vocabulary size) values
 * @n: size of @bits
 *
 * Bits rather than floats, so callers need no FPU section to copy them.
 *
 * Return: the number of values copied, or -ENODATA before the first feed.
 */
int slmqk_session_logits(struct slmqk_session *s, u32 *bits, u32 n)
{
	n = min(n, s->m->model.hp.n_vocab);
	if (!s->have_logits)
		return -ENODATA;
	memcpy(bits, slmq_session_logits(s->s), (size_t)n * sizeof(u32));
	return n;
}
EXPORT_SYMBOL_GPL(slmqk_session_logits);

/**
 * slmqk_session_next_token() - the greedy (argmax) choice for the next token
 * @s: session that has been fed at least one token
 * @token: receives the id; it is not fed back (use slmqk_session_feed())
 *
 * Return: 0 or -ENODATA before the first feed.
 */
int slmqk_session_next_token(struct slmqk_session *s, u32 *token)
{
	struct slmq_sampler sp;

	if (!s->have_logits)
		return -ENODATA;
	slmq_sampler_init(&sp, 0, 0, 0x3f800000u, 1);
	*token = slmq_sample(&sp, s->s);
	return 0;
}
EXPORT_SYMBOL_GPL(slmqk_session_next_token);

/**
 * slmqk_session_close() - end a session and drop its model reference
 * @s: session; NULL and error pointers are ignored
 */
void slmqk_session_close(struct slmqk_session *s)
{
	if (IS_ERR_OR_NULL(s))
		return;
	slmq_session_free(s->s);
	slmq_kmodel_put(s->m);
	kfree(s);
	module_put(THIS_MODULE);
}
EXPORT_SYMBOL_GPL(slmqk_session_close);

/**
 * slmqk_register_gguf() - publish a GGUF image under a name
 * @name: registry name; replaces a model of that name
 * @data: the GGUF file; copied, so it need not outlive the call
 * @size: its length
 *
 * Model modules made by `slmqctl pack-module` call this from their init.
 * The file is validated exactly as a netlink load is.
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno (the reason is logged).
 */
int slmqk_register_gguf(const char *name, const void *data, size_t size)
{
	struct slmq_err err = {};
	struct slmq_kmodel *m;
	void *buf;
	int ret;

	ret = slmq_mem_reserve(size, &err);
	if (ret)
		goto log;
	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf) {
		ret = slmq_fail(&err, -ENOMEM, "out of memory");
		goto unreserve;
	}
	memcpy(buf, data, size);
	m = slmq_kmodel_create(name, buf, size, NULL, &err);
	if (IS_ERR(m)) {
		ret = PTR_ERR(m);
		goto free_buf;
	}
	return slmq_registry_publish(m);

free_buf:
	kvfree(buf);
unreserve:
	slmq_mem_unreserve(size);
log:
	pr_err("model %s rejected: %s\n", name, err.msg);
	return ret;
}
EXPORT_SYMBOL_GPL(slmqk_register_gguf);

/**
 * slmqk_unregister() - withdraw a model by name
 * @name: registry name
 *
 * Holders of the model finish with it; new lookups no longer find it.
 *
 * Return: 0 or -ENOENT.
 */
int slmqk_unregister(const char *name)
{
	return slmq_registry_delete(name);
}
EXPORT_SYMBOL_GPL(slmqk_unregister);
