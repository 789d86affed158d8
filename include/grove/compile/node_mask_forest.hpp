#pragma once
/// @file
/// A compiled form for one-row calls on forests of small trees of any shape (at most 64 leaves,
/// as lossguide training with max_leaves <= 64 makes them): every split of a tree gets a bit of
/// a 64-bit mask, so that a kernel evaluates all of a tree's splits at once and then follows
/// the path through the mask (kernels/node_mask_row_avx512.hpp).
///
/// The splits compare quantized values, exactly as in sliced_forest: a feature's distinct
/// thresholds, sorted, are T_0 < ... < T_{k-1}; x gets bin(x) = #{i : T_i <= x}, and a split on
/// T_j sends x right exactly when bin(x) >= j + 1. Bins of values stop at 254 (so k <= 254 per
/// column: a feature with more takes several, see compile::quantized_columns); a missing value
/// is 255, which passes every split, and the splits that send missing values left are marked in
/// a per-tree mask.
///
/// A tree's splits are numbered 0..62 from the root in breadth-first order, its leaves 64..127
/// likewise; child[2 id + 1] is where split id sends a value that goes right, child[2 id] one
/// that goes left, and both entries of a leaf are the leaf itself. A tree that is one leaf gets
/// a split 0 whose children are both that leaf.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "grove/compile/split_thresholds.hpp"
#include "grove/detail/aligned_vector.hpp"
#include "grove/ir/forest.hpp"
#include "grove/ir/reference.hpp"
#include "grove/kernels/node_mask.hpp"

namespace grove::compile {

/// Per column: bins 0..254 below the missing byte 255.
inline constexpr std::size_t node_mask_max_thresholds = 254;

struct node_mask_forest {
  std::int32_t num_columns = 0;
  std::vector<std::int32_t> column_feature;  ///< the feature column c quantizes
  grove::detail::aligned_vector<float> row_threshold;  ///< see kernels::node_mask_view
  grove::detail::aligned_vector<float> row_bound;
  grove::detail::aligned_vector<std::uint8_t> node_column;
  grove::detail::aligned_vector<std::uint8_t> node_bin;
  std::vector<std::uint64_t> missing_left;
  grove::detail::aligned_vector<std::uint8_t> child;
  grove::detail::aligned_vector<float> leaf;
  std::size_t num_trees = 0;  ///< 0 when the forest cannot take this form

  bool usable() const noexcept { return num_trees > 0; }
};

/// True when a row can reach at most `limit` leaves of `t`.
inline bool reachable_leaves_at_most(const ir::tree& t, std::size_t limit) {
  std::size_t leaves = 0;
  std::vector<std::int32_t> stack{0};
  while (!stack.empty()) {
    const auto n = static_cast<std::size_t>(stack.back());
    stack.pop_back();
    if (t.is_leaf(n)) {
      if (++leaves > limit) return false;
      continue;
    }
    stack.push_back(t.left[n]);
    stack.push_back(t.right[n]);
  }
  return true;
}

/// The node-mask form of `f`, or an empty one (usable() false) when a tree has more than 64
/// leaves, vector leaves, a categorical split or a NaN threshold, or the splits need more than
/// kernels::mask_max_columns columns (a column per feature read, per 254 of its thresholds).
inline node_mask_forest build_node_mask_forest(const ir::forest& f) {
  constexpr std::size_t N = kernels::mask_tree_nodes;
  constexpr std::size_t C = kernels::mask_tree_children;
  constexpr std::size_t L = kernels::mask_tree_leaves;  // also the first leaf's id
  node_mask_forest m;
  const std::size_t T = f.num_trees();
  // The leaf counts first: they are cheap, and a forest of larger trees needs no thresholds.
  for (const ir::tree& t : f.trees)
    if (!reachable_leaves_at_most(t, L)) return m;
  std::vector<std::vector<float>> thresholds;
  if (T == 0 || !numeric_split_thresholds(f, thresholds)) return m;
  const quantized_columns columns =
      assign_columns(std::move(thresholds), node_mask_max_thresholds);
  if (columns.size() > static_cast<std::size_t>(kernels::mask_max_columns)) return m;
  m.column_feature = columns.feature;
  m.num_columns = static_cast<std::int32_t>(columns.size());

  // Every tree starts as one leaf: split 0 with both children leaf L (value 0). A tree of one
  // leaf keeps that; the padding trees past the last, never added, too.
  const std::size_t padded = T + kernels::mask_trees_together - 1;
  m.node_column.assign(padded * N, 0);
  m.node_bin.assign(padded * N, 0);
  m.missing_left.assign(padded, 0);
  m.child.assign(padded * C, 0);
  m.leaf.assign(padded * L, 0.0f);
  for (std::size_t i = 0; i < padded; ++i) {
    std::uint8_t* child = m.child.data() + i * C;
    child[0] = child[1] = child[2 * L] = child[2 * L + 1] = static_cast<std::uint8_t>(L);
  }
  std::vector<std::int32_t> order, id;
  for (std::size_t i = 0; i < T; ++i) {
    const ir::tree& t = f.trees[i];
    // Breadth-first ids of the nodes a row can reach: splits from 0, leaves from 64.
    order.assign(1, 0);
    id.assign(t.num_nodes(), -1);
    std::size_t splits = 0, leaves = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
      const auto n = static_cast<std::size_t>(order[k]);
      if (t.is_leaf(n)) {
        id[n] = static_cast<std::int32_t>(L + leaves++);
        continue;
      }
      id[n] = static_cast<std::int32_t>(splits++);
      order.push_back(t.left[n]);
      order.push_back(t.right[n]);
    }
    std::uint8_t* child = m.child.data() + i * C;
    for (const std::int32_t node : order) {
      const auto n = static_cast<std::size_t>(node);
      const auto self = static_cast<std::size_t>(id[n]);
      if (t.is_leaf(n)) {
        child[2 * self] = child[2 * self + 1] = static_cast<std::uint8_t>(self);
        m.leaf[i * L + (self - L)] =
            ir::detail::rounded_product(t.leaf_value[n], f.tree_weight[i]);
        continue;
      }
      const quantized_columns::test test =
          columns.split(static_cast<std::size_t>(t.feature[n]), t.threshold[n]);
      m.node_column[i * N + self] = static_cast<std::uint8_t>(test.column);
      m.node_bin[i * N + self] = static_cast<std::uint8_t>(test.bin);
      if (t.default_left[n]) m.missing_left[i] |= std::uint64_t{1} << self;
      child[2 * self] = static_cast<std::uint8_t>(id[static_cast<std::size_t>(t.left[n])]);
      child[2 * self + 1] = static_cast<std::uint8_t>(id[static_cast<std::size_t>(t.right[n])]);
    }
  }
  row_bin_tables(columns, m.row_threshold, m.row_bound);
  m.num_trees = T;
  return m;
}

}  // namespace grove::compile
