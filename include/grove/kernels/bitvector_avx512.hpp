// No include guard: included once inside each target namespace that uses it (see
// kernels/target_*.hpp).
//
/// @file
/// The AVX-512 bitvector kernel (compile/bitvector_forest.hpp, kernels/bitvector.hpp). A block
/// of 64 rows is quantized to bytes (the sliced kernel's binary search, two columns at a time);
/// then, for up to four blocks at once, each tree's slices are taken one at a time, the slice's
/// state of each block in a register: per entry and block one byte compare of the 64 rows, the
/// mask made a vector and one ternary-logic op. A row's exit comes from the lowest set bit of a
/// slice (a byte permute gives its position), and the exit's value is looked up byte by byte
/// with byte permutes. Needs AVX-512 VBMI (the avx512_vbmi target) besides the AVX-512 BW its
/// unit is built for.

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "grove/kernels/bitvector.hpp"

#if !defined(__AVX512VBMI__)
#error "grove/kernels/bitvector_avx512.hpp needs -mavx512vbmi (the avx512_vbmi target)"
#endif

// The blocks' states must stay in registers: every loop over them is unrolled.
#if defined(__clang__)
#define GROVE_UNROLL_BLOCKS _Pragma("unroll")
#elif defined(__GNUC__)
#define GROVE_UNROLL_BLOCKS _Pragma("GCC unroll 16")
#else
#define GROVE_UNROLL_BLOCKS
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace grove::kernels::GROVE_TARGET_NAMESPACE {

namespace bitvector_avx512 {

/// The 4 x 4 transpose of the 128-bit lanes of n[0..3]: rows in the order the leaf lookup
/// produces them (vector m, lane L: rows 16 L + 4 m .. + 3) from natural order, and back.
inline void transpose_lanes(__m512i (&n)[4]) noexcept {
  const __m512i t0 = _mm512_shuffle_i32x4(n[0], n[1], 0x44);
  const __m512i t1 = _mm512_shuffle_i32x4(n[0], n[1], 0xEE);
  const __m512i t2 = _mm512_shuffle_i32x4(n[2], n[3], 0x44);
  const __m512i t3 = _mm512_shuffle_i32x4(n[2], n[3], 0xEE);
  n[0] = _mm512_shuffle_i32x4(t0, t2, 0x88);
  n[1] = _mm512_shuffle_i32x4(t0, t2, 0xDD);
  n[2] = _mm512_shuffle_i32x4(t1, t3, 0x88);
  n[3] = _mm512_shuffle_i32x4(t1, t3, 0xDD);
}

inline void transpose_sums(float* a) noexcept {
  __m512i n[4];
  for (int m = 0; m < 4; ++m) n[m] = _mm512_load_si512(a + 16 * m);
  transpose_lanes(n);
  for (int m = 0; m < 4; ++m) _mm512_store_si512(a + 16 * m, n[m]);
}

/// The weighted values of the leaves `leaf` of tree t's table, 64 rows, in lookup order
/// (vector m, lane L: rows 16 L + 4 m .. + 3).
template <std::size_t table_v>
inline void leaf_values(const std::uint8_t* table, __m512i leaf,
                                          __m512 (&value)[4]) noexcept {
  __m512i byte[4];
  if constexpr (table_v == 64) {
    for (int k = 0; k < 4; ++k)
      byte[k] = _mm512_permutexvar_epi8(leaf, _mm512_load_si512(table + 64 * k));
  } else {
    const __mmask64 high = _mm512_movepi8_mask(leaf);
    for (int k = 0; k < 4; ++k) {
      const std::uint8_t* p = table + 256 * k;
      const __m512i lo =
          _mm512_permutex2var_epi8(_mm512_load_si512(p), leaf, _mm512_load_si512(p + 64));
      const __m512i hi =
          _mm512_permutex2var_epi8(_mm512_load_si512(p + 128), leaf, _mm512_load_si512(p + 192));
      byte[k] = _mm512_mask_blend_epi8(high, lo, hi);
    }
  }
  const __m512i a = _mm512_unpacklo_epi8(byte[0], byte[1]);
  const __m512i b = _mm512_unpackhi_epi8(byte[0], byte[1]);
  const __m512i c = _mm512_unpacklo_epi8(byte[2], byte[3]);
  const __m512i d = _mm512_unpackhi_epi8(byte[2], byte[3]);
  value[0] = _mm512_castsi512_ps(_mm512_unpacklo_epi16(a, c));
  value[1] = _mm512_castsi512_ps(_mm512_unpackhi_epi16(a, c));
  value[2] = _mm512_castsi512_ps(_mm512_unpacklo_epi16(b, d));
  value[3] = _mm512_castsi512_ps(_mm512_unpackhi_epi16(b, d));
}

/// Trees [t0, t1) for blocks_v blocks (byte columns at q + b q_stride), sums in lookup order at
/// acc + b acc_stride (every output's 64). A slice's state for each block stays in a register
/// while the slice's entries pass; the slices go from the tree's last to its first, and a row's
/// exit is the lowest leaf still set in the last slice that has one.
template <std::size_t table_v, std::size_t blocks_v>
void add_trees(const bitvector_view& v, const std::uint8_t* q,
                                 std::size_t q_stride, std::size_t t0, std::size_t t1, float* acc,
                                 std::size_t acc_stride) noexcept {
  const __m512i ones = _mm512_set1_epi8(-1);
  const __m512i zero = _mm512_setzero_si512();
  // The position of a byte's one set bit, from a table of 128 bytes indexed by its low 7 bits:
  // 1 << i at i, and bit 7 at 0 (a zero byte also reads entry 0, but its slice is not taken).
  alignas(64) static constexpr std::uint8_t position_of[128] = {
      7, 0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6};
  const __m512i positions_lo = _mm512_load_si512(position_of);
  const __m512i positions_hi = _mm512_load_si512(position_of + 64);
  for (std::size_t t = t0; t < t1; ++t) {
    const bitvector_entry* e = v.entry + v.entry_begin[t];
    const std::uint16_t* count = v.slice_entries + v.slice_first[t];
    const std::uint32_t slices = v.slice_first[t + 1] - v.slice_first[t];
    // Per row, the first leaf of the last slice taken that still has one, and its byte.
    __m512i first[blocks_v], bits[blocks_v];
    GROVE_UNROLL_BLOCKS
    for (std::size_t b = 0; b < blocks_v; ++b) first[b] = bits[b] = zero;
    for (std::uint32_t i = 0; i < slices; ++i) {
      __m512i state[blocks_v];
      GROVE_UNROLL_BLOCKS
      for (std::size_t b = 0; b < blocks_v; ++b) state[b] = ones;
      for (const bitvector_entry* end = e + count[i]; e != end; ++e) {
        const __m512i bin = _mm512_set1_epi32(static_cast<int>(e->bin));
        const __m512i keep = _mm512_set1_epi32(static_cast<int>(e->keep));
        GROVE_UNROLL_BLOCKS
        for (std::size_t b = 0; b < blocks_v; ++b) {
          const __m512i x = _mm512_load_si512(q + b * q_stride + e->column);
          const __m512i right = _mm512_movm_epi8(_mm512_cmpge_epu8_mask(x, bin));
          // state & (~right | keep): ternary-logic table 0xB0 for (state, right, keep).
          state[b] = _mm512_ternarylogic_epi32(state[b], right, keep, 0xB0);
        }
      }
      const __m512i slice_first = _mm512_set1_epi8(static_cast<char>(8 * (slices - 1 - i)));
      GROVE_UNROLL_BLOCKS
      for (std::size_t b = 0; b < blocks_v; ++b) {
        const __mmask64 some = _mm512_test_epi8_mask(state[b], state[b]);
        first[b] = _mm512_mask_mov_epi8(first[b], some, slice_first);
        bits[b] = _mm512_mask_mov_epi8(bits[b], some, state[b]);
      }
    }
    __m512i leaf[blocks_v];
    GROVE_UNROLL_BLOCKS
    for (std::size_t b = 0; b < blocks_v; ++b) {
      const __m512i lowest = _mm512_and_si512(bits[b], _mm512_sub_epi8(zero, bits[b]));
      leaf[b] =
          _mm512_or_si512(first[b], _mm512_permutex2var_epi8(positions_lo, lowest, positions_hi));
    }
    GROVE_UNROLL_BLOCKS
    for (std::size_t b = 0; b < blocks_v; ++b) {
      __m512 value[4];
      leaf_values<table_v>(v.leaf_byte + t * 4 * table_v, leaf[b], value);
      float* a = acc + b * acc_stride + static_cast<std::size_t>(v.output[t]) * bitvector_rows;
      for (int m = 0; m < 4; ++m)
        _mm512_store_ps(a + 16 * m, _mm512_add_ps(_mm512_load_ps(a + 16 * m), value[m]));
    }
  }
}

/// bitvector_quantize_fn: two columns at a time where they take as many search levels (each
/// search level waits for the one before).
inline void quantize(const bitvector_view& v, const float* xt,
                                       std::uint8_t* q) noexcept {
  constexpr std::size_t R = bitvector_rows;
  const auto C = static_cast<std::size_t>(v.num_columns);
  for (std::size_t c = 0; c < C;) {
    const std::size_t n = c + 1 < C && v.column_levels[c] == v.column_levels[c + 1] ? 2 : 1;
    const float* probe[2] = {v.probe + c * sliced_probe_floats,
                             v.probe + (c + n - 1) * sliced_probe_floats};
    const float* x[2] = {xt + c * R, xt + (c + n - 1) * R};
    std::uint8_t* bytes[2] = {q + c * 2 * R, q + (c + n - 1) * 2 * R};
    if (n == 2)
      avx512bw_sliced_ops::quantize_columns<2>(probe, v.column_levels[c], x, bytes);
    else
      avx512bw_sliced_ops::quantize_columns<1>(probe, v.column_levels[c], x, bytes);
    c += n;
  }
}

template <std::size_t table_v>
void add_blocks(const bitvector_view& v, const std::uint8_t* q,
                                  std::size_t blocks, std::size_t t0, std::size_t t1, float* acc,
                                  std::size_t outputs) noexcept {
  const std::size_t q_stride = static_cast<std::size_t>(v.num_columns) * 2 * bitvector_rows;
  const std::size_t acc_stride = outputs * bitvector_rows;
  if (blocks >= 4) {
    add_trees<table_v, 4>(v, q, q_stride, t0, t1, acc, acc_stride);
    return;
  }
  std::size_t b = 0;
  if (blocks >= 2) {
    add_trees<table_v, 2>(v, q, q_stride, t0, t1, acc, acc_stride);
    b = 2;
  }
  if (b < blocks)
    add_trees<table_v, 1>(v, q + b * q_stride, q_stride, t0, t1, acc + b * acc_stride, acc_stride);
}

/// bitvector_trees_fn: the sums go to the order the leaf lookup makes and back.
inline void trees(const bitvector_view& v, const std::uint8_t* q,
                                    std::size_t blocks, std::size_t t0, std::size_t t1, float* acc,
                                    std::size_t outputs) noexcept {
  for (std::size_t i = 0; i < blocks * outputs; ++i) transpose_sums(acc + i * bitvector_rows);
  if (v.leaf_table == 64)
    add_blocks<64>(v, q, blocks, t0, t1, acc, outputs);
  else
    add_blocks<bitvector_max_leaves>(v, q, blocks, t0, t1, acc, outputs);
  for (std::size_t i = 0; i < blocks * outputs; ++i) transpose_sums(acc + i * bitvector_rows);
}

}  // namespace bitvector_avx512

}  // namespace grove::kernels::GROVE_TARGET_NAMESPACE

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
