// No include guard: included once inside each target namespace that uses it (see
// kernels/target_*.hpp).
//
/// @file
/// AVX2 group evaluation: each group gathers its 7 (D = 3) or 15 (D = 4) values from the row's
/// slot buffer (in L1), then one compare and movemask give the "goes right" mask with NaN sent
/// right, and the NaN lanes whose missing values go left are cleared.

#include <immintrin.h>

#include "grove/kernels/walk.hpp"

#if !defined(__AVX2__)
#error "grove/kernels/avx2.hpp needs -mavx2"
#endif

namespace grove::kernels::GROVE_TARGET_NAMESPACE {

/// All ones in the lanes of `lanes` (all ones or zero per lane) whose (non-missing) value's
/// category is in the lane's set, zero elsewhere and for NaN: category_in_set for 8
/// lanes. vcvttps2dq truncates toward zero and gives 0x80000000 for NaN, +-inf and values of
/// 2^31 or more; shifted right unsigned, that and every negative code land beyond any set's
/// words (a set's last word is below 2^19), as do codes of 2^24 or more. Values in (-1, 0),
/// which truncate to code 0, fail the ordered `x >= 0` (-0.0 passes: it is code 0). `word0` /
/// `word1`: the lanes' words, or for the lanes of `pooled` (all ones or zero per lane; `any_pooled`
/// when some is) where their words start in the pool and how many there are; only pooled lanes
/// in range gather a word.
inline __m256i category_in_set8(__m256 value, __m256i first, __m256i word0, __m256i word1,
                                __m256i lanes, __m256i pooled, bool any_pooled,
                                const std::int32_t* words) noexcept {
  const __m256i code = _mm256_cvttps_epi32(value);
  const __m256i at = _mm256_sub_epi32(_mm256_srli_epi32(code, 5), first);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i valid = _mm256_and_si256(
      lanes, _mm256_castps_si256(_mm256_cmp_ps(value, _mm256_setzero_ps(), _CMP_GE_OQ)));
  // In the lane: at is 0 or 1 (unsigned at >> 1 == 0).
  __m256i in_range = _mm256_andnot_si256(
      pooled, _mm256_and_si256(valid, _mm256_cmpeq_epi32(_mm256_srli_epi32(at, 1),
                                                         _mm256_setzero_si256())));
  __m256i word = _mm256_blendv_epi8(word0, word1, _mm256_cmpeq_epi32(at, one));
  if (any_pooled) {
    // at < word1, unsigned: not max(at, word1) == at.
    const __m256i gather = _mm256_andnot_si256(
        _mm256_cmpeq_epi32(_mm256_max_epu32(at, word1), at), _mm256_and_si256(valid, pooled));
    word = _mm256_mask_i32gather_epi32(word, words, _mm256_add_epi32(word0, at), gather, 4);
    in_range = _mm256_or_si256(in_range, gather);
  }
  const __m256i bit = _mm256_sllv_epi32(one, _mm256_and_si256(code, _mm256_set1_epi32(31)));
  return _mm256_and_si256(in_range, _mm256_cmpeq_epi32(_mm256_and_si256(word, bit), bit));
}

/// All ones in the lanes whose bit is set in `bits`.
inline __m256i lanes_of8(unsigned bits) noexcept {
  const __m256i lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(
      _mm256_and_si256(_mm256_set1_epi32(static_cast<int>(bits)), lane_bit), lane_bit);
}

/// category_in_set8 on the lanes of `lanes` (bit per lane; `pooled` those with pooled words)
/// of the group lanes at `lane`.
inline unsigned category_in_set_mask8(const walk_view& v, std::size_t lane, __m256 value,
                                      unsigned lanes, unsigned pooled) noexcept {
  auto load = [&](const std::int32_t* p) {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(p + lane));
  };
  return static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(category_in_set8(
      value, load(v.category_first), load(v.category_base), load(v.category_count),
      lanes_of8(lanes), lanes_of8(pooled), pooled != 0, v.category_words))));
}

