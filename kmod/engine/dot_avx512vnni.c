// SPDX-License-Identifier: GPL-2.0
/*
 * AVX-512 VNNI block kernels (dot.h): dot_vnni.h's, EVEX-encoded on 256-bit
 * vectors (AVX512VL; why not 512 bits: see dot_vnni.h), for the CPUs with
 * AVX-512 VNNI (Cascade Lake and later Xeons, Ice Lake, Zen 4 and 5).
 * Built with -mavx512f -mavx512bw -mavx512vl -mavx512vnni (and AVX2, FMA,
 * F16C for the rest).
 */
#include "dot_vnni.h"

/* Only chosen by slmq_kernels_select() on a CPU with AVX2, FMA, F16C and AVX-512 F/BW/VL/VNNI. */
const struct slmq_kernels slmq_kernels_avx512vnni = {
	.name = "avx512vnni",
	.needs = SLMQ_CPU_AVX2 | SLMQ_CPU_FMA | SLMQ_CPU_F16C |
		 SLMQ_CPU_AVX512F | SLMQ_CPU_AVX512BW | SLMQ_CPU_AVX512VL |
		 SLMQ_CPU_AVX512_VNNI,
	SLMQ_KERNEL_DOT_ROWS,
	SLMQ_KERNEL_GEMM_ROWS,
	.attn_scores = slmq_attn_scores_avx2,
	.attn_wsum = slmq_attn_wsum_avx2,
	.attn_scores_f16 = slmq_attn_scores_f16_avx2,
	.attn_wsum_f16 = slmq_attn_wsum_f16_avx2,
	.f32_to_f16_row = slmq_f32_to_f16_row_avx2,
	.expf_array = slmq_expf_array_avx2,
};
