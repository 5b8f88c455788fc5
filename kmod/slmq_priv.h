/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside slmq.ko: what the parts of the module (registry, netlink family,
 * generation, firmware, sysfs, exported API) share.  Not for other modules:
 * they use slmq_kapi.h.
 */
#ifndef SLMQ_PRIV_H
#define SLMQ_PRIV_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/slmq.h>

#include "engine/model.h"
#include "slmq_kapi.h"

/* Module parameters (slmq_main.c). */
extern unsigned int slmq_max_model_mb;
extern unsigned int slmq_max_total_mb;
extern bool slmq_open_generate;
extern unsigned int slmq_user_max_tokens;
extern unsigned int slmq_max_concurrent;
extern bool slmq_kv_f32;

/* slmq_session_open() flags of every session the module opens (kv_f32). */
static inline u32 slmq_kmod_session_flags(void)
{
	return READ_ONCE(slmq_kv_f32) ? SLMQ_SESSION_KV_F32 : 0;
}

struct slmq_stats {
	atomic64_t requests;
	atomic64_t tokens;
	atomic64_t errors;
	atomic64_t last_latency_ns;
};

/*
 * A published model.  Everything but the stats is immutable once published;
 * the registry holds one reference, every user another.  The last put frees
 * its memory at once and the struct after an RCU grace period (lookups walk
 * the registry under RCU and only read name, node and ref).
 */
struct slmq_kmodel {
	struct kref ref;
	struct list_head node;		/* in the registry, RCU */
	struct rcu_head rcu;
	char name[SLMQ_NAME_MAX];
	void *buf;			/* the GGUF file, kvmalloc'd */
	u64 size;
	u8 sha256[SLMQ_SHA256_LEN];
	struct slmq_model model;	/* points into buf */
	struct slmq_gguf_str report;	/* slmq.report, or empty */
	struct slmq_gguf_str verdict;	/* slmq.verdict, or empty */
	u32 type_count[SLMQ_TYPE_Q8_0 + 1];
	struct kobject *kobj;		/* /sys/kernel/slmq/NAME, owned by the registry */
	struct slmq_stats stats;
};

/* slmq_env.c: engine allocators and FPU environment. */
extern const struct slmq_allocator slmq_kalloc;

/* An engine environment whose sessions are counted against max_total_mb. */
struct slmq_kenv {
	struct slmq_env env;
	struct slmq_allocator alloc;
	u64 refused;			/* largest allocation the limit refused */
};

bool slmq_env_fpu_usable(void);
void slmq_env_init(struct slmq_kenv *ke);
int slmq_env_session_err(const struct slmq_kenv *ke, u32 n_ctx, struct slmq_err *err);
u64 slmq_fpu_section_stats(u64 *count, u64 *total_ns);
void slmq_fpu_section_stats_reset(void);
/* slmq_cpu.c: the engine kernels for new sessions (CPU probe, cpu_path=). */
const struct slmq_kernels *slmq_cpu_kernels(void);

/* slmq_registry.c */
bool slmq_name_valid(const char *name);
int slmq_mem_reserve(u64 bytes, struct slmq_err *err);
void slmq_mem_unreserve(u64 bytes);
u64 slmq_mem_used_bytes(void);
int slmq_sess_reserve(u64 bytes);
void slmq_sess_unreserve(u64 bytes);
u64 slmq_sess_used_bytes(void);
u64 slmq_mem_total_bytes(void);
int slmq_sha256(const void *buf, u64 len, u8 *out);
struct slmq_kmodel *slmq_kmodel_create(const char *name, void *buf, u64 size,
				       const u8 *sha256, struct slmq_err *err);
void slmq_kmodel_discard(struct slmq_kmodel *m);
int slmq_registry_publish(struct slmq_kmodel *m);
int slmq_registry_delete(const char *name);
struct slmq_kmodel *slmq_registry_lookup(const char *name);
struct slmq_kmodel *slmq_registry_nth(unsigned long idx);
void slmq_kmodel_put(struct slmq_kmodel *m);
int slmq_registry_init(void);
void slmq_registry_withdraw_all(void);
void slmq_registry_exit(void);

