/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stamping string metadata (slmq.report, slmq.verdict, ...) into an existing
 * GGUF without touching its tensors: the file is re-serialized from the
 * parsed layout, copying every other key, every tensor info and the data
 * section byte for byte (gguf_writer.h's copy entries).
 */
#ifndef SLMQ_VALIDATE_GGUF_META_H
#define SLMQ_VALIDATE_GGUF_META_H

#include <stddef.h>

#include "../../../kmod/engine/compat.h"

struct gm_kv {
	const char *key;
	const char *str;	/* string value (NUL-terminated) */
};

/*
 * New GGUF (malloc'd *out) = buf with the n keys set to the given strings:
 * an existing key of that name is replaced, the others appended.
 * Returns 0 or -errno with err set.
 */
int gm_set_strings(const void *buf, size_t len, const struct gm_kv *kv, int n,
		   void **out, size_t *out_len, struct slmq_err *err);

/* Same, on a file in place (atomic rewrite). */
int gm_set_strings_file(const char *path, const struct gm_kv *kv, int n,
			struct slmq_err *err);

#endif /* SLMQ_VALIDATE_GGUF_META_H */
