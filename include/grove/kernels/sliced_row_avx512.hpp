// No include guard: included once inside each target namespace that uses it (see
// kernels/target_*.hpp).
//
/// @file
/// The one-row sliced kernel (AVX-512; compile/sliced_forest.hpp). A single row is quantized
/// once, two 16-float compares per column, into two registers: with AVX-512 VBMI 2 x 64 bytes
/// (each column with missing -> 0 and missing -> 255), and one byte permute (vpermi2b) plus one
/// byte compare evaluate 64 nodes; with AVX-512 BW alone (Skylake-SP, Cascade Lake) 64 16-bit
/// words, and two word permutes (vpermi2w), two XORs and two word compares do. 64 nodes are a
/// whole padded tree of depth 6, two of depth 5, four of depth 4. The compare bits of 16 trees
/// (8 of depth 6) go to one vector, a tree per lane, where their paths walk down the levels
/// together; each path indexes its tree's leaf table. No load depends on a node's outcome but
/// the leaf's, so the trees' work overlaps freely, where a group walk reads each step's next
/// group only once the step before has found it.

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "grove/kernels/sliced.hpp"
#include "grove/kernels/attributes.hpp"

// gcc 12 implements some 512-bit intrinsics with an "undefined" operand that
// -W(maybe-)uninitialized reports once they are inlined here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace grove::kernels::GROVE_TARGET_NAMESPACE {

namespace sliced_row_detail {

/// A column's bin, #{thresholds <= x}, counted with two compares of 16 (tables of
/// compile::row_bin_tables): every 16th threshold gives the 16 that hold the boundary, which are
/// counted. NaN is <= nothing (bin 0); +inf is <= the +inf padding too, so bins stop at
/// `max_bin` (at least the column's threshold count, so still above every split's bin - 1).
inline unsigned column_bin(const float* row_bound, const float* row_threshold,
                           std::size_t column, float x, unsigned max_bin) noexcept {
  const __m512 value = _mm512_set1_ps(x);
  const unsigned coarse = static_cast<unsigned>(__builtin_popcount(
      _mm512_cmp_ps_mask(_mm512_load_ps(row_bound + 16 * column), value, _CMP_LE_OQ)));
  const unsigned block = coarse - (coarse != 0);
  const float* sorted = row_threshold + column * sliced_probe_floats + 16 * block;
  const unsigned fine = static_cast<unsigned>(__builtin_popcount(
      _mm512_cmp_ps_mask(_mm512_load_ps(sorted), value, _CMP_LE_OQ)));
  const unsigned bin = 16 * block + fine;
  return bin < max_bin ? bin : max_bin;
}

inline unsigned column_bin(const sliced_view& v, std::size_t column, float x) noexcept {
  return column_bin(v.row_bound, v.row_threshold, column, x, 255u);
}

}  // namespace sliced_row_detail

#if defined(__AVX512VBMI__)
/// Nodes as bytes (AVX-512 VBMI): the row is q[2 c] = bin of column c, missing -> 0, and
/// q[2 c + 1] the same with missing -> 255 (bytes past the columns 0); node n reads byte
/// node_byte[n] (2 c + default right) and goes right when it is >= node_bin[n].
struct byte_nodes {
  static void quantize(const sliced_view& v, const float* x, __m512i& lo, __m512i& hi) noexcept {
    alignas(64) std::uint8_t q[2 * sliced_row_max_columns] = {};
    for (std::int32_t c = 0; c < v.num_columns; ++c) {
      const auto column = static_cast<std::size_t>(c);
      const unsigned bin = sliced_row_detail::column_bin(v, column, x[c]);
      q[2 * column] = static_cast<std::uint8_t>(bin);
      q[2 * column + 1] = static_cast<std::uint8_t>(x[c] != x[c] ? 255u : bin);
    }
    lo = _mm512_load_si512(q);
    hi = _mm512_load_si512(q + 64);
  }

