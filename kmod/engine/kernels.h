/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU-specific kernels as one table per instruction set (ggml-cpu's
 * type_traits_cpu): row dot products per weight type and layout, and the
 * attention and exp loops.  dot_generic.c, dot_avx2.c (x86), dot_neon.c and
 * dot_neon_dp.c (arm64) each define one table; slmq_kernels_select() is the
 * only place that picks between them, from the CPU features the caller's
 * probe found (tools/slmqctl/cpu.c via CPUID or AT_HWCAP, kmod/slmq_cpu.c
 * via boot_cpu_has() or cpu_have_named_feature()) and an optional override
 * (SLMQ_CPU=generic, cpu_path=generic) so tests can compare the paths.
 *
 * The kernels are FPU code: only call them between slmq_fpu_begin() and
 * slmq_fpu_end().  Choosing a table is not.
 */
#ifndef SLMQ_KERNELS_H
#define SLMQ_KERNELS_H

#include "compat.h"
#include "dot.h"

/*
 * dot_rows[type]: y[r] = dot(row r of w, x) for r in [r0, r1), rows
 * row_bytes apart in ggml's layout (the arguments of dot.h's
 * slmq_dot_rows_generic()); dot_rows_g8[type]: the same for a matrix whose
 * full groups of 8 rows are in the G8 layout (interleave.c).
 */
struct slmq_kernels {
	const char *name;	/* "generic", "avx2", "neon"...: what bench and reports print */
	u32 needs;		/* SLMQ_CPU_* the CPU must have */

	void (*dot_rows[SLMQ_TYPE_COUNT])(const void *w, u64 row_bytes, u32 n,
					  const float *x, const struct slmq_act *xa,
					  float *y, u32 r0, u32 r1);
	void (*dot_rows_g8[SLMQ_TYPE_COUNT])(const void *w, u64 row_bytes, u32 n,
					     const float *x, const struct slmq_act *xa,
					     float *y, u32 r0, u32 r1);
	void (*attn_scores)(const float *q, const float *k, u32 hd, u32 nt,
			    float scale, float *out);
	void (*attn_wsum)(float *out, const float *a, const float *v, u32 hd,
			  u32 nt);
	void (*expf_array)(float *y, const float *x, u32 n);
};

/*
 * The table entries of one kernel file, each a thin function around that
 * file's own rows_block(type, g8, ...) or row dot product, with the type
 * and layout constant so every entry inlines a loop of its own.
 */
#define SLMQ_KERNEL_BLOCK_ROWS(fn, type, g8)				\
static void fn(const void *w, u64 row_bytes, u32 n, const float *x,	\
	       const struct slmq_act *xa, float *y, u32 r0, u32 r1)	\
{									\
	rows_block(type, g8, w, row_bytes, xa, y, r0, r1);		\
}

#define SLMQ_KERNEL_FLOAT_ROWS(fn, dot)					\
static void fn(const void *w, u64 row_bytes, u32 n, const float *x,	\
	       const struct slmq_act *xa, float *y, u32 r0, u32 r1)	\
{									\
	u32 r;								\
									\
	for (r = r0; r < r1; r++)					\
		y[r] = dot((const void *)((const u8 *)w + (u64)r * row_bytes), x, n); \
}

/* The dot_rows tables of a file that defined its entries with the two macros above. */
#define SLMQ_KERNEL_DOT_ROWS						\
	.dot_rows = {							\
		[SLMQ_TYPE_F32] = rows_f32,				\
		[SLMQ_TYPE_F16] = rows_f16,				\
		[SLMQ_TYPE_Q4_0] = rows_q4_0,				\
		[SLMQ_TYPE_Q4_1] = rows_q4_1,				\
		[SLMQ_TYPE_Q8_0] = rows_q8_0,				\
	},								\
	.dot_rows_g8 = {						\
		[SLMQ_TYPE_Q4_0] = rows_q4_0_g8,			\
		[SLMQ_TYPE_Q4_1] = rows_q4_1_g8,			\
		[SLMQ_TYPE_Q8_0] = rows_q8_0_g8,			\
	}

/* CPU features a probe reports (the instructions dot_avx2.c is built for). */
#define SLMQ_CPU_AVX2 0x1u
#define SLMQ_CPU_FMA 0x2u
#define SLMQ_CPU_F16C 0x4u
/* arm64: Advanced SIMD (dot_neon.c), the v8.2 sdot instructions (dot_neon_dp.c) */
#define SLMQ_CPU_NEON 0x100u
#define SLMQ_CPU_DOTPROD 0x200u

/* The SIMD tables a build has: its architecture's (engine.mk lists their files). */
#if !defined(SLMQ_GENERIC_ONLY) && defined(__x86_64__)
#define SLMQ_KERNELS_AVX2 1
#elif !defined(SLMQ_GENERIC_ONLY) && defined(__aarch64__)
#define SLMQ_KERNELS_NEON 1
#endif

extern const struct slmq_kernels slmq_kernels_generic;
#ifdef SLMQ_KERNELS_AVX2
extern const struct slmq_kernels slmq_kernels_avx2;
/* "auto, generic, avx2": the values an override may take (for messages). */
#define SLMQ_KERNELS_PATHS "auto, generic, avx2"
#elif defined(SLMQ_KERNELS_NEON)
extern const struct slmq_kernels slmq_kernels_neon;
extern const struct slmq_kernels slmq_kernels_dotprod;
#define SLMQ_KERNELS_PATHS "auto, generic, neon, dotprod"
#else
#define SLMQ_KERNELS_PATHS "auto, generic"
#endif

int slmq_kernels_select(u32 cpu, const char *path,
			const struct slmq_kernels **out);

/* The environment's kernels; an environment that chose none runs generic C. */
static inline const struct slmq_kernels *
slmq_env_kernels(const struct slmq_env *env)
{
	return env->kernels ? env->kernels : &slmq_kernels_generic;
}

/* Rows of a weight type (| SLMQ_DOT_G8 for the G8 layout) through k. */
static inline void slmq_dot_rows(const struct slmq_kernels *k, u32 type,
				 const void *w, u64 row_bytes, u32 n,
				 const float *x, const struct slmq_act *xa,
				 float *y, u32 r0, u32 r1)
{
	u32 t = type & ~SLMQ_DOT_G8;

	/* types are checked at load; anything else is read as F32 rows, as ever */
	if (t >= SLMQ_TYPE_COUNT || !k->dot_rows[t])
		k->dot_rows[SLMQ_TYPE_F32](w, row_bytes, n, x, xa, y, r0, r1);
	/* only block types are ever interleaved: the others have no G8 entry */
	else if ((type & SLMQ_DOT_G8) && k->dot_rows_g8[t])
		k->dot_rows_g8[t](w, row_bytes, n, x, xa, y, r0, r1);
	else
		k->dot_rows[t](w, row_bytes, n, x, xa, y, r0, r1);
}

#endif /* SLMQ_KERNELS_H */
