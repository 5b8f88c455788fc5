// SPDX-License-Identifier: GPL-2.0
/*
 * What the engine needs from the kernel: memory (kvmalloc, 64-byte aligned
 * as compat.h promises) and short FPU sections with a reschedule and a
 * signal check between them.
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <asm/fpu/api.h>

#include "slmq_priv.h"

#define SLMQ_ALLOC_ALIGN 64

/*
 * kvmalloc only guarantees 8-byte alignment for odd sizes, so over-allocate
 * and keep the real pointer just below the aligned one.
 */
static void *slmq_kalloc_alloc(void *ctx, size_t size)
{
	size_t total;
	void *raw;
	uintptr_t p;

	if (check_add_overflow(size, (size_t)SLMQ_ALLOC_ALIGN + sizeof(void *), &total))
		return NULL;
	raw = kvzalloc(total, GFP_KERNEL);
	if (!raw)
		return NULL;
	p = ALIGN((uintptr_t)raw + sizeof(void *), SLMQ_ALLOC_ALIGN);
	((void **)p)[-1] = raw;
	return (void *)p;
}

static void slmq_kalloc_free(void *ctx, void *ptr)
{
	kvfree(((void **)ptr)[-1]);
}

const struct slmq_allocator slmq_kalloc = {
	.alloc = slmq_kalloc_alloc,
	.free = slmq_kalloc_free,
};

static void slmq_env_fpu_begin(void *ctx)
{
	kernel_fpu_begin();
}

static void slmq_env_fpu_end(void *ctx)
{
	kernel_fpu_end();
}

/* Between FPU sections: let others run, and stop when asked to. */
static int slmq_env_yield(void *ctx)
{
	cond_resched();
	if (signal_pending(current))
		return -EINTR;
	return 0;
}

/**
 * slmq_env_init() - an engine environment for the calling task
 * @env: filled in
 *
 * The kernels are slmq_cpu_kernels()' choice: AVX2 only when the CPU has
 * AVX2, FMA and F16C (and cpu_path= does not pin generic).
 */
void slmq_env_init(struct slmq_env *env)
{
	memset(env, 0, sizeof(*env));
	env->alloc = &slmq_kalloc;
	env->fpu_begin = slmq_env_fpu_begin;
	env->fpu_end = slmq_env_fpu_end;
	env->yield = slmq_env_yield;
	env->kernels = slmq_cpu_kernels();
}
