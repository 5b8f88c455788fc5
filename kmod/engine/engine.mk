# The engine's sources, listed once for both builds: Kbuild (slmq.ko) and
# the top-level Makefile (slmqctl).  Paths are relative to kmod/engine/.
#
# SLMQ_ENGINE_FPU_SRCS do floating point: in the kernel they are compiled with
# the FPU enabled and only ever run between kernel_fpu_begin()/end().  The
# others (parsers, tokenizer) must not touch a float at all.
# SLMQ_ENGINE_AVX2_SRCS additionally get -mavx2 -mfma -mf16c and are only
# called through the table kernels.c's slmq_kernels_select() picks on a CPU
# that has them (a build without them defines SLMQ_GENERIC_ONLY).
# SLMQ_ENGINE_AVX512VNNI_SRCS and SLMQ_ENGINE_AVXVNNI_SRCS are AVX2 sources
# that get their VNNI flags on top, and run only where the CPU has those.
# SLMQ_ENGINE_NEON_SRCS are arm64's: Advanced SIMD is part of ARMv8.0 and
# needs no flag; SLMQ_ENGINE_DOTPROD_SRCS (one of them) are built for
# ARMv8.2 + sdot and likewise only chosen on a CPU that has it.
# The includer says which architecture it builds for in SLMQ_ENGINE_ARCH
# (Kbuild: $(SRCARCH); the Makefile: from $(CC) -dumpmachine): x86, arm64,
# or another (generic C only).  Each SIMD list is empty on the others.

SLMQ_ENGINE_ARCH ?= x86
SLMQ_ENGINE_SRCS := err.c type_traits.c kernels.c gguf.c tokenizer.c model_load.c interleave.c
SLMQ_ENGINE_FPU_SRCS := quant.c mathf.c dot_generic.c matvec.c forward.c sampler.c
SLMQ_ENGINE_AVX2_SRCS := $(if $(filter x86,$(SLMQ_ENGINE_ARCH)),dot_avx2.c dot_avx512vnni.c dot_avxvnni.c)
SLMQ_ENGINE_AVX512VNNI_SRCS := $(if $(filter x86,$(SLMQ_ENGINE_ARCH)),dot_avx512vnni.c)
SLMQ_ENGINE_AVXVNNI_SRCS := $(if $(filter x86,$(SLMQ_ENGINE_ARCH)),dot_avxvnni.c)
SLMQ_ENGINE_NEON_SRCS := $(if $(filter arm64,$(SLMQ_ENGINE_ARCH)),dot_neon.c dot_neon_dp.c)
SLMQ_ENGINE_DOTPROD_SRCS := $(if $(filter arm64,$(SLMQ_ENGINE_ARCH)),dot_neon_dp.c)

# Flags both builds give the FPU sources, so kernel and userspace produce the
# same bits: no FMA contraction, no errno from sqrt, nothing fast-math.
SLMQ_ENGINE_FPU_FLAGS := -ffp-contract=off -fno-math-errno -fno-trapping-math
SLMQ_ENGINE_AVX2_FLAGS := -mavx2 -mfma -mf16c
# Its kernels are 256-bit (see dot_vnni.h); the last three flags (GCC's) keep
# zmm out of the rest too, e.g. the kernel's zeroing of stack arrays, so no
# CPU lowers its clock for 512-bit work it never needed.
SLMQ_ENGINE_AVX512VNNI_FLAGS := -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mprefer-vector-width=256 -mmove-max=256 -mstore-max=256
SLMQ_ENGINE_AVXVNNI_FLAGS := -mavxvnni
SLMQ_ENGINE_DOTPROD_FLAGS := -march=armv8.2-a+dotprod
