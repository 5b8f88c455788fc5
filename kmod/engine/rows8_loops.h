/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The row loops of every SIMD file whose kernel computes 8 rows at once
 * (dot_avx2.c, dot_vnni.h, dot_neon.c): one copy, so the order in which
 * rows and tokens are visited, which the bit-identity with dot_generic.c
 * rests on, cannot drift between the paths.
 *
 * The includer defines SLMQ_ROWS8 as its kernel,
 *   SLMQ_ROWS8(type, g8, group, rp, xa, y, cnt)
 * computing rows y[0..cnt) from a G8 group (g8) or from 8 row pointers rp
 * (ggml's layout; pointers past the last row repeat it), then includes
 * this file once.
 */
#ifndef SLMQ_ROWS8_LOOPS_H
#define SLMQ_ROWS8_LOOPS_H

#ifndef SLMQ_ROWS8
#error "define SLMQ_ROWS8 before including rows8_loops.h"
#endif

/* 8 row pointers from row r on; rows past r1 repeat the last one. */
static __always_inline u32 rows8_ptrs(const u8 *base, u64 row_bytes, u32 r,
				      u32 r1, const u8 *rp[8])
{
	u32 k, cnt = r1 - r < 8 ? r1 - r : 8;

	for (k = 0; k < 8; k++)
		rp[k] = base + (u64)(r + (k < cnt ? k : cnt - 1)) * row_bytes;
	return cnt;
}

/*
 * Rows [r0, r1) of a block-type matrix: G8 groups first (g8: rows below
 * r1 / 8 * 8), then 8 rows at a time in ggml's layout.
 */
static __always_inline void rows_block(u32 type, bool g8, const u8 *base,
				       u64 row_bytes, const struct slmq_act *xa,
				       float *y, u32 r0, u32 r1)
{
	u32 r = r0, cnt, full = g8 ? r1 / 8 * 8 : r0;
	const u8 *rp[8];

	for (; r < full; r += 8)
		SLMQ_ROWS8(type, true, base + (u64)r * row_bytes, NULL, xa, y + r, 8);
	for (; r < r1; r += 8) {
		cnt = rows8_ptrs(base, row_bytes, r, r1, rp);
		SLMQ_ROWS8(type, false, NULL, rp, xa, y + r, cnt);
	}
}

/*
 * Rows [r0, r1) for the nt tokens of a tile: per group of 8 rows (G8
 * groups first, as rows_block() goes), the kernel for each token in turn,
 * so the group's blocks come from memory once per tile and from L1 for the
 * other tokens, and every (row, token) is computed by the very instructions
 * of that token's matrix-vector product: the same bits.  (Sharing the
 * weight loads and nibble splits across tokens in registers measured
 * slower on AVX2: the accumulators of several tokens spill.)
 */
static __always_inline void gemm_block(u32 type, bool g8, const u8 *base,
				       u64 row_bytes, const struct slmq_act *xa,
				       u32 nt, float *y, u32 ys, u32 r0, u32 r1)
{
	u32 r = r0, t, cnt, full = g8 ? r1 / 8 * 8 : r0;
	const u8 *rp[8];

	for (; r < full; r += 8)
		for (t = 0; t < nt; t++)
			SLMQ_ROWS8(type, true, base + (u64)r * row_bytes, NULL,
				   xa + t, y + (u64)t * ys + r, 8);
	for (; r < r1; r += 8) {
		cnt = rows8_ptrs(base, row_bytes, r, r1, rp);
		for (t = 0; t < nt; t++)
			SLMQ_ROWS8(type, false, NULL, rp, xa + t,
				   y + (u64)t * ys + r, cnt);
	}
}

#endif /* SLMQ_ROWS8_LOOPS_H */