/// A row of at most 32 slots (width 0) or 64 (width 1) in 4 or 8 ymm registers, picked with
/// permutes; wider rows are gathered from memory.
template <int width_v>
struct avx2_row {
  static constexpr int registers = width_v == 0 ? 4 : width_v == 1 ? 8 : 0;
  __m256 r[registers > 0 ? registers : 1];
  static avx2_row load(const float* x) noexcept {
    avx2_row row;
#pragma GCC unroll 8
    for (int i = 0; i < registers; ++i) row.r[i] = _mm256_loadu_ps(x + 8 * i);
    if constexpr (registers == 0) row.r[0] = _mm256_setzero_ps();  // unused: wide rows gather
    return row;
  }
  /// Lane l gets slot idx[l]: vpermps within each register, then index bits 3, 4 (and 5), moved
  /// to the sign bit that vblendvps reads, choose the register.
  __m256 pick(__m256i idx, const float* x) const noexcept {
    if constexpr (registers == 0) {
      return _mm256_i32gather_ps(x, idx, 4);
    } else {
      const __m256 bit3 = _mm256_castsi256_ps(_mm256_slli_epi32(idx, 28));
      const __m256 bit4 = _mm256_castsi256_ps(_mm256_slli_epi32(idx, 27));
      auto quarter = [&](int i) {  // slots 32 i .. 32 i + 31
        const __m256 low = _mm256_blendv_ps(_mm256_permutevar8x32_ps(r[4 * i], idx),
                                            _mm256_permutevar8x32_ps(r[4 * i + 1], idx), bit3);
        const __m256 high = _mm256_blendv_ps(_mm256_permutevar8x32_ps(r[4 * i + 2], idx),
                                             _mm256_permutevar8x32_ps(r[4 * i + 3], idx), bit3);
        return _mm256_blendv_ps(low, high, bit4);
      };
      if constexpr (registers == 4)
        return quarter(0);
      else
        return _mm256_blendv_ps(quarter(0), quarter(1),
                                _mm256_castsi256_ps(_mm256_slli_epi32(idx, 26)));
    }
  }
};

template <int width_v, bool categorical_v>
struct group_eval<arch, 3, width_v, categorical_v> {
  using state = avx2_row<width_v>;
  static state load(const float* x) noexcept { return state::load(x); }
  static bool may_have_nan(const state&, const float*) noexcept { return true; }
  /// lanes: the categorical lanes among these eight (bit per lane); missing_left: the lanes
  /// whose missing values go left.
  static unsigned eight(const walk_view& v, std::size_t base, const state& row, const float* x,
                        unsigned lanes, unsigned pooled, unsigned missing_left) noexcept {
    const __m256i idx = _mm256_load_si256(reinterpret_cast<const __m256i*>(v.slot + base));
    const __m256 value = row.pick(idx, x);
    auto right = static_cast<unsigned>(
        _mm256_movemask_ps(_mm256_cmp_ps(value, _mm256_load_ps(v.threshold + base), _CMP_NLT_UQ)));
    const auto missing = static_cast<unsigned>(
        _mm256_movemask_ps(_mm256_cmp_ps(value, value, _CMP_UNORD_Q)));
    if constexpr (categorical_v) {
      // A categorical lane's threshold word is no threshold: its compare is replaced by the
      // set test, or "goes right" for NaN as for every lane.
      if (lanes != 0)
        right = (right & ~lanes) | (missing & lanes) |
                category_in_set_mask8(v, base, value, lanes, pooled);
    }
    return right & ~(missing & missing_left);
  }
  template <bool nan_v>
  static unsigned mask(const walk_view& v, std::size_t base, const state& row,
                       const float* x) noexcept {
    const unsigned lanes = categorical_v ? v.category_lanes[base] : 0u;
    const unsigned pooled = categorical_v ? v.category_pooled[base] : 0u;
    return eight(v, base, row, x, lanes, pooled, static_cast<std::uint32_t>(v.spare[base]));
  }
};

template <int width_v, bool categorical_v>
struct group_eval<arch, 4, width_v, categorical_v> {
  using state = avx2_row<width_v>;
  static state load(const float* x) noexcept { return state::load(x); }
  static bool may_have_nan(const state&, const float*) noexcept { return true; }
  template <bool nan_v>
  static unsigned mask(const walk_view& v, std::size_t base, const state& row,
                       const float* x) noexcept {
    using half = group_eval<arch, 3, width_v, categorical_v>;
    const unsigned lanes = categorical_v ? v.category_lanes[base] : 0u;
    const unsigned pooled = categorical_v ? v.category_pooled[base] : 0u;
    const auto missing_left = static_cast<std::uint32_t>(v.spare[base]);
    return half::eight(v, base, row, x, lanes & 0xFFu, pooled & 0xFFu, missing_left & 0xFFu) |
           (half::eight(v, base + 8, row, x, lanes >> 8, pooled >> 8, (missing_left >> 8) & 0xFFu)
            << 8);
  }
};

