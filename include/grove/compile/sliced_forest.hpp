#pragma once
/// @file
/// A second compiled form for forests of shallow numeric trees: every feature a split reads is
/// quantized to a byte, and every tree is padded to a complete tree of `depth` levels, so that a
/// kernel can evaluate one node for 64 rows with one byte compare (kernels/sliced_avx512.hpp).
///
/// The quantization is exact. A feature's distinct split thresholds, sorted, are T_0 < ... <
/// T_{k-1}; a value x gets bin(x) = #{i : T_i <= x}. Then x < T_j exactly when bin(x) <= j, so a
/// split on T_j sends x right exactly when bin(x) >= j + 1. A missing value gets bin 0 in one byte
/// column of the feature and 255 in a second; a split reads the column of its default side
/// (left: 0 fails every test, right: 255 passes every test). So k <= 255 per column: a feature
/// with more thresholds takes several columns (compile::quantized_columns).
///
/// A padded tree numbers its nodes like a heap, from 1 (children of h: 2h, 2h + 1). A row's path
/// is the "goes right" bits from the root down, the root's at the top of `depth` bits; below a
/// leaf that ends above the last level, padding nodes (column 0, bin 0: always right) extend the
/// path, and every path through that leaf's subtree carries the leaf's value.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "grove/compile/split_thresholds.hpp"
#include "grove/detail/aligned_vector.hpp"
#include "grove/ir/forest.hpp"
#include "grove/ir/reference.hpp"
#include "grove/kernels/sliced.hpp"

namespace grove::compile {

inline constexpr int sliced_max_depth = 6;  ///< 64 leaves: two 32-float lookup pairs
/// Per column: as many as kernels::sliced_search_levels tell apart, below the missing byte 255.
inline constexpr int sliced_max_thresholds = (1 << kernels::sliced_search_levels) - 1;

/// The form of the one-row kernel's node data build_sliced_forest keeps: bytes (for CPUs with
/// AVX-512 VBMI byte permutes), 16-bit words (AVX-512 BW alone; see
/// kernels/sliced_row_avx512.hpp), or none (no one-row kernel).
enum class row_nodes { none, bytes, words };

struct sliced_forest {
  int depth = 0;  ///< levels of every padded tree; 0 when the forest cannot be sliced
  std::int32_t num_columns = 0;
  std::vector<std::int32_t> column_feature;  ///< the feature column c quantizes
  std::vector<std::int32_t> column_levels;   ///< binary search levels of column c (0..8)
  /// Column c's kernels::sliced_probe_floats probes: search level l's 2^l at [2^l, 2^(l+1)),
  /// the sorted thresholds padded with +inf (a value >= a padding probe is >= every threshold).
  grove::detail::aligned_vector<float> probe;
  /// For the one-row kernel (empty when it has no node data): column c's sorted thresholds
  /// padded with +inf to kernels::sliced_probe_floats, and every 16th of them (16 per column).
  grove::detail::aligned_vector<float> row_threshold;
  grove::detail::aligned_vector<float> row_bound;
  std::size_t nodes_per_tree = 0;  ///< 2^depth (entry 0 unused)
  /// [tree][node]: byte offset of the column node h compares, (2 c + default right) * 64, for
  /// the block kernel; empty when built without them or depth > sliced_max_depth.
  std::vector<std::uint16_t> node_column;
  std::vector<std::uint8_t> node_bin;  ///< [tree][node]: goes right when the byte is >= this
  /// [tree][node]: the node's byte in one row's quantized bytes (2 c + default right); empty
  /// unless built with row_nodes::bytes and num_columns <= kernels::sliced_row_max_columns.
  /// It and node_bin carry kernels::sliced_row_overread entries past the last tree, for a
  /// kernel reading whole blocks.
  std::vector<std::uint8_t> node_byte;
  /// The word form instead of node_byte (row_nodes::words), same size and padding: [tree][node]
  /// the column | 0x8000 when missing values go left, and node_bin ^ that same 0x8000.
  std::vector<std::uint16_t> node_word;
  std::vector<std::uint16_t> node_word_bin;
  std::size_t leaves_per_tree = 0;     ///< max(16, 2^depth)
  grove::detail::aligned_vector<float>
      leaf;  ///< [tree][path]: the weighted leaf value the path reaches