  /// The "goes right" bits of the 64 nodes at node offset n.
  static std::uint64_t compare64(const sliced_view& v, __m512i lo, __m512i hi,
                                 std::size_t n) noexcept {
    const __m512i bytes = _mm512_permutex2var_epi8(lo, _mm512_loadu_si512(v.node_byte + n), hi);
    return _cvtmask64_u64(_mm512_cmpge_epu8_mask(bytes, _mm512_loadu_si512(v.node_bin + n)));
  }
};
#endif

/// Nodes as 16-bit words (AVX-512 BW): the row is w[c] = bin of column c, or 0x8000 when
/// missing. Node n reads word node_word[n] & 63 (its column) and flips its bit 15 when bit 15 of
/// node_word[n] is set (missing goes left); it goes right when the result is >= node_word_bin[n]
/// (the bin, with bit 15 flipped the same way). So a missing value is 0x8000 against a bin below
/// 256 where it goes right, 0 against a bin above 0x8000 where it goes left; other values keep
/// their order either way.
struct word_nodes {
  static void quantize(const sliced_view& v, const float* x, __m512i& lo, __m512i& hi) noexcept {
    alignas(64) std::uint16_t w[sliced_row_max_columns] = {};
    for (std::int32_t c = 0; c < v.num_columns; ++c) {
      const auto column = static_cast<std::size_t>(c);
      w[column] = static_cast<std::uint16_t>(
          x[c] != x[c] ? 0x8000u : sliced_row_detail::column_bin(v, column, x[c]));
    }
    lo = _mm512_load_si512(w);
    hi = _mm512_load_si512(w + 32);
  }

  /// The "goes right" bits of the 32 nodes at node offset n.
  static std::uint32_t compare32(const sliced_view& v, __m512i lo, __m512i hi,
                                 std::size_t n) noexcept {
    const __m512i at = _mm512_loadu_si512(v.node_word + n);
    const __m512i words = _mm512_permutex2var_epi16(lo, at, hi);
    constexpr int xor_and = 0x78;  // ternary logic: a ^ (b & c), here words ^ (at & 0x8000)
    const __m512i flipped =
        _mm512_ternarylogic_epi32(words, at, _mm512_set1_epi16(-0x8000), xor_and);
    return _cvtmask32_u32(
        _mm512_cmpge_epu16_mask(flipped, _mm512_loadu_si512(v.node_word_bin + n)));
  }

  static std::uint64_t compare64(const sliced_view& v, __m512i lo, __m512i hi,
                                 std::size_t n) noexcept {
    return compare32(v, lo, hi, n) | std::uint64_t{compare32(v, lo, hi, n + 32)} << 32;
  }
};

/// The kernel on one node form (byte_nodes or word_nodes).
template <class nodes_t>
struct sliced_row_avx512 {
  /// Adds tree t's leaf (its path: h - 2^depth, h the heap index reached) to its sum.
  static void add_leaf(const sliced_view& v, std::size_t t, std::size_t path, float& sum,
                       float* acc) noexcept {
    const float value = v.leaf[t * v.leaves_per_tree + path];
    if (v.single_output)
      sum += value;
    else
      acc[v.output[t]] += value;
  }

  /// Word i of compare_words: the bits of the 64 nodes at n + 64 i, or 0 past `words`.
  template <int words, int i>
  static long long compare_word(const sliced_view& v, __m512i lo, __m512i hi,
                                std::size_t n) noexcept {
    if constexpr (i < words)
      return static_cast<long long>(nodes_t::compare64(v, lo, hi, n + 64 * i));
    else
      return 0;
  }

  /// The "goes right" bits of the 64 x `words` (2, 4 or 8) nodes from node offset n, 64 per
  /// 64-bit lane, the upper lanes zero. The words go to the vector through registers: stored
  /// and loaded as one vector, a load that cannot be forwarded from the stores waits for them
  /// to leave the core.
  template <int words>
  static __m512i compare_words(const sliced_view& v, __m512i lo, __m512i hi,
                               std::size_t n) noexcept {
    return _mm512_set_epi64(
        compare_word<words, 7>(v, lo, hi, n), compare_word<words, 6>(v, lo, hi, n),
        compare_word<words, 5>(v, lo, hi, n), compare_word<words, 4>(v, lo, hi, n),
        compare_word<words, 3>(v, lo, hi, n), compare_word<words, 2>(v, lo, hi, n),
        compare_word<words, 1>(v, lo, hi, n), compare_word<words, 0>(v, lo, hi, n));
  }

