/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The chunked load protocol (load-begin, load-chunk..., load-commit), one
 * step at a time (so the selftests can break it on purpose) and whole.
 * Every call returns 0 or -errno with nl->err saying why.
 */
#ifndef SLMQCTL_NL_LOAD_H
#define SLMQCTL_NL_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "nl_client.h"

/* load-begin; a NULL name or sha256 leaves the attribute out. */
int slmq_nl_load_begin(struct slmq_nl *nl, const char *name, uint64_t size,
		       const uint8_t sha256[32]);
/* One load-chunk of len (at most SLMQ_CHUNK_MAX) bytes at offset. */
int slmq_nl_load_chunk(struct slmq_nl *nl, const char *name, uint64_t offset,
		       const void *data, size_t len);
/* A command whose only attribute is the name (load-commit, load-abort, model-delete, ...). */
int slmq_nl_name_cmd(struct slmq_nl *nl, uint8_t cmd, const char *name);

/* Called after each chunk the kernel took: bytes sent so far of total. */
typedef void (*slmq_nl_progress_fn)(uint64_t done, uint64_t total, void *arg);

/*
 * load-begin and every chunk, in order, no commit: the bytes wait in the
 * kernel's staging copy (tied to this socket).  *step (may be NULL) names
 * the step that failed ("load-begin", "load-chunk").
 */
int slmq_nl_stage(struct slmq_nl *nl, const char *name, const void *buf, size_t len,
		  const uint8_t sha256[32], slmq_nl_progress_fn progress, void *arg,
		  const char **step);
/* slmq_nl_stage() + load-commit (*step "load-commit" when that fails). */
int slmq_nl_load(struct slmq_nl *nl, const char *name, const void *buf, size_t len,
		 const uint8_t sha256[32], slmq_nl_progress_fn progress, void *arg,
		 const char **step);

#endif /* SLMQCTL_NL_LOAD_H */
