/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Model evaluation as a library: perplexity, generation and the os_bench
 * knowledge benchmark, computed by the engine (the same code slmq.ko runs).
 * The slmqctl commands are thin wrappers; the validation and quantization
 * code call these directly.
 *
 * Protocols are those of fixtures/pcilm-tiny/README.md, so the figures are
 * comparable with reference.json.
 */
#ifndef SLMQCTL_EVAL_H
#define SLMQCTL_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../kmod/engine/compat.h"
#include "../../kmod/engine/model.h"

/* Called with (done, total) as work advances; may be NULL. */
typedef void (*eval_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/*
 * Context a generation needs: prompt + new tokens, capped to the model's
 * context (the session is sized to it, not to the model's context).
 */
uint32_t eval_gen_ctx(const struct slmq_model *m, uint64_t n_prompt,
		      uint64_t max_new);

/*
 * Token ids from a file: *.bin is raw little-endian u16 ids (nanoGPT style);
 * anything else is UTF-8 text, tokenized as one piece with a leading <s>.
 * *ids is malloc'd.
 */
int eval_load_tokens(const char *path, const struct slmq_vocab *v,
		     uint32_t **ids, size_t *n, struct slmq_err *err);
/* The same from bytes in memory (bin: the .bin format); for fuzzing and tests. */
int eval_parse_tokens(const char *name, const void *buf, size_t len, bool bin,
		      const struct slmq_vocab *v, uint32_t **ids, size_t *n,
		      struct slmq_err *err);

/*
 * What an evaluation job on the worker pool starts with (eval_pool.c): each
 * worker gets a session of ctx positions and runs item(job, session, i) for
 * the items handed to it; results go to per-item slots the caller combines
 * in order, so the figures do not depend on the thread count (0: the CPUs).
 */
struct eval_pool_job {
	const struct slmq_model *m;
	const struct slmq_env *env;
	uint32_t ctx;
	u32 session_flags;	/* slmq_session_open()'s: the KV cache's type */
	eval_progress_fn progress;
	void *progress_ctx;
};

typedef int (*eval_item_fn)(struct eval_pool_job *job, struct slmq_session *s,
			    size_t i, struct slmq_err *err);

int eval_pool_run(struct eval_pool_job *job, size_t n, unsigned int threads,
		  eval_item_fn item, struct slmq_err *err);

#define EVAL_PPL_DEFAULT_TOKENS 100000

struct eval_ppl_opts {
	uint32_t ctx;		/* window length; 0: the model's context */
	size_t max_tokens;	/* use the first max_tokens ids; 0: EVAL_PPL_DEFAULT_TOKENS */
	unsigned int threads;	/* workers; 0: the machine's CPUs (same figures) */
	u32 session_flags;	/* slmq_session_open()'s; 0: an F16 KV cache */
	eval_progress_fn progress;
	void *progress_ctx;
};

struct eval_ppl {
	double ppl;		/* exp(mean NLL) */
	double nll;		/* mean NLL per scored token (nats) */
	uint64_t scored;	/* windows * (ctx - 1) */
	uint32_t windows;
	uint32_t ctx;
	uint64_t tokens_used;	/* windows * ctx */
	double seconds;
};

/*
 * Perplexity by non-overlapping windows: the first min(max_tokens, n) ids
 * cut into windows of exactly ctx ids (partial tail dropped), each run from
 * position 0 without an extra <s>, scoring its ctx-1 next-token predictions.
 */
int eval_perplexity(const struct slmq_model *m, const struct slmq_env *env,
		    const uint32_t *ids, size_t n,
		    const struct eval_ppl_opts *o, struct eval_ppl *r,
		    struct slmq_err *err);

/*
 * The pieces of eval_perplexity(), for other scorers of the same windows
 * (slmq.ko through the score op) to follow the protocol exactly:
 * eval_ppl_windows() counts the windows of ctx ids in the first max_tokens
 * (0: the default) of n; eval_score_window() puts the engine's ctx - 1 NLLs
 * of one window (IEEE single bits) into nll; eval_nll_add() adds them to
 * the running double total in order, or fails on a NaN or infinite one (a
 * model whose logits overflowed: a perplexity of -nan is not a result);
 * eval_ppl_finish() fills r.
 */
int eval_ppl_windows(size_t max_tokens, size_t n, uint32_t ctx, uint32_t n_ctx_train,
		     uint32_t *nw, struct slmq_err *err);
int eval_score_window(struct slmq_session *s, const uint32_t *w, uint32_t ctx,
		      uint32_t *nll, struct slmq_err *err);
int eval_nll_add(double *total, const uint32_t *nll, uint32_t ctx,
		 struct slmq_err *err);
void eval_ppl_finish(struct eval_ppl *r, uint32_t ctx, uint32_t nw, double total,
		     double t0);

struct eval_gen_opts {
	uint32_t max_new;	/* at most this many new tokens */
	float temp;		/* 0: greedy */
	uint32_t top_k;		/* 0: off */
	float top_p;		/* 1: off */
	uint64_t seed;
	uint32_t stop_id;	/* also stop at this id (e.g. 13 = <0x0A>); UINT32_MAX: none */
};

struct eval_gen {
	uint32_t *ids;		/* new ids, malloc'd (stop token not included) */
	uint32_t n;
	char *text;		/* their decoded text, malloc'd, NUL-terminated */
	size_t text_len;
	bool stopped;		/* ended at </s> or stop_id, not max_new/context */
	uint32_t stop_token;	/* the token that ended it, when stopped */
	double prompt_seconds;	/* evaluating the prompt */
	double gen_seconds;	/* evaluating the new tokens */
};

/*
 * Reset s, feed prompt (which carries its own <s> if wanted), then sample up
 * to max_new tokens, stopping at </s> or stop_id.  Free r with
 * eval_gen_free().
 */
int eval_generate(struct slmq_session *s, const struct slmq_vocab *v,
		  const uint32_t *prompt, uint32_t n_prompt,
		  const struct eval_gen_opts *o, struct eval_gen *r,
		  struct slmq_err *err);
void eval_gen_free(struct eval_gen *r);

/* Decoded text of ids (prev: the token before them, UINT32_MAX for none); malloc'd. */
char *eval_detokenize(const struct slmq_vocab *v, uint32_t prev,
		      const uint32_t *ids, uint32_t n, size_t *len);

/* os_bench: see the model README (protocol) and the dataset README (fields). */
struct osbench_item {
	char *id;
	char *category;		/* pci_vendor, usb_vendor, pci_device, usb_device */
	char *answer;
	char *vendor;
	uint32_t *prompt_ids;
	uint32_t n_prompt;
};

struct osbench_items {
	struct osbench_item *v;
	size_t n;
};

/* Reads at most limit items (0: all) from a .jsonl file. */
int osbench_load(const char *path, size_t limit, struct osbench_items *items,
		 struct slmq_err *err);
void osbench_free(struct osbench_items *items);
/* The same on NUL-terminated text in memory (cut in place); for fuzzing. */
int osbench_parse(const char *path, char *buf, size_t limit,
		  struct osbench_items *items, struct slmq_err *err);

#define OSBENCH_MAX_CATS 8
#define OSBENCH_MAX_NEW 64
#define OSBENCH_STOP_ID 13	/* <0x0A> */

struct osbench_cat {
	char name[32];
	uint32_t n;
	uint32_t exact;
	double prefix_sum;
};

struct osbench_result {
	uint32_t n;
	uint32_t exact;
	double acc;		/* exact / n */
	double prefix;		/* mean common-prefix share */
	uint32_t device_n;
	uint32_t device_vendor_ok;
	double device_vendor_acc;
	struct osbench_cat cats[OSBENCH_MAX_CATS];
	uint32_t n_cats;
	char **predictions;	/* per item, stripped; malloc'd */
	double seconds;
};

/*
 * Greedy os_bench over items on threads workers (0: the CPUs), sessions
 * opened with session_flags (0: an F16 KV cache); free r with
 * osbench_result_free().
 */
int eval_osbench(const struct slmq_model *m, const struct slmq_env *env,
		 const struct osbench_items *items, unsigned int threads,
		 u32 session_flags, struct osbench_result *r, eval_progress_fn progress,
		 void *progress_ctx, struct slmq_err *err);
void osbench_result_free(struct osbench_result *r, size_t n_items);

/* Scoring helpers (exposed for tests): code-point prefix share, Python-like strip. */
double osbench_prefix_share(const char *pred, const char *answer);
char *osbench_strip(const char *s, size_t len);	/* malloc'd */

#endif /* SLMQCTL_EVAL_H */
