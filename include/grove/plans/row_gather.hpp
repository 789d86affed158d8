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
/// Row sources (detail::row_source). Dense float32 rows are gathered feature by feature; dense
/// float64 rows the same way, each value rounded to float32 first (as XGBoost does when it reads
/// them). Sparse CSR rows set every slot to missing (the constant slots to 0; a block's rows at
/// once), then scatter the row's entries through the form's feature -> slot map (slot_table,
/// built with the form), so that absent entries are missing and entries the model does not read
/// cost one lookup: a row costs its entries plus the form's slots, whatever the width of the
/// feature space.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "grove/detail/row_source.hpp"

namespace grove::plans {

/// The features of a compiled form's slots: slot s holds feature[s] (negative: the constant 0).
/// For sparse rows, the inverse: first_slot[f] is the first slot holding feature f < num_features
/// (-1: none), next_slot[s] the next slot holding the same feature as slot s (-1: none); a
/// feature may fill several slots (a quantized form gives a feature one column per 255
/// thresholds).
struct slot_map {
  const std::int32_t* feature;
  std::size_t size;
  const std::int32_t* first_slot = nullptr;
  const std::int32_t* next_slot = nullptr;
  std::size_t num_features = 0;
};

/// A compiled form's slots and their inverse, built once with the form.
class slot_table {
 public:
  slot_table() = default;
  slot_table(const std::int32_t* feature, std::size_t size) : feature_(feature, feature + size) {
    std::int32_t largest = -1;
    for (std::int32_t f : feature_) largest = f > largest ? f : largest;
    first_.assign(static_cast<std::size_t>(largest + 1), -1);
    next_.assign(size, -1);
    for (std::size_t s = size; s-- > 0;) {
      const std::int32_t f = feature_[s];
      if (f < 0) continue;
      next_[s] = first_[static_cast<std::size_t>(f)];
      first_[static_cast<std::size_t>(f)] = static_cast<std::int32_t>(s);
    }
  }
  explicit slot_table(const std::vector<std::int32_t>& feature)
      : slot_table(feature.data(), feature.size()) {}

  slot_map map() const noexcept {
    return {feature_.data(), feature_.size(), first_.data(), next_.data(), first_.size()};
  }
  std::size_t bytes() const noexcept {
    return (feature_.size() + first_.size() + next_.size()) * sizeof(std::int32_t);
  }

 private:
  std::vector<std::int32_t> feature_, first_, next_;
};

template <class value_t>
inline void gather_dense_row(const value_t* row, const slot_map& map, float missing, float* dst,
                             std::size_t step) noexcept {
  if (missing != missing) {
    // NaN stays NaN: a plain copy, no test per value.
    for (std::size_t s = 0; s < map.size; ++s) {
      const std::int32_t f = map.feature[s];
      dst[s * step] = f < 0 ? 0.0f : grove::detail::to_float32(row[f]);
    }
    return;
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t s = 0; s < map.size; ++s) {
    const std::int32_t f = map.feature[s];
    const float v = f < 0 ? 0.0f : grove::detail::to_float32(row[f]);
    dst[s * step] = v == missing ? nan : v;
  }
}

/// Every slot of n rows missing (the constant slots 0), row i's slots from dst + i * row_step,
/// slot_step apart: what a sparse row holds before its entries are scattered. Each of the two
/// layouts the forms use (a block's rows side by side, slot_step apart; one row's slots side by
/// side) is written with unit-stride stores.
inline void blank_rows(const slot_map& map, std::size_t n, float* dst, std::size_t row_step,
                       std::size_t slot_step) noexcept {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  if (row_step == 1) {
    for (std::size_t s = 0; s < map.size; ++s) {
      const float blank = map.feature[s] < 0 ? 0.0f : nan;
      float* slot = dst + s * slot_step;
      for (std::size_t i = 0; i < n; ++i) slot[i] = blank;
    }
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    float* row = dst + i * row_step;
    if (slot_step == 1) {
      for (std::size_t s = 0; s < map.size; ++s) row[s] = map.feature[s] < 0 ? 0.0f : nan;
    } else {
      for (std::size_t s = 0; s < map.size; ++s)
        row[s * slot_step] = map.feature[s] < 0 ? 0.0f : nan;
    }
  }
}

/// The entries of row r of a CSR view into its blanked slots (blank_rows): an entry the form
/// does not read costs one lookup.
template <class ptr_t, class index_t, class value_t>
inline void scatter_sparse_entries(const ptr_t* ptr, const index_t* index, const value_t* values,
                                   std::size_t r, const slot_map& map, float missing, float* dst,
                                   std::size_t step) noexcept {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const ptr_t end = ptr[r + 1];
  for (ptr_t e = ptr[r]; e < end; ++e) {
    const auto f = static_cast<std::size_t>(index[e]);
    if (f >= map.num_features) continue;
    std::int32_t s = map.first_slot[f];
    if (s < 0) continue;
    float v = grove::detail::to_float32(static_cast<double>(values[e]));
    v = v == missing ? nan : v;
    do {
      dst[static_cast<std::size_t>(s) * step] = v;
      s = map.next_slot[s];
    } while (s >= 0);
  }
}

/// Rows [r0, r0 + n) of x into dst, row i's slots from dst + i * row_step, slot_step apart:
/// each slot's feature, missing values as NaN.
inline void gather_rows(const grove::detail::row_source& x, std::size_t r0, std::size_t n,
                        const slot_map& map, float missing, float* dst, std::size_t row_step,
                        std::size_t slot_step) noexcept {
  using kind = grove::detail::row_source::kind;
  switch (x.type) {
    case kind::dense_float:
      for (std::size_t i = 0; i < n; ++i)
        gather_dense_row(x.float_row(r0 + i), map, missing, dst + i * row_step, slot_step);
      return;
    case kind::dense_double:
      for (std::size_t i = 0; i < n; ++i)
        gather_dense_row(x.double_row_data(r0 + i), map, missing, dst + i * row_step, slot_step);
      return;
    case kind::csr:
      blank_rows(map, n, dst, row_step, slot_step);
      x.visit_csr([&](const auto* ptr, const auto* index, const auto* values) {
        for (std::size_t i = 0; i < n; ++i)
          scatter_sparse_entries(ptr, index, values, r0 + i, map, missing, dst + i * row_step,
                                 slot_step);
      });
      return;
  }
}

/// Row r of x into dst[0], dst[step], ..., dst[(map.size - 1) * step].
inline void gather_row(const grove::detail::row_source& x, std::size_t r, const slot_map& map,
                       float missing, float* dst, std::size_t step) noexcept {
  gather_rows(x, r, 1, map, missing, dst, 0, step);
}

}  // namespace grove::plans