/// The root group of one tree for 8 rows per step, as the AVX-512 root_step (see there and
/// docs/design.md): one compare per lane against the lane's column with the NaN rule in the
/// predicate (default left: ordered `x >= t`; default right: unordered `!(x < t)`), the compare
/// results OR-ed into a per-row code, the exit found by walking the code's bits, the next group
/// and exit word picked with vpermd (two and a blend for 16 exits).
template <int depth_v>
struct root_step<arch, depth_v> {
  static constexpr bool available = true;
  static constexpr bool categorical = true;
  static __m256i pick(const std::int32_t* words, __m256i exit) noexcept {
    const __m256i low = _mm256_permutevar8x32_epi32(
        _mm256_load_si256(reinterpret_cast<const __m256i*>(words)), exit);
    if constexpr (depth_v == 3) {
      return low;
    } else {
      const __m256i high = _mm256_permutevar8x32_epi32(
          _mm256_load_si256(reinterpret_cast<const __m256i*>(words + 8)), exit);
      const __m256i upper = _mm256_cmpgt_epi32(exit, _mm256_set1_epi32(7));
      return _mm256_blendv_epi8(low, high, upper);
    }
  }
  /// "Goes right" at categorical lane `lane` for 8 rows (all ones or zeros per row): the
  /// value's category is in the set (category_in_set8; false for NaN), or it is missing and the
  /// lane's default is right.
  static __m256 category_right(const walk_view& v, std::size_t lane, bool pooled, __m256 x,
                               bool default_left) noexcept {
    __m256 right = _mm256_castsi256_ps(category_in_set8(
        x, _mm256_set1_epi32(v.category_first[lane]), _mm256_set1_epi32(v.category_base[lane]),
        _mm256_set1_epi32(v.category_count[lane]), _mm256_set1_epi32(-1),
        _mm256_set1_epi32(pooled ? -1 : 0), pooled, v.category_words));
    if (!default_left) right = _mm256_or_ps(right, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    return right;
  }
  static void run(const walk_view& v, const float* xt, std::size_t num_rows, std::size_t base,
                  std::int32_t* next_out, std::int32_t* word_out) noexcept {
    constexpr int W = 1 << depth_v;
    const __m256i one = _mm256_set1_epi32(1);
    const unsigned categorical = v.category_lanes[base];
    const auto missing_left = static_cast<std::uint32_t>(v.spare[base]);
    for (std::size_t r = 0; r < num_rows; r += 8) {
      __m256i code = _mm256_setzero_si256();
#pragma GCC unroll 16
      for (int l = 0; l < W - 1; ++l) {
        const __m256 x = _mm256_load_ps(xt + static_cast<std::size_t>(v.slot[base + l]) * tile_rows + r);
        const __m256 t = _mm256_set1_ps(lane_float(v.threshold + base + l));
        const bool default_left = ((missing_left >> l) & 1u) != 0;
        __m256 right = default_left ? _mm256_cmp_ps(x, t, _CMP_GE_OQ)
                                    : _mm256_cmp_ps(x, t, _CMP_NLT_UQ);
        if (((categorical >> l) & 1u) != 0)
          right = category_right(v, base + l, ((v.category_pooled[base] >> l) & 1) != 0, x,
                                 default_left);
        code = _mm256_or_si256(code, _mm256_and_si256(_mm256_castps_si256(right),
                                                      _mm256_set1_epi32(2 << l)));
      }
      // Nodes numbered from 1 as in the AVX-512 root step (lane l at code bit l + 1): node =
      // 2 node | (bit `node` of the code), ending at W + exit. vpermd reads only the low 3
      // bits, so for W = 8 the node serves as the index; for W = 16 pick() wants exit 0 .. 15.
      __m256i node = _mm256_or_si256(_mm256_set1_epi32(2),
                                     _mm256_and_si256(_mm256_srli_epi32(code, 1), one));
#pragma GCC unroll 4
      for (int level = 1; level < depth_v; ++level)
        node = _mm256_or_si256(_mm256_add_epi32(node, node),
                               _mm256_and_si256(_mm256_srlv_epi32(code, node), one));
      const __m256i exit = depth_v == 4 ? _mm256_sub_epi32(node, _mm256_set1_epi32(W)) : node;
      _mm256_store_si256(reinterpret_cast<__m256i*>(next_out + r), pick(v.next + base, exit));
      _mm256_store_si256(reinterpret_cast<__m256i*>(word_out + r), pick(v.ref + base, exit));
    }
  }
};

}  // namespace grove::kernels::GROVE_TARGET_NAMESPACE
