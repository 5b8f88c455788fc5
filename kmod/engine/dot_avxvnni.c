// SPDX-License-Identifier: GPL-2.0
/*
 * AVX-VNNI block kernels (dot.h): dot_vnni.h's, VEX-encoded, for the
 * Alder Lake-class and Zen 5 CPUs that have the 256-bit vpdpbusd without
 * (or besides) AVX-512.  Built with -mavxvnni (and AVX2/FMA/F16C for the
 * rest).
 *
 * The unit tests also build this file with AVX512VL + AVX512_VNNI instead
 * (SLMQ_AVXVNNI_EVEX: the same source, EVEX-encoded, another table name),
 * so its arithmetic is tested on CPUs with AVX-512 VNNI but not AVX-VNNI.
 */
#include "dot_vnni.h"

#ifdef SLMQ_AVXVNNI_EVEX
#define SLMQ_AVXVNNI_TABLE slmq_kernels_avxvnni_evex
#define SLMQ_AVXVNNI_NEEDS (SLMQ_CPU_AVX512F | SLMQ_CPU_AVX512VL | SLMQ_CPU_AVX512_VNNI)
#else
#define SLMQ_AVXVNNI_TABLE slmq_kernels_avxvnni
#define SLMQ_AVXVNNI_NEEDS SLMQ_CPU_AVX_VNNI
#endif

/* Only chosen by slmq_kernels_select() on a CPU with AVX2, FMA, F16C and AVX-VNNI. */
const struct slmq_kernels SLMQ_AVXVNNI_TABLE = {
	.name = "avxvnni",
	.needs = SLMQ_CPU_AVX2 | SLMQ_CPU_FMA | SLMQ_CPU_F16C | SLMQ_AVXVNNI_NEEDS,
	SLMQ_KERNEL_DOT_ROWS,
	SLMQ_KERNEL_GEMM_ROWS,
	.attn_scores = slmq_attn_scores_avx2,
	.attn_wsum = slmq_attn_wsum_avx2,
	.attn_scores_f16 = slmq_attn_scores_f16_avx2,
	.attn_wsum_f16 = slmq_attn_wsum_f16_avx2,
	.f32_to_f16_row = slmq_f32_to_f16_row_avx2,
	.expf_array = slmq_expf_array_avx2,
};
