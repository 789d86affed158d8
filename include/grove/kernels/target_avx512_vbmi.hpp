#pragma once
/// @file
/// The avx512_vbmi target: avx512 and the byte permutes of AVX-512 VBMI. It runs the avx512
/// target's kernels and adds the ones built on byte permutes: the one-row sliced kernel on byte
/// nodes, the one-row node-mask kernel and the bitvector kernel, compiled inside
/// grove::kernels::avx512_vbmi with the target's flags (the avx512 ones and -mavx512vbmi), with
/// their own copies of the AVX-512 helpers they share with the avx512 target. xsimd 8.1 has no
/// VBMI architecture: the tag extends its avx512bw. Compiled as target_avx2.hpp is.

#include <immintrin.h>

#include <xsimd/config/xsimd_arch.hpp>

#include "grove/kernels/attributes.hpp"
#include "grove/kernels/walk.hpp"

#if !defined(__AVX512F__) || !defined(__AVX512VL__) || !defined(__AVX512BW__) || \
    !defined(__AVX512DQ__) || !defined(__AVX512VBMI__)
#error "grove/kernels/target_avx512_vbmi.hpp needs -mavx512f -mavx512vl -mavx512bw -mavx512dq -mavx512vbmi"
#endif

#define GROVE_TARGET_NAMESPACE avx512_vbmi
namespace grove::kernels::avx512_vbmi {
/// AVX-512 BW with VBMI.
struct arch : xsimd::avx512bw {
  static constexpr char const* name() noexcept { return "avx512vbmi"; }
};
}  // namespace grove::kernels::avx512_vbmi

#include "grove/kernels/generic/sliced.hpp"
#include "grove/kernels/sliced_avx512.hpp"
#include "grove/kernels/sliced_row_avx512.hpp"
#include "grove/kernels/bitvector_avx512.hpp"
#include "grove/kernels/node_mask_row_avx512.hpp"

namespace grove::kernels::avx512_vbmi {

/// Sets the kernels this target adds to the avx512 target's in ks.
GROVE_TARGET_ENTRY void provide(kernel_set& ks) noexcept {
  ks.sliced_row_bytes = &sliced_row_bytes;
  ks.node_mask_row = &node_mask_row;
  ks.bitvector_quantize = &bitvector_avx512::quantize;
  ks.bitvector_trees = &bitvector_avx512::trees;
}

}  // namespace grove::kernels::avx512_vbmi

#undef GROVE_TARGET_NAMESPACE