/* slmq_gen.c: one generation request, shared by netlink and the exported API. */
struct slmq_gen_req {
	const char *prompt;		/* text, or NULL when tokens are given */
	u32 prompt_len;
	const u32 *prompt_tokens;
	u32 n_prompt_tokens;
	u32 max_tokens;
	u32 temp_bits, top_k, top_p_bits;
	u64 seed;
	bool want_logits;
};

struct slmq_gen_out {
	u32 *tokens;			/* max_tokens entries */
	u32 n_tokens;
	u32 n_prompt_tokens;
	float *logits;			/* n_tokens * n_vocab when want_logits */
	u64 logits_reserved;		/* its bytes, counted as session memory */
	char *text;			/* NUL-terminated */
	u32 text_len;
	u32 stop;			/* enum slmq_stop */
	u64 latency_ns;
};

void slmq_gen_init(void);
int slmq_gen_running_count(void);
int slmq_gen_waiting_count(void);
int slmq_gen_run(struct slmq_kmodel *m, const struct slmq_gen_req *req,
		 struct slmq_gen_out *out, struct slmq_err *err);
void slmq_gen_out_free(struct slmq_gen_out *out);
int slmq_ids_check(const struct slmq_kmodel *m, const u32 *ids, u32 n,
		   const char *what, struct slmq_err *err);
int slmq_slot_get(struct slmq_kmodel *m, struct slmq_err *err);
void slmq_slot_put(void);
void slmq_stats_count(struct slmq_kmodel *m, int ret, u32 tokens, u64 latency_ns);
void slmq_stats_refused(struct slmq_kmodel *m);
void slmq_stats_reply_failed(struct slmq_kmodel *m);

/*
 * slmq_score.c: the NLL of each next token of an id sequence, shared by
 * the netlink score op and slmqk_score().  nll_bits receives n - 1 IEEE
 * single bit patterns.
 */
int slmq_score_run(struct slmq_kmodel *m, const u32 *ids, u32 n, u32 *nll_bits,
		   u64 *latency_ns, struct slmq_err *err);

/*
 * An engine message as the extack message.  Formatted extack messages hold
 * NETLINK_MAX_FMTMSG_LEN - 1 bytes; a longer one keeps its head and its
 * tail (where the engine says what is wrong) around "...".  The whole
 * message goes to the kernel log where it matters (rejected loads).
 */
#define SLMQ_EXTACK_MSG(extack, attr, msg) do {					\
	char __m[NETLINK_MAX_FMTMSG_LEN];					\
										\
	slmq_shorten(__m, sizeof(__m), msg);					\
	NL_SET_ERR_MSG_ATTR_FMT(extack, attr, "%s", __m);			\
} while (0)
void slmq_shorten(char *dst, size_t len, const char *msg);

/* slmq_netlink.c */
int slmq_nl_init(void);
void slmq_nl_exit(void);
void slmq_nl_notify(const struct slmq_kmodel *m, bool added);
struct genl_info;
int slmq_nl_check_len(struct genl_info *info, int type);

/* slmq_load.c: staging loads over netlink, tied to the sender's socket. */
int slmq_load_init(void);
void slmq_load_exit(void);
enum slmq_chunk_verdict {
	SLMQ_CHUNK_OK,
	SLMQ_CHUNK_EMPTY,
	SLMQ_CHUNK_OUT_OF_ORDER,
	SLMQ_CHUNK_PAST_END,
};

enum slmq_chunk_verdict slmq_chunk_check(u64 size, u64 received, u64 offset, u32 len);
/* The doit handlers are declared in slmq_nl_gen.h. */

/* slmq_fw.c */
int slmq_fw_load_param(const char *list);

/* slmq_sysfs.c */
int slmq_sysfs_init(void);
void slmq_sysfs_exit(void);
struct kobject *slmq_sysfs_add(const char *name);
void slmq_sysfs_del(struct kobject *kobj);

#endif /* SLMQ_PRIV_H */
