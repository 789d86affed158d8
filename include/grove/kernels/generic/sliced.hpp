// No include guard: included once inside each target's namespace (see generic/walk.hpp).
//
/// @file
/// The frame of the sliced block kernels, generic over a target's column quantization and node
/// compares (the AVX2 and AVX-512 kernels share it).

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "grove/kernels/sliced.hpp"

#if !defined(GROVE_TARGET_NAMESPACE)
#error "grove/kernels/generic/sliced.hpp is included by a target header (kernels/target_*.hpp)"
#endif

namespace grove::kernels::GROVE_TARGET_NAMESPACE {

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

}  // namespace grove::kernels::GROVE_TARGET_NAMESPACE
