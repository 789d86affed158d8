#pragma once
/// @file
/// What the quantized forms (sliced_forest, node_mask_forest) share: every feature's distinct
/// split thresholds, and the tables a one-row kernel counts a value's bin with.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "grove/compile/grouped_forest.hpp"
#include "grove/ir/forest.hpp"
#include "grove/kernels/sliced.hpp"

namespace grove::compile {

namespace detail {

/// Sorted distinct thresholds (-0 and +0 are one threshold: they compare equal).
inline std::vector<float> distinct_sorted(std::vector<float> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end(),
                           [](float a, float b) { return !(a < b) && !(b < a); }),
               values.end());
  return values;
}

}  // namespace detail

/// Per feature, the sorted distinct thresholds of the splits a row can reach. Unreachable nodes
/// may hold any feature (deleted nodes do), so they are skipped. False, with `out` unspecified,
/// when a tree has vector leaves, a categorical split or a NaN threshold: a quantized form
/// cannot take such a forest.
inline bool numeric_split_thresholds(const ir::forest& f, std::vector<std::vector<float>>& out) {
  out.assign(static_cast<std::size_t>(f.num_feature), {});
  for (const ir::tree& t : f.trees) {
    if (t.leaf_size != 1) return false;
    std::vector<std::int32_t> stack{0};
    while (!stack.empty()) {
      const auto n = static_cast<std::size_t>(stack.back());
      stack.pop_back();
      if (t.is_leaf(n)) continue;
      if (t.is_categorical(n) || std::isnan(t.threshold[n])) return false;
      out[static_cast<std::size_t>(t.feature[n])].push_back(t.threshold[n]);
      stack.push_back(t.left[n]);
      stack.push_back(t.right[n]);
    }
  }
  for (std::vector<float>& v : out) v = detail::distinct_sorted(std::move(v));
  return true;
}

/// The columns of a quantized form: the features some split reads, in feature order. Fills
/// column_of[feature] (its column, or -1) and column_feature[c] (column c's feature). False
/// when a feature has more than max_thresholds thresholds.
inline bool assign_columns(const std::vector<std::vector<float>>& thresholds,
                           std::size_t max_thresholds, std::vector<std::int32_t>& column_of,
                           std::vector<std::int32_t>& column_feature) {
  column_of.assign(thresholds.size(), -1);
  column_feature.clear();
  for (std::size_t feature = 0; feature < thresholds.size(); ++feature) {
    if (thresholds[feature].empty()) continue;
    if (thresholds[feature].size() > max_thresholds) return false;
    column_of[feature] = static_cast<std::int32_t>(column_feature.size());
    column_feature.push_back(static_cast<std::int32_t>(feature));
  }
  return true;
}

/// The bin a split on `threshold` (one of `sorted`, its feature's distinct thresholds) tests:
/// a value goes right exactly when its bin is >= this.
inline std::size_t split_bin(const std::vector<float>& sorted, float threshold) {
  return static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), threshold) -
                                  sorted.begin()) +
         1;
}

/// The tables a one-row kernel finds a column's bin with (kernels::sliced_row_detail::
/// column_bin): column c's sorted thresholds padded with +inf to kernels::sliced_probe_floats,
/// in `sorted_out`, and every 16th of them (16 per column), in `bound_out`. Column c quantizes
/// feature column_feature[c]; every feature has at most sliced_probe_floats thresholds.
inline void row_bin_tables(const std::vector<std::vector<float>>& thresholds,
                           const std::vector<std::int32_t>& column_feature,
                           aligned_vector<float>& sorted_out, aligned_vector<float>& bound_out) {
  constexpr std::size_t per_column = kernels::sliced_probe_floats;
  const float inf = std::numeric_limits<float>::infinity();
  sorted_out.assign(column_feature.size() * per_column, inf);
  bound_out.assign(column_feature.size() * 16, inf);
  for (std::size_t c = 0; c < column_feature.size(); ++c) {
    const std::vector<float>& sorted = thresholds[static_cast<std::size_t>(column_feature[c])];
    std::copy(sorted.begin(), sorted.end(), sorted_out.begin() + static_cast<std::ptrdiff_t>(c * per_column));
    for (std::size_t j = 0; 16 * j < sorted.size(); ++j) bound_out[c * 16 + j] = sorted[16 * j];
  }
}

}  // namespace grove::compile
