// No include guard: included once inside each target namespace that uses it (see
// kernels/target_*.hpp).
//
/// @file
/// The AVX-512 BW sliced kernel (compile/sliced_forest.hpp): a block of 64 rows is first
/// quantized to byte columns (a binary search over each feature's thresholds, 16 rows per
/// vector, its probes picked by permutes), then every tree is evaluated for all 64 rows at once:
/// per node one byte compare gives the 64 rows' "goes right" bits (a 64-bit mask), and each
/// level's path bit is picked from its nodes' masks by the path bits above it (multiplexers on
/// 64-bit integers: three integer ops per node). The path indexes the tree's leaf table
/// (permutes again) and the leaf is added to the row's sum. No load depends on a previous
/// load's value and every compare is independent, so many nodes are in flight at once. The
/// multiplexers take one mask-register op per node fewer than masks of the rows reaching each
/// node would; a node's bin is broadcast from its byte (64-byte vectors of bins do not stay in
/// L2).

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "grove/kernels/sliced.hpp"

// gcc 12 implements some 512-bit intrinsics with an "undefined" operand that
// -Wmaybe-uninitialized reports once they are inlined here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace grove::kernels::GROVE_TARGET_NAMESPACE {

/// The AVX-512 halves of the kernel, for sliced_detail::run_block.
struct avx512bw_sliced_ops {
  /// One binary search level for 16 rows: b = 2b + (x >= probe); NaN compares false.
  static __m512i search_step(__m512 x, __m512 probe, __m512i b) noexcept {
    const __m512i twice = _mm512_add_epi32(b, b);
    return _mm512_mask_sub_epi32(twice, _mm512_cmp_ps_mask(x, probe, _CMP_GE_OQ), twice,
                                 _mm512_set1_epi32(-1));
  }

  /// Probe of level l (6 or 7: 64 or 128 entries) for each lane's b, from four or eight
  /// 16-float vectors at p: two-source permutes pick within 32 entries, blends on b's bits 5, 6.
  static __m512 probe64(const float* p, __m512i b) noexcept {
    const __m512 lo = _mm512_permutex2var_ps(_mm512_load_ps(p), b, _mm512_load_ps(p + 16));
    const __m512 hi = _mm512_permutex2var_ps(_mm512_load_ps(p + 32), b, _mm512_load_ps(p + 48));
    return _mm512_mask_blend_ps(_mm512_test_epi32_mask(b, _mm512_set1_epi32(32)), lo, hi);
  }

  /// Quantizes n_v columns of the block, all of `levels` search levels (column i: its probes
  /// at probe[i], 64 floats at x[i]), each into its two byte columns at q[i]: missing -> 0 in
  /// the first (default left), 255 in the second (default right). Each level waits for the
  /// one before, so columns searched together keep more compares in flight.
  template <int n_v>
  static void quantize_columns(const float* const* probe, int levels, const float* const* x,
                               std::uint8_t* const* q) noexcept {
    __m512 v[n_v][4];
    __m512i b[n_v][4];
    for (int i = 0; i < n_v; ++i)
      for (int k = 0; k < 4; ++k) {
        v[i][k] = _mm512_load_ps(x[i] + 16 * k);
        b[i][k] = _mm512_setzero_si512();
      }
    // Level l's probes start at probe + 2^l; the search runs `levels` levels (1..8).
    for (int i = 0; i < n_v; ++i) {
      const __m512 level0 = _mm512_set1_ps(probe[i][1]);
      for (int k = 0; k < 4; ++k) b[i][k] = search_step(v[i][k], level0, b[i][k]);
    }
    for (int l = 1; l < levels && l < 5; ++l)
      for (int i = 0; i < n_v; ++i) {
        const __m512 table = _mm512_loadu_ps(probe[i] + (1 << l));
        for (int k = 0; k < 4; ++k)
          b[i][k] = search_step(v[i][k], _mm512_permutexvar_ps(b[i][k], table), b[i][k]);
      }
    if (levels > 5)
      for (int i = 0; i < n_v; ++i) {
        const __m512 t0 = _mm512_load_ps(probe[i] + 32), t1 = _mm512_load_ps(probe[i] + 48);
        for (int k = 0; k < 4; ++k)
          b[i][k] = search_step(v[i][k], _mm512_permutex2var_ps(t0, b[i][k], t1), b[i][k]);
      }
    if (levels > 6)
      for (int i = 0; i < n_v; ++i)
        for (int k = 0; k < 4; ++k)
          b[i][k] = search_step(v[i][k], probe64(probe[i] + 64, b[i][k]), b[i][k]);
    if (levels > 7)
      for (int i = 0; i < n_v; ++i)
        for (int k = 0; k < 4; ++k) {
          const __m512 lo = probe64(probe[i] + 128, b[i][k]);
          const __m512 hi = probe64(probe[i] + 192, b[i][k]);
          const __m512 p =
              _mm512_mask_blend_ps(_mm512_test_epi32_mask(b[i][k], _mm512_set1_epi32(64)), lo, hi);
          b[i][k] = search_step(v[i][k], p, b[i][k]);
        }
    for (int i = 0; i < n_v; ++i)
      for (int k = 0; k < 4; ++k) {
        // The zero-masked form (every lane kept: the same vpmovdb): GCC 12's unmasked one passes
        // _mm_undefined_si128() and trips its own -Wuninitialized under -Wall -Werror.
        const __m128i bins = _mm512_maskz_cvtepi32_epi8(0xFFFF, b[i][k]);
        const __mmask16 missing = _mm512_cmp_ps_mask(v[i][k], v[i][k], _CMP_UNORD_Q);
        _mm_store_si128(reinterpret_cast<__m128i*>(q[i] + 16 * k), bins);
        _mm_store_si128(reinterpret_cast<__m128i*>(q[i] + sliced_rows + 16 * k),
                        _mm_mask_mov_epi8(bins, missing, _mm_set1_epi8(-1)));
      }
  }

