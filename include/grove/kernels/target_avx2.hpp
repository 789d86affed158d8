#pragma once
/// @file
/// The avx2 target (AVX2 and FMA): the group walk with 8-lane group evaluation and a root step
/// across rows, the sliced block kernel and the bitvector kernel, all compiled inside
/// grove::kernels::avx2 with the target's flags (-mavx2 -mfma). Its tag is xsimd's fma3<avx2>.
/// Runtime dispatch compiles this header in one unit of its own (cmake/grove_dispatch.cmake),
/// which defines GROVE_TARGET_UNIT; static dispatch includes it where the flags allow.

#include <immintrin.h>

#include <xsimd/config/xsimd_arch.hpp>

#include "grove/kernels/attributes.hpp"
#include "grove/kernels/walk.hpp"

#if !defined(__AVX2__)
#error "grove/kernels/target_avx2.hpp needs -mavx2 -mfma"
#endif

#define GROVE_TARGET_NAMESPACE avx2
namespace grove::kernels::avx2 {
using arch = xsimd::fma3<xsimd::avx2>;
}  // namespace grove::kernels::avx2

#include "grove/kernels/generic/walk.hpp"
#include "grove/kernels/generic/sliced.hpp"
#include "grove/kernels/sliced_avx2.hpp"
#include "grove/kernels/bitvector_avx2.hpp"
#include "grove/kernels/avx2.hpp"

namespace grove::kernels::avx2 {

/// Sets the kernels of this target in ks.
GROVE_TARGET_ENTRY void provide(kernel_set& ks) noexcept {
  fill_walks<arch>(ks);
  ks.sliced = &sliced_detail::run_block<avx2_sliced_ops>;
  ks.bitvector_quantize = &bitvector_avx2::quantize;
  ks.bitvector_trees = &bitvector_avx2::trees;
}

}  // namespace grove::kernels::avx2

#undef GROVE_TARGET_NAMESPACE
