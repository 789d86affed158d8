#pragma once
/// @file
/// A compiled form for blocks of rows through forests of trees of at most 256 leaves, of any
/// depth (lossguide trees, and depth-wise ones up to 8 levels): every split becomes one or more
/// entries that clear the leaves of its left subtree from the rows it sends right
/// (kernels/bitvector.hpp has the rule). The splits compare quantized values exactly as in
/// sliced_forest (compile/split_thresholds.hpp): a split on a feature's threshold T_i sends x
/// right exactly when the bin of x in the column holding T_i is >= i % 255 + 1, and a missing
/// value reads 0 or 255 in the column of the split's default side.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "grove/detail/aligned_vector.hpp"
#include "grove/compile/split_thresholds.hpp"
#include "grove/ir/forest.hpp"
#include "grove/ir/reference.hpp"
#include "grove/kernels/bitvector.hpp"
#include "grove/kernels/sliced.hpp"

namespace grove::compile {

/// Per column: bins 1..255 tell 255 thresholds apart.
inline constexpr std::size_t bitvector_max_thresholds = 255;

struct bitvector_forest {
  std::int32_t num_columns = 0;
  std::vector<std::int32_t> column_feature;  ///< the feature column c quantizes
  std::vector<std::int32_t> column_levels;   ///< see kernels::bitvector_view
  grove::detail::aligned_vector<float> probe;
  std::vector<kernels::bitvector_entry> entry;
  std::vector<std::uint32_t> entry_begin;
  std::vector<std::uint32_t> slice_first;
  std::vector<std::uint16_t> slice_entries;
  grove::detail::aligned_vector<std::uint8_t> leaf_byte;
  std::size_t leaf_table = 0;
  std::size_t num_trees = 0;  ///< 0 when the forest cannot take this form

  bool usable() const noexcept { return num_trees > 0; }

