#pragma once
/// @file
/// The scalar target: the group walk one lane at a time, in plain C++ compiled with the
/// program's own flags (it is the portable code's, and runs on every CPU). Its tag is xsimd's
/// generic architecture. Runtime dispatch compiles this header in one unit of its own
/// (cmake/grove_dispatch.cmake), which defines GROVE_TARGET_UNIT; static dispatch includes it in
/// every unit that includes grove.

#include <cstddef>
#include <cstdint>

#include <xsimd/config/xsimd_arch.hpp>

#include "grove/kernels/attributes.hpp"
#include "grove/kernels/walk.hpp"

#define GROVE_TARGET_NAMESPACE scalar
namespace grove::kernels::scalar {
using arch = xsimd::generic;
}  // namespace grove::kernels::scalar

#include "grove/kernels/generic/walk.hpp"

namespace grove::kernels::scalar {

/// The portable kernel: one lane at a time, same layout, same NaN rule.
template <int depth_v, int width_v, bool categorical_v>
struct group_eval<arch, depth_v, width_v, categorical_v> {
  struct state {};
  static state load(const float*) noexcept { return {}; }
  static bool may_have_nan(const state&, const float*) noexcept { return true; }
  template <bool nan_v>
  static unsigned mask(const walk_view& v, std::size_t base, const state&,
                       const float* x) noexcept {
    constexpr int W = 1 << depth_v;
    unsigned m = 0;
    const unsigned categorical = categorical_v ? v.category_lanes[base] : 0u;
    const auto missing_left = static_cast<std::uint32_t>(v.spare[base]);
    for (int l = 0; l < W - 1; ++l) {
      const float value = x[v.slot[base + l]];
      bool right;
      if (value != value)
        right = ((missing_left >> l) & 1u) == 0;
      else if (((categorical >> l) & 1u) != 0)
        right = category_lane_in_set(v, base, l, value);
      else
        right = !(value < lane_float(v.threshold + base + l));
      m |= static_cast<unsigned>(right) << l;
    }
    return m;
  }
};

/// The scalar kernels: the group walk.
GROVE_TARGET_ENTRY void provide(kernel_set& ks) noexcept { fill_walks<arch>(ks); }

}  // namespace grove::kernels::scalar

#undef GROVE_TARGET_NAMESPACE
