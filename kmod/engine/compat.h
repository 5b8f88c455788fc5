/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few things that differ between the kernel and a hosted C library.
 *
 * Every engine source includes this header first and nothing else from the
 * outside world, so the same files build into slmq.ko and into slmqctl.
 */
#ifndef SLMQ_COMPAT_H
#define SLMQ_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#include <linux/overflow.h>
#include <linux/sched.h>
/* Between long non-FPU loops over weights (model load): process context. */
#define slmq_cond_resched() cond_resched()
#else
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define static_assert _Static_assert
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))
#endif
#define slmq_cond_resched() do { } while (0)
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
#endif /* __KERNEL__ */

/*
 * How the engine gets memory: kvmalloc/kvfree in the kernel, malloc/free in
 * userspace.  alloc() must return zeroed memory aligned to at least 64 bytes
 * or NULL.  It may sleep, so the engine never calls it inside an FPU section.
 */
struct slmq_allocator {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr);
	void *ctx;
};

static inline void *slmq_alloc(const struct slmq_allocator *a, size_t size)
{
	return a->alloc(a->ctx, size);
}

static inline void *slmq_alloc_array(const struct slmq_allocator *a,
				     size_t n, size_t size)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes))
		return NULL;
	return a->alloc(a->ctx, bytes);
}

static inline void slmq_free(const struct slmq_allocator *a, void *ptr)
{
	if (ptr)
		a->free(a->ctx, ptr);
}

/*
 * Where the engine may do floating point.  In the kernel fpu_begin/fpu_end
 * are kernel_fpu_begin()/kernel_fpu_end() and yield() is cond_resched() plus
 * a pending-signal check; in userspace all three are no-ops (NULL).
 * The engine only touches float values between fpu_begin() and fpu_end(),
 * keeps each section short (one layer of one token at most) and calls
 * yield() between sections; a non-zero return from yield() aborts the work
 * with that error (-EINTR when a signal is pending).
 */
struct slmq_kernels;

struct slmq_env {
	const struct slmq_allocator *alloc;
	void (*fpu_begin)(void *ctx);
	void (*fpu_end)(void *ctx);
	int (*yield)(void *ctx);
	void *ctx;
	/* slmq_kernels_select()'s pick (kernels.h); NULL: the generic C kernels */
	const struct slmq_kernels *kernels;
};

static inline void slmq_fpu_begin(const struct slmq_env *env)
{
	if (env->fpu_begin)
		env->fpu_begin(env->ctx);
}

static inline void slmq_fpu_end(const struct slmq_env *env)
{
	if (env->fpu_end)
		env->fpu_end(env->ctx);
}

static inline int slmq_yield(const struct slmq_env *env)
{
	return env->yield ? env->yield(env->ctx) : 0;
}

/*
 * One error report: a negative errno for programs and one line for people,
 * e.g. "tensor blk.3.attn_q.weight: data runs past end of file".
 */
#define SLMQ_ERR_MSG_LEN 192

struct slmq_err {
	int code;
	char msg[SLMQ_ERR_MSG_LEN];
};

/* Sets err (if not NULL) and returns code, so callers can "return slmq_fail(...)". */
__printf(3, 4) int slmq_fail(struct slmq_err *err, int code, const char *fmt, ...);

#endif /* SLMQ_COMPAT_H */
