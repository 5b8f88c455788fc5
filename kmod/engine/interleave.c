// SPDX-License-Identifier: GPL-2.0
/*
 * SLMQ_LAYOUT_G8: Q4_0/Q4_1/Q8_0 matrices rearranged for the kernels, in
 * place.
 *
 * Each full group of 8 rows is interleaved block by block: for block b, the
 * 8 rows' scales as halves (rows 0..7), for Q4_1 the 8 mins likewise, then
 * the 8 rows' quants (32 bytes each for Q8_0; 16 for Q4, in the row order
 * 0,4,1,5,2,6,3,7 so that two rows' nibbles are one 32-byte load and the
 * AVX2 reduction yields rows 0..7 in order).  One block of 8 rows takes 8
 * blocks' bytes, so a group keeps its size and place; the kernels read one
 * contiguous stream and one 16-byte load of scales per block and 8 rows.
 * Rows of a last, partial group stay in ggml's layout.  No floating point.
 */
#include "compat.h"
#include "model.h"
#include "dot.h"

#define G8 8

/* Block size, bytes before the quants of one block, quant bytes of one block. */
static void g8_sizes(u32 type, u32 *bs, u32 *hdr, u32 *qsz)
{
	*bs = (u32)slmq_row_bytes(type, SLMQ_QK);
	*hdr = type == SLMQ_TYPE_Q4_1 ? 4 : 2;
	*qsz = *bs - *hdr;
}

/* Position of row k's quants in a block of a group. */
static inline u32 g8_qslot(u32 type, u32 k)
{
	return type == SLMQ_TYPE_Q8_0 ? k : (k % 4) * 2 + k / 4;
}

/*
 * Offsets in a G8 group of block b of row k: its scale, its min (Q4_1) and
 * its quants.
 */
static void g8_offsets(u32 type, u32 k, u32 b, u64 *d, u64 *m, u64 *q)
{
	u32 bs, hdr, qsz;
	u64 c;

	g8_sizes(type, &bs, &hdr, &qsz);
	c = (u64)b * G8 * bs;
	*d = c + 2 * k;
	*m = c + 2 * G8 + 2 * k;
	*q = c + G8 * hdr + (u64)g8_qslot(type, k) * qsz;
}

/**
 * slmq_interleave_rows_g8() - eight rows from ggml's layout into one G8 group.
 * @type: SLMQ_TYPE_Q4_0, SLMQ_TYPE_Q4_1 or SLMQ_TYPE_Q8_0
 * @srcv: 8 rows in ggml's layout, back to back
 * @dstv: the same number of bytes, G8 layout (must not overlap srcv)
 * @nb: blocks per row
 */
void slmq_interleave_rows_g8(u32 type, const void *srcv, void *dstv, u32 nb)
{
	const u8 *src = srcv;
	u8 *dst = dstv;
	u32 bs, hdr, qsz, k, b;
	u64 d, m, q;

	g8_sizes(type, &bs, &hdr, &qsz);
	for (k = 0; k < G8; k++) {
		for (b = 0; b < nb; b++) {
			const u8 *blk = src + ((u64)k * nb + b) * bs;

			g8_offsets(type, k, b, &d, &m, &q);
			memcpy(dst + d, blk, 2);
			if (type == SLMQ_TYPE_Q4_1)
				memcpy(dst + m, blk + 2, 2);
			memcpy(dst + q, blk + hdr, qsz);
		}
	}
}

/**
 * slmq_g8_block() - one block of one row of a G8 group, in ggml's layout.
 * @type: SLMQ_TYPE_Q4_0, SLMQ_TYPE_Q4_1 or SLMQ_TYPE_Q8_0
 * @groupv: the group (8 rows)
 * @nb: blocks per row
 * @k: row in the group, 0..7
 * @b: block index, < nb
 * @blkv: 34, 18 or 20 bytes out
 */
