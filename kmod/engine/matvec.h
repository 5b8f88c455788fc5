/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Matrix-vector product for one token, y = W x, through the environment's
 * kernels (kernels.h).  FPU code.
 */
#ifndef SLMQ_MATVEC_H
#define SLMQ_MATVEC_H

#include "compat.h"
#include "model.h"
#include "dot.h"

/*
 * y[0..w->ne1) = W x with x of w->ne0 floats.  xa is scratch for the int8
 * activation (capacity >= w->ne0); it is only written for block-quantized
 * weights.
 */
void slmq_matvec(const struct slmq_env *env, const struct slmq_tensor *w,
		 const float *x, struct slmq_act *xa, float *y);

/*
 * The same with an activation already quantized into xa (so several
 * matrices reading the same input quantize it once).
 */
void slmq_matvec_q(const struct slmq_env *env, const struct slmq_tensor *w,
		   const float *x, const struct slmq_act *xa, float *y);

/*
 * Rows [r0, r1) of the same (r0 a multiple of 8, r1 one too or w->ne1): a
 * product split by rows, the same bits as in one piece.
 */
void slmq_matvec_rows(const struct slmq_env *env, const struct slmq_tensor *w,
		      const float *x, const struct slmq_act *xa, float *y,
		      u32 r0, u32 r1);

/* One row of w expanded to floats (embedding lookup). */
void slmq_tensor_row(const struct slmq_tensor *w, u32 row, float *out);

#endif /* SLMQ_MATVEC_H */
