#pragma once
/// @file
/// AVX-512 group evaluation (needs AVX-512 F, BW, DQ, VL): the first 32 feature slots of a row
/// live in two zmm registers and each group picks its values with one two-source permute
/// (vpermi2ps); groups using a slot beyond 32 gather instead. NaN becomes -inf or +inf per lane
/// with one vfixupimmps, then one compare gives the "goes right" mask.

#include <immintrin.h>

#include "grove/kernels/walk.hpp"

#if !defined(__AVX512F__) || !defined(__AVX512VL__) || !defined(__AVX512BW__) || \
    !defined(__AVX512DQ__)
#error "grove/kernels/avx512.hpp needs -mavx512f -mavx512vl -mavx512bw -mavx512dq"
#endif

namespace grove::kernels {

template <bool gather_v>
struct group_eval<xsimd::avx512bw, 3, gather_v> {
  struct state {
    __m512 lo, hi;
  };
  static state load(const float* x) noexcept { return {_mm512_loadu_ps(x), _mm512_loadu_ps(x + 16)}; }
  /// Gathered slots are not checked, so kernels that gather always fix NaN up.
  static bool may_have_nan(const state& s, const float*) noexcept {
    return gather_v || (_mm512_cmp_ps_mask(s.lo, s.lo, _CMP_UNORD_Q) |
                        _mm512_cmp_ps_mask(s.hi, s.hi, _CMP_UNORD_Q)) != 0;
  }
  template <bool nan_v>
  static unsigned mask(const walk_view& v, std::int32_t group, const state& s,
                       const float* x) noexcept {
    const std::size_t base = static_cast<std::size_t>(group) * 8;
    // Eight lanes used; zero-masked loads keep the upper lanes defined.
    const __m512i idx = _mm512_maskz_loadu_epi32(0xFF, v.slot + base);
    __m512 value = _mm512_permutex2var_ps(s.lo, idx, s.hi);
    if constexpr (gather_v) {
      if (v.gathers[group]) value = _mm512_mask_i32gather_ps(value, 0xFF, idx, x, 4);
    }
    if constexpr (nan_v)
      value = _mm512_fixupimm_ps(value, value, _mm512_maskz_loadu_epi32(0xFF, v.fixup + base), 0);
    return _mm512_mask_cmp_ps_mask(0x7F, value,
                                   _mm512_maskz_loadu_ps(0xFF, v.threshold + base),
                                   _CMP_NLT_UQ);
  }
};

template <bool gather_v>
struct group_eval<xsimd::avx512bw, 4, gather_v> {
  struct state {
    __m512 lo, hi;
  };
  static state load(const float* x) noexcept { return {_mm512_loadu_ps(x), _mm512_loadu_ps(x + 16)}; }
  /// Gathered slots are not checked, so kernels that gather always fix NaN up.
  static bool may_have_nan(const state& s, const float*) noexcept {
    return gather_v || (_mm512_cmp_ps_mask(s.lo, s.lo, _CMP_UNORD_Q) |
                        _mm512_cmp_ps_mask(s.hi, s.hi, _CMP_UNORD_Q)) != 0;
  }
  template <bool nan_v>
  static unsigned mask(const walk_view& v, std::int32_t group, const state& s,
                       const float* x) noexcept {
    const std::size_t base = static_cast<std::size_t>(group) * 16;
    const __m512i idx = _mm512_load_si512(v.slot + base);
    __m512 value = _mm512_permutex2var_ps(s.lo, idx, s.hi);
    if constexpr (gather_v) {
      if (v.gathers[group]) value = _mm512_mask_i32gather_ps(value, 0xFFFF, idx, x, 4);
    }
    if constexpr (nan_v)
      value = _mm512_fixupimm_ps(value, value, _mm512_load_si512(v.fixup + base), 0);
    return _mm512_cmp_ps_mask(value, _mm512_load_ps(v.threshold + base), _CMP_NLT_UQ);
  }
};

}  // namespace grove::kernels
