// SPDX-License-Identifier: GPL-2.0
/*
 * SLMQ_LAYOUT_G8: Q4_0/Q4_1 rows rearranged for the AVX2 kernels, in place.
 *
 * Each full group of 8 blocks (144 bytes of Q4_0, 160 of Q4_1) becomes:
 * the 8 scales as halves in the order of blocks 0,2,4,6,1,3,5,7 (the lane
 * order the kernels produce), for Q4_1 the 8 mins in the same order, then
 * the 16 quant bytes of blocks 0,1,2,...,7 back to back, so a block pair's
 * quants are one 32-byte load.  Blocks of a last, partial group stay in
 * ggml's layout.  Rows keep their size.  No floating point here.
 */
#include "compat.h"
#include "model.h"
#include "dot.h"

#define G8 8

/* Position of block k's scale in a packed group: blocks 0,2,4,6,1,3,5,7. */
static inline u32 g8_slot(u32 k)
{
	return (k % 2) * 4 + k / 2;
}

/**
 * slmq_pack_row_g8() - one Q4_0/Q4_1 row from ggml's layout to G8.
 * @type: SLMQ_TYPE_Q4_0 or SLMQ_TYPE_Q4_1
 * @srcv: the row in ggml's layout
 * @dstv: the same number of bytes, G8 layout (must not overlap srcv)
 * @nb: blocks in the row
 */
void slmq_pack_row_g8(u32 type, const void *srcv, void *dstv, u32 nb)
{
	const u8 *src = srcv;
	u8 *dst = dstv;
	u32 bs = type == SLMQ_TYPE_Q4_1 ? 20 : 18;
	u32 hdr = type == SLMQ_TYPE_Q4_1 ? 4 : 2;	/* d (and m) before the quants */
	u32 gb = G8 * bs, full = nb / G8, g, k;

	for (g = 0; g < full; g++) {
		const u8 *s = src + (u64)g * gb;
		u8 *d = dst + (u64)g * gb;

		for (k = 0; k < G8; k++) {
			const u8 *b = s + k * bs;

			memcpy(d + 2 * g8_slot(k), b, 2);
			if (type == SLMQ_TYPE_Q4_1)
				memcpy(d + 16 + 2 * g8_slot(k), b + 2, 2);
			memcpy(d + G8 * hdr + 16 * k, b + hdr, 16);
		}
	}
	memcpy(dst + (u64)full * gb, src + (u64)full * gb, (u64)(nb - full * G8) * bs);
}

static bool packable(const struct slmq_tensor *t)
{
	return (t->type == SLMQ_TYPE_Q4_0 || t->type == SLMQ_TYPE_Q4_1) &&
	       t->layout == SLMQ_LAYOUT_GGML;
}

static void pack_tensor(struct slmq_tensor *t, u8 *tmp)
{
	u64 rb = slmq_row_bytes(t->type, t->ne0), r;
	u8 *data = (u8 *)t->data;	/* the caller's buffer is writable */

	for (r = 0; r < t->ne1; r++) {
		memcpy(tmp, data + r * rb, rb);
		slmq_pack_row_g8(t->type, tmp, data + r * rb, t->ne0 / SLMQ_QK);
	}
	t->layout = SLMQ_LAYOUT_G8;
}

/**
 * slmq_model_pack() - rearrange Q4_0/Q4_1 matrices for the kernels (see model.h).
 * @m: loaded model whose buffer is writable
 * @a: allocator for one row of scratch
 * @err: error report
 *
 * Return: 0 or -ENOMEM.
 */
int slmq_model_pack(struct slmq_model *m, const struct slmq_allocator *a,
		    struct slmq_err *err)
{
	u32 widest = max_t(u32, max_t(u32, m->hp.n_embd, m->hp.n_ff),
			   m->hp.n_head * m->hp.head_dim);
	u8 *tmp = slmq_alloc(a, slmq_row_bytes(SLMQ_TYPE_Q4_1, widest) + 64);
	u32 l, k;

	if (!tmp)
		return slmq_fail(err, -ENOMEM, "model: out of memory");
	for (l = 0; l < m->hp.n_layer; l++) {
		struct slmq_layer *L = &m->layers[l];
		struct slmq_tensor *mats[] = { &L->wq, &L->wk, &L->wv, &L->wo,
					       &L->w_gate, &L->w_up, &L->w_down };

		for (k = 0; k < ARRAY_SIZE(mats); k++)
			if (packable(mats[k]))
				pack_tensor(mats[k], tmp);
	}
	/* a head tied to the embedding stays: embedding rows are read as ggml */
	if (m->output.data != m->tok_embd.data && packable(&m->output))
		pack_tensor(&m->output, tmp);
	slmq_free(a, tmp);
	return 0;
}
