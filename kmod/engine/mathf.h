/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Freestanding math for the engine.  The kernel has no libm, and libm's
 * results differ between versions, so the engine computes its few
 * transcendental functions itself: the same bits in slmq.ko and slmqctl.
 * Work is done in double and rounded once, so the float results are within
 * one ulp of the true value (almost always correctly rounded).
 *
 * FPU code: only call between slmq_fpu_begin() and slmq_fpu_end().
 */
#ifndef SLMQ_MATHF_H
#define SLMQ_MATHF_H

#include "compat.h"

double slmq_exp(double x);
double slmq_log(double x);	/* x > 0 finite; else -inf/NaN like log() */
double slmq_sin(double x);	/* good for |x| < 2^20 */
double slmq_cos(double x);
double slmq_pow(double b, double e);	/* b > 0 */

float slmq_expf(float x);
float slmq_logf(float x);
float slmq_sqrtf(float x);	/* IEEE correctly rounded (sqrtss) */
float slmq_sinf(float x);
float slmq_cosf(float x);
float slmq_powf(float b, float e);

/* The same results as the scalar functions, two lanes at a time. */
void slmq_expf_array(float *y, const float *x, u32 n);
double slmq_exp_sum(const float *x, u32 n, float shift);
/* The same continuing from sum: pieces of even length give the same bits. */
double slmq_exp_sum_from(const float *x, u32 n, float shift, double sum);

#endif /* SLMQ_MATHF_H */
