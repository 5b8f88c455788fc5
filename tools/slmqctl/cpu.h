/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace's CPU probe and kernel choice (cpu.c), apart from cli.h so that
 * programs built without slmqctl's libraries (the cross-architecture engine
 * check, tests/xengine.c) make the same choice.
 */
#ifndef SLMQ_CLI_CPU_H
#define SLMQ_CLI_CPU_H

#include "../../kmod/engine/compat.h"
#include "../../kmod/engine/kernels.h"

/* SLMQ_CPU_* features of this CPU (CPUID on x86, AT_HWCAP on arm64). */
u32 cli_cpu_features(void);
/*
 * The kernels this process runs, chosen once by slmq_kernels_select(): the
 * best table the CPU runs (x86: avx512vnni, avxvnni, avx2 with fma+f16c;
 * arm64: dotprod, else neon), unless SLMQ_CPU (or SLMQ_FORCE_GENERIC) says
 * otherwise.  A bad SLMQ_CPU, or one naming a path the CPU cannot run,
 * exits with one line.
 */
const struct slmq_kernels *cli_kernels(void);

#endif /* SLMQ_CLI_CPU_H */
