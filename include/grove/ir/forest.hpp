#pragma once
/// @file
/// The forest IR: a faithful, validated, plain-data copy of a loaded model.
/// Built only through ir::forest_builder (builder.hpp), which checks every invariant listed here.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "grove/ir/objective.hpp"

namespace grove::ir {

/**
 * One decision tree as arrays indexed by node id; node 0 is the root.
 *
 * Invariants (checked by the builder): children are in range, every node is reached from the root
 * exactly once (no cycles, no sharing), unreachable nodes are allowed and ignored, split features
 * are below the forest's feature count, categorical sets are sorted and non-negative.
 */
struct tree {
  std::vector<std::int32_t> left;          ///< left child; -1 marks a leaf
  std::vector<std::int32_t> right;         ///< right child; unused on leaves
  std::vector<std::int32_t> feature;       ///< split feature; unused on leaves
  std::vector<float> threshold;            ///< numeric split: `x < threshold` goes left
  std::vector<std::uint8_t> default_left;  ///< 1 when a missing value goes left
  std::vector<std::uint8_t> categorical;   ///< 1 on categorical splits (may be empty: none)
  /// Categorical node n sends categories[category_begin[n] .. category_begin[n + 1]) right;
  /// both empty when the tree has no categorical split.
  std::vector<std::uint32_t> category_begin;
  std::vector<std::int32_t> categories;
  /// leaf_size values per node (only leaves' entries are meaningful): node n's leaf is
  /// leaf_value[n * leaf_size .. (n + 1) * leaf_size).
  std::vector<float> leaf_value;
  std::vector<float> cover;  ///< sum of hessians per node; empty when the file has none
  std::int32_t leaf_size = 1;  ///< 1 for ordinary trees, the number of outputs for vector-leaf trees

  std::size_t num_nodes() const noexcept { return left.size(); }
  bool is_leaf(std::size_t node) const noexcept { return left[node] < 0; }
  bool is_categorical(std::size_t node) const noexcept {
    return !categorical.empty() && categorical[node] != 0;
  }
  bool has_categories() const noexcept { return !category_begin.empty(); }
};

/// Levels from the root to the deepest leaf (0 for a single leaf).
inline int tree_depth(const tree& t) {
  int depth = 0;
  std::vector<std::pair<std::int32_t, int>> stack{{0, 0}};
  while (!stack.empty()) {
    const auto [node, level] = stack.back();
    stack.pop_back();
    if (t.is_leaf(static_cast<std::size_t>(node))) {
      depth = level > depth ? level : depth;
      continue;
    }
    stack.push_back({t.left[static_cast<std::size_t>(node)], level + 1});
    stack.push_back({t.right[static_cast<std::size_t>(node)], level + 1});
  }
  return depth;
}

/// The whole model: trees, the outputs they add to, and how margins become predictions.
struct forest {
  std::vector<tree> trees;
  /// Output index each tree adds to (0 for vector-leaf trees, which add to all outputs).
  std::vector<std::int32_t> tree_output;
  /// Factor applied to each tree's leaves (DART); 1 for ordinary boosting.
  std::vector<float> tree_weight;
  /// Boosting round r holds trees [round_begin[r], round_begin[r + 1]); size rounds + 1.
  std::vector<std::size_t> round_begin;
  std::int32_t num_feature = 0;
  std::int32_t num_output = 1;
  /// Intercept per output, already in margin space.
  std::vector<float> base_margin;
  objective obj;
  std::vector<std::string> feature_names;  ///< may be empty
  std::vector<std::string> feature_types;  ///< may be empty

  std::size_t num_trees() const noexcept { return trees.size(); }
  std::size_t num_rounds() const noexcept { return round_begin.empty() ? 0 : round_begin.size() - 1; }
  bool has_weights() const noexcept {
    for (float w : tree_weight)
      if (w != 1.0f) return true;
    return false;
  }
};

}  // namespace grove::ir
