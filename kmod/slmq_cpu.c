// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's side of the engine's kernel choice: boot_cpu_has() (x86) or
 * cpu_have_named_feature() (arm64) is the probe, engine/kernels.c's
 * slmq_kernels_select() the decision (the same one slmqctl makes from CPUID
 * or AT_HWCAP), and cpu_path= pins a path so the two can be compared in the
 * VM tests.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/moduleparam.h>
#include <linux/string.h>
#include <asm/cpufeature.h>

#include "slmq_priv.h"
#include "engine/kernels.h"

/* The table cpu_path= pinned; NULL: the best this CPU runs. */
static const struct slmq_kernels *slmq_kernels_pinned;

#if defined(CONFIG_X86)
static u32 slmq_cpu_features(void)
{
	u32 f = 0;

	if (boot_cpu_has(X86_FEATURE_AVX2))
		f |= SLMQ_CPU_AVX2;
	if (boot_cpu_has(X86_FEATURE_FMA))
		f |= SLMQ_CPU_FMA;
	if (boot_cpu_has(X86_FEATURE_F16C))
		f |= SLMQ_CPU_F16C;
	/*
	 * The kernel clears these when XSAVE does not manage the registers
	 * they need (fpu__init_system_xstate()), so a set bit means usable.
	 */
	if (boot_cpu_has(X86_FEATURE_AVX512F))
		f |= SLMQ_CPU_AVX512F;
	if (boot_cpu_has(X86_FEATURE_AVX512BW))
		f |= SLMQ_CPU_AVX512BW;
	if (boot_cpu_has(X86_FEATURE_AVX512VL))
		f |= SLMQ_CPU_AVX512VL;
	if (boot_cpu_has(X86_FEATURE_AVX512_VNNI))
		f |= SLMQ_CPU_AVX512_VNNI;
	if (boot_cpu_has(X86_FEATURE_AVX_VNNI))
		f |= SLMQ_CPU_AVX_VNNI;
	return f;
}
#elif defined(CONFIG_ARM64)
/* The system-wide features (every CPU has them): what AT_HWCAP reports to userspace. */
static u32 slmq_cpu_features(void)
{
	u32 f = 0;

	if (cpu_have_named_feature(ASIMD))
		f |= SLMQ_CPU_NEON;
	if (cpu_have_named_feature(ASIMDDP))
		f |= SLMQ_CPU_DOTPROD;
	return f;
}
#else
/* Other architectures run the generic C kernels, which need nothing. */
static u32 slmq_cpu_features(void)
{
	return 0;
}
#endif

static int slmq_cpu_path_set(const char *val, const struct kernel_param *kp)
{
	const struct slmq_kernels *k;
	char buf[16], *path;
	int ret;

	strscpy(buf, val, sizeof(buf));
	path = strim(buf);		/* a sysfs write ends in a newline */
	ret = slmq_kernels_select(slmq_cpu_features(), path, &k);
	if (ret == -EINVAL) {
		pr_warn("cpu_path=%s: not one of %s\n", path, SLMQ_KERNELS_PATHS);
		return ret;
	}
	if (ret) {
		pr_warn("cpu_path=%s: this CPU lacks the instructions it needs\n", path);
		return ret;
	}
	WRITE_ONCE(slmq_kernels_pinned, *path && strcmp(path, "auto") ? k : NULL);
	return 0;
}

static int slmq_cpu_path_get(char *buf, const struct kernel_param *kp)
{
	const struct slmq_kernels *k = READ_ONCE(slmq_kernels_pinned);

	return scnprintf(buf, PAGE_SIZE, "%s\n", k ? k->name : "auto");
}

static const struct kernel_param_ops slmq_cpu_path_ops = {
	.set = slmq_cpu_path_set,
	.get = slmq_cpu_path_get,
};
module_param_cb(cpu_path, &slmq_cpu_path_ops, NULL, 0644);
#ifdef CONFIG_ARM64
MODULE_PARM_DESC(cpu_path, "Engine kernels: auto (default), generic, neon or dotprod; new sessions use it");
#else
MODULE_PARM_DESC(cpu_path,
		 "Engine kernels: auto (default), generic, avx2, avx512vnni or avxvnni; new sessions use it");
#endif

/**
 * slmq_cpu_kernels() - the engine kernels a new session runs
 *
 * Return: the table cpu_path= pinned, else the best this CPU runs (x86:
 * AVX-512 VNNI, AVX-VNNI, AVX2 with FMA and F16C; arm64: dotprod with
 * ASIMDDP, else neon; otherwise generic C; see slmq_kernels_select()).
 */
const struct slmq_kernels *slmq_cpu_kernels(void)
{
	const struct slmq_kernels *k = READ_ONCE(slmq_kernels_pinned);

	/* "auto" always finds a table: the generic one needs nothing */
	if (!k && slmq_kernels_select(slmq_cpu_features(), NULL, &k))
		k = &slmq_kernels_generic;
	return k;
}