  /// Trees [t0, t1) of depth_v (3 to 5) levels, 16 at a time: their compare bits, one tree
  /// per 32-bit lane, walk down the levels together (h = 2 h + bit h: three ops per level for
  /// 16 trees), then each tree's leaf is added in order.
  template <int depth_v>
  static void add_trees16(const sliced_view& v, __m512i lo, __m512i hi, std::size_t t0,
                          std::size_t t1, float* acc) noexcept {
    constexpr std::size_t nodes = std::size_t{1} << depth_v;
    alignas(64) std::uint32_t heap[16];
    const __m512i one = _mm512_set1_epi32(1);
    float sum = acc[0];
    for (std::size_t t = t0; t < t1; t += 16) {
      __m512i bits;
      // 16 trees' nodes fill 16 x 2^depth_v / 64 words; each tree's bits widen to a lane.
      const __m512i words = compare_words<(16 << depth_v) / 64>(v, lo, hi, t * nodes);
      if constexpr (depth_v == 5)
        bits = words;
      else if constexpr (depth_v == 4)
        bits = _mm512_cvtepu16_epi32(_mm512_castsi512_si256(words));
      else
        bits = _mm512_cvtepu8_epi32(_mm512_castsi512_si128(words));
      __m512i h = one;
      for (int l = 0; l < depth_v; ++l)
        h = _mm512_ternarylogic_epi32(_mm512_add_epi32(h, h), _mm512_srlv_epi32(bits, h), one,
                                      0xF8);  // a | (b & c)
      _mm512_store_si512(heap, h);
      const std::size_t count = t1 - t < 16 ? t1 - t : 16;
      for (std::size_t j = 0; j < count; ++j) add_leaf(v, t + j, heap[j] - nodes, sum, acc);
    }
    if (v.single_output) acc[0] = sum;
  }

  /// Trees [t0, t1) of 6 levels, 8 at a time, one per 64-bit lane.
  static void add_trees8(const sliced_view& v, __m512i lo, __m512i hi, std::size_t t0,
                         std::size_t t1, float* acc) noexcept {
    alignas(64) std::uint64_t heap[8];
    const __m512i one = _mm512_set1_epi64(1);
    float sum = acc[0];
    for (std::size_t t = t0; t < t1; t += 8) {
      const __m512i bits = compare_words<8>(v, lo, hi, t * 64);
      __m512i h = one;
      for (int l = 0; l < 6; ++l)
        h = _mm512_ternarylogic_epi64(_mm512_add_epi64(h, h), _mm512_srlv_epi64(bits, h), one,
                                      0xF8);
      _mm512_store_si512(heap, h);
      const std::size_t count = t1 - t < 8 ? t1 - t : 8;
      for (std::size_t j = 0; j < count; ++j) add_leaf(v, t + j, heap[j] - 64, sum, acc);
    }
    if (v.single_output) acc[0] = sum;
  }