  bool usable() const noexcept { return depth > 0; }
};

/// The sliced form of `f`, or one with depth 0 when a tree is deeper than `max_depth`, has a
/// categorical split, vector leaves or a NaN threshold, or the splits need more than
/// sliced_max_columns columns (a column per feature read, per 255 of its thresholds). The
/// one-row kernel's node data take the form `nodes`; the block kernel's (node_column) are built
/// when `block_nodes` and the trees have at most sliced_max_depth levels.
inline sliced_forest build_sliced_forest(const ir::forest& f, int max_depth = sliced_max_depth,
                                         row_nodes nodes = row_nodes::bytes,
                                         bool block_nodes = true) {
  sliced_forest s;
  const std::size_t T = f.num_trees();
  int depth = 1;
  for (const ir::tree& t : f.trees) {
    const int d = ir::tree_depth(t);
    if (d > max_depth) return s;
    depth = std::max(depth, d);
  }
  std::vector<std::vector<float>> thresholds;
  if (T == 0 || !numeric_split_thresholds(f, thresholds)) return s;

  const quantized_columns columns =
      assign_columns(std::move(thresholds), static_cast<std::size_t>(sliced_max_thresholds));
  if (columns.size() > static_cast<std::size_t>(kernels::sliced_max_columns)) return s;
  s.column_feature = columns.feature;
  s.num_columns = static_cast<std::int32_t>(columns.size());

  block_search_probes(columns, s.column_levels, s.probe);

  // The one-row kernel's arrays, for forests whose row fits its two registers.
  const bool row_arrays =
      nodes != row_nodes::none && s.num_columns <= kernels::sliced_row_max_columns;
  if (row_arrays) row_bin_tables(columns, s.row_threshold, s.row_bound);

  s.depth = depth;
  s.nodes_per_tree = std::size_t{1} << depth;
  s.leaves_per_tree = std::max<std::size_t>(16, s.nodes_per_tree);
  const bool block_arrays = block_nodes && depth <= sliced_max_depth;
  if (block_arrays) s.node_column.assign(T * s.nodes_per_tree, 0);
  // Node arrays a one-row kernel reads in whole blocks end with sliced_row_overread entries.
  const std::size_t row_entries = T * s.nodes_per_tree + kernels::sliced_row_overread;
  s.node_bin.assign(row_entries, 0);
  const bool row_bytes = row_arrays && nodes == row_nodes::bytes;
  const bool row_words = row_arrays && nodes == row_nodes::words;
  if (row_bytes) s.node_byte.assign(row_entries, 0);
  if (row_words) {
    s.node_word.assign(row_entries, 0);  // padding: column 0, bin 0, always right
    s.node_word_bin.assign(row_entries, 0);
  }
  s.leaf.assign(T * s.leaves_per_tree, 0.0f);
  struct pending {
    std::int32_t node;
    std::size_t heap;
    int level;
  };
  std::vector<pending> stack;
  for (std::size_t i = 0; i < T; ++i) {
    const ir::tree& t = f.trees[i];
    std::uint8_t* bin = s.node_bin.data() + i * s.nodes_per_tree;
    float* leaf = s.leaf.data() + i * s.leaves_per_tree;
    stack.assign(1, {0, 1, 0});
    while (!stack.empty()) {
      const pending p = stack.back();
      stack.pop_back();
      const auto n = static_cast<std::size_t>(p.node);
      if (t.is_leaf(n)) {
        // Every path through this node's subtree; padding below it keeps column 0, bin 0.
        const float value = ir::detail::rounded_product(t.leaf_value[n], f.tree_weight[i]);
        const int below = depth - p.level;
        const std::size_t first = (p.heap - (std::size_t{1} << p.level)) << below;
        std::fill(leaf + first, leaf + first + (std::size_t{1} << below), value);
        continue;
      }
      const quantized_columns::test test =
          columns.split(static_cast<std::size_t>(t.feature[n]), t.threshold[n]);
      const std::size_t split = test.bin, c = test.column;
      const std::size_t byte = 2 * c + (t.default_left[n] ? 0 : 1);
      if (block_arrays)
        s.node_column[i * s.nodes_per_tree + p.heap] =
            static_cast<std::uint16_t>(byte * kernels::sliced_rows);
      if (row_bytes) s.node_byte[i * s.nodes_per_tree + p.heap] = static_cast<std::uint8_t>(byte);
      if (row_words) {
        const unsigned left = t.default_left[n] ? 0x8000u : 0u;
        s.node_word[i * s.nodes_per_tree + p.heap] = static_cast<std::uint16_t>(c | left);
        s.node_word_bin[i * s.nodes_per_tree + p.heap] =
            static_cast<std::uint16_t>(split ^ left);
      }
      bin[p.heap] = static_cast<std::uint8_t>(split);
      stack.push_back({t.left[n], 2 * p.heap, p.level + 1});
      stack.push_back({t.right[n], 2 * p.heap + 1, p.level + 1});
    }
  }
  return s;
}

}  // namespace grove::compile
