// SPDX-License-Identifier: GPL-2.0
/* Group-wise quantization parameters and codes for Q4_0/Q4_1/Q8_0. */
#include <math.h>

#include "qgroup.h"
#include "../../../kmod/engine/quant.h"

bool qg_type_ok(u32 type)
{
	return type == SLMQ_TYPE_Q4_0 || type == SLMQ_TYPE_Q4_1 ||
	       type == SLMQ_TYPE_Q8_0;
}

void qg_set(struct qg_params *p, float d, float m)
{
	p->d_bits = slmq_f32_to_f16(d);
	p->m_bits = slmq_f32_to_f16(m);
	p->d = slmq_f16_to_f32(p->d_bits);
	p->m = slmq_f16_to_f32(p->m_bits);
	p->id = p->d != 0.0f ? 1.0f / p->d : 0.0f;
}

void qg_fit(u32 type, const float *w, u32 n, struct qg_params *p)
{
	float amax = 0.0f, max = 0.0f, lo = w[0], hi = w[0];
	u32 j;

	for (j = 0; j < n; j++) {
		if (amax < fabsf(w[j])) {
			amax = fabsf(w[j]);
			max = w[j];
		}
		lo = w[j] < lo ? w[j] : lo;
		hi = w[j] > hi ? w[j] : hi;
	}
	switch (type) {
	case SLMQ_TYPE_Q4_0:
		qg_set(p, max / -8, 0.0f);
		break;
	case SLMQ_TYPE_Q4_1:
		qg_set(p, (hi - lo) / 15, lo);
		break;
	default:
		qg_set(p, amax / 127, 0.0f);
		break;
	}
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int qg_code(u32 type, const struct qg_params *p, float w)
{
	switch (type) {
	case SLMQ_TYPE_Q4_0:
		return clampi((int)floorf(w * p->id + 8.5f), 0, 15);
	case SLMQ_TYPE_Q4_1:
		return clampi((int)floorf((w - p->m) * p->id + 0.5f), 0, 15);
	default:
		return clampi((int)roundf(w * p->id), -127, 127);
	}
}

float qg_value(u32 type, const struct qg_params *p, int q)
{
	switch (type) {
	case SLMQ_TYPE_Q4_0:
		return (float)(q - 8) * p->d;
	case SLMQ_TYPE_Q4_1:
		return (float)q * p->d + p->m;
	default:
		return (float)q * p->d;
	}
}

void qg_pack_block(u32 type, const struct qg_params *p, const int *q, void *out)
{
	u32 j;

	if (type == SLMQ_TYPE_Q8_0) {
		struct slmq_block_q8_0 *b = out;

		b->d = p->d_bits;
		for (j = 0; j < SLMQ_QK; j++)
			b->qs[j] = (s8)q[j];
	} else if (type == SLMQ_TYPE_Q4_1) {
		struct slmq_block_q4_1 *b = out;

		b->d = p->d_bits;
		b->m = p->m_bits;
		for (j = 0; j < SLMQ_QK / 2; j++)
			b->qs[j] = (u8)(q[j] | q[j + SLMQ_QK / 2] << 4);
	} else {
		struct slmq_block_q4_0 *b = out;

		b->d = p->d_bits;
		for (j = 0; j < SLMQ_QK / 2; j++)
			b->qs[j] = (u8)(q[j] | q[j + SLMQ_QK / 2] << 4);
	}
}

void qg_quantize_row(u32 type, const float *w, u32 n, u32 gs, void *out,
		     float *deq)
{
	size_t bsz = slmq_row_bytes(type, SLMQ_QK);
	struct qg_params p;
	int q[SLMQ_QK];
	u32 g, b, j;

	/* groups of 32 are plain blocks: be bit-exact with ggml's reference */
	if (gs == SLMQ_QK) {
		u8 tmp[sizeof(struct slmq_block_q8_0)];

		for (b = 0; b < n; b += SLMQ_QK) {
			void *blk = out ? (u8 *)out + b / SLMQ_QK * bsz : tmp;

			slmq_quantize_row(type, w + b, blk, SLMQ_QK);
			if (deq)
				slmq_dequantize_row(type, blk, deq + b, SLMQ_QK);
		}
		return;
	}
	for (g = 0; g < n; g += gs) {
		qg_fit(type, w + g, gs, &p);
		for (b = g; b < g + gs; b += SLMQ_QK) {
			for (j = 0; j < SLMQ_QK; j++) {
				q[j] = qg_code(type, &p, w[b + j]);
				if (deq)
					deq[b + j] = qg_value(type, &p, q[j]);
			}
			if (out)
				qg_pack_block(type, &p, q, (u8 *)out + b / SLMQ_QK * bsz);
		}
	}
}

void qg_quantize_row_params(u32 type, const float *w, u32 n, u32 gs,
			    const struct qg_params *par, void *out, float *deq)
{
	size_t bsz = slmq_row_bytes(type, SLMQ_QK);
	int q[SLMQ_QK];
	u32 b, j;

	for (b = 0; b < n; b += SLMQ_QK) {
		const struct qg_params *p = &par[b / gs];

		for (j = 0; j < SLMQ_QK; j++) {
			q[j] = qg_code(type, p, w[b + j]);
			if (deq)
				deq[b + j] = qg_value(type, p, q[j]);
		}
		if (out)
			qg_pack_block(type, p, q, (u8 *)out + b / SLMQ_QK * bsz);
	}
}
