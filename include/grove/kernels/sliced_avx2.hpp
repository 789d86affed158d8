// No include guard: included once inside each target namespace that uses it (see
// kernels/target_*.hpp).
//
/// @file
/// The AVX2 sliced kernel: the same evaluation as kernels/sliced_avx512.hpp with 256-bit
/// vectors. A node's 64 rows are two 32-byte halves, each compared as max(x, bin) == x (AVX2 has
/// no unsigned byte compare) and turned into 32 bits by vpmovmskb; the binary search runs 8 rows
/// per vector (probes of levels 0-3 by vpermps, deeper ones gathered); path bits become bytes by
/// a shuffle and a compare per level, and leaves are gathered from the tree's table.

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "grove/kernels/sliced.hpp"

namespace grove::kernels::GROVE_TARGET_NAMESPACE {

/// The AVX2 halves of the kernel, for sliced_detail::run_block.
struct avx2_sliced_ops {
  /// One binary search level for 8 rows: b = 2b + (x >= probe); NaN compares false.
  static __m256i search_step(__m256 x, __m256 probe, __m256i b) noexcept {
    const __m256i ge = _mm256_castps_si256(_mm256_cmp_ps(x, probe, _CMP_GE_OQ));  // -1 or 0
    return _mm256_sub_epi32(_mm256_add_epi32(b, b), ge);
  }

  /// The low byte of each of the 8 lanes, in the low 8 bytes.
  static __m128i low_bytes(__m256i v) noexcept {
    const __m256i pick =
        _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12,
                         -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, pick),
                                                       _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
    return _mm256_castsi256_si128(packed);
  }

  /// Column c of the block (64 floats at x) into its two byte columns at q (see the AVX-512 one).
  static void quantize_column(const float* probe, int levels, const float* x,
                              std::uint8_t* q) noexcept {
    for (int k = 0; k < 8; ++k) {
      const __m256 v = _mm256_load_ps(x + 8 * k);
      __m256i b = search_step(v, _mm256_set1_ps(probe[1]), _mm256_setzero_si256());
      for (int l = 1; l < levels && l < 4; ++l)
        b = search_step(v, _mm256_permutevar8x32_ps(_mm256_loadu_ps(probe + (1 << l)), b), b);
      for (int l = 4; l < levels; ++l)
        b = search_step(v, _mm256_i32gather_ps(probe + (1 << l), b, 4), b);
      const __m128i bins = low_bytes(b);
      const __m128i missing =
          low_bytes(_mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)));  // 255 on NaN
      _mm_storel_epi64(reinterpret_cast<__m128i*>(q + 8 * k), bins);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(q + sliced_rows + 8 * k),
                       _mm_or_si128(bins, missing));  // a missing value's bin is 0
    }
  }

  /// "Goes right" bits of node `heap` for the 64 rows: x >= bin as max(x, bin) == x, per half.
  static std::uint64_t goes_right(const std::uint8_t* q, const std::uint16_t* column,
                                  const std::uint8_t* bin, std::size_t heap) noexcept {
    // Keeps gcc from hoisting every node's loads to the top of the tree (see the AVX-512 kernel).
    __asm__ volatile("" ::: "memory");
    const __m256i b = _mm256_set1_epi8(static_cast<char>(bin[heap]));
    const __m256i lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(q + column[heap]));
    const __m256i hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(q + column[heap] + 32));
    const auto low = static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(lo, b), lo)));
    const auto high = static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(hi, b), hi)));
    return low | static_cast<std::uint64_t>(high) << 32;
  }

  /// 32 row bits -> 32 bytes, `value` where the bit is set, else 0.
  static __m256i bits_to_bytes(std::uint32_t bits, __m256i value) noexcept {
    const __m256i spread =
        _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                            _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2,
                                             2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i select = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, select), select), value);
  }

  template <int depth_v>
  static void add_trees(const sliced_view& v, const std::uint8_t* q, std::size_t t0, std::size_t t1,
                        float* acc) noexcept {
    alignas(32) std::uint8_t path[sliced_rows];
    for (std::size_t t = t0; t < t1; ++t) {
      std::uint64_t bits[depth_v];
      sliced_detail::tree_path_bits<avx2_sliced_ops>(v, t, q, bits);
      for (int half = 0; half < 2; ++half) {
        __m256i p = _mm256_setzero_si256();
        for (int l = 0; l < depth_v; ++l)
          p = _mm256_or_si256(
              p, bits_to_bytes(static_cast<std::uint32_t>(bits[l] >> (32 * half)),
                               _mm256_set1_epi8(static_cast<char>(1 << (depth_v - 1 - l)))));
        _mm256_store_si256(reinterpret_cast<__m256i*>(path + 32 * half), p);
      }
      const float* leaf = v.leaf + t * v.leaves_per_tree;
      float* a = acc + static_cast<std::size_t>(v.output[t]) * sliced_rows;
      for (int k = 0; k < 8; ++k) {
        const __m256i index =
            _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(path + 8 * k)));
        _mm256_store_ps(a + 8 * k, _mm256_add_ps(_mm256_load_ps(a + 8 * k),
                                                 _mm256_i32gather_ps(leaf, index, 4)));
      }
    }
  }
};

}  // namespace grove::kernels::GROVE_TARGET_NAMESPACE
