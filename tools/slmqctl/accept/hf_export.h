/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The quantized GGUF's weights in the GPTQ checkpoint layout Hugging Face
 * tooling (transformers/optimum, AutoGPTQ, GPTQModel) reads:
 * DIR/model.safetensors + DIR/config.json + DIR/quantization_config.json.
 *
 * Per quantized linear layer (weight [out, in], groups of 32 along in):
 *   qweight  int32 [in * bits / 32, out]  bits-wide values packed along in
 *   qzeros   int32 [in / 32, out * bits / 32]  (zero - 1) packed along out
 *            (the "gptq" v1 checkpoint format's off-by-one convention)
 *   scales   float16 [in / 32, out]
 *   g_idx    int32 [in]  = i / 32
 * and w = scales[g][o] * (q - (qzeros[g][o] + 1)).
 * Q4_0 (w = d (q - 8)) and Q8_0 (w = d q, stored q + 128) map exactly
 * (sym); Q4_1 (w = d q + m) maps with the nearest integer zero point (asym),
 * and the largest resulting change is recorded.  Embeddings (and a tied or
 * non-linear tensor) are written dequantized (F32 when quantized, so the
 * values are exact), norms F32->F16... as F32.  q/k rows are un-permuted
 * back to Hugging Face order.
 */
#ifndef SLMQ_VALIDATE_HF_EXPORT_H
#define SLMQ_VALIDATE_HF_EXPORT_H

#include "../cli.h"

struct hf_export_info {
	int bits;			/* of most quantized linears */
	bool sym;
	bool exact;			/* every weight reproduced exactly */
	double max_abs_change;		/* Q4_1 zero-point rounding */
	unsigned long n_quantized;	/* linear layers written as qweight */
};

int hf_export_gptq(const struct slmq_model *m, const char *dir,
		   struct hf_export_info *info, struct slmq_err *err);

/* HF tensor name prefix of a GGUF tensor ("model.layers.3.self_attn.q_proj"), or NULL. */
const char *hf_export_name(const char *gguf_name, char *buf, size_t len,
			   bool *is_linear);

#endif /* SLMQ_VALIDATE_HF_EXPORT_H */
