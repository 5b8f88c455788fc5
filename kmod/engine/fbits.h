/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A float's IEEE-754 bits and back.  Floats cross the netlink protocol, the
 * GGUF metadata and the sampler state as raw u32 bits (the kernel side
 * never holds a float outside an FPU section), so both sides convert with
 * these two, through memcpy: no aliasing games, no union.
 *
 * Only include from FPU code (dot.h's rule) or from userspace.
 */
#ifndef SLMQ_FBITS_H
#define SLMQ_FBITS_H

#include "compat.h"

static inline u32 slmq_f32_bits(float f)
{
	u32 u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static inline float slmq_bits_f32(u32 u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* The same for doubles (mathf.c's argument reduction). */
static inline u64 slmq_f64_bits(double d)
{
	u64 u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

static inline double slmq_bits_f64(u64 u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

#endif /* SLMQ_FBITS_H */
