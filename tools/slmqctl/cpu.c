// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace's CPU probe and kernel choice (kmod/slmq_cpu.c is the kernel's):
 * CPUID on x86 and AT_HWCAP on arm64 for the features, engine/kernels.c's
 * slmq_kernels_select() for the decision, SLMQ_CPU=auto|generic|avx2|
 * avx512vnni|avxvnni (x86) or auto|generic|neon|dotprod (arm64) to override
 * it (tests and benchmarks compare the paths).  SLMQ_FORCE_GENERIC=1, the
 * older switch, still means generic.  Only the C library: tests/xengine.c
 * links this file without the rest of slmqctl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#include <asm/hwcap.h>
#endif

#include "cpu.h"

#if defined(__x86_64__) || defined(__i386__)
/* XCR0: the register states the OS saves on a context switch. */
static u64 xgetbv0(void)
{
	unsigned int lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (u64)hi << 32 | lo;
}

#define XCR0_YMM 0x06u		/* SSE and AVX state */
#define XCR0_ZMM 0xe0u		/* opmask, ZMM0-15 upper halves, ZMM16-31 */

/*
 * AVX2 through __builtin_cpu_supports(), which also checks that the OS
 * saves the YMM state; FMA and F16C from CPUID leaf 1's ECX (clang's
 * __builtin_cpu_supports() knows no "f16c").  AVX-512 F/BW/VL/VNNI from
 * leaf 7's EBX/ECX and AVX-VNNI from leaf 7.1's EAX, each only when XCR0
 * (OSXSAVE set) says the OS saves the registers they use: YMM for AVX-VNNI,
 * YMM and ZMM for AVX-512 (an OS may enable AVX but not AVX-512).
 */
u32 cli_cpu_features(void)
{
	unsigned int eax, ebx, ecx, edx;
	u64 xcr0 = 0;
	u32 f = 0;

	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		f |= SLMQ_CPU_AVX2;
	if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
		if (ecx & bit_FMA)
			f |= SLMQ_CPU_FMA;
		if (ecx & bit_F16C)
			f |= SLMQ_CPU_F16C;
		if (ecx & bit_OSXSAVE)
			xcr0 = xgetbv0();
	}
	if ((xcr0 & XCR0_YMM) != XCR0_YMM || __get_cpuid_max(0, NULL) < 7)
		return f;
	__cpuid_count(7, 0, eax, ebx, ecx, edx);
	if ((xcr0 & XCR0_ZMM) == XCR0_ZMM) {
		if (ebx & bit_AVX512F)
			f |= SLMQ_CPU_AVX512F;
		if (ebx & bit_AVX512BW)
			f |= SLMQ_CPU_AVX512BW;
		if (ebx & bit_AVX512VL)
			f |= SLMQ_CPU_AVX512VL;
		if (ecx & (1u << 11))	/* AVX512_VNNI */
			f |= SLMQ_CPU_AVX512_VNNI;
	}
	if (eax >= 1) {		/* leaf 7's highest subleaf */
		__cpuid_count(7, 1, eax, ebx, ecx, edx);
		if (eax & (1u << 4))	/* AVX_VNNI */
			f |= SLMQ_CPU_AVX_VNNI;
	}
	return f;
}
#elif defined(__aarch64__)
/* What the kernel says the CPU has (Advanced SIMD, and the v8.2 sdot/udot). */
u32 cli_cpu_features(void)
{
	unsigned long hw = getauxval(AT_HWCAP);
	u32 f = 0;

	if (hw & HWCAP_ASIMD)
		f |= SLMQ_CPU_NEON;
	if (hw & HWCAP_ASIMDDP)
		f |= SLMQ_CPU_DOTPROD;
	return f;
}
#else
/* Other architectures run the generic C kernels, which need nothing. */
u32 cli_cpu_features(void)
{
	return 0;
}
#endif

const struct slmq_kernels *cli_kernels(void)
{
	static const struct slmq_kernels *chosen;
	const char *path = getenv("SLMQ_CPU");
	const char *force = getenv("SLMQ_FORCE_GENERIC");
	int ret;

	if (chosen)
		return chosen;
	if (force && *force && strcmp(force, "0"))
		path = "generic";
	ret = slmq_kernels_select(cli_cpu_features(), path, &chosen);
	if (ret == -EINVAL) {
		fprintf(stderr, "slmqctl: SLMQ_CPU=%s: not one of %s\n", path, SLMQ_KERNELS_PATHS);
		exit(1);
	}
	if (ret) {
		fprintf(stderr, "slmqctl: SLMQ_CPU=%s: this CPU lacks the instructions it needs\n",
			path);
		exit(1);
	}
	return chosen;
}
