// No include guard: included once inside each target namespace that uses it (see
// kernels/target_*.hpp).
//
/// @file
/// AVX-512 group evaluation (needs AVX-512 F, BW, DQ, VL): the first 32, 64 or 128 feature slots
/// of a row live in 2, 4 or 8 zmm registers and each group picks its values with two-source
/// permutes (vpermi2ps); groups using a slot beyond those gather instead. One compare gives the
/// "goes right" mask with NaN sent right; lanes whose missing values go left clear it again.

#include <immintrin.h>

#include "grove/kernels/walk.hpp"

#if !defined(__AVX512F__) || !defined(__AVX512VL__) || !defined(__AVX512BW__) || \
    !defined(__AVX512DQ__)
#error "grove/kernels/avx512.hpp needs -mavx512f -mavx512vl -mavx512bw -mavx512dq"
#endif

// gcc 12 implements the 256/512-bit casts and zero extensions of its intrinsics with an
// "undefined" operand that -Wmaybe-uninitialized reports once they are inlined here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace grove::kernels::GROVE_TARGET_NAMESPACE {

/// The lanes of `lanes` whose (non-missing) value's category is in the lane's set:
/// category_in_set for 16 lanes, false for NaN. vcvttps2dq truncates toward zero and gives
/// 0x80000000 for NaN, +-inf and values of 2^31 or more; shifted right unsigned, that and every
/// negative code land beyond any set's words (a set's last word is below 2^19), as do codes of
/// 2^24 or more. Values in (-1, 0), which truncate to code 0, fail the ordered `x >= 0`
/// (-0.0 passes: it is code 0). `word0` / `word1`: the lanes' words, or for the lanes of
/// `pooled` where their words start in the pool and how many there are; only pooled lanes in
/// range gather a word, and only when there are any.
inline __mmask16 category_in_set16(__m512 value, __m512i first, __m512i word0, __m512i word1,
                                   __mmask16 lanes, __mmask16 pooled,
                                   const std::int32_t* words) noexcept {
  const __m512i code = _mm512_maskz_cvttps_epi32(0xFFFF, value);  // maskz: see root_step
  const __m512i at = _mm512_sub_epi32(_mm512_srli_epi32(code, 5), first);
  const __mmask16 valid = lanes & _mm512_cmp_ps_mask(value, _mm512_setzero_ps(), _CMP_GE_OQ);
  const __m512i one = _mm512_set1_epi32(1);
  __mmask16 in_range = _mm512_mask_cmple_epu32_mask(valid & ~pooled, at, one);
  __m512i word = _mm512_mask_mov_epi32(word0, _mm512_cmpeq_epi32_mask(at, one), word1);
  if (pooled != 0) {
    const __mmask16 gather = _mm512_mask_cmplt_epu32_mask(valid & pooled, at, word1);
    word = _mm512_mask_i32gather_epi32(word, gather, _mm512_add_epi32(word0, at), words, 4);
    in_range |= gather;
  }
  // vprolvd rotates by the count modulo 32: bit code % 32.
  return _mm512_mask_test_epi32_mask(in_range, word, _mm512_rolv_epi32(one, code));
}

/// category_in_set16 for 8 lanes (a D = 3 group): the gather of 8 words.
inline __mmask8 category_in_set8(__m256 value, __m256i first, __m256i word0, __m256i word1,
                                 __mmask8 lanes, __mmask8 pooled,
                                 const std::int32_t* words) noexcept {
  const __m256i code = _mm256_maskz_cvttps_epi32(0xFF, value);
  const __m256i at = _mm256_sub_epi32(_mm256_srli_epi32(code, 5), first);
  const __mmask8 valid = lanes & _mm256_cmp_ps_mask(value, _mm256_setzero_ps(), _CMP_GE_OQ);
  const __m256i one = _mm256_set1_epi32(1);
  __mmask8 in_range = _mm256_mask_cmple_epu32_mask(valid & ~pooled, at, one);
  __m256i word = _mm256_mask_mov_epi32(word0, _mm256_cmpeq_epi32_mask(at, one), word1);
  if (pooled != 0) {
    const __mmask8 gather = _mm256_mask_cmplt_epu32_mask(valid & pooled, at, word1);
    word = _mm256_mmask_i32gather_epi32(word, gather, _mm256_add_epi32(word0, at), words, 4);
    in_range |= gather;
  }
  return _mm256_mask_test_epi32_mask(in_range, word, _mm256_rolv_epi32(one, code));
}

