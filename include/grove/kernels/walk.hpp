#pragma once
/// @file
/// The ISA-independent part of the group walk: the plain view of a grouped forest the kernels
/// read, the kernel entry-point signature, and the walk driver templated on the architecture.
///
/// Kernel headers include only this file, <cstdint>/<cstddef> and intrinsics: everything here is
/// a template on the architecture tag, so a translation unit compiled with AVX-512 flags for
/// runtime dispatch cannot leak AVX-512 code into an inline function another unit shares.

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "grove/kernels/bitvector.hpp"
#include "grove/kernels/node_mask.hpp"
#include "grove/kernels/sliced.hpp"

namespace xsimd {
struct avx2;
struct avx512bw;
}  // namespace xsimd

namespace grove::kernels {

/// Architecture tag of the portable kernel (xsimd has none for plain C++).
struct scalar_arch {};

/// The fields of a group, W = 2^D words each, in two records of the same size at the same
/// offset: the walked record (compile::grouped_forest::record) holds what every walk step reads,
/// the side record (side_record) the rest. A D = 3 group's walked record is one 128-byte line
/// pair (slots and thresholds, then next groups and leaf values), a D = 4 group's two, so the
/// L2, which fetches lines in such pairs, holds walked words only (with all eight fields in one
/// record, a model's walked lines filled half the L2's sets: one row of the 2000-tree model
/// 17.4 -> 20.8 ns per tree).
enum record_field : int {
  field_slot,         ///< feature slot per lane
  field_threshold,    ///< float bits: `x < t` goes left; lane W - 1 holds the spare word
  field_next,         ///< per exit: record offset of the next group
  field_leaf_bits,    ///< per exit: bits of the weighted leaf value (one-value leaves), or 0
  walked_fields,
  field_ref = walked_fields,  ///< per exit: leaf node id + 1, or 0
  field_category_base,   ///< per categorical lane: its set's word 0, or where its words start
  field_category_count,  ///< per categorical lane: its set's word 1, or how many words it has
  field_group,        ///< per-group words (group_live_lanes, ...), the rest zero
  record_fields
};
static_assert(record_fields == 2 * walked_fields, "both records have the same size");

/// Words of field_group.
inline constexpr int group_live_lanes = 0;      ///< bit per lane holding a split
inline constexpr int group_category_lanes = 1;  ///< bit per categorical lane
inline constexpr int group_category_pooled = 2;  ///< bit per categorical lane whose words are pooled

/// A categorical lane's set is a run of 32-bit words over its own code range: word i holds
/// codes 32 (first + i) .. 32 (first + i) + 31, bit c % 32 set when code c goes right. `first`
/// sits in the lane's threshold word (a categorical lane has no threshold). A set of at most two
/// words keeps them in the lane (field_category_base: word 0, field_category_count: word 1); a
/// longer one (its lane's bit in group_category_pooled) is in the forest's pool of category
/// words (compile::grouped_forest::category_words) from field_category_base on, with
/// field_category_count words.

/// The spare word, in a group's spare threshold lane (W - 1, never compared): bit l (l < W - 1)
/// set when lane l sends missing values left; the group's flags (gathers_slots |
/// beyond_columns) from bit spare_flags_shift. Kernels compare
/// `!(x < t)`, which sends NaN right, then clear the NaN lanes whose bit is set here. The word
/// shares the thresholds' line, so a walk step reads no other line for NaN or for its flags.
inline constexpr int spare_flags_shift = 16;

/// Words of one group's record (walked or side) for groups of `depth` levels.
constexpr std::size_t record_words(int depth) noexcept {
  return static_cast<std::size_t>(walked_fields) << depth;
}

/// Where field f of the first group starts, given both records (T: std::int32_t, const or not).
template <class T>
T* field_start(T* walked, T* side, int depth, record_field f) noexcept {
  const std::size_t W = std::size_t{1} << depth;
  return f < walked_fields ? walked + static_cast<std::size_t>(f) * W
                           : side + static_cast<std::size_t>(f - walked_fields) * W;
}

/**
 * What a kernel reads of a compile::grouped_forest: pointers to each field of the first record,
 * so that `field[b + l]` is lane (or exit) l of the group whose record starts at b ("base").
 * threshold points at float bits: read them as vectors or through lane_float.
 */
struct walk_view {
  const std::int32_t* slot;
  const float* threshold;
  const std::int32_t* next;
  const std::int32_t* ref;            ///< leaf ids + 1, or leaf value bits (see make_walk_view)
  const std::int32_t* spare;          ///< per group, at the group's base: the spare word
  const std::int32_t* live_lanes;     ///< per group, at the group's base
  const std::int32_t* category_lanes; ///< per group, at the group's base
  const std::int32_t* category_pooled; ///< per group, at the group's base
  const std::int32_t* category_first; ///< per lane: the threshold words, read as integers
  const std::int32_t* category_base;
  const std::int32_t* category_count;
  const std::int32_t* category_words; ///< the pool the categorical lanes' bases point into
  const std::uint8_t* lut;
  /// Few-row walks ask for each pass's group lines ahead (walk_trees): worth it when the groups
  /// come from beyond L2; from L2 the core overlaps the reads by itself and the requests only
  /// cost.
  bool prefetch;
  /// Blocks of fewer rows are walked row by row, every tree one step per pass (walk_trees);
  /// larger blocks step their root groups across rows (tuning::few_rows).
  std::size_t few_rows;
};

/// The view of the records (walked and side) for groups of `depth` levels; exits carry leaf
/// value bits (`values`) or leaf ids + 1; `prefetch` and `few_rows` as in walk_view.
inline walk_view make_walk_view(const std::int32_t* walked, const std::int32_t* side, int depth,
                                const std::uint8_t* lut, bool values, bool prefetch,
                                std::size_t few_rows,
                                const std::int32_t* category_words) noexcept {
  const std::size_t W = std::size_t{1} << depth;
  auto field = [&](record_field f) { return field_start(walked, side, depth, f); };
  walk_view v{};
  v.slot = field(field_slot);
  v.threshold = reinterpret_cast<const float*>(field(field_threshold));
  v.next = field(field_next);
  v.ref = field(values ? field_leaf_bits : field_ref);
  v.spare = field(field_threshold) + (W - 1);
  v.live_lanes = field(field_group) + group_live_lanes;
  v.category_lanes = field(field_group) + group_category_lanes;
  v.category_pooled = field(field_group) + group_category_pooled;
  v.category_first = field(field_threshold);
  v.category_base = field(field_category_base);
  v.category_count = field(field_category_count);
  v.category_words = category_words;
  v.lut = lut;
  v.prefetch = prefetch;
  v.few_rows = few_rows;
  return v;
}

/// One float of a record field (stored as int32 words).
inline float lane_float(const float* p) noexcept {
  float f;
  __builtin_memcpy(&f, p, sizeof f);
  return f;
}

/// True when a categorical lane sends the non-missing value x right: its code (x truncated
/// toward zero, as the reference does: 4.99 -> 4) is in the lane's set. Negative values (but
/// -0.0, which is code 0), +-inf and codes beyond the set's words find no bit and go left; so do
/// codes >= 2^24 (the reference's limit), since no set holds a code that large. `words` points
/// at the set's first word (pool + base), which covers codes from 32 first.
inline bool category_in_set(float x, std::uint32_t first, const std::int32_t* words,
                            std::uint32_t count) noexcept {
  if (!(x >= 0.0f) || !(x < 2147483648.0f)) return false;
  const auto code = static_cast<std::uint32_t>(x);
  const std::uint32_t at = (code >> 5) - first;  // wraps for codes below the set's range
  return at < count && ((static_cast<std::uint32_t>(words[at]) >> (code & 31u)) & 1u) != 0;
}

/// category_in_set for lane l of the group at base, its words in the lane or in the pool.
inline bool category_lane_in_set(const walk_view& v, std::size_t base, int l, float x) noexcept {
  const std::size_t lane = base + static_cast<std::size_t>(l);
  const auto first = static_cast<std::uint32_t>(v.category_first[lane]);
  if (((static_cast<std::uint32_t>(v.category_pooled[base]) >> l) & 1u) != 0)
    return category_in_set(x, first, v.category_words + v.category_base[lane],
                           static_cast<std::uint32_t>(v.category_count[lane]));
  const std::int32_t words[2] = {v.category_base[lane], v.category_count[lane]};
  return category_in_set(x, first, words, 2);
}

/// Rows per block: the kernels' output tile is [tree][tile_rows], so that the engine can add one
/// tree's values for 16 rows with one vector add.
inline constexpr std::size_t tile_rows = 64;

/// Words per tree in a walk's per-row state (walk_block's chunk_state). A load waits for a
/// pending store whose address is a multiple of 1 KiB away (measured on this project's AVX-512
/// machine: start[4][r] loaded after start[0][r] was stored, 1 KiB apart with 64-word rows,
/// doubled the binary model's time). With 80-word rows no two trees' entries for nearby rows are
/// that far apart, in either array or between them.
inline constexpr std::size_t state_stride = tile_rows + 16;

/// Group flags, in the spare word from bit spare_flags_shift (set by
/// compile::build_grouped_forest).
inline constexpr std::uint8_t gathers_slots = 1;    ///< a slot beyond the register-resident ones
inline constexpr std::uint8_t beyond_columns = 2;   ///< a slot beyond the column copy

/// Row widths a kernel is built for (AVX-512: slots in registers): up to 32 slots, 64, or more
/// (128 resident, the rest gathered). Other ISAs treat them alike.
inline constexpr int num_row_widths = 3;

/**
 * Walks trees [0, num_trees) of a tile (root groups `roots`, step counts `steps`) for rows
 * [0, num_rows) (num_rows <= tile_rows) of the slot buffer `xs` (row r at xs + r * stride, missing
 * already NaN) and writes the OR of the exit words `v.ref` it passed (with `ref`: leaf node id + 1;
 * with `leaf_bits`: the weighted leaf value's bits) to refs[j * tile_rows + r].
 * `xt`: the same rows column-major for the slots of the column copy (compile::grouped_forest::
 * column_slots; rows up to the next multiple of 16
 * defined), or nullptr; kernels with a root step across rows use it.
 */
using walk_fn = void (*)(const walk_view& v, const float* xs, std::size_t stride,
                         const float* xt, std::size_t num_rows, const std::int32_t* roots,
                         const std::int32_t* steps, int num_trees, std::int32_t* refs);

/// One architecture's kernels: [depth 3, depth 4] x [row width: 32, 64, 128 resident slots]
/// x [no categorical lanes, some], and its sliced kernel.
struct kernel_set {
  walk_fn walk[2][num_row_widths][2];
  /// The walks step root groups across rows from the column copy (root_step::available), so
  /// blocks of many rows want one.
  bool root_steps_across_rows;
  sliced_fn sliced;  ///< nullptr where the architecture has no sliced kernel
  sliced_row_fn sliced_row_bytes;  ///< one-row sliced kernel on byte nodes, or nullptr
  sliced_row_fn sliced_row_words;  ///< the same on 16-bit word nodes, or nullptr
  node_mask_row_fn node_mask_row;  ///< one-row node-mask kernel (needs VBMI), or nullptr
  /// Bitvector kernel (needs VBMI on AVX-512: the avx512_vbmi target), or nullptr.
  bitvector_quantize_fn bitvector_quantize;
  bitvector_trees_fn bitvector_trees;
};

/// Trees walked together per pass over a block's rows (a chunk).
inline constexpr int walks_in_flight = 8;

/// group_eval<Arch, depth_v, width_v, categorical_v> (width_v: index of the row width) provides `state load(const float* x)`,
/// `bool may_have_nan(const state&, const float* x)` and
/// `template <bool nan_v> unsigned mask(const walk_view&, std::size_t base, const state&,
/// const float* x)`, where bit i of the mask is "goes right at lane i" (NaN resolved to its
/// default side; with nan_v = false the caller promises the values read hold no NaN) and `base`
/// is where the group's record starts (see walk_view).
/// With categorical_v, lanes flagged in category_lanes test their set (category_in_set) instead.
template <class arch_t, int depth_v, int width_v, bool categorical_v>
struct group_eval;

/// root_step<arch, D>: evaluates one tree's root group for many rows at once from the
/// column-major copy (a root group is the same for every row). Architectures that have one define
/// `available = true` and `run(v, xt, num_rows, base, next_out, word_out)` (base: where the
/// group's record starts), writing each row's next group (its record's start) and exit word;
/// elsewhere every row starts its walks at the root groups.
template <class arch_t, int depth_v>
struct root_step {
  static constexpr bool available = false;
  static constexpr bool categorical = false;  ///< handles categorical lanes
  static void run(const walk_view&, const float*, std::size_t, std::size_t, std::int32_t*,
                  std::int32_t*) noexcept {}
};

/// Exit 0 .. 2^D - 1 of a complete depth-D group from its "goes right" mask.
template <class arch_t, int depth_v>
inline unsigned exit_index(unsigned mask, const std::uint8_t* lut) noexcept {
  if constexpr (depth_v == 3) {
    return lut[mask & 255u];  // bit 7 (the spare lane) is ignored by the table
  } else {
    // First three levels through the table, the fourth from lane 7 + p.
    const unsigned p = lut[mask & 127u];
    return 2u * p + ((mask >> (7u + p)) & 1u);
  }
}

/// The exit (index into next / ref) a row takes out of the group whose record starts at g.
template <class eval, int depth_v, bool nan_v, class arch_t, class state_t>
inline std::size_t group_exit(const walk_view& v, std::size_t g, const state_t& state,
                              const float* x) noexcept {
  return g + exit_index<arch_t, depth_v>(eval::template mask<nan_v>(v, g, state, x), v.lut);
}

/// True when `eval` has mask_pair<nan_v>(v, g0, g1, state, x): the masks of two D = 3 groups
/// of one row from one vector evaluation (bits 0..7 the first's, 8..15 the second's).
template <class eval, class = void>
struct evaluates_pairs : std::false_type {};
template <class eval>
struct evaluates_pairs<eval, std::void_t<decltype(eval::evaluates_pairs)>>
    : std::bool_constant<eval::evaluates_pairs> {};

/// One step of a walk at group g, given the group's mask: the exit word joins `word` and the
/// next group replaces g.
template <class arch_t, int depth_v>
inline void take_exit(const walk_view& v, std::uint32_t& g, std::int32_t& word,
                      unsigned mask) noexcept {
  const std::size_t e = g + exit_index<arch_t, depth_v>(mask, v.lut);
  word |= v.ref[e];
  g = static_cast<std::uint32_t>(v.next[e]);
}

/// One step of one row's walks through the chunk's n trees: tree k's group for this row is
/// start[k * state_stride]; its exit word is OR-ed into the words collected so far in
/// out[k * state_stride] and, unless this is the last step, its next group replaces start.
/// Nothing is carried from one tree to the next in registers, so the core overlaps the trees
/// (and rows) freely.
/// With full_v, n is walks_in_flight (known here, so no test per tree).
template <class eval, int depth_v, bool nan_v, bool last_v, bool full_v, class arch_t,
          class state_t>
inline void step_row(const walk_view& v, const state_t& state, const float* x,
                     std::int32_t* start, int n, std::int32_t* out) noexcept {
#pragma GCC unroll 8
  for (int k = 0; k < walks_in_flight; ++k) {
    if (!full_v && k >= n) break;
    const std::size_t g = static_cast<std::uint32_t>(start[k * state_stride]);
    const std::size_t e = group_exit<eval, depth_v, nan_v, arch_t>(v, g, state, x);
    out[k * state_stride] |= v.ref[e];
    if constexpr (!last_v) start[k * state_stride] = v.next[e];
  }
}

/// step_row for every row of the block (has_nan[r]: row r may hold NaN in its resident slots).
template <class eval, int depth_v, bool last_v, bool full_v, class arch_t>
inline void step_rows(const walk_view& v, const float* xs, std::size_t stride,
                      std::size_t num_rows, const bool* has_nan,
                      std::int32_t (*start)[state_stride], int n, std::int32_t* out) noexcept {
  for (std::size_t r = 0; r < num_rows; ++r) {
    const float* x = xs + r * stride;
    const auto state = eval::load(x);
    if (has_nan[r])
      step_row<eval, depth_v, true, last_v, full_v, arch_t>(v, state, x, &start[0][r], n, out + r);
    else
      step_row<eval, depth_v, false, last_v, full_v, arch_t>(v, state, x, &start[0][r], n, out + r);
  }
}

/// One row through num_trees trees, advancing every tree's walk one step per pass over the
/// trees: the group reads of a pass are independent of each other, so their cache misses
/// overlap. For few rows the model's groups are cold (a request touches each once), and this
/// keeps many more of them in flight than 8 walks of a few dependent steps each.
/// out[j * tile_rows]: tree j's OR of exit words.
template <class eval, int depth_v, bool nan_v, class arch_t, class state_t>
inline void walk_trees(const walk_view& v, const state_t& state, const float* x,
                       const std::int32_t* roots, const std::int32_t* steps, int num_trees,
                       std::int32_t* out) noexcept {
  constexpr int span = 64;  // trees per pass
  // Records start on 64-byte lines: with D = 3 a lane field is half a line, so the slots share
  // the thresholds' line, and the leaf values (the field after next) share next's.
  constexpr int W = 1 << depth_v;
  constexpr bool slot_line_holds_threshold = depth_v == 3;
  const bool ref_line_holds_next = depth_v == 3 && v.ref == v.next + W;
  struct walk {
    std::uint32_t group[span];  // record start of the group each walk is at
    std::int32_t word[span];    // exit words collected
  };
  walk w;
  for (int j0 = 0; j0 < num_trees; j0 += span) {
    const int n = num_trees - j0 < span ? num_trees - j0 : span;
    int max_steps = 0, min_steps = steps[j0];
    for (int j = 0; j < n; ++j) {
      w.group[j] = static_cast<std::uint32_t>(roots[j0 + j] * record_words(depth_v));
      w.word[j] = 0;
      max_steps = steps[j0 + j] > max_steps ? steps[j0 + j] : max_steps;
      min_steps = steps[j0 + j] < min_steps ? steps[j0 + j] : min_steps;
    }
    for (int s = 0; s < max_steps; ++s) {
      // Ask for every line of this pass first: they then arrive in parallel. Nothing waits for
      // the next group a walk's last step reads.
      if (v.prefetch) {
        for (int j = 0; j < n; ++j) {
          const std::size_t g = w.group[j];
          __builtin_prefetch(v.slot + g);
          if (!slot_line_holds_threshold) __builtin_prefetch(v.threshold + g);
          __builtin_prefetch(v.ref + g);
          if (!ref_line_holds_next && s + 1 < steps[j0 + j]) __builtin_prefetch(v.next + g);
        }
      }
      if constexpr (depth_v == 3 && evaluates_pairs<eval>::value) {
        // Two walks per evaluation while both go on: one pick, one compare for 16 lanes. When
        // every walk takes each step (depthwise trees), nothing is tested per walk.
        const bool every_walk = s < min_steps;
        for (int j = 0; j < n; j += 2) {
          const bool first = every_walk || s < steps[j0 + j];
          const bool second = j + 1 < n && (every_walk || s < steps[j0 + j + 1]);
          if (first && second) {
            const unsigned m =
                eval::template mask_pair<nan_v>(v, w.group[j], w.group[j + 1], state, x);
            take_exit<arch_t, depth_v>(v, w.group[j], w.word[j], m & 255u);
            take_exit<arch_t, depth_v>(v, w.group[j + 1], w.word[j + 1], m >> 8);
            continue;
          }
          for (int i = j; i < j + 2 && i < n; ++i)
            if (s < steps[j0 + i])
              take_exit<arch_t, depth_v>(v, w.group[i], w.word[i],
                                 eval::template mask<nan_v>(v, w.group[i], state, x));
        }
      } else {
        for (int j = 0; j < n; ++j) {
          if (s >= steps[j0 + j]) continue;
          take_exit<arch_t, depth_v>(v, w.group[j], w.word[j],
                             eval::template mask<nan_v>(v, w.group[j], state, x));
        }
      }
    }
    for (int j = 0; j < n; ++j) out[static_cast<std::size_t>(j0 + j) * tile_rows] = w.word[j];
  }
}

/// Per tree and row: the group the walk is at (start) and the exit words collected so far
/// (word), rows of state_stride words.
struct chunk_state {
  std::int32_t start[walks_in_flight][state_stride];
  std::int32_t word[walks_in_flight][state_stride];
};

/// The row passes of a chunk of n trees after its first `row_steps` remain (full_v: n is
/// walks_in_flight).
template <class eval, int depth_v, bool full_v, class arch_t>
inline void step_passes(const walk_view& v, const float* xs, std::size_t stride,
                        std::size_t num_rows, const bool* has_nan, chunk_state& st, int n,
                        int row_steps) noexcept {
  for (int s = 0; s + 1 < row_steps; ++s)
    step_rows<eval, depth_v, false, full_v, arch_t>(v, xs, stride, num_rows, has_nan, st.start, n,
                                                    st.word[0]);
  if (row_steps > 0)
    step_rows<eval, depth_v, true, full_v, arch_t>(v, xs, stride, num_rows, has_nan, st.start, n,
                                                   st.word[0]);
}

/// Trees sorted per window (by step count) before they are cut into chunks.
inline constexpr int sorted_trees = 64;

/// order[0 .. n): 0 .. n - 1 sorted by steps, stably. A chunk walks as many steps as its
/// deepest tree needs; with trees of equal depth together (lossguide models mix depths), fewer
/// walks idle in the sink. Insertion sort: linear when the steps are already in order, as in
/// depthwise models.
inline void order_by_steps(const std::int32_t* steps, int n, std::uint8_t* order) noexcept {
  for (int j = 0; j < n; ++j) {
    int i = j;
    for (; i > 0 && steps[order[i - 1]] > steps[j]; --i) order[i] = order[i - 1];
    order[i] = static_cast<std::uint8_t>(j);
  }
}

/**
 * The kernel (walk_fn). Few rows: walk_trees, row by row. Otherwise the tile's trees in chunks
 * of walks_in_flight: the root groups, stepped across rows when the column copy holds their
 * slots (else every row starts at the roots), then each further step as one pass over the
 * block's rows (step_rows), every (row, tree) of a pass independent of the others so that
 * their cache misses overlap. The walks run a fixed number of steps: the chunk's deepest tree's
 * (trees are sorted by steps first, so that a chunk holds trees of about one depth).
 */
template <class arch_t, int depth_v, int width_v, bool categorical_v>
void walk_block(const walk_view& v, const float* xs, std::size_t stride, const float* xt,
                std::size_t num_rows, const std::int32_t* roots, const std::int32_t* steps,
                int num_trees, std::int32_t* refs) {
  using eval = group_eval<arch_t, depth_v, width_v, categorical_v>;
  using root_eval = root_step<arch_t, depth_v>;
  constexpr int K = walks_in_flight;
  if (num_rows < v.few_rows) {
    for (std::size_t r = 0; r < num_rows; ++r) {
      const float* x = xs + r * stride;
      const auto state = eval::load(x);
      if (eval::may_have_nan(state, x))
        walk_trees<eval, depth_v, true, arch_t>(v, state, x, roots, steps, num_trees, refs + r);
      else
        walk_trees<eval, depth_v, false, arch_t>(v, state, x, roots, steps, num_trees, refs + r);
    }
    return;
  }
  bool has_nan[tile_rows];
  for (std::size_t r = 0; r < num_rows; ++r)
    has_nan[r] = eval::may_have_nan(eval::load(xs + r * stride), xs + r * stride);
  alignas(64) chunk_state st;
  std::uint8_t order[sorted_trees];
  for (int w0 = 0; w0 < num_trees; w0 += sorted_trees) {
    const int window = num_trees - w0 < sorted_trees ? num_trees - w0 : sorted_trees;
    order_by_steps(steps + w0, window, order);
    for (int j0 = 0; j0 < window; j0 += K) {
      const int n = window - j0 < K ? window - j0 : K;
      int tree[K];
      std::uint32_t root[K];  // where each tree's root record starts
      int chunk_steps = 0;
      // The root step runs across rows when the column copy holds every root's slots.
      bool across_rows = root_eval::available && xt != nullptr;
      for (int k = 0; k < n; ++k) {
        tree[k] = w0 + order[j0 + k];
        root[k] = static_cast<std::uint32_t>(roots[tree[k]] * record_words(depth_v));
        chunk_steps = steps[tree[k]] > chunk_steps ? steps[tree[k]] : chunk_steps;
        across_rows = across_rows &&
                      ((v.spare[root[k]] >> spare_flags_shift) & beyond_columns) == 0 &&
                      (root_eval::categorical || v.category_lanes[root[k]] == 0);
      }
      across_rows = across_rows && chunk_steps > 0;
      for (int k = 0; k < n; ++k) {
        if (across_rows) {
          root_eval::run(v, xt, num_rows, root[k], st.start[k], st.word[k]);
          continue;
        }
        for (std::size_t r = 0; r < num_rows; ++r) {
          st.start[k][r] = static_cast<std::int32_t>(root[k]);
          st.word[k][r] = 0;
        }
      }
      const int row_steps = across_rows ? chunk_steps - 1 : chunk_steps;
      if (n == K)
        step_passes<eval, depth_v, true, arch_t>(v, xs, stride, num_rows, has_nan, st, n, row_steps);
      else
        step_passes<eval, depth_v, false, arch_t>(v, xs, stride, num_rows, has_nan, st, n, row_steps);
      for (int k = 0; k < n; ++k)
        for (std::size_t r = 0; r < num_rows; ++r)
          refs[static_cast<std::size_t>(tree[k]) * tile_rows + r] = st.word[k][r];
    }
  }
}

template <class arch_t, int depth_v, int width_v>
void fill_kernel_set(kernel_set& ks) noexcept {
  ks.walk[depth_v - 3][width_v][0] = &walk_block<arch_t, depth_v, width_v, false>;
  ks.walk[depth_v - 3][width_v][1] = &walk_block<arch_t, depth_v, width_v, true>;
}

template <class arch_t>
kernel_set make_kernel_set() noexcept {
  kernel_set ks{};
  fill_kernel_set<arch_t, 3, 0>(ks);
  fill_kernel_set<arch_t, 3, 1>(ks);
  fill_kernel_set<arch_t, 3, 2>(ks);
  fill_kernel_set<arch_t, 4, 0>(ks);
  fill_kernel_set<arch_t, 4, 1>(ks);
  fill_kernel_set<arch_t, 4, 2>(ks);
  ks.root_steps_across_rows = root_step<arch_t, 3>::available;
  ks.sliced = sliced_kernel<arch_t>::block;
  ks.sliced_row_bytes = sliced_kernel<arch_t>::row_bytes;
  ks.sliced_row_words = sliced_kernel<arch_t>::row_words;
  ks.node_mask_row = node_mask_kernel<arch_t>::row;
  ks.bitvector_quantize = bitvector_kernel<arch_t>::quantize;
  ks.bitvector_trees = bitvector_kernel<arch_t>::trees;
  return ks;
}

/// The portable kernel: one lane at a time, same layout, same NaN rule.
template <int depth_v, int width_v, bool categorical_v>
struct group_eval<scalar_arch, depth_v, width_v, categorical_v> {
  struct state {};
  static state load(const float*) noexcept { return {}; }
  static bool may_have_nan(const state&, const float*) noexcept { return true; }
  template <bool nan_v>
  static unsigned mask(const walk_view& v, std::size_t base, const state&,
                       const float* x) noexcept {
    constexpr int W = 1 << depth_v;
    unsigned m = 0;
    const unsigned categorical = categorical_v ? v.category_lanes[base] : 0u;
    const auto missing_left = static_cast<std::uint32_t>(v.spare[base]);
    for (int l = 0; l < W - 1; ++l) {
      const float value = x[v.slot[base + l]];
      bool right;
      if (value != value)
        right = ((missing_left >> l) & 1u) == 0;
      else if (((categorical >> l) & 1u) != 0)
        right = category_lane_in_set(v, base, l, value);
      else
        right = !(value < lane_float(v.threshold + base + l));
      m |= static_cast<unsigned>(right) << l;
    }
    return m;
  }
};

}  // namespace grove::kernels
