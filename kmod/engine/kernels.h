/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU-specific kernels as one table per instruction set (ggml-cpu's
 * type_traits_cpu): row dot products per weight type and layout, and the
 * attention and exp loops.  dot_generic.c, dot_avx2.c, dot_avx512vnni.c,
 * dot_avxvnni.c (x86), dot_neon.c and dot_neon_dp.c (arm64) each define one
 * table; slmq_kernels_select() is the only place that picks between them,
 * from the CPU features the caller's probe found (tools/slmqctl/cpu.c via
 * CPUID or AT_HWCAP, kmod/slmq_cpu.c via boot_cpu_has() or
 * cpu_have_named_feature()) and an optional override (SLMQ_CPU=avx2,
 * cpu_path=generic, ...) so tests can compare the paths.
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
 *
 * gemm_rows[type] / gemm_rows_g8[type]: the same rows for nt tokens at once
 * (a prompt tile, see slmq_gemm_rows()): y[t * ys + r] = dot(row r, x_t)
 * with x_t = x + t * xs and xa[t] its int8 form.  Each (row, token) result
 * is computed by exactly the operations dot_rows does for that token alone,
 * in the same order, so the bits are the same; only the loop nest differs
 * (a weight row or G8 group is read once per tile, not once per token).  A
 * NULL entry (a table that has no batched kernel for the type) falls back
 * to dot_rows once per token.
 */
struct slmq_kernels {
	const char *name;	/* "generic", "avx2", "neon", ...: what bench and reports print */
	u32 needs;		/* SLMQ_CPU_* the CPU must have */