/// A row's first slots in registers: 32 (two zmm), 64 (four) or 128 (eight) for row width
/// index `width_v` 0, 1, 2; slot_stride is at least that many floats.
template <int width_v>
struct resident_row {
  static constexpr int registers = 2 << width_v;
  __m512 r[registers];
  static resident_row load(const float* x) noexcept {
    resident_row row;
#pragma GCC unroll 8
    for (int i = 0; i < registers; ++i) row.r[i] = _mm512_loadu_ps(x + 16 * i);
    return row;
  }
  bool may_have_nan() const noexcept {
    __mmask16 m = 0;
#pragma GCC unroll 8
    for (int i = 0; i < registers; ++i) m |= _mm512_cmp_ps_mask(r[i], r[i], _CMP_UNORD_Q);
    return m != 0;
  }
  /// Lane l gets slot idx[l] (< 32 << width_v; larger indices give an unspecified value).
  /// vpermi2ps reads only the low 5 index bits, so every pair uses the same index vector; bits
  /// 5 and 6 then choose between the pairs' results.
  __m512 pick(__m512i idx) const noexcept {
    const __m512 p01 = _mm512_permutex2var_ps(r[0], idx, r[1]);
    if constexpr (width_v == 0) {
      return p01;
    } else {
      const __mmask16 bit5 = _mm512_test_epi32_mask(idx, _mm512_set1_epi32(32));
      const __m512 p03 = _mm512_mask_mov_ps(p01, bit5, _mm512_permutex2var_ps(r[2], idx, r[3]));
      if constexpr (width_v == 1) {
        return p03;
      } else {
        const __m512 p47 = _mm512_mask_mov_ps(_mm512_permutex2var_ps(r[4], idx, r[5]), bit5,
                                              _mm512_permutex2var_ps(r[6], idx, r[7]));
        return _mm512_mask_mov_ps(p03, _mm512_test_epi32_mask(idx, _mm512_set1_epi32(64)), p47);
      }
    }
  }
};