void slmq_g8_block(u32 type, const void *groupv, u32 nb, u32 k, u32 b, void *blkv)
{
	const u8 *g = groupv;
	u8 *o = blkv;
	u32 bs, hdr, qsz;
	u64 d, m, q;

	(void)nb;	/* the layout of block b does not depend on the row length */
	g8_sizes(type, &bs, &hdr, &qsz);
	g8_offsets(type, k, b, &d, &m, &q);
	memcpy(o, g + d, 2);
	if (type == SLMQ_TYPE_Q4_1)
		memcpy(o + 2, g + m, 2);
	memcpy(o + hdr, g + q, qsz);
}

/*
 * The AVX2 kernel for G8 Q8_0 moves the activation's sign onto the weight,
 * which is exact only for weights in [-127, 127]: ggml's quantizer never
 * writes -128, but a file may, and such a matrix stays in ggml's layout
 * (whose kernel handles it).
 */
static bool q8_has_min(const struct slmq_tensor *t)
{
	u64 nblk = (u64)t->ne1 * (t->ne0 / SLMQ_QK), i;
	const u8 *p = t->data;
	u32 j;

	for (i = 0; i < nblk; i++, p += 34)
		for (j = 0; j < SLMQ_QK; j++)
			if (p[2 + j] == 0x80)
				return true;
	return false;
}

static bool interleavable(const struct slmq_tensor *t)
{
	if (t->layout != SLMQ_LAYOUT_GGML || t->ne1 < G8)
		return false;
	if (t->type == SLMQ_TYPE_Q8_0)
		return !q8_has_min(t);
	return t->type == SLMQ_TYPE_Q4_0 || t->type == SLMQ_TYPE_Q4_1;
}

static void interleave_tensor(struct slmq_tensor *t, u8 *tmp)
{
	u64 rb = slmq_row_bytes(t->type, t->ne0), g;
	u8 *data = (u8 *)t->data;	/* the caller's buffer is writable */

	for (g = 0; g < t->ne1 / G8; g++) {
		memcpy(tmp, data + g * G8 * rb, G8 * rb);
		slmq_interleave_rows_g8(t->type, tmp, data + g * G8 * rb, t->ne0 / SLMQ_QK);
	}
	t->layout = SLMQ_LAYOUT_G8;
}

/**
 * slmq_model_interleave() - rearrange block-quantized matrices for the kernels (see model.h).
 * @m: loaded model whose buffer is writable
 * @a: allocator for one group of rows of scratch
 * @err: error report
 *
 * Return: 0 or -ENOMEM.
 */
int slmq_model_interleave(struct slmq_model *m, const struct slmq_allocator *a,
			  struct slmq_err *err)
{
	u32 widest = max_t(u32, max_t(u32, m->hp.n_embd, m->hp.n_ff),
			   m->hp.n_head * m->hp.head_dim);
	/* Q8_0 has the widest rows of the interleaved types */
	u8 *tmp = slmq_alloc(a, G8 * slmq_row_bytes(SLMQ_TYPE_Q8_0, widest) + 64);
	u32 l, k;

	if (!tmp)
		return slmq_fail(err, -ENOMEM, "model: out of memory");
	for (l = 0; l < m->hp.n_layer; l++) {
		struct slmq_layer *L = &m->layers[l];
		struct slmq_tensor *mats[] = { &L->wq, &L->wk, &L->wv, &L->wo,
					       &L->w_gate, &L->w_up, &L->w_down };

		for (k = 0; k < ARRAY_SIZE(mats); k++)
			if (interleavable(mats[k]))
				interleave_tensor(mats[k], tmp);
	}
	/* a head tied to the embedding stays: embedding rows are read as ggml */
	if (m->output.data != m->tok_embd.data && interleavable(&m->output))
		interleave_tensor(&m->output, tmp);
	slmq_free(a, tmp);
	m->interleaved = true;
	return 0;
}
