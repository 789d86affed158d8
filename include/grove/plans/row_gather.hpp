#pragma once
/// @file
/// The one place where a call's rows become what the kernels read: for each slot of a compiled
/// form, the feature it holds, with every missing value as NaN.
///
/// Every compiled form reads a row as slots (the group walk's register slots, the quantized
/// forms' columns): slot s holds feature map.feature[s], or the constant 0 where that is
/// negative. A missing value is NaN (a NaN in the row, or a value equal to the call's
/// `missing`); kernels send every NaN its split's default way.
///
/// Row sources. Dense float32 rows (grove::rows) are gathered feature by feature. Other
/// sources slot in here and nowhere else: dense float64 rows round each value to float32 first
/// (as XGBoost does when it reads them); sparse CSR rows set every slot to missing (the constant
/// slots to 0), then scatter the row's entries through a feature -> slot map (the inverse of
/// map.feature), so that absent entries are missing and entries the model does not read cost
/// nothing.

#include <cstddef>
#include <cstdint>
#include <limits>

#include "grove/rows.hpp"

namespace grove::plans {

/// The features of a compiled form's slots: slot s holds feature[s] (negative: the constant 0).
struct slot_map {
  const std::int32_t* feature;
  std::size_t size;
};

/// Row r of x into dst[0], dst[step], ..., dst[(map.size - 1) * step]: each slot's feature,
/// missing values as NaN.
inline void gather_row(const rows& x, std::size_t r, const slot_map& map, float missing, float* dst,
                       std::size_t step) noexcept {
  const float* row = x.row(r);
  if (missing != missing) {
    // NaN stays NaN: a plain copy, no test per value.
    for (std::size_t s = 0; s < map.size; ++s) {
      const std::int32_t f = map.feature[s];
      dst[s * step] = f < 0 ? 0.0f : row[f];
    }
    return;
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t s = 0; s < map.size; ++s) {
    const std::int32_t f = map.feature[s];
    const float v = f < 0 ? 0.0f : row[f];
    dst[s * step] = v == missing ? nan : v;
  }
}

/// Rows [r0, r0 + n) of x into dst, row i's slots from dst + i * row_step, slot_step apart.
inline void gather_rows(const rows& x, std::size_t r0, std::size_t n, const slot_map& map,
                        float missing, float* dst, std::size_t row_step,
                        std::size_t slot_step) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    gather_row(x, r0 + i, map, missing, dst + i * row_step, slot_step);
}

}  // namespace grove::plans
