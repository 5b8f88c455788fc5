// SPDX-License-Identifier: GPL-2.0
/*
 * The "dotprod" table: dot_neon.c built again with SLMQ_NEON_DOTPROD for
 * ARMv8.2 + sdot (engine.mk gives this file -march=armv8.2-a+dotprod).  One
 * source, so the two arm64 tables differ only in the integer part of a block
 * and cannot drift apart.
 */
#define SLMQ_NEON_DOTPROD 1
#include "dot_neon.c"
