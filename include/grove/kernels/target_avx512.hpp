#pragma once
/// @file
/// The avx512 target (AVX-512 F, VL, BW and DQ): the group walk with 16-lane group evaluation
/// from register-resident rows and a root step across rows, the sliced block kernel and the
/// one-row sliced kernel on 16-bit word nodes, compiled inside grove::kernels::avx512 with the
/// target's flags. Its tag is xsimd's avx512bw. Compiled as target_avx2.hpp is.

#include <immintrin.h>

#include <xsimd/config/xsimd_arch.hpp>

#include "grove/kernels/attributes.hpp"
#include "grove/kernels/walk.hpp"

#if !defined(__AVX512F__) || !defined(__AVX512VL__) || !defined(__AVX512BW__) || \
    !defined(__AVX512DQ__)
#error "grove/kernels/target_avx512.hpp needs -mavx512f -mavx512vl -mavx512bw -mavx512dq"
#endif

#define GROVE_TARGET_NAMESPACE avx512
namespace grove::kernels::avx512 {
using arch = xsimd::avx512bw;
}  // namespace grove::kernels::avx512

#include "grove/kernels/generic/walk.hpp"
#include "grove/kernels/generic/sliced.hpp"
#include "grove/kernels/sliced_avx512.hpp"
#include "grove/kernels/sliced_row_avx512.hpp"
#include "grove/kernels/avx512.hpp"

namespace grove::kernels::avx512 {

/// Sets the kernels of this target in ks.
GROVE_TARGET_ENTRY void provide(kernel_set& ks) noexcept {
  fill_walks<arch>(ks);
  ks.sliced = &sliced_detail::run_block<avx512bw_sliced_ops>;
  ks.sliced_row_words = &sliced_row_words;
}

}  // namespace grove::kernels::avx512

#undef GROVE_TARGET_NAMESPACE