  /// Quantizes column c of the block (64 floats at x) into its two byte columns at q.
  static void quantize_column(const float* probe, int levels, const float* x,
                              std::uint8_t* q) noexcept {
    quantize_columns<1>(&probe, levels, &x, &q);
  }

  /// "Goes right" bits of node `heap` for the 64 rows (no reach: every row compares).
  static std::uint64_t goes_right(const std::uint8_t* q, const std::uint16_t* column,
                                  const std::uint8_t* bin, std::size_t heap) noexcept {
    // Keeps gcc from hoisting every node's loads to the top of the tree, where their vectors
    // spill.
    __asm__ volatile("" ::: "memory");
    const __m512i x = _mm512_load_si512(q + column[heap]);
    return _cvtmask64_u64(
        _mm512_cmpge_epu8_mask(x, _mm512_set1_epi8(static_cast<char>(bin[heap]))));
  }

  /// The leaves of rows [16 k, 16 k + 16) given their paths (bytes of `path`).
  template <int depth_v>
  static __m512 leaves16(const float* leaf, __m512i path, std::uint64_t root_bits, int k) noexcept {
    __m128i part;
    switch (k) {
      case 0:
        part = _mm512_extracti32x4_epi32(path, 0);
        break;
      case 1:
        part = _mm512_extracti32x4_epi32(path, 1);
        break;
      case 2:
        part = _mm512_extracti32x4_epi32(path, 2);
        break;
      default:
        part = _mm512_extracti32x4_epi32(path, 3);
        break;
    }
    const __m512i i = _mm512_cvtepu8_epi32(part);
    if constexpr (depth_v <= 4) {
      return _mm512_permutexvar_ps(i, _mm512_load_ps(leaf));
    } else if constexpr (depth_v == 5) {
      return _mm512_permutex2var_ps(_mm512_load_ps(leaf), i, _mm512_load_ps(leaf + 16));
    } else {
      const __m512 lo = _mm512_permutex2var_ps(_mm512_load_ps(leaf), i, _mm512_load_ps(leaf + 16));
      const __m512 hi =
          _mm512_permutex2var_ps(_mm512_load_ps(leaf + 32), i, _mm512_load_ps(leaf + 48));
      // Path bit 5 is the root's: its mask is the rows' bit, 16 per chunk.
      return _mm512_mask_blend_ps(static_cast<__mmask16>(root_bits >> (16 * k)), lo, hi);
    }
  }

  template <int depth_v>
  static void add_trees(const sliced_view& v, const std::uint8_t* q, std::size_t t0, std::size_t t1,
                        float* acc) noexcept {
    __m512 sum[4] = {};
    if (v.single_output)
      for (int k = 0; k < 4; ++k) sum[k] = _mm512_load_ps(acc + 16 * k);
    for (std::size_t t = t0; t < t1; ++t) {
      std::uint64_t bits[depth_v];
      sliced_detail::tree_path_bits<avx512bw_sliced_ops>(v, t, q, bits);
      __m512i path = _mm512_setzero_si512();
      for (int l = 0; l < depth_v; ++l)
        path = _mm512_mask_add_epi8(path, bits[l], path,
                                    _mm512_set1_epi8(static_cast<char>(1 << (depth_v - 1 - l))));
      const float* leaf = v.leaf + t * v.leaves_per_tree;
      if (v.single_output) {
        for (int k = 0; k < 4; ++k)
          sum[k] = _mm512_add_ps(sum[k], leaves16<depth_v>(leaf, path, bits[0], k));
      } else {
        float* a = acc + static_cast<std::size_t>(v.output[t]) * sliced_rows;
        for (int k = 0; k < 4; ++k)
          _mm512_store_ps(a + 16 * k, _mm512_add_ps(_mm512_load_ps(a + 16 * k),
                                                    leaves16<depth_v>(leaf, path, bits[0], k)));
      }
    }
    if (v.single_output)
      for (int k = 0; k < 4; ++k) _mm512_store_ps(acc + 16 * k, sum[k]);
  }
};

}  // namespace grove::kernels::GROVE_TARGET_NAMESPACE

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
