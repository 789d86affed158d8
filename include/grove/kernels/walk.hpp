#pragma once
/// @file
/// The portable part of the group walk: the record layout of a grouped forest, the plain view
/// the kernels read, the kernel entry-point signature and the set of kernels a target provides.
/// The walk itself is generic/walk.hpp, compiled once inside each target's namespace.

#include <cstddef>
#include <cstdint>

#include "grove/kernels/bitvector.hpp"
#include "grove/kernels/node_mask.hpp"
#include "grove/kernels/sliced.hpp"

namespace grove::kernels {

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

/// Words of a group of depth_v levels' record, as a constant (kernels compute offsets with it).
template <int depth_v>
inline constexpr std::size_t group_words = record_words(depth_v);

}  // namespace grove::kernels
