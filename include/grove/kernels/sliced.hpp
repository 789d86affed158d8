#pragma once
/// @file
/// The ISA-independent part of sliced evaluation (compile/sliced_forest.hpp): the plain view the
/// kernel reads, its entry-point signature, and the trait an architecture specializes when it
/// has such a kernel (only AVX-512 BW: one byte compare of 64 rows per node).

#include <cstddef>
#include <cstdint>

namespace grove::kernels {

/// Rows per sliced block: one bit per row of a 64-bit mask, one byte per row of a zmm.
inline constexpr std::size_t sliced_rows = 64;
/// Features a sliced forest may read: the kernel's two byte columns per feature stay 16 KiB.
inline constexpr std::int32_t sliced_max_columns = 128;

/// What the kernel reads of a compile::sliced_forest.
struct sliced_view {
  int depth;                         ///< levels of every padded tree (1..6)
  std::int32_t num_columns;
  const std::int32_t* column_levels; ///< binary search levels per column
  const float* probe;                ///< 256 per column, level l's probes at [2^l, 2^(l+1))
  std::size_t nodes_per_tree;        ///< 2^depth
  const std::uint16_t* node_column;  ///< [tree][node]: byte offset of the node's byte column
  const std::uint8_t* node_bin;      ///< [tree][node]: goes right when the byte is >= this
  std::size_t leaves_per_tree;       ///< max(16, 2^depth)
  const float* leaf;                 ///< [tree][path]: weighted leaf value
  const std::int32_t* output;        ///< output of each tree
  bool single_output;                ///< every tree adds to output 0
};

/**
 * Adds trees [t0, t1) to the accumulators acc[output * sliced_rows + r] of the 64 rows in xt
 * (xt[c * sliced_rows + r]: column c of row r, missing values already NaN); every row adds its
 * trees in ascending order, so the sums are the reference's bit for bit.
 */
using sliced_fn = void (*)(const sliced_view& v, const float* xt, std::size_t t0, std::size_t t1,
                           float* acc);

/// sliced_kernel<arch>::block: the architecture's sliced kernel, or nullptr.
template <class arch_t>
struct sliced_kernel {
  static constexpr sliced_fn block = nullptr;
};

}  // namespace grove::kernels