/// One group of D = 3 (8 lanes, one ymm worth of data; upper lanes zero-masked) or D = 4
/// (16 lanes): pick the lanes' values from the resident row (or gather them when the group
/// uses a slot beyond it), apply categorical sets, compare, send NaN to its default side.
template <int depth_v, int width_v, bool categorical_v>
struct group_eval<arch, depth_v, width_v, categorical_v> {
  static constexpr __mmask16 lanes = depth_v == 3 ? 0xFF : 0xFFFF;
  using state = resident_row<width_v>;
  static state load(const float* x) noexcept { return state::load(x); }
  /// Only the resident slots are checked: a group that gathers always maps NaN.
  static bool may_have_nan(const state& s, const float*) noexcept { return s.may_have_nan(); }
  /// A group's per-lane words (groups are 32 or 64 bytes, aligned), zero above for D = 3.
  static __m512i load_lanes(const std::int32_t* p) noexcept {
    if constexpr (depth_v == 3)
      return _mm512_zextsi256_si512(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
    else
      return _mm512_load_si512(p);
  }
  /// `!(x < t)` for lanes 0 .. W - 2, so NaN goes right; D = 3 compares the low 256 bits only.
  static unsigned compare(__m512 value, const float* threshold) noexcept {
    if constexpr (depth_v == 3)
      return _mm256_mask_cmp_ps_mask(0x7F, _mm512_castps512_ps256(value),
                                     _mm256_load_ps(threshold), _CMP_NLT_UQ);
    else
      return _mm512_mask_cmp_ps_mask(0x7FFF, value, _mm512_load_ps(threshold), _CMP_NLT_UQ);
  }
  /// The lanes holding NaN.
  static unsigned missing(__m512 value) noexcept {
    if constexpr (depth_v == 3)
      return _mm256_cmp_ps_mask(_mm512_castps512_ps256(value), _mm512_castps512_ps256(value),
                                _CMP_UNORD_Q);
    else
      return _mm512_cmp_ps_mask(value, value, _CMP_UNORD_Q);
  }
  /// The categorical lanes (`lanes`) whose value's category is in their set (category_in_set16).
  static unsigned in_set(const walk_view& v, std::size_t base, __m512 value,
                         unsigned lanes) noexcept {
    const unsigned pooled = v.category_pooled[base];
    if constexpr (depth_v == 3) {
      auto lanes8 = [&](const std::int32_t* p) {
        return _mm256_load_si256(reinterpret_cast<const __m256i*>(p + base));
      };
      return category_in_set8(_mm512_castps512_ps256(value), lanes8(v.category_first),
                              lanes8(v.category_base), lanes8(v.category_count),
                              static_cast<__mmask8>(lanes), static_cast<__mmask8>(pooled),
                              v.category_words);
    } else {
      return category_in_set16(value, load_lanes(v.category_first + base),
                               load_lanes(v.category_base + base),
                               load_lanes(v.category_count + base),
                               static_cast<__mmask16>(lanes), static_cast<__mmask16>(pooled),
                               v.category_words);
    }
  }
  template <bool nan_v>
  static unsigned mask(const walk_view& v, std::size_t base, const state& s,
                       const float* x) noexcept {
    const __m512i idx = load_lanes(v.slot + base);
    __m512 value = s.pick(idx);
    const unsigned spare = static_cast<std::uint32_t>(v.spare[base]);
    bool gathered = false;
    if constexpr (width_v == num_row_widths - 1) {  // narrower rows hold every slot
      gathered = ((spare >> spare_flags_shift) & gathers_slots) != 0;
      if (gathered) value = _mm512_mask_i32gather_ps(value, lanes, idx, x, 4);
    }
    // NaN compares as "goes right"; lanes whose missing values go left take it back.
    unsigned right = compare(value, v.threshold + base);
    const unsigned nan_lanes = nan_v || gathered ? missing(value) : 0u;
    if constexpr (categorical_v) {
      // A categorical lane's threshold word is no threshold: its compare is replaced by the
      // set test, or "goes right" for NaN as for every lane.
      if (const unsigned categorical = v.category_lanes[base]; categorical != 0)
        right = (right & ~categorical) | (nan_lanes & categorical) |
                in_set(v, base, value, categorical);
    }
    return right & ~(nan_lanes & spare);
  }

  /// Two D = 3 groups (records at g0, g1) in the halves of one vector: one pick, one compare.
  static constexpr bool evaluates_pairs = depth_v == 3 && !categorical_v && width_v < 2;
  template <bool nan_v>
  static unsigned mask_pair(const walk_view& v, std::size_t g0, std::size_t g1, const state& s,
                            const float* x) noexcept {
    static_assert(evaluates_pairs);
    const __m512i idx = _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_load_si256(reinterpret_cast<const __m256i*>(v.slot + g0))),
        _mm256_load_si256(reinterpret_cast<const __m256i*>(v.slot + g1)), 1);
    __m512 value = s.pick(idx);
    const unsigned spare0 = static_cast<std::uint32_t>(v.spare[g0]);
    const unsigned spare1 = static_cast<std::uint32_t>(v.spare[g1]);
    bool gathered = false;
    if constexpr (width_v == num_row_widths - 1) {
      // Resident slots gather the same values they pick.
      gathered = (((spare0 | spare1) >> spare_flags_shift) & gathers_slots) != 0;
      if (gathered) value = _mm512_mask_i32gather_ps(value, 0xFFFF, idx, x, 4);
    }
    const __m512 threshold = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_load_ps(v.threshold + g0)),
                                                _mm256_load_ps(v.threshold + g1), 1);
    const unsigned right = _mm512_mask_cmp_ps_mask(0x7F7F, value, threshold, _CMP_NLT_UQ);
    if (nan_v || gathered) {
      const unsigned left = (spare0 & 0x7Fu) | ((spare1 & 0x7Fu) << 8);
      return right & ~(static_cast<unsigned>(_mm512_cmp_ps_mask(value, value, _CMP_UNORD_Q)) & left);
    }
    return right;
  }
};

