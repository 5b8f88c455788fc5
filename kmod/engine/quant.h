/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Conversions between float rows and the stored weight formats (blocks.h),
 * reached by type through type_traits.h's from_float/to_float.
 * FPU code: in the kernel only between kernel_fpu_begin()/end().
 */
#ifndef SLMQ_QUANT_H
#define SLMQ_QUANT_H

#include "compat.h"
#include "type_traits.h"

u16 slmq_f32_to_f16(float f);	/* round to nearest even, like F16C */
float slmq_f16_to_f32(u16 h);

/*
 * Round-to-nearest quantization of one row of n weights (n a multiple of 32
 * for the block types), producing exactly the bytes ggml's reference
 * quantize_row_*_ref() produces.  type is F32, F16, Q4_0, Q4_1 or Q8_0.
 */
void slmq_quantize_row(u32 type, const float *x, void *out, u32 n);
void slmq_dequantize_row(u32 type, const void *in, float *y, u32 n);

/* The same for one type each: the type_traits table's entries. */
void slmq_quantize_row_f32(const float *x, void *out, u32 n);
void slmq_quantize_row_f16(const float *x, void *out, u32 n);
void slmq_quantize_row_q4_0(const float *x, void *out, u32 n);
void slmq_quantize_row_q4_1(const float *x, void *out, u32 n);
void slmq_quantize_row_q8_0(const float *x, void *out, u32 n);
void slmq_dequantize_row_f32(const void *in, float *y, u32 n);
void slmq_dequantize_row_f16(const void *in, float *y, u32 n);
void slmq_dequantize_row_q4_0(const void *in, float *y, u32 n);
void slmq_dequantize_row_q4_1(const void *in, float *y, u32 n);
void slmq_dequantize_row_q8_0(const void *in, float *y, u32 n);

#endif /* SLMQ_QUANT_H */
