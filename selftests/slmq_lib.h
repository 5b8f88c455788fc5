/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the slmq selftests share: getting slmq.ko loaded, slmqctl's netlink
 * client library (tools/slmqctl/netlink/: the load protocol step by step,
 * so tests can break it on purpose, model queries, generate, score) with
 * small conveniences over it, and the same model run by the userspace
 * engine for comparison.
 */
#ifndef SLMQ_SELFTEST_LIB_H
#define SLMQ_SELFTEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netlink/nl_client.h"
#include "netlink/nl_generate.h"
#include "netlink/nl_load.h"
#include "netlink/nl_query.h"
#include "netlink/nl_score.h"

/*
 * For kselftest_harness tests: ret is -errno and the kernel's extack
 * message contains what.
 */
#define EXPECT_NLERR(_nl, _ret, _errno, _what) do {				\
	int __r = (_ret);							\
	TH_LOG("kernel said: %s", (_nl)->err);					\
	EXPECT_EQ(-(_errno), __r);						\
	EXPECT_NE(NULL, strstr((_nl)->err, (_what)));				\
} while (0)

/* insmod slmq.ko (from $SLMQ_MODDIR or /modules) unless it is loaded: 0 or -1. */
int st_module_load(void);
/* Writes a module parameter of slmq.ko: 0 or -errno. */
int st_param_set(const char *param, const char *value);
/* /sys/kernel/slmq/... as a number, or -1. */
long long st_sysfs_u64(const char *path);
/* /sys/kernel/slmq/memory_used */
long long st_mem_used(void);
/* Drops CAP_NET_ADMIN from all sets of the calling process: 0 or -1. */
int st_drop_net_admin(void);

/* The whole file into memory (malloc'd), or NULL. */
void *st_read_file(const char *path, size_t *len);
/* Path of a test data file: $SLMQ_TESTDIR/data/NAME or ./data/NAME. */
const char *st_data(const char *name);

/* The load protocol with the file's SHA-256: begin + all chunks, no commit
 * (the bytes wait in the kernel's staging copy); st_load() commits too. */
int st_stage(struct slmq_nl *nl, const char *name, const void *buf, size_t len);
int st_load(struct slmq_nl *nl, const char *name, const void *buf, size_t len);

#define ST_GEN_MAX 1024

struct st_gen {
	const char *prompt;		/* or ids */
	const uint32_t *ids;
	uint32_t n_ids;
	uint32_t max_tokens;
	bool want_logits;
	bool no_dump;			/* logits in one doit reply (refused when large) */
	/* results */
	uint32_t tokens[ST_GEN_MAX];
	uint32_t n_tokens;
	uint32_t n_prompt;
	float *logits;			/* n_tokens * n_vocab, malloc'd */
	size_t logits_len;		/* floats */
	char text[8192];
	uint32_t stop;
};

/* slmq_nl_generate() into g; 0 or -errno with nl->err set (-E2BIG: over ST_GEN_MAX). */
int st_generate(struct slmq_nl *nl, const char *name, struct st_gen *g);

/* The same by the userspace engine on the same file (eval_perplexity's window). */
int st_user_score(const void *buf, size_t len, const uint32_t *ids, uint32_t n,
		  uint32_t *nll);
/* The first n ids of a .bin id file (u16 little endian); how many were read. */
uint32_t st_read_ids(const char *path, uint32_t *ids, uint32_t n);

/*
 * Greedy generation by the userspace engine on the same file: tokens and
 * the logits each was chosen from.  0 or -errno.
 */
int st_user_generate(const void *buf, size_t len, const uint32_t *ids, uint32_t n_ids,
		     uint32_t max_tokens, uint32_t *tokens, uint32_t *n_tokens,
		     float **logits, uint32_t *n_vocab);
/* Tokenize text as the userspace engine does (BOS as the model wants). */
int st_user_tokenize(const void *buf, size_t len, const char *text, uint32_t *ids,
		     uint32_t max);

/* Byte offset of the first tensor info's type field (name, n_dims, ne[] skipped). */
size_t st_tensor0_type_off(const void *buf, size_t len);

#endif
