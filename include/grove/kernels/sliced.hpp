#pragma once
/// @file
/// The ISA-independent part of sliced evaluation (compile/sliced_forest.hpp): the plain view the
/// kernels read, their entry-point signature, the trait an architecture specializes when it
/// has such a kernel (AVX-512 BW and AVX2), and the parts both kernels share.

#include <cstddef>
#include <cstdint>
#include <cstring>

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

/// sliced_kernel<arch>::block: the architecture's sliced kernel, or nullptr; ::row_bytes and
/// ::row_words: its one-row kernel on byte nodes (for the avx512_vbmi target only) and
/// on 16-bit word nodes, or nullptr.
template <class arch_t>
struct sliced_kernel {
  static constexpr sliced_fn block = nullptr;
  static constexpr sliced_row_fn row_bytes = nullptr;
  static constexpr sliced_row_fn row_words = nullptr;
};

namespace sliced_detail {

/// For each row (bit), the "goes right" bit of the node its path reaches at level `level`,
/// among the nodes whose paths start with the `j` bits leading to node `heap` (its other bits
/// zero): a multiplexer tree over the level's compares, driven by the path bits above
/// (bits[j] picks between the subtrees where path bit j is 0 and 1).
/// `goes_right(heap)` gives node heap's 64-bit compare.
template <int level, int j, std::size_t heap, class compare_t>
inline std::uint64_t select_level(const compare_t& goes_right, const std::uint64_t* bits) noexcept {
  if constexpr (j == level) {
    return goes_right(heap);
  } else {
    const std::uint64_t zero = select_level<level, j + 1, heap>(goes_right, bits);
    const std::uint64_t one =
        select_level<level, j + 1, heap + (std::size_t{1} << (level - j - 1))>(goes_right, bits);
    return zero ^ (bits[j] & (zero ^ one));
  }
}

/// The path bits of a padded tree of depth_v levels for 64 rows, level by level
/// (bits[0]: the root's compare).
template <int depth_v, int level = 0, class compare_t>
inline void path_bits(const compare_t& goes_right, std::uint64_t (&bits)[depth_v]) noexcept {
  if constexpr (level < depth_v) {
    bits[level] = select_level<level, 0, (std::size_t{1} << level)>(goes_right, bits);
    path_bits<depth_v, level + 1>(goes_right, bits);
  }
}

/// The path bits of tree t for the 64 rows of the byte columns q, nodes compared by
/// `ops::goes_right(q, column, bin, heap)`.
template <class ops, int depth_v>
inline void tree_path_bits(const sliced_view& v, std::size_t t, const std::uint8_t* q,
                           std::uint64_t (&bits)[depth_v]) noexcept {
  const std::uint16_t* column = v.node_column + t * v.nodes_per_tree;
  const std::uint8_t* bin = v.node_bin + t * v.nodes_per_tree;
  path_bits<depth_v>([&](std::size_t heap) { return ops::goes_right(q, column, bin, heap); }, bits);
}

/// The kernel's frame, shared by the ISAs: quantize the block's columns with
/// `ops::quantize_column(probe, levels, column, bytes)`, then run `ops::add_trees<depth>`.
template <class ops>
void run_block(const sliced_view& v, const float* xt, std::size_t t0, std::size_t t1,
               float* acc) noexcept {
  alignas(64) std::uint8_t q[2 * sliced_max_columns * sliced_rows];
  // A forest of single leaves reads no feature; its padding nodes still read column 0.
  if (v.num_columns == 0) std::memset(q, 0, 2 * sliced_rows);
  for (std::int32_t c = 0; c < v.num_columns; ++c)
    ops::quantize_column(v.probe + static_cast<std::size_t>(c) * sliced_probe_floats,
                         v.column_levels[c], xt + static_cast<std::size_t>(c) * sliced_rows,
                         q + 2 * static_cast<std::size_t>(c) * sliced_rows);
  using trees_fn =
      void (*)(const sliced_view&, const std::uint8_t*, std::size_t, std::size_t, float*) noexcept;
  static constexpr trees_fn by_depth[] = {&ops::template add_trees<1>, &ops::template add_trees<2>,
                                          &ops::template add_trees<3>, &ops::template add_trees<4>,
                                          &ops::template add_trees<5>, &ops::template add_trees<6>};
  by_depth[v.depth - 1](v, q, t0, t1, acc);
}

}  // namespace sliced_detail

}  // namespace grove::kernels
