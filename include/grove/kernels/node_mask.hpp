#pragma once
/// @file
/// The ISA-independent part of the one-row node-mask kernel (compile/node_mask_forest.hpp): the
/// plain view it reads and its entry-point signature (the kernel: node_mask_row_avx512.hpp,
/// AVX-512 with VBMI).

#include <cstddef>
#include <cstdint>

namespace grove::kernels {

/// Split-node slots of a tree: one bit each in a 64-bit mask. A tree has at most 63 splits
/// (64 leaves), so that node ids (splits 0..63, leaves 64..127) fit in 7 bits.
inline constexpr std::size_t mask_tree_nodes = 64;
/// Leaves of a tree at most, and the id of its first leaf: leaf ids 64..127 all have bit 6 set,
/// which split ids lack. Also the leaf-value slots per tree.
inline constexpr std::size_t mask_tree_leaves = 64;
/// Entries of a tree's child table: [2 id + goes right] for every node id below 128.
inline constexpr std::size_t mask_tree_children = 256;
/// Features a node-mask forest may read: one byte each, four 64-byte registers.
inline constexpr std::int32_t mask_max_columns = 256;
/// Trees walked together, level by level: their paths' loads are independent of each other.
inline constexpr std::size_t mask_trees_together = 8;

/// What the kernel reads of a compile::node_mask_forest. Tree arrays hold
/// mask_trees_together - 1 padding trees past the last (a root whose both children are leaf
/// 64), so that a block of trees walks whole.
struct node_mask_view {
  std::int32_t num_columns;
  const float* row_threshold;  ///< sliced_probe_floats sorted thresholds per column (+inf after)
  const float* row_bound;      ///< 16 per column: every 16th of them
  const std::uint8_t* node_column;    ///< [tree][mask_tree_nodes]: the column split s reads
  const std::uint8_t* node_bin;       ///< [tree][mask_tree_nodes]: goes right when bin >= this
  const std::uint64_t* missing_left;  ///< [tree]: bit s when split s sends missing values left
  const std::uint8_t* child;          ///< [tree][mask_tree_children]: next id; leaves: itself
  const float* leaf;  ///< [tree][mask_tree_leaves]: leaf id mask_tree_leaves + i's value at i
  const std::int32_t* output;         ///< output of each tree
  bool single_output;                 ///< every tree adds to output 0
};

/**
 * Adds trees [t0, t1) to the accumulators acc[output] of one row, whose column values are
 * x[c] (num_columns of them, missing values already NaN), in ascending tree order.
 */
using node_mask_row_fn = void (*)(const node_mask_view& v, const float* x, std::size_t t0,
                                  std::size_t t1, float* acc);

}  // namespace grove::kernels
