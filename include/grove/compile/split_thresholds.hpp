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

#include "grove/detail/aligned_vector.hpp"
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

/// The columns of a quantized form. A column quantizes one feature against at most
/// `per_column` of its thresholds, so that a byte tells its bins apart; a feature with more
/// takes several consecutive columns, each holding the next per_column of its sorted
/// thresholds. A split on the feature's threshold T_i then reads column i / per_column: a value
/// x is >= T_i exactly when that column's bin of x, #{its thresholds <= x}, is >= i % per_column
/// + 1. Features no split reads take no column.
struct quantized_columns {
  std::size_t per_column = 0;
  std::vector<std::int32_t> feature;              ///< [column]: the feature it quantizes
  std::vector<std::vector<float>> thresholds;     ///< [column]: its sorted thresholds
  std::vector<std::int32_t> first;                ///< [feature]: its first column, or -1
  std::vector<std::vector<float>> of_feature;     ///< [feature]: all its sorted thresholds

  std::size_t size() const noexcept { return feature.size(); }

  /// The column a split on `threshold` (one of the feature's thresholds) reads, and the bin
  /// from which a value goes right.
  struct test {
    std::size_t column;
    std::size_t bin;
  };
  test split(std::size_t f, float threshold) const {
    const std::vector<float>& sorted = of_feature[f];
    const auto i = static_cast<std::size_t>(
        std::lower_bound(sorted.begin(), sorted.end(), threshold) - sorted.begin());
    return {static_cast<std::size_t>(first[f]) + i / per_column, i % per_column + 1};
  }
};

/// The columns for `thresholds` (per feature, sorted: numeric_split_thresholds), in feature
/// order, at most per_column thresholds each.
inline quantized_columns assign_columns(std::vector<std::vector<float>> thresholds,
                                        std::size_t per_column) {
  quantized_columns q;
  q.per_column = per_column;
  q.first.assign(thresholds.size(), -1);
  for (std::size_t f = 0; f < thresholds.size(); ++f) {
    const std::vector<float>& sorted = thresholds[f];
    if (sorted.empty()) continue;
    q.first[f] = static_cast<std::int32_t>(q.size());
    for (std::size_t i = 0; i < sorted.size(); i += per_column) {
      const std::size_t end = std::min(sorted.size(), i + per_column);
      q.feature.push_back(static_cast<std::int32_t>(f));
      q.thresholds.emplace_back(sorted.begin() + static_cast<std::ptrdiff_t>(i),
                                sorted.begin() + static_cast<std::ptrdiff_t>(end));
    }
  }
  q.of_feature = std::move(thresholds);
  return q;
}

namespace detail {

/// Levels of binary search for k thresholds: the smallest L with 2^L - 1 >= k.
inline int search_levels(std::size_t k) noexcept {
  int levels = 0;
  while (((std::size_t{1} << levels) - 1) < k) ++levels;
  return levels;
}

}  // namespace detail

/// The tables a block kernel quantizes 64 rows of a column with (a branch-free binary search,
/// e.g. kernels::avx512bw_sliced_ops::quantize_column): per column its search levels, in
/// `levels_out`, and its kernels::sliced_probe_floats probes, in `probe_out`: level l's 2^l at
/// [2^l, 2^(l+1)), the sorted thresholds padded with +inf (a value >= a padding probe is >= every
/// threshold). Every column has fewer than sliced_probe_floats thresholds.
inline void block_search_probes(const quantized_columns& columns,
                                std::vector<std::int32_t>& levels_out,
                                grove::detail::aligned_vector<float>& probe_out) {
  const float inf = std::numeric_limits<float>::infinity();
  levels_out.clear();
  probe_out.assign(columns.size() * kernels::sliced_probe_floats, inf);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const std::vector<float>& sorted = columns.thresholds[c];
    const int levels = detail::search_levels(sorted.size());
    levels_out.push_back(levels);
    float* probe = probe_out.data() + c * kernels::sliced_probe_floats;
    // Level l, entry b (b: the l bits found so far) probes sorted index (2b + 1) 2^(L-l-1) - 1.
    for (int l = 0; l < levels; ++l)
      for (std::size_t b = 0; b < (std::size_t{1} << l); ++b) {
        const std::size_t i = ((2 * b + 1) << (levels - l - 1)) - 1;
        probe[(std::size_t{1} << l) + b] = i < sorted.size() ? sorted[i] : inf;
      }
  }
}

/// The tables a one-row kernel finds a column's bin with (kernels::sliced_row_detail::
/// column_bin): column c's sorted thresholds padded with +inf to kernels::sliced_probe_floats,
/// in `sorted_out`, and every 16th of them (16 per column), in `bound_out`. Every column has
/// fewer than sliced_probe_floats thresholds.
inline void row_bin_tables(const quantized_columns& columns,
                           grove::detail::aligned_vector<float>& sorted_out,
                           grove::detail::aligned_vector<float>& bound_out) {
  constexpr std::size_t per_column = kernels::sliced_probe_floats;
  const float inf = std::numeric_limits<float>::infinity();
  sorted_out.assign(columns.size() * per_column, inf);
  bound_out.assign(columns.size() * 16, inf);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const std::vector<float>& sorted = columns.thresholds[c];
    std::copy(sorted.begin(), sorted.end(), sorted_out.begin() + static_cast<std::ptrdiff_t>(c * per_column));
    for (std::size_t j = 0; 16 * j < sorted.size(); ++j) bound_out[c * 16 + j] = sorted[16 * j];
  }
}

}  // namespace grove::compile
