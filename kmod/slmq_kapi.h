/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slmq.ko's API for other kernel code: look up a published model, generate
 * text with it, score token ids (per-token NLL), or drive decoding token by
 * token through a session, and register models embedded in other modules.  Kernel-doc is at each
 * definition (kmod/slmq_api.c).  All calls may sleep.
 *
 * Every reference and session holds a reference on slmq.ko itself, so the
 * module cannot be removed while one is outstanding.
 */
#ifndef SLMQ_KAPI_H
#define SLMQ_KAPI_H

#include <linux/types.h>

struct slmq_kmodel;
struct slmqk_session;

struct slmq_kmodel *slmqk_model_get(const char *name);
void slmqk_model_put(struct slmq_kmodel *m);
u32 slmqk_model_n_vocab(const struct slmq_kmodel *m);
int slmqk_model_verdict(const struct slmq_kmodel *m, char *buf, size_t len);

int slmqk_generate(struct slmq_kmodel *m, const char *prompt, u32 max_tokens,
		   char *out, size_t out_len);
int slmqk_score(struct slmq_kmodel *m, const u32 *ids, u32 n, u32 *nll_bits);

int slmqk_tokenize(struct slmq_kmodel *m, const char *text, bool add_bos,
		   u32 *ids, u32 max_ids);
int slmqk_detokenize(struct slmq_kmodel *m, u32 prev, u32 id, char *out, u32 out_len);
struct slmqk_session *slmqk_session_open(struct slmq_kmodel *m, u32 n_ctx);
int slmqk_session_feed(struct slmqk_session *s, const u32 *tokens, u32 n);
int slmqk_session_logits(struct slmqk_session *s, u32 *bits, u32 n);
int slmqk_session_next_token(struct slmqk_session *s, u32 *token);
int slmqk_session_mem(const struct slmqk_session *s, u64 *kv_bytes,
		      u64 *scratch_bytes);
void slmqk_session_close(struct slmqk_session *s);

int slmqk_register_gguf(const char *name, const void *data, size_t size);
int slmqk_unregister(const char *name);

#endif /* SLMQ_KAPI_H */
