// No include guard: included once inside each target namespace that uses it (see
// kernels/target_*.hpp).
//
/// @file
/// The AVX2 bitvector kernel (compile/bitvector_forest.hpp, kernels/bitvector.hpp): the AVX-512
/// one's evaluation on 32-byte halves of the 64 rows. The byte columns are stored with their top
/// bit flipped, so that a signed compare (AVX2 has no unsigned one) tells x >= bin, as
/// x ^ 0x80 > (bin - 1) ^ 0x80; an entry then costs a compare and two and-nots per half. The
/// state of a slice for two blocks (four halves) stays in registers. A byte's lowest set bit
/// gets its position from two 16-entry shuffles (one per nibble), and a leaf's value bytes
/// from the 16-byte chunks of the tree's table, shuffled and blended on the leaf's upper bits.

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "grove/kernels/bitvector.hpp"

// The blocks' states must stay in registers: every loop over them is unrolled.
#if defined(__clang__)
#define GROVE_UNROLL_HALVES _Pragma("unroll")
#elif defined(__GNUC__)
#define GROVE_UNROLL_HALVES _Pragma("GCC unroll 16")
#else
#define GROVE_UNROLL_HALVES
#endif

namespace grove::kernels::GROVE_TARGET_NAMESPACE {

namespace bitvector_avx2 {

/// Halves of 32 rows a call of add_trees takes: two blocks.
inline constexpr std::size_t halves = 4;

/// Rows of a half in the order the leaf lookup makes them (vector m: lane 0 rows 4 m .. + 3,
/// lane 1 rows 16 + 4 m .. + 3) from natural order (vector m: rows 8 m .. + 7), or back.
inline void to_lookup_order(float* a) noexcept {
  const __m256 n0 = _mm256_load_ps(a), n1 = _mm256_load_ps(a + 8), n2 = _mm256_load_ps(a + 16),
               n3 = _mm256_load_ps(a + 24);
  _mm256_store_ps(a, _mm256_permute2f128_ps(n0, n2, 0x20));
  _mm256_store_ps(a + 8, _mm256_permute2f128_ps(n0, n2, 0x31));
  _mm256_store_ps(a + 16, _mm256_permute2f128_ps(n1, n3, 0x20));
  _mm256_store_ps(a + 24, _mm256_permute2f128_ps(n1, n3, 0x31));
}

inline void to_natural_order(float* a) noexcept {
  const __m256 p0 = _mm256_load_ps(a), p1 = _mm256_load_ps(a + 8), p2 = _mm256_load_ps(a + 16),
               p3 = _mm256_load_ps(a + 24);
  _mm256_store_ps(a, _mm256_permute2f128_ps(p0, p1, 0x20));
  _mm256_store_ps(a + 8, _mm256_permute2f128_ps(p2, p3, 0x20));
  _mm256_store_ps(a + 16, _mm256_permute2f128_ps(p0, p1, 0x31));
  _mm256_store_ps(a + 24, _mm256_permute2f128_ps(p2, p3, 0x31));
}

/// Bytes of a 16-byte chunk of a table, in both lanes.
inline __m256i chunk(const std::uint8_t* p) noexcept {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

/// Byte k of the values of the leaves `leaf` (32 rows) from a table of table_v bytes: the chunk
/// of each leaf's low 4 bits, picked by its upper bits.
template <std::size_t table_v>
inline __m256i table_bytes(const std::uint8_t* table, __m256i leaf) noexcept {
  // vpshufb reads a byte's low 4 bits, and gives 0 where its top bit is set.
  const __m256i low = _mm256_and_si256(leaf, _mm256_set1_epi8(0x7F));
  __m256i level[table_v / 16];
  for (std::size_t c = 0; c < table_v / 16; ++c)
    level[c] = _mm256_shuffle_epi8(chunk(table + 16 * c), low);
  // Blend pairs on bit 4, then 5, ...: vpblendvb reads each byte's top bit, so the leaf is
  // shifted left until that bit is on top (16-bit shifts: what enters a byte from below is
  // never its top bit).
  std::size_t n = table_v / 16;
  for (int bit = 4; n > 1; ++bit, n /= 2) {
    const __m256i select = _mm256_slli_epi16(leaf, 7 - bit);
    for (std::size_t i = 0; i < n / 2; ++i)
      level[i] = _mm256_blendv_epi8(level[2 * i], level[2 * i + 1], select);
  }
  return level[0];
}

/// The values of the leaves of 32 rows, in lookup order.
template <std::size_t table_v>
inline void leaf_values(const std::uint8_t* table, __m256i leaf, __m256 (&value)[4]) noexcept {
  __m256i byte[4];
  for (std::size_t k = 0; k < 4; ++k) byte[k] = table_bytes<table_v>(table + k * table_v, leaf);
  const __m256i a = _mm256_unpacklo_epi8(byte[0], byte[1]);
  const __m256i b = _mm256_unpackhi_epi8(byte[0], byte[1]);
  const __m256i c = _mm256_unpacklo_epi8(byte[2], byte[3]);
  const __m256i d = _mm256_unpackhi_epi8(byte[2], byte[3]);
  value[0] = _mm256_castsi256_ps(_mm256_unpacklo_epi16(a, c));
  value[1] = _mm256_castsi256_ps(_mm256_unpackhi_epi16(a, c));
  value[2] = _mm256_castsi256_ps(_mm256_unpacklo_epi16(b, d));
  value[3] = _mm256_castsi256_ps(_mm256_unpackhi_epi16(b, d));
}

/// Trees [t0, t1) for halves_v halves of 32 rows (byte columns at q + (h / 2) q_stride + 32 (h %
/// 2)), sums in lookup order at acc + (h / 2) acc_stride + 32 (h % 2) (every output's 64).
template <std::size_t table_v, std::size_t halves_v>
void add_trees(const bitvector_view& v, const std::uint8_t* q, std::size_t q_stride, std::size_t t0,
               std::size_t t1, float* acc, std::size_t acc_stride) noexcept {
  const __m256i zero = _mm256_setzero_si256();
  // Position of a byte's one set bit from each nibble: 1 << i at i (and 0 at 0).
  const __m256i low_position = _mm256_setr_epi8(0, 0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0,
                                                0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0);
  const __m256i high_position = _mm256_setr_epi8(0, 4, 5, 0, 6, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0,
                                                 4, 5, 0, 6, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0);
  for (std::size_t t = t0; t < t1; ++t) {
    const bitvector_entry* e = v.entry + v.entry_begin[t];
    const std::uint16_t* count = v.slice_entries + v.slice_first[t];
    const std::uint32_t slices = v.slice_first[t + 1] - v.slice_first[t];
    // Per row, the first leaf of the last slice taken that still has one, and its byte.
    __m256i first[halves_v], bits[halves_v];
    GROVE_UNROLL_HALVES
    for (std::size_t h = 0; h < halves_v; ++h) first[h] = bits[h] = zero;
    for (std::uint32_t i = 0; i < slices; ++i) {
      __m256i state[halves_v];
      GROVE_UNROLL_HALVES
      for (std::size_t h = 0; h < halves_v; ++h) state[h] = _mm256_cmpeq_epi8(zero, zero);
      for (const bitvector_entry* end = e + count[i]; e != end; ++e) {
        // x >= bin exactly when x ^ 0x80 > (bin - 1) ^ 0x80 as signed bytes (bin >= 1).
        const __m256i bin =
            _mm256_set1_epi32(static_cast<int>((e->bin - 0x01010101u) ^ 0x80808080u));
        const __m256i keep = _mm256_set1_epi32(static_cast<int>(e->keep));
        GROVE_UNROLL_HALVES
        for (std::size_t h = 0; h < halves_v; ++h) {
          const __m256i x = _mm256_load_si256(
              reinterpret_cast<const __m256i*>(q + (h / 2) * q_stride + 32 * (h % 2) + e->column));
          const __m256i cleared = _mm256_andnot_si256(keep, _mm256_cmpgt_epi8(x, bin));
          state[h] = _mm256_andnot_si256(cleared, state[h]);
        }
      }
      const __m256i slice_first = _mm256_set1_epi8(static_cast<char>(8 * (slices - 1 - i)));
      GROVE_UNROLL_HALVES
      for (std::size_t h = 0; h < halves_v; ++h) {
        const __m256i none = _mm256_cmpeq_epi8(state[h], zero);
        first[h] = _mm256_blendv_epi8(slice_first, first[h], none);
        bits[h] = _mm256_blendv_epi8(state[h], bits[h], none);
      }
    }
    __m256i leaf[halves_v];
    GROVE_UNROLL_HALVES
    for (std::size_t h = 0; h < halves_v; ++h) {
      const __m256i lowest = _mm256_and_si256(bits[h], _mm256_sub_epi8(zero, bits[h]));
      const __m256i position = _mm256_or_si256(
          _mm256_shuffle_epi8(low_position, lowest),
          _mm256_shuffle_epi8(high_position, _mm256_and_si256(_mm256_srli_epi16(lowest, 4),
                                                              _mm256_set1_epi8(0x0F))));
      leaf[h] = _mm256_or_si256(first[h], position);
    }
    GROVE_UNROLL_HALVES
    for (std::size_t h = 0; h < halves_v; ++h) {
      __m256 value[4];
      leaf_values<table_v>(v.leaf_byte + t * 4 * table_v, leaf[h], value);
      float* a = acc + (h / 2) * acc_stride + 32 * (h % 2) +
                 static_cast<std::size_t>(v.output[t]) * bitvector_rows;
      for (int m = 0; m < 4; ++m)
        _mm256_store_ps(a + 8 * m, _mm256_add_ps(_mm256_load_ps(a + 8 * m), value[m]));
    }
  }
}

/// bitvector_quantize_fn: the sliced kernel's AVX2 quantization, then every byte's top bit
/// flipped (see add_trees).
inline void quantize(const bitvector_view& v, const float* xt, std::uint8_t* q) noexcept {
  constexpr std::size_t R = bitvector_rows;
  const auto C = static_cast<std::size_t>(v.num_columns);
  for (std::size_t c = 0; c < C; ++c)
    avx2_sliced_ops::quantize_column(v.probe + c * sliced_probe_floats, v.column_levels[c],
                                     xt + c * R, q + c * 2 * R);
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  for (std::size_t i = 0; i < C * 2 * R; i += 32) {
    __m256i* p = reinterpret_cast<__m256i*>(q + i);
    _mm256_store_si256(p, _mm256_xor_si256(_mm256_load_si256(p), flip));
  }
}

template <std::size_t table_v>
void add_blocks(const bitvector_view& v, const std::uint8_t* q, std::size_t blocks, std::size_t t0,
                std::size_t t1, float* acc, std::size_t outputs) noexcept {
  const std::size_t q_stride = static_cast<std::size_t>(v.num_columns) * 2 * bitvector_rows;
  const std::size_t acc_stride = outputs * bitvector_rows;
  std::size_t b = 0;
  for (; b + 2 <= blocks; b += 2)
    add_trees<table_v, halves>(v, q + b * q_stride, q_stride, t0, t1, acc + b * acc_stride,
                               acc_stride);
  if (b < blocks)
    add_trees<table_v, 2>(v, q + b * q_stride, q_stride, t0, t1, acc + b * acc_stride, acc_stride);
}

/// bitvector_trees_fn: the sums go to the order the leaf lookup makes and back.
inline void trees(const bitvector_view& v, const std::uint8_t* q, std::size_t blocks,
                  std::size_t t0, std::size_t t1, float* acc, std::size_t outputs) noexcept {
  for (std::size_t i = 0; i < 2 * blocks * outputs; ++i) to_lookup_order(acc + 32 * i);
  if (v.leaf_table == 64)
    add_blocks<64>(v, q, blocks, t0, t1, acc, outputs);
  else
    add_blocks<bitvector_max_leaves>(v, q, blocks, t0, t1, acc, outputs);
  for (std::size_t i = 0; i < 2 * blocks * outputs; ++i) to_natural_order(acc + 32 * i);
}

}  // namespace bitvector_avx2

}  // namespace grove::kernels::GROVE_TARGET_NAMESPACE
