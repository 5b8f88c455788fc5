// SPDX-License-Identifier: GPL-2.0
/*
 * The one decision between the kernel tables (kernels.h).
 * No floating point: only a table is chosen here.
 */
#include "compat.h"
#include "kernels.h"

/*
 * Best first: the first table whose needs the CPU meets is "auto"'s pick.
 * AVX-512 VNNI before AVX-VNNI: on a CPU with both (Zen 5, Sapphire
 * Rapids) its 512-bit integer work is faster (Documentation/engine.md).
 */
static const struct slmq_kernels *const slmq_kernel_sets[] = {
#ifdef SLMQ_KERNELS_AVX2
	&slmq_kernels_avx512vnni,
	&slmq_kernels_avxvnni,
	&slmq_kernels_avx2,
#endif
#ifdef SLMQ_KERNELS_NEON
	&slmq_kernels_dotprod,
	&slmq_kernels_neon,
#endif
	&slmq_kernels_generic,
};

/**
 * slmq_kernels_select() - the kernels this CPU runs, or the ones asked for.
 * @cpu: SLMQ_CPU_* bits the caller's probe found
 * @path: NULL, "" or "auto" for the best the CPU runs; "generic", "avx2",
 *        "avx512vnni", "avxvnni" (x86), "neon" or "dotprod" (arm64): those
 *        of the build's architecture, to insist on one (tests comparing the
 *        paths)
 * @out: the chosen table
 *
 * Return: 0; -EINVAL when @path names no kernel set (see SLMQ_KERNELS_PATHS),
 * -ENODEV when the CPU lacks what the named set needs.
 */
int slmq_kernels_select(u32 cpu, const char *path,
			const struct slmq_kernels **out)
{
	bool any = !path || !*path || !strcmp(path, "auto");
	u32 i;

	for (i = 0; i < ARRAY_SIZE(slmq_kernel_sets); i++) {
		const struct slmq_kernels *k = slmq_kernel_sets[i];
		bool fits = (cpu & k->needs) == k->needs;

		if (any && fits) {
			*out = k;
			return 0;
		}
		if (!any && !strcmp(path, k->name)) {
			if (!fits)
				return -ENODEV;
			*out = k;
			return 0;
		}
	}
	return -EINVAL;
}
