// No include guard: included once inside each target namespace that uses it (see
// kernels/target_*.hpp).
//
/// @file
/// The one-row node-mask kernel (AVX-512 with VBMI; compile/node_mask_forest.hpp), for trees of
/// at most 64 leaves and any depth (lossguide trees). The row is quantized once to a byte per
/// column (bins below 255, missing 255) in four registers. Then per tree one or two byte
/// permutes (vpermi2b) and a byte compare give all its splits' "goes right" bits in one 64-bit
/// mask, and the path follows the mask in integer registers: id = child[2 id + bit id], three
/// or four instructions per level and no branch. Eight trees walk level by level together, so
/// their loads are independent and in flight at once; leaves point at themselves, and a block
/// stops when all eight paths are at leaves.

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "grove/kernels/node_mask.hpp"
#include "grove/kernels/attributes.hpp"

#if !defined(__AVX512VBMI__)
#error "grove/kernels/node_mask_row_avx512.hpp needs -mavx512vbmi (the avx512_vbmi target)"
#endif

namespace grove::kernels::GROVE_TARGET_NAMESPACE {

namespace node_mask_detail {

/// The bin byte of a missing value; bins of values stop below it.
inline constexpr unsigned missing_byte = 255;

/// One row's bytes: q[c] = bin of column c (at most 254), or 255 when missing; 0 past the
/// columns. Returns true when some column is missing.
inline bool quantize(const node_mask_view& v, const float* x, __m512i (&q)[4]) noexcept {
  alignas(64) std::uint8_t bytes[mask_max_columns] = {};
  bool missing = false;
  for (std::int32_t c = 0; c < v.num_columns; ++c) {
    const auto column = static_cast<std::size_t>(c);
    if (x[c] != x[c]) {
      bytes[column] = missing_byte;
      missing = true;
      continue;
    }
    bytes[column] = static_cast<std::uint8_t>(sliced_row_detail::column_bin(
        v.row_bound, v.row_threshold, column, x[c], missing_byte - 1));
  }
  for (int i = 0; i < 4; ++i) q[i] = _mm512_load_si512(bytes + 64 * i);
  return missing;
}

/// Tree t's "goes right" bits, split s at bit s. Columns from 128 on (wide_v) are picked from
/// the second register pair, chosen by bit 7 of the column.
template <bool wide_v, bool missing_v>
inline std::uint64_t tree_mask(const node_mask_view& v, const __m512i (&q)[4],
                                                 std::size_t t) noexcept {
  const __m512i column = _mm512_load_si512(v.node_column + t * mask_tree_nodes);
  __m512i bins = _mm512_permutex2var_epi8(q[0], column, q[1]);
  if constexpr (wide_v)
    bins = _mm512_mask_blend_epi8(_mm512_movepi8_mask(column), bins,
                                  _mm512_permutex2var_epi8(q[2], column, q[3]));
  std::uint64_t right = _cvtmask64_u64(
      _mm512_cmpge_epu8_mask(bins, _mm512_load_si512(v.node_bin + t * mask_tree_nodes)));
  // A missing byte is >= every bin: right, unless the split sends missing values left.
  if constexpr (missing_v)
    right &= ~(_cvtmask64_u64(_mm512_cmpeq_epi8_mask(bins, _mm512_set1_epi8(-1))) &
               v.missing_left[t]);
  return right;
}

template <bool wide_v, bool missing_v>
inline void add_trees(const node_mask_view& v, const __m512i (&q)[4],
                                        std::size_t t0, std::size_t t1, float* acc) noexcept {
  constexpr std::size_t B = mask_trees_together;
  float sum = acc[0];
  for (std::size_t t = t0; t < t1; t += B) {
    std::uint64_t right[B];
    unsigned id[B];
#pragma GCC unroll 8
    for (std::size_t j = 0; j < B; ++j) {
      right[j] = tree_mask<wide_v, missing_v>(v, q, t + j);
      id[j] = 0;
    }
    // Leaf ids have bit 6 set; every path ends at a leaf within 63 levels. One base pointer
    // for the block: tree j's table is at a constant offset from it, which the loads fold in.
    const std::uint8_t* child = v.child + t * mask_tree_children;
#if defined(__GNUC__)
    asm("" : "+r"(child));  // one register: gcc would keep v.child and t apart, an add per load
#endif
    unsigned all_leaves;
    do {
      all_leaves = mask_tree_leaves;
#pragma GCC unroll 8
      for (std::size_t j = 0; j < B; ++j) {
        const std::size_t bit = (right[j] >> (id[j] & 63)) & 1u;
        const std::size_t entry = bit + 2 * std::size_t{id[j]};
        id[j] = child[j * mask_tree_children + entry];
        all_leaves &= id[j];
      }
    } while (all_leaves == 0);
    const std::size_t count = t1 - t < B ? t1 - t : B;
    for (std::size_t j = 0; j < count; ++j) {
      const float value = v.leaf[(t + j) * mask_tree_leaves + (id[j] - mask_tree_leaves)];
      if (v.single_output)
        sum += value;
      else
        acc[v.output[t + j]] += value;
    }
  }
  if (v.single_output) acc[0] = sum;
}

}  // namespace node_mask_detail

/// The kernel (node_mask_row_fn).
GROVE_FLATTEN inline void node_mask_row(const node_mask_view& v, const float* x,
                                                          std::size_t t0, std::size_t t1,
                                                          float* acc) noexcept {
  using namespace node_mask_detail;
  __m512i q[4];
  const bool missing = quantize(v, x, q);
  const bool wide = v.num_columns > 128;
  if (wide)
    missing ? add_trees<true, true>(v, q, t0, t1, acc) : add_trees<true, false>(v, q, t0, t1, acc);
  else
    missing ? add_trees<false, true>(v, q, t0, t1, acc) : add_trees<false, false>(v, q, t0, t1, acc);
}

}  // namespace grove::kernels::GROVE_TARGET_NAMESPACE
