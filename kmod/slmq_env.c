// SPDX-License-Identifier: GPL-2.0
/*
 * What the engine needs from the kernel: memory (kvmalloc, 64-byte aligned
 * as compat.h promises) and short FPU sections with a reschedule and a
 * signal check between them.  A session's memory (KV cache, scratch) is
 * counted against max_total_mb before it is allocated, like a model's.
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/fpu.h>

#include "slmq_priv.h"

#define SLMQ_ALLOC_ALIGN 64

/* Just below the aligned pointer the engine gets. */
struct slmq_alloc_hdr {
	void *raw;			/* what kvzalloc returned */
	size_t total;			/* bytes allocated, as reserved */
};

/*
 * kvmalloc only guarantees 8-byte alignment for odd sizes, so over-allocate
 * and keep the real pointer just below the aligned one.  A size the engine
 * computed from a model's hyper-parameters may be absurd: failing is its
 * answer (the engine reports it), never a warning.
 */
static void *slmq_alloc_aligned(size_t size, size_t *total)
{
	struct slmq_alloc_hdr *h;
	void *raw;
	uintptr_t p;

	if (check_add_overflow(size, (size_t)SLMQ_ALLOC_ALIGN + sizeof(*h), total))
		return NULL;
	raw = kvzalloc(*total, GFP_KERNEL | __GFP_NOWARN);
	if (!raw)
		return NULL;
	p = ALIGN((uintptr_t)raw + sizeof(*h), SLMQ_ALLOC_ALIGN);
	h = (struct slmq_alloc_hdr *)p - 1;
	h->raw = raw;
	h->total = *total;
	return (void *)p;
}

static struct slmq_alloc_hdr *slmq_alloc_hdr(void *ptr)
{
	return (struct slmq_alloc_hdr *)ptr - 1;
}

static void *slmq_kalloc_alloc(void *ctx, size_t size)
{
	size_t total;

	return slmq_alloc_aligned(size, &total);
}

static void slmq_kalloc_free(void *ctx, void *ptr)
{
	kvfree(slmq_alloc_hdr(ptr)->raw);
}

/* For models: their memory is counted as the size of their file. */
const struct slmq_allocator slmq_kalloc = {
	.alloc = slmq_kalloc_alloc,
	.free = slmq_kalloc_free,
};

/* Session memory: reserved against max_total_mb first, so the limit is checked before kvmalloc. */
static void *slmq_sess_alloc(void *ctx, size_t size)
{
	struct slmq_kenv *ke = ctx;
	size_t total;
	void *p;

	if (check_add_overflow(size, (size_t)SLMQ_ALLOC_ALIGN + sizeof(struct slmq_alloc_hdr),
			       &total) ||
	    slmq_sess_reserve(total)) {
		ke->refused = max_t(u64, ke->refused, size);
		return NULL;
	}
	p = slmq_alloc_aligned(size, &total);
	if (!p)
		slmq_sess_unreserve(total);
	return p;
}

static void slmq_sess_free(void *ctx, void *ptr)
{
	struct slmq_alloc_hdr *h = slmq_alloc_hdr(ptr);
	size_t total = h->total;

	kvfree(h->raw);
	slmq_sess_unreserve(total);
}

/*
 * FPU sections so far: the longest, how many and their total time
 * (/sys/kernel/slmq/fpu_section_*): the engine bounds a section by work
 * done, this measures what that costs.  A section runs with preemption
 * off, so a per-CPU start time is enough.
 */
static DEFINE_PER_CPU(u64, slmq_fpu_t0);
static atomic64_t slmq_fpu_max_ns = ATOMIC64_INIT(0);
static atomic64_t slmq_fpu_count = ATOMIC64_INIT(0);
static atomic64_t slmq_fpu_total_ns = ATOMIC64_INIT(0);

/**
 * slmq_env_fpu_usable() - whether this CPU runs the engine's float code
 *
 * kernel_fpu_begin() is only allowed where kernel_fpu_available() says so:
 * always on x86-64, with FP/SIMD on arm64, and on riscv64 only on a core
 * with the F or D extension (a CONFIG_FPU kernel also boots on cores
 * without, where the engine's first float instruction would trap).
 *
 * Return: true if the engine may run on this CPU.
 */
bool slmq_env_fpu_usable(void)
{
	return kernel_fpu_available();
}

static void slmq_env_fpu_begin(void *ctx)
{
	kernel_fpu_begin();
	this_cpu_write(slmq_fpu_t0, ktime_get_ns());
}

static void slmq_env_fpu_end(void *ctx)
{
	s64 d = ktime_get_ns() - this_cpu_read(slmq_fpu_t0);
	s64 old = atomic64_read(&slmq_fpu_max_ns);

	kernel_fpu_end();
	atomic64_inc(&slmq_fpu_count);
	atomic64_add(d, &slmq_fpu_total_ns);
	while (d > old && !atomic64_try_cmpxchg(&slmq_fpu_max_ns, &old, d))
		;
}

/**
 * slmq_fpu_section_stats() - FPU sections since insmod or the last reset
 * @count: how many ran
 * @total_ns: their time together
 *
 * Return: the longest one, in ns.
 */
u64 slmq_fpu_section_stats(u64 *count, u64 *total_ns)
{
	*count = atomic64_read(&slmq_fpu_count);
	*total_ns = atomic64_read(&slmq_fpu_total_ns);
	return atomic64_read(&slmq_fpu_max_ns);
}

void slmq_fpu_section_stats_reset(void)
{
	atomic64_set(&slmq_fpu_max_ns, 0);
	atomic64_set(&slmq_fpu_count, 0);
	atomic64_set(&slmq_fpu_total_ns, 0);
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
 * slmq_env_init() - an engine environment for the calling task's sessions
 * @ke: filled in; must outlive every session made with @ke->env
 *
 * Sessions allocate through an allocator that counts their bytes against
 * max_total_mb (slmq_sess_reserve()), and records in @ke->refused an
 * allocation the limit turned down.  The kernels are slmq_cpu_kernels()'
 * choice: the best table the CPU runs (slmq_kernels_select()) unless
 * cpu_path= pins one.
 */
void slmq_env_init(struct slmq_kenv *ke)
{
	struct slmq_env *env = &ke->env;

	memset(ke, 0, sizeof(*ke));
	ke->alloc.alloc = slmq_sess_alloc;
	ke->alloc.free = slmq_sess_free;
	ke->alloc.ctx = ke;
	env->alloc = &ke->alloc;
	env->fpu_begin = slmq_env_fpu_begin;
	env->fpu_end = slmq_env_fpu_end;
	env->yield = slmq_env_yield;
	env->kernels = slmq_cpu_kernels();
}

/**
 * slmq_env_session_err() - why slmq_session_new() failed, for the caller
 * @ke: the environment the session was asked for with
 * @n_ctx: its context length
 * @err: the engine's reason; replaced when max_total_mb was the cause
 *
 * Return: the errno to report: -EFBIG when the limit refused the memory.
 */
int slmq_env_session_err(const struct slmq_kenv *ke, u32 n_ctx, struct slmq_err *err)
{
	if (ke->refused)
		return slmq_fail(err, -EFBIG,
				 "a %u-token session does not fit max_total_mb (%llu MiB in use)",
				 n_ctx, slmq_mem_total_bytes() >> 20);
	return err->code ? err->code : -ENOMEM;
}