  /// Trees [t0, t1) of depth_v (7 or 8) levels, one at a time, in integer registers: a tree's
  /// 128 or 256 nodes are 2 or 4 compare words, and heap index h sits in word h / 64 (levels
  /// 0-5 in word 0, level 6 in word 1, level 7 in word 2 or 3, picked without a branch). No
  /// branch depends on the row, so the core runs several trees' paths at once. Walking 8
  /// trees together in vectors instead, as add_trees8 does, gains nothing: the time goes to
  /// reading a tree's 8 lines of node bytes and bins.
  template <int depth_v>
  static void add_trees_deep(const sliced_view& v, __m512i lo, __m512i hi, std::size_t t0,
                             std::size_t t1, float* acc) noexcept {
    constexpr std::size_t nodes = std::size_t{1} << depth_v;
    float sum = acc[0];
    for (std::size_t t = t0; t < t1; ++t) {
      const std::size_t n = t * nodes;
      const std::uint64_t top = nodes_t::compare64(v, lo, hi, n);
      std::uint64_t h = 1;
      for (int l = 0; l < 6; ++l) h = 2 * h + ((top >> h) & 1);
      h = 2 * h + ((nodes_t::compare64(v, lo, hi, n + 64) >> (h & 63)) & 1);
      if constexpr (depth_v == 8) {
        const std::uint64_t low = nodes_t::compare64(v, lo, hi, n + 128);
        const std::uint64_t high = nodes_t::compare64(v, lo, hi, n + 192);
        const std::uint64_t word = low ^ ((low ^ high) & (0 - ((h >> 6) & 1)));
        h = 2 * h + ((word >> (h & 63)) & 1);
      }
      add_leaf(v, t, h - nodes, sum, acc);
    }
    if (v.single_output) acc[0] = sum;
  }

  /// Trees [t0, t1) of depth_v (1 or 2) levels: 64 / 2^depth_v of them per 64 compares, each
  /// path walked in integer registers.
  template <int depth_v>
  static void add_trees(const sliced_view& v, __m512i lo, __m512i hi, std::size_t t0,
                        std::size_t t1, float* acc) noexcept {
    constexpr std::size_t nodes = std::size_t{1} << depth_v;
    constexpr std::size_t per = 64 / nodes;
    float sum = acc[0];
    for (std::size_t t = t0; t < t1; t += per) {
      const std::uint64_t right = nodes_t::compare64(v, lo, hi, t * nodes);
      const std::size_t count = t1 - t < per ? t1 - t : per;
      for (std::size_t j = 0; j < count; ++j) {
        // Node h's bit is bit h of the tree's 2^depth_v; children of h: 2 h (left), 2 h + 1.
        const std::uint64_t bits = right >> (j * nodes);
        std::size_t h = 1;
        for (int l = 0; l < depth_v; ++l) h = 2 * h + ((bits >> h) & 1);
        add_leaf(v, t + j, h - nodes, sum, acc);
      }
    }
    if (v.single_output) acc[0] = sum;
  }

  static void run(const sliced_view& v, const float* x, std::size_t t0, std::size_t t1,
                  float* acc) noexcept {
    __m512i lo, hi;
    nodes_t::quantize(v, x, lo, hi);
    switch (v.depth) {
      case 1: add_trees<1>(v, lo, hi, t0, t1, acc); break;
      case 2: add_trees<2>(v, lo, hi, t0, t1, acc); break;
      case 3: add_trees16<3>(v, lo, hi, t0, t1, acc); break;
      case 4: add_trees16<4>(v, lo, hi, t0, t1, acc); break;
      case 5: add_trees16<5>(v, lo, hi, t0, t1, acc); break;
      case 6: add_trees8(v, lo, hi, t0, t1, acc); break;
      case 7: add_trees_deep<7>(v, lo, hi, t0, t1, acc); break;
      default: add_trees_deep<8>(v, lo, hi, t0, t1, acc); break;
    }
  }
};

#if defined(__AVX512VBMI__)
/// The byte form, built for VBMI: flatten inlines the whole kernel here, so the byte compares
/// are inlined too (a function built for fewer features cannot inline them).
GROVE_FLATTEN inline void sliced_row_bytes(const sliced_view& v, const float* x, std::size_t t0,
                                           std::size_t t1, float* acc) noexcept {
  sliced_row_avx512<byte_nodes>::run(v, x, t0, t1, acc);
}
#endif

GROVE_FLATTEN inline void sliced_row_words(const sliced_view& v, const float* x,
                                           std::size_t t0, std::size_t t1, float* acc) noexcept {
  sliced_row_avx512<word_nodes>::run(v, x, t0, t1, acc);
}

}  // namespace grove::kernels::GROVE_TARGET_NAMESPACE

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
