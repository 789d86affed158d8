#pragma once
/// @file
/// Attributes of the kernels' functions. GROVE_FLATTEN inlines a whole one-row kernel into its
/// entry point, helpers included: the kernels keep their row in registers across the helpers.
/// GROVE_TARGET_ENTRY is the linkage of a target's provide(): an ordinary function in the
/// target's own unit (runtime dispatch defines GROVE_TARGET_UNIT there), inline where static
/// dispatch includes the target's header.

#if defined(__GNUC__) || defined(__clang__)
#define GROVE_FLATTEN __attribute__((flatten))
#else
#define GROVE_FLATTEN
#endif

#if defined(GROVE_TARGET_UNIT)
#define GROVE_TARGET_ENTRY
#else
#define GROVE_TARGET_ENTRY inline
#endif