/// A group's W exit words (64-byte aligned) in a zmm: all 16 lanes for W = 16, both halves
/// for W = 8 (so that vpermd finds exit e at lane e and at lane 8 + e).
template <int W>
inline __m512i load_exits(const std::int32_t* p) noexcept {
  if constexpr (W == 16)
    return _mm512_load_si512(p);
  else
    return _mm512_broadcast_i32x8(_mm256_load_si256(reinterpret_cast<const __m256i*>(p)));
}

/// The root group of one tree for 16 rows per step: one compare per lane against the lane's
/// column (NaN handled by the predicate itself: default left uses ordered `x >= t`, false for
/// NaN; default right uses unordered `!(x < t)`, true for NaN; categorical lanes: in the set,
/// or NaN and default right), the lanes' masks OR-ed into a
/// per-row code, the exit found by walking the code's bits in vector lanes, and the next group
/// and exit word picked with one permute each.
template <int depth_v>
struct root_step<arch, depth_v> {
  static constexpr bool available = true;
  static constexpr bool categorical = true;
  static constexpr int W = 1 << depth_v;
  static constexpr int blocks = tile_rows / 16;  ///< 16-row blocks of a tile
  /// Per 16-row block, bit l + 1: goes right at lane l (the node numbering of exit_of).
  using codes = __m512i[blocks];

  /// "Goes right" at categorical lane `lane` for 16 rows: in the set (category_in_set16; false
  /// for NaN), or missing and default right.
  static __mmask16 category_right(const walk_view& v, std::size_t lane, bool pooled, __m512 x,
                                  bool default_left) noexcept {
    __mmask16 right = category_in_set16(
        x, _mm512_set1_epi32(v.category_first[lane]), _mm512_set1_epi32(v.category_base[lane]),
        _mm512_set1_epi32(v.category_count[lane]), 0xFFFF, pooled ? 0xFFFF : 0,
        v.category_words);
    if (!default_left) right |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    return right;
  }

  /// OR into the codes the bits of `lanes` (numeric lanes whose NaN default is the predicate's:
  /// ordered `x >= t` is false for NaN, so default left; unordered `!(x < t)` true, so right).
  template <int predicate_v>
  static void numeric_lanes(const walk_view& v, const float* xt, std::size_t used,
                            std::size_t base, unsigned lanes, codes& code) noexcept {
    for (; lanes != 0; lanes &= lanes - 1) {
      const int l = __builtin_ctz(lanes);
      const float* column = xt + static_cast<std::size_t>(v.slot[base + l]) * tile_rows;
      const __m512 t = _mm512_set1_ps(lane_float(v.threshold + base + l));
      const __m512i bit = _mm512_set1_epi32(2 << l);
#pragma GCC unroll 4
      for (int b = 0; b < blocks; ++b) {
        if (static_cast<std::size_t>(b) >= used) break;
        const __mmask16 right = _mm512_cmp_ps_mask(_mm512_load_ps(column + 16 * b), t, predicate_v);
        code[b] = _mm512_mask_or_epi32(code[b], right, code[b], bit);
      }
    }
  }

