#pragma once
/// @file
/// Function attributes of the one-row kernels that use byte permutes (AVX-512 VBMI) on top of
/// the AVX-512 BW their units are built for: the engine takes them on the avx512_vbmi target
/// only. GROVE_FLATTEN inlines a whole kernel into its entry point, so
/// that helpers built for fewer features are inlined there too.

#if defined(__GNUC__) || defined(__clang__)
#define GROVE_TARGET_VBMI __attribute__((target("avx512vbmi")))
#define GROVE_FLATTEN __attribute__((flatten))
#else
#define GROVE_TARGET_VBMI
#define GROVE_FLATTEN
#endif
