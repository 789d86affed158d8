// No include guard: each target includes this once, inside its own namespace (see
// kernels/targets.hpp), so that every function here is compiled once per target with the
// target's instruction set and no two targets (nor portable code) share a symbol.
//
/// @file
/// The group walk driver, generic over a target's group evaluation (group_eval) and root step
/// (root_step).

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "grove/kernels/walk.hpp"

#if !defined(GROVE_TARGET_NAMESPACE)
#error "grove/kernels/generic/walk.hpp is included by a target header (kernels/target_*.hpp)"
#endif

namespace grove::kernels::GROVE_TARGET_NAMESPACE {

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
      w.group[j] = static_cast<std::uint32_t>(roots[j0 + j] * group_words<depth_v>);
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
        root[k] = static_cast<std::uint32_t>(roots[tree[k]] * group_words<depth_v>);
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
void fill_walk_kernels(kernel_set& ks) noexcept {
  ks.walk[depth_v - 3][width_v][0] = &walk_block<arch_t, depth_v, width_v, false>;
  ks.walk[depth_v - 3][width_v][1] = &walk_block<arch_t, depth_v, width_v, true>;
}

/// Sets the walk kernels of ks: every group depth, row width and categorical flag.
template <class arch_t>
void fill_walks(kernel_set& ks) noexcept {
  fill_walk_kernels<arch_t, 3, 0>(ks);
  fill_walk_kernels<arch_t, 3, 1>(ks);
  fill_walk_kernels<arch_t, 3, 2>(ks);
  fill_walk_kernels<arch_t, 4, 0>(ks);
  fill_walk_kernels<arch_t, 4, 1>(ks);
  fill_walk_kernels<arch_t, 4, 2>(ks);
  ks.root_steps_across_rows = root_step<arch_t, 3>::available;
}

}  // namespace grove::kernels::GROVE_TARGET_NAMESPACE