	void (*dot_rows[SLMQ_TYPE_COUNT])(const void *w, u64 row_bytes, u32 n,
					  const float *x, const struct slmq_act *xa,
					  float *y, u32 r0, u32 r1);
	void (*dot_rows_g8[SLMQ_TYPE_COUNT])(const void *w, u64 row_bytes, u32 n,
					     const float *x, const struct slmq_act *xa,
					     float *y, u32 r0, u32 r1);
	void (*gemm_rows[SLMQ_TYPE_COUNT])(const void *w, u64 row_bytes, u32 n,
					   const float *x, u32 xs,
					   const struct slmq_act *xa, u32 nt,
					   float *y, u32 ys, u32 r0, u32 r1);
	void (*gemm_rows_g8[SLMQ_TYPE_COUNT])(const void *w, u64 row_bytes, u32 n,
					      const float *x, u32 xs,
					      const struct slmq_act *xa, u32 nt,
					      float *y, u32 ys, u32 r0, u32 r1);
	void (*attn_scores)(const float *q, const float *k, u32 hd, u32 nt,
			    float scale, float *out);
	void (*attn_wsum)(float *out, const float *a, const float *v, u32 hd,
			  u32 nt);
	/*
	 * The same two over an F16 KV cache (halves widened exactly, then the
	 * F32 kernels' operations in their order), and the rounding of k and
	 * v into it (round to nearest even, slmq_f32_to_f16()'s bits).  A NULL
	 * entry falls back to the generic table's (slmq_attn_scores_f16() and
	 * friends below): the same bits, only slower.
	 */
	void (*attn_scores_f16)(const float *q, const u16 *k, u32 hd, u32 nt,
				float scale, float *out);
	void (*attn_wsum_f16)(float *out, const float *a, const u16 *v, u32 hd,
			      u32 nt);
	void (*f32_to_f16_row)(u16 *y, const float *x, u32 n);
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

/*
 * The batched entries of one kernel file, around that file's own
 * gemm_block(type, g8, ...) for block types and dot() per (row, token) for
 * float rows: row-major over the tile, so a row is read from memory once and
 * from cache for the other tokens, with each token's dot the very function
 * dot_rows calls.
 */
#define SLMQ_KERNEL_BLOCK_GEMM(fn, type, g8)				\
static void fn(const void *w, u64 row_bytes, u32 n, const float *x,	\
	       u32 xs, const struct slmq_act *xa, u32 nt, float *y,	\
	       u32 ys, u32 r0, u32 r1)					\
{									\
	gemm_block(type, g8, w, row_bytes, xa, nt, y, ys, r0, r1);	\
}

#define SLMQ_KERNEL_FLOAT_GEMM(fn, dot)					\
static void fn(const void *w, u64 row_bytes, u32 n, const float *x,	\
	       u32 xs, const struct slmq_act *xa, u32 nt, float *y,	\
	       u32 ys, u32 r0, u32 r1)					\
{									\
	u32 r, t;							\
									\
	for (r = r0; r < r1; r++) {					\
		const void *row = (const u8 *)w + (u64)r * row_bytes;	\
									\
		for (t = 0; t < nt; t++)				\
			y[(u64)t * ys + r] = dot(row, x + (u64)t * xs, n); \
	}								\
}

/* The gemm_rows tables of a file that defined its entries with the two macros above. */
#define SLMQ_KERNEL_GEMM_ROWS						\
	.gemm_rows = {							\
		[SLMQ_TYPE_F32] = gemm_f32,				\
		[SLMQ_TYPE_F16] = gemm_f16,				\
		[SLMQ_TYPE_Q4_0] = gemm_q4_0,				\
		[SLMQ_TYPE_Q4_1] = gemm_q4_1,				\
		[SLMQ_TYPE_Q8_0] = gemm_q8_0,				\
	},								\
	.gemm_rows_g8 = {						\
		[SLMQ_TYPE_Q4_0] = gemm_q4_0_g8,			\
		[SLMQ_TYPE_Q4_1] = gemm_q4_1_g8,			\
		[SLMQ_TYPE_Q8_0] = gemm_q8_0_g8,			\
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
/* AVX-512 (the OS saves the ZMM state) and VNNI: dot_avx512vnni.c, dot_avxvnni.c */
#define SLMQ_CPU_AVX512F 0x8u
#define SLMQ_CPU_AVX512BW 0x10u
#define SLMQ_CPU_AVX512VL 0x20u
#define SLMQ_CPU_AVX512_VNNI 0x40u
#define SLMQ_CPU_AVX_VNNI 0x80u
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
extern const struct slmq_kernels slmq_kernels_avx512vnni;
extern const struct slmq_kernels slmq_kernels_avxvnni;
/* The values an override may take (for messages). */
#define SLMQ_KERNELS_PATHS "auto, generic, avx2, avx512vnni, avxvnni"
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

/* k's F16 attention kernels, or generic's where k has none. */
static inline void slmq_attn_scores_f16(const struct slmq_kernels *k,
					const float *q, const u16 *kc, u32 hd,
					u32 nt, float scale, float *out)
{
	if (!k->attn_scores_f16)
		k = &slmq_kernels_generic;
	k->attn_scores_f16(q, kc, hd, nt, scale, out);
}

static inline void slmq_attn_wsum_f16(const struct slmq_kernels *k, float *out,
				      const float *a, const u16 *v, u32 hd,
				      u32 nt)
{
	if (!k->attn_wsum_f16)
		k = &slmq_kernels_generic;
	k->attn_wsum_f16(out, a, v, hd, nt);
}

static inline void slmq_f32_to_f16_row(const struct slmq_kernels *k, u16 *y,
				       const float *x, u32 n)
{
	if (!k->f32_to_f16_row)
		k = &slmq_kernels_generic;
	k->f32_to_f16_row(y, x, n);
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

/*
 * Rows [r0, r1) of W times the nt activations of a tile: x_t = x + t * xs
 * (floats) and xa[t] (int8 form, block types), results y[t * ys + r].
 * Bit for bit what slmq_dot_rows() gives token by token, through k's
 * batched kernel or, when k has none for the type, through exactly that.
 */
static inline void slmq_gemm_rows(const struct slmq_kernels *k, u32 type,
				  const void *w, u64 row_bytes, u32 n,
				  const float *x, u32 xs,
				  const struct slmq_act *xa, u32 nt,
				  float *y, u32 ys, u32 r0, u32 r1)
{
	u32 t = type & ~SLMQ_DOT_G8, i;

	/* the same choice of entry as slmq_dot_rows(), then its batched form */
	if (t < SLMQ_TYPE_COUNT && k->dot_rows[t]) {
		if ((type & SLMQ_DOT_G8) && k->dot_rows_g8[t]) {
			if (k->gemm_rows_g8[t]) {
				k->gemm_rows_g8[t](w, row_bytes, n, x, xs, xa, nt,
						   y, ys, r0, r1);
				return;
			}
		} else if (k->gemm_rows[t]) {
			k->gemm_rows[t](w, row_bytes, n, x, xs, xa, nt, y, ys,
					r0, r1);
			return;
		}
	}
	for (i = 0; i < nt; i++)
		slmq_dot_rows(k, type, w, row_bytes, n, x + (u64)i * xs,
			      xa ? xa + i : NULL, y + (u64)i * ys, r0, r1);
}

#endif /* SLMQ_KERNELS_H */