  /// The codes of the group whose record starts at `base`, for the tile's first `used` blocks.
  /// Lanes outer, blocks inner: a lane's slot, threshold and predicate are read once per tile,
  /// and the blocks' codes stay in registers. Padding lanes are skipped (their bit stays 0).
  static void group_codes(const walk_view& v, const float* xt, std::size_t used, std::size_t base,
                          codes& code) noexcept {
#pragma GCC unroll 4
    for (int b = 0; b < blocks; ++b) code[b] = _mm512_setzero_si512();
    const unsigned live = v.live_lanes[base];
    const unsigned categorical = v.category_lanes[base] & live;
    const unsigned left = static_cast<std::uint32_t>(v.spare[base]);  // missing goes left
    numeric_lanes<_CMP_GE_OQ>(v, xt, used, base, live & left & ~categorical, code);
    numeric_lanes<_CMP_NLT_UQ>(v, xt, used, base, live & ~left & ~categorical, code);
    for (unsigned lanes = categorical; lanes != 0; lanes &= lanes - 1) {
      const int l = __builtin_ctz(lanes);
      const float* column = xt + static_cast<std::size_t>(v.slot[base + l]) * tile_rows;
      const __m512i bit = _mm512_set1_epi32(2 << l);
      for (int b = 0; b < blocks; ++b) {
        if (static_cast<std::size_t>(b) >= used) break;
        const __mmask16 right =
            category_right(v, base + l, ((v.category_pooled[base] >> l) & 1) != 0,
                           _mm512_load_ps(column + 16 * b), ((left >> l) & 1u) != 0);
        code[b] = _mm512_mask_or_epi32(code[b], right, code[b], bit);
      }
    }
  }

  /// W + exit (exit 0 .. W - 1) of a complete-tree walk on the code, with the nodes numbered
  /// from 1 (lane l is node l + 1, the children of node q are 2q and 2q + 1): q = 2q + (bit q of
  /// the code), one shift and one ternary-logic OR per level (bit 0 of 2q is free). vpermd reads
  /// the low 4 bits, so with the exits in both halves (load_exits) W + exit picks exit.
  /// (The maskz form with a full mask is the same instruction; the unmasked intrinsic trips
  /// gcc 12's -Wmaybe-uninitialized on its internal _mm512_undefined_epi32.)
  static __m512i exit_of(__m512i code) noexcept {
    const __m512i one = _mm512_set1_epi32(1);
    constexpr int or_low_bit = 0xF8;  // ternary logic: a | (b & c)
    __m512i node = _mm512_ternarylogic_epi32(_mm512_set1_epi32(2), _mm512_srli_epi32(code, 1),
                                             one, or_low_bit);
#pragma GCC unroll 4
    for (int level = 1; level < depth_v; ++level)
      node = _mm512_ternarylogic_epi32(_mm512_add_epi32(node, node),
                                       _mm512_maskz_srlv_epi32(0xFFFF, code, node), one,
                                       or_low_bit);
    return node;
  }

  static void run(const walk_view& v, const float* xt, std::size_t num_rows, std::size_t base,
                  std::int32_t* next_out, std::int32_t* word_out) noexcept {
    const std::size_t used = (num_rows + 15) / 16;
    codes code;
    group_codes(v, xt, used, base, code);
    const __m512i next = load_exits<W>(v.next + base);
    const __m512i words = load_exits<W>(v.ref + base);
#pragma GCC unroll 4
    for (int b = 0; b < blocks; ++b) {
      if (static_cast<std::size_t>(b) >= used) break;
      const __m512i exit = exit_of(code[b]);
      _mm512_store_si512(next_out + 16 * b, _mm512_maskz_permutexvar_epi32(0xFFFF, exit, next));
      _mm512_store_si512(word_out + 16 * b, _mm512_maskz_permutexvar_epi32(0xFFFF, exit, words));
    }
  }
};

}  // namespace grove::kernels::GROVE_TARGET_NAMESPACE

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