  /// Bytes of the arrays a kernel reads.
  std::size_t bytes() const noexcept {
    return probe.size() * sizeof(float) + entry.size() * sizeof(kernels::bitvector_entry) +
           (entry_begin.size() + slice_first.size()) * 4 + slice_entries.size() * 2 +
           leaf_byte.size() + column_levels.size() * 4;
  }
};

namespace detail {

/// The leaves a row can reach in tree t, left to right, and for each split the run of them in
/// its left subtree: [first[n], first[n] + count[n]) (0 for leaves and unreachable nodes).
struct leaf_order {
  std::vector<std::int32_t> leaves;  ///< node ids, left to right
  std::vector<std::int32_t> first;   ///< [node]
  std::vector<std::int32_t> count;   ///< [node]: leaves in its left subtree
};

inline leaf_order order_leaves(const ir::tree& t) {
  leaf_order o;
  o.first.assign(t.num_nodes(), 0);
  o.count.assign(t.num_nodes(), 0);
  // Depth-first, left child first: a split's left run starts at the leaves counted when it is
  // entered and ends at those counted when its left subtree is done.
  struct frame {
    std::int32_t node;
    int state;  // 0: enter, 1: left subtree done
  };
  std::vector<frame> stack{{0, 0}};
  while (!stack.empty()) {
    frame& f = stack.back();
    const auto n = static_cast<std::size_t>(f.node);
    if (t.is_leaf(n)) {
      o.leaves.push_back(f.node);
      stack.pop_back();
      continue;
    }
    if (f.state == 0) {
      f.state = 1;
      o.first[n] = static_cast<std::int32_t>(o.leaves.size());
      stack.push_back({t.left[n], 0});
      continue;
    }
    o.count[n] = static_cast<std::int32_t>(o.leaves.size()) - o.first[n];
    const std::int32_t right = t.right[n];
    stack.pop_back();
    stack.push_back({right, 0});
  }
  return o;
}

inline std::uint32_t four_bytes(std::uint32_t b) noexcept { return b * 0x01010101u; }

}  // namespace detail

/// The bitvector form of `f`, or an empty one (usable() false) when a tree can reach more than
/// `max_leaves` (<= kernels::bitvector_max_leaves) leaves, has vector leaves, a categorical split
/// or a NaN threshold, or the splits need more than `max_columns` columns.
inline bitvector_forest build_bitvector_forest(
    const ir::forest& f, std::size_t max_leaves = kernels::bitvector_max_leaves,
    std::size_t max_columns = 256) {
  bitvector_forest b;
  const std::size_t T = f.num_trees();
  max_leaves = std::min(max_leaves, kernels::bitvector_max_leaves);
  std::vector<detail::leaf_order> orders;
  orders.reserve(T);
  std::size_t most_leaves = 1;
  for (const ir::tree& t : f.trees) {
    orders.push_back(detail::order_leaves(t));
    most_leaves = std::max(most_leaves, orders.back().leaves.size());
    if (most_leaves > max_leaves) return b;
  }
  std::vector<std::vector<float>> thresholds;
  if (T == 0 || !numeric_split_thresholds(f, thresholds)) return b;
  const quantized_columns columns = assign_columns(std::move(thresholds), bitvector_max_thresholds);
  if (columns.size() > max_columns) return b;
  b.column_feature = columns.feature;
  b.num_columns = static_cast<std::int32_t>(columns.size());
  block_search_probes(columns, b.column_levels, b.probe);

  b.leaf_table = most_leaves <= 64 ? 64 : kernels::bitvector_max_leaves;
  b.leaf_byte.assign(T * 4 * b.leaf_table, 0);
  b.entry_begin.push_back(0);
  b.slice_first.push_back(0);
  std::vector<std::vector<kernels::bitvector_entry>> by_slice;
  for (std::size_t i = 0; i < T; ++i) {
    const ir::tree& t = f.trees[i];
    const detail::leaf_order& o = orders[i];
    const std::size_t slices = (o.leaves.size() + 7) / 8;
    for (std::size_t l = 0; l < o.leaves.size(); ++l) {
      const float v = ir::detail::rounded_product(
          t.leaf_value[static_cast<std::size_t>(o.leaves[l])], f.tree_weight[i]);
      std::uint32_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      for (std::size_t k = 0; k < 4; ++k)
        b.leaf_byte[(i * 4 + k) * b.leaf_table + l] = static_cast<std::uint8_t>(bits >> (8 * k));
    }
    // A split's entries, one per slice its left run touches; splits in breadth-first order.
    by_slice.assign(slices, {});
    std::vector<std::int32_t> order{0};
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto n = static_cast<std::size_t>(order[k]);
      if (t.is_leaf(n)) continue;
      order.push_back(t.left[n]);
      order.push_back(t.right[n]);
      const quantized_columns::test test =
          columns.split(static_cast<std::size_t>(t.feature[n]), t.threshold[n]);
      const std::uint32_t column = static_cast<std::uint32_t>(
          (2 * test.column + (t.default_left[n] ? 0 : 1)) * kernels::bitvector_rows);
      const auto first = static_cast<std::size_t>(o.first[n]);
      const std::size_t end = first + static_cast<std::size_t>(o.count[n]);
      for (std::size_t j = first / 8; j * 8 < end; ++j) {
        std::uint32_t cleared = 0;
        for (std::size_t l = std::max(first, j * 8); l < std::min(end, j * 8 + 8); ++l)
          cleared |= 1u << (l - j * 8);
        by_slice[j].push_back({column, detail::four_bytes(static_cast<std::uint32_t>(test.bin)),
                               detail::four_bytes(~cleared & 0xFFu)});
      }
    }
    // The kernel takes the slices from the last to the first: a row's exit is then the lowest
    // leaf of the last slice that still has one.
    for (std::size_t j = slices; j-- > 0;) {
      b.entry.insert(b.entry.end(), by_slice[j].begin(), by_slice[j].end());
      b.slice_entries.push_back(static_cast<std::uint16_t>(by_slice[j].size()));
    }
    b.entry_begin.push_back(static_cast<std::uint32_t>(b.entry.size()));
    b.slice_first.push_back(static_cast<std::uint32_t>(b.slice_entries.size()));
  }
  b.num_trees = T;
  return b;
}

}  // namespace grove::compile
