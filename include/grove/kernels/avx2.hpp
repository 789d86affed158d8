#pragma once
/// @file
/// AVX2 group evaluation: each group gathers its 7 (D = 3) or 15 (D = 4) values from the row's
/// slot buffer (in L1), replaces NaN by the lane's -inf/+inf with one blend, then one compare
/// and movemask give the "goes right" mask.

#include <immintrin.h>

#include "grove/kernels/walk.hpp"

#if !defined(__AVX2__)
#error "grove/kernels/avx2.hpp needs -mavx2"
#endif

namespace grove::kernels {

template <bool gather_v>
struct group_eval<xsimd::avx2, 3, gather_v> {
  struct state {};
  static state load(const float*) noexcept { return {}; }
  static bool may_have_nan(const state&, const float*) noexcept { return true; }
  static unsigned eight(const walk_view& v, std::size_t base, const float* x) noexcept {
    const __m256i idx = _mm256_load_si256(reinterpret_cast<const __m256i*>(v.slot + base));
    __m256 value = _mm256_i32gather_ps(x, idx, 4);
    const __m256 nan = _mm256_cmp_ps(value, value, _CMP_UNORD_Q);
    value = _mm256_blendv_ps(value, _mm256_load_ps(v.nan_value + base), nan);
    return static_cast<unsigned>(
        _mm256_movemask_ps(_mm256_cmp_ps(value, _mm256_load_ps(v.threshold + base), _CMP_NLT_UQ)));
  }
  template <bool nan_v>
  static unsigned mask(const walk_view& v, std::int32_t group, const state&,
                       const float* x) noexcept {
    return eight(v, static_cast<std::size_t>(group) * 8, x);
  }
};

template <bool gather_v>
struct group_eval<xsimd::avx2, 4, gather_v> {
  struct state {};
  static state load(const float*) noexcept { return {}; }
  static bool may_have_nan(const state&, const float*) noexcept { return true; }
  template <bool nan_v>
  static unsigned mask(const walk_view& v, std::int32_t group, const state&,
                       const float* x) noexcept {
    const std::size_t base = static_cast<std::size_t>(group) * 16;
    using half = group_eval<xsimd::avx2, 3, gather_v>;
    return half::eight(v, base, x) | (half::eight(v, base + 8, x) << 8);
  }
};

}  // namespace grove::kernels
