#pragma once
/// @file
/// The ISA-independent part of the bitvector kernels (compile/bitvector_forest.hpp): the plain
/// view they read and their entry-point signatures (the kernels: bitvector_avx2.hpp and
/// bitvector_avx512.hpp).
///
/// A block of 64 rows is quantized to byte columns as in the sliced form (a column per feature
/// read and per 255 of its thresholds; missing values 0 in the first byte column, 255 in the
/// second). A tree's leaves are numbered left to right, and the state of a tree for 64 rows is
/// one 64-byte vector per 8 leaves (a "slice": byte r holds leaves 8 j .. 8 j + 7 of row r), all
/// ones at first. A split that sends a row right rules out every leaf of its left subtree, a run
/// of consecutive leaves: the entries of the split clear them, one entry per slice the run
/// touches. After all entries, a row's exit is its lowest leaf still set: any leaf left of the
/// exit lies in the left subtree of a split on the exit's path that sent the row right, and no
/// split that sent the row right has the exit in its left subtree.

#include <cstddef>
#include <cstdint>

namespace grove::kernels {

/// Rows per block: one byte per row of a 64-byte vector, one bit per row of a 64-bit mask.
inline constexpr std::size_t bitvector_rows = 64;
/// Leaves of a tree at most: a leaf's number must fit a byte.
inline constexpr std::size_t bitvector_max_leaves = 256;
/// Slices of a tree at most (8 leaves each).
inline constexpr std::size_t bitvector_max_slices = bitvector_max_leaves / 8;

/// One split's effect on one slice: for the rows whose byte in column `column` is >= the bin,
/// the slice keeps only the leaves of `keep`.
struct bitvector_entry {
  std::uint32_t column;  ///< byte offset of the byte column in a block: (2 c + default right) 64
  std::uint32_t bin;     ///< the bin in all four bytes: goes right when the byte is >= it
  std::uint32_t keep;    ///< the slice's leaves the split keeps when it goes right, four times
};

/// What the kernels read of a compile::bitvector_forest.
struct bitvector_view {
  std::int32_t num_columns;
  const std::int32_t* column_levels;  ///< binary search levels per column
  const float* probe;                 ///< sliced_probe_floats per column
  /// Every tree's entries, tree by tree, and within a tree slice by slice from its last slice to
  /// its first.
  const bitvector_entry* entry;
  const std::uint32_t* entry_begin;  ///< [tree + 1]: tree t's are [entry_begin[t], [t + 1])
  /// [tree + 1]: tree t's slices are [slice_first[t], slice_first[t + 1]) of slice_entries
  /// (1..bitvector_max_slices of them).
  const std::uint32_t* slice_first;
  const std::uint16_t* slice_entries;  ///< entries of each slice, in the trees' slice order
  /// [tree][4][leaf_table]: byte b of the bits of each leaf's weighted value, leaf by leaf.
  const std::uint8_t* leaf_byte;
  std::size_t leaf_table;      ///< 64 or 256 (the most leaves of a tree, rounded up)
  const std::int32_t* output;  ///< output of each tree
};

/// Blocks of rows one call of a bitvector_trees_fn takes at most: each block's state for a slice
/// stays in a register while the slice's entries pass (8 blocks measured no faster than 4).
inline constexpr std::size_t bitvector_max_blocks = 4;

/**
 * Quantizes a block of 64 rows, xt[c * 64 + r] (column c of row r, missing values already NaN),
 * into its byte columns q[(2 c + missing goes right) * 64 + r] (2 num_columns * 64 bytes, 64-byte
 * aligned).
 */
using bitvector_quantize_fn = void (*)(const bitvector_view& v, const float* xt, std::uint8_t* q);

/**
 * Adds trees [t0, t1) to the sums of `blocks` (1..bitvector_max_blocks) quantized blocks: block b's
 * byte columns at q + b * 2 num_columns * 64, its sums at acc[(b K + output) 64 + r] (K =
 * outputs). Every row adds its trees in ascending order, so the sums are the reference's bit
 * for bit.
 */
using bitvector_trees_fn = void (*)(const bitvector_view& v, const std::uint8_t* q,
                                    std::size_t blocks, std::size_t t0, std::size_t t1, float* acc,
                                    std::size_t outputs);

}  // namespace grove::kernels
