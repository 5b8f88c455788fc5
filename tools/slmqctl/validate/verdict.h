/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The validation verdict a GGUF carries (slmq.verdict, slmq.report), read back
 * for `slmqctl load` (which refuses REJECTED models unless --force), `info`
 * and anyone else who needs it.
 */
#ifndef SLMQ_VALIDATE_VERDICT_H
#define SLMQ_VALIDATE_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "../../../kmod/engine/gguf.h"

#define VAL_KEY_VERDICT "slmq.verdict"
#define VAL_KEY_REPORT "slmq.report"
#define VAL_KEY_QCONFIG "slmq.quantization_config"

enum val_verdict_state {
	VAL_VERDICT_NONE,	/* never validated */
	VAL_VERDICT_ACCEPTED,
	VAL_VERDICT_REJECTED,
};

/* From a parsed GGUF; an unknown verdict string reads as REJECTED. */
enum val_verdict_state val_verdict_get(const struct slmq_gguf *g);
const char *val_verdict_name(enum val_verdict_state v);	/* "none", "ACCEPTED", "REJECTED" */

/*
 * Comma-separated names of the failed criteria from slmq.report, e.g.
 * "quality,size" (empty when none or no report).
 */
void val_verdict_failed(const struct slmq_gguf *g, char *buf, size_t len);

/*
 * Load policy for a GGUF buffer: 0 when it may be loaded (ACCEPTED, never
 * validated, or force), -EPERM with a one-line reason in msg when the model
 * was REJECTED, another -errno when buf is not a GGUF.  *state (may be NULL)
 * gets the verdict.
 */
int val_verdict_check_load(const void *buf, size_t len, bool force,
			   enum val_verdict_state *state, char *msg,
			   size_t msglen);

#endif /* SLMQ_VALIDATE_VERDICT_H */
