#pragma once
/// @file
/// The ISA-independent part of sliced evaluation (compile/sliced_forest.hpp): the plain view the
/// kernels read and their entry-point signatures (the frame the kernels share is
/// generic/sliced.hpp).

#include <cstddef>
#include <cstdint>

namespace grove::kernels {

/// Rows per sliced block: one bit per row of a 64-bit mask, one byte per row of a zmm.
inline constexpr std::size_t sliced_rows = 64;
/// Features a sliced forest may read: the kernel's two byte columns per feature stay 16 KiB.
inline constexpr std::int32_t sliced_max_columns = 128;
/// Binary search levels of a column's quantization: up to 2^8 - 1 = 255 thresholds.
inline constexpr int sliced_search_levels = 8;
/// Floats of a column's probes: level l's 2^l probes at [2^l, 2^(l+1)), entry 0 unused.
inline constexpr std::size_t sliced_probe_floats = std::size_t{1} << sliced_search_levels;
/// Features a one-row sliced kernel may read: a row's two byte columns per feature fill two
/// 64-byte registers.
inline constexpr std::int32_t sliced_row_max_columns = 64;
/// Levels of the deepest padded tree a one-row sliced kernel takes (the block kernel: 6).
inline constexpr int sliced_row_max_depth = 8;
/// Node entries past the last tree's nodes a one-row kernel may read: the nodes of 8 trees of
/// depth 6 or 16 of depth 5 (the blocks it walks together) start within the forest.
inline constexpr std::size_t sliced_row_overread = 512;

/// What the kernel reads of a compile::sliced_forest.
struct sliced_view {
  int depth;  ///< levels of every padded tree (1..6; up to sliced_row_max_depth for one row)
  std::int32_t num_columns;
  const std::int32_t* column_levels;  ///< binary search levels per column
  const float* probe;                 ///< sliced_probe_floats per column
  std::size_t nodes_per_tree;         ///< 2^depth
  const std::uint16_t* node_column;   ///< [tree][node]: byte offset of the node's byte column
  const std::uint8_t* node_bin;       ///< [tree][node]: goes right when the byte is >= this
  /// [tree][node]: the node's byte among one row's 2 * sliced_row_max_columns quantized bytes
  /// (2 c + default right), or nullptr when the forest reads more columns than that or was
  /// built with the word form.
  const std::uint8_t* node_byte;
  /// [tree][node]: the node's column c, | 0x8000 when its missing values go left, and the bin it
  /// compares, ^ 0x8000 likewise (see word_nodes); nullptr unless the forest was built with
  /// the word form of the one-row nodes.
  const std::uint16_t* node_word;
  const std::uint16_t* node_word_bin;
  const float* row_threshold;  ///< sliced_probe_floats sorted thresholds per column (+inf after)
  const float* row_bound;      ///< 16 per column: every 16th of them
  std::size_t leaves_per_tree;        ///< max(16, 2^depth)
  const float* leaf;                  ///< [tree][path]: weighted leaf value
  const std::int32_t* output;         ///< output of each tree
  bool single_output;                 ///< every tree adds to output 0
};

/**
 * Adds trees [t0, t1) to the accumulators acc[output * sliced_rows + r] of the 64 rows in xt
 * (xt[c * sliced_rows + r]: column c of row r, missing values already NaN); every row adds its
 * trees in ascending order, so the sums are the reference's bit for bit.
 */
using sliced_fn = void (*)(const sliced_view& v, const float* xt, std::size_t t0, std::size_t t1,
                           float* acc);

/**
 * Adds trees [t0, t1) to the accumulators acc[output] of one row, whose column values are
 * x[c] (num_columns of them, missing values already NaN), in ascending tree order. Needs
 * v.node_byte (the byte form) or v.node_word (the word form).
 */
using sliced_row_fn = void (*)(const sliced_view& v, const float* x, std::size_t t0,
                               std::size_t t1, float* acc);

}  // namespace grove::kernels
