#pragma once
/// @file
/// The grouped forest: every tree of an ir::forest cut into groups of D levels (D = 3 or 4), each
/// group padded to the complete shape so one shared lookup table maps a comparison bitmask to an
/// exit, laid out in flat 64-byte aligned arrays for the kernels. See docs/design.md.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "grove/detail/aligned_vector.hpp"
#include "grove/error.hpp"
#include "grove/ir/forest.hpp"
#include "grove/ir/reference.hpp"
#include "grove/kernels/walk.hpp"  // the layout constants the kernels read

namespace grove::compile {

/// Feature slots kept in vector registers by the AVX-512 kernel, chosen per model by how many
/// slots it uses: 32 in two zmm (one two-source permute), 64 in four (two permutes and a blend) or
/// 128 in eight (four permutes and three blends). Groups using a slot beyond these gather.
inline int resident_slots_for(int num_slots) noexcept {
  return num_slots <= 32 ? 32 : num_slots <= 64 ? 64 : 128;
}

/**
 * Group g of a depth-D grouped forest has W = 2^D lanes: lanes 0 .. W-2 are the split nodes of a
 * complete binary tree in breadth-first order (children of lane i are 2i+1 and 2i+2), lane W-1 is
 * spare (its threshold word is the kernels' spare word: NaN defaults and flags). Bit i of the
 * group's mask is "goes right at lane i". Exits 0 .. W-1 are the positions below the last
 * level, left to right. Each exit leads to a group and carries ref = leaf node id + 1, or 0 when
 * the exit is not a leaf. Group 0 is the sink: all its exits lead back to it with ref 0, so a
 * walk can run a fixed number of steps and OR the refs.
 */
struct grouped_forest {
  int depth = 3;  ///< D
  int lanes = 8;  ///< W = 2^D (also the number of exits)
  int num_slots = 1;    ///< feature slots in use (after reordering)
  int resident_slots = 32;  ///< slots kept in registers by AVX-512 (resident_slots_for)
  int slot_stride = 32; ///< floats per row in the slot buffer (>= resident_slots; multiple of 16)
  /// Slots < column_slots are what a column-major copy of the rows holds for root steps across
  /// rows; groups reading a slot beyond are flagged kernels::beyond_columns.
  int column_slots = 128;
  std::vector<std::int32_t> slot_feature;  ///< slot -> input column; -1 is the constant 0

  std::size_t num_groups = 0;
  /// Every group's walked record (kernels::record_words(depth) words, see kernels::record_field):
  /// its lanes' slots, thresholds (with the NaN defaults in the spare lane) and exits. Exit e of
  /// the group at record offset b leads to the group whose records start at
  /// next = record[b + field_next * W + e], and carries leaf_bits (the bit pattern of the exit's
  /// weighted leaf value for one-value leaves, or 0: walks OR these, so the kernel hands back
  /// the float to add).
  grove::detail::aligned_vector<std::int32_t> record;
  /// The rest of every group, at the same offsets: ref per exit (leaf node id + 1, or 0; walks
  /// that report leaves OR these instead), category sets, and the per-group words.
  grove::detail::aligned_vector<std::int32_t> side_record;
  /// Some lane is a categorical split (see categorical_lane_limit): the engine then picks the
  /// kernels that read the records' category words. Such a lane's threshold is 0: kernels turn
  /// a non-missing value into +1 (its category goes right) or -1, leave NaN for the usual NaN
  /// mapping, then compare as for a numeric lane.
  bool categorical_lanes = false;

  // Per tree.
  std::vector<std::int32_t> root;       ///< root group; 0 (the sink) for scalar-path trees
  std::vector<std::int32_t> steps;      ///< group steps to reach every leaf (0 for scalar-path)
  std::vector<std::int32_t> fallback;   ///< index into fallback_trees, or -1
  std::vector<std::int32_t> output;     ///< output the tree adds to (vector leaves: 0)
  std::vector<std::int32_t> leaf_size;  ///< 1, or num_output for vector-leaf trees
  std::vector<std::size_t> value_base;  ///< node n's weighted leaf starts at value[value_base + n*leaf_size]
  std::vector<float> value;             ///< leaf values times the tree weight, rounded to float32
  std::vector<ir::tree> fallback_trees; ///< trees walked by the scalar reference rule

  std::int32_t num_feature = 0;
  std::int32_t num_output = 1;
  std::vector<float> base_margin;
  double sharing_rate = 1.0;  ///< weighted fraction of group evaluations served from registers
  int max_steps = 0;

  /// Mask of a D = 3 complete tree (bits 0..6; bit 7, the spare lane, ignored) -> exit 0..7.
  std::uint8_t lut[256] = {};

  std::size_t num_trees() const noexcept { return root.size(); }
};

namespace detail {

/// Exit reached through a complete depth-3 tree given "goes right" bits in breadth-first order.
inline std::uint8_t exit_of_mask3(unsigned mask) noexcept {
  unsigned n = 0;
  for (int level = 0; level < 3; ++level) n = 2 * n + 1 + ((mask >> n) & 1u);
  return static_cast<std::uint8_t>(n - 7);
}

/// Categorical splits whose categories are all below this are evaluated in kernel lanes.
inline constexpr std::int32_t categorical_lane_limit = 64;

/// True when the kernels cannot express a node: a categorical split with a category >=
/// categorical_lane_limit.
inline bool needs_scalar_path(const ir::tree& t) {
  std::vector<std::int32_t> stack{0};
  while (!stack.empty()) {
    const std::int32_t node = stack.back();
    stack.pop_back();
    if (t.is_leaf(node)) continue;
    if (t.is_categorical(node)) {
      for (std::uint32_t c = t.category_begin[node]; c < t.category_begin[node + 1]; ++c)
        if (t.categories[c] < 0 || t.categories[c] >= categorical_lane_limit) return true;
    }
    stack.push_back(t.left[node]);
    stack.push_back(t.right[node]);
  }
  return false;
}

/// Levels of a tree's root group: the remainder of its depth over D (1 .. D), so that every
/// group below the root is cut at full depth. The root group is stepped across rows (cheap per
/// row) while the groups below are read row by row: padding there would cost memory and cache
/// for nothing (a depth-10 tree in D = 4 groups: 69 groups instead of 233).
inline int root_group_levels(int tree_levels, int depth) noexcept {
  return tree_levels <= 0 ? depth : (tree_levels - 1) % depth + 1;
}

/// A grouped forest's lane fields ([group][lane]) and the per-group words the kernels read,
/// while it is built.
struct lane_arrays {
  std::vector<std::int32_t> slot, next, ref, leaf_bits, category_lo, category_hi;
  std::vector<float> threshold;
  std::vector<std::uint8_t> missing_left;  ///< the lane sends missing values left
  /// kernels::gathers_slots (a slot >= resident_slots) | kernels::beyond_columns
  std::vector<std::uint8_t> flags;
  /// bit l set when lane l holds a split (the others are padding, whose outcome never matters)
  std::vector<std::uint16_t> live_lanes;
  /// bit l set when lane l is a categorical split, whose categories that go right are the bits
  /// of category_lo (codes 0..31) and category_hi (32..63)
  std::vector<std::uint16_t> category_lanes;
};

/// Lays the lane fields and per-group words out as the kernels read them (g.record,
/// g.side_record).
inline void pack_records(const lane_arrays& L, grouped_forest& g) {
  const std::size_t W = static_cast<std::size_t>(g.lanes);
  const std::size_t R = kernels::record_words(g.depth);
  // Exits hold record offsets as int32.
  if (g.num_groups > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) / R)
    throw error(error_code::limit, "model",
                std::to_string(g.num_groups) + " groups of " + std::to_string(g.lanes) +
                    " lanes are more than the grouped engine addresses");
  g.record.assign(g.num_groups * R, 0);
  g.side_record.assign(g.num_groups * R, 0);
  for (std::size_t gr = 0; gr < g.num_groups; ++gr) {
    auto field = [&](kernels::record_field f) {
      return kernels::field_start(g.record.data(), g.side_record.data(), g.depth, f) + gr * R;
    };
    for (std::size_t l = 0; l < W; ++l) {
      const std::size_t i = gr * W + l;
      field(kernels::field_slot)[l] = L.slot[i];
      std::memcpy(field(kernels::field_threshold) + l, &L.threshold[i], sizeof(float));
      field(kernels::field_next)[l] = static_cast<std::int32_t>(static_cast<std::size_t>(L.next[i]) * R);
      field(kernels::field_leaf_bits)[l] = L.leaf_bits[i];
      field(kernels::field_ref)[l] = L.ref[i];
      field(kernels::field_category_lo)[l] = L.category_lo[i];
      field(kernels::field_category_hi)[l] = L.category_hi[i];
    }
    std::uint32_t missing_left = 0;
    for (std::size_t l = 0; l + 1 < W; ++l)
      if (L.missing_left[gr * W + l] != 0) missing_left |= 1u << l;
    field(kernels::field_threshold)[W - 1] = static_cast<std::int32_t>(
        missing_left | static_cast<std::uint32_t>(L.flags[gr]) << kernels::spare_flags_shift);
    std::int32_t* words = field(kernels::field_group);
    words[kernels::group_live_lanes] = L.live_lanes[gr];
    words[kernels::group_category_lanes] = L.category_lanes[gr];
  }
}

struct pending_group {
  std::size_t tree;
  std::int32_t node;   ///< split node at the group's root
  std::int32_t group;  ///< group index assigned
  int level;           ///< group level within its tree (0 = root group)
  double reach;        ///< estimated fraction of rows that evaluate this group
};

}  // namespace detail

/// Distinct features read by the forest's split nodes.
inline std::size_t count_used_features(const ir::forest& f) {
  std::vector<bool> used(static_cast<std::size_t>(std::max(f.num_feature, 1)), false);
  std::size_t count = 0;
  for (const ir::tree& t : f.trees)
    for (std::size_t n = 0; n < t.num_nodes(); ++n)
      if (!t.is_leaf(n) && t.feature[n] >= 0 && t.feature[n] < f.num_feature &&
          !used[static_cast<std::size_t>(t.feature[n])]) {
        used[static_cast<std::size_t>(t.feature[n])] = true;
        ++count;
      }
  return count;
}

/**
 * Compiles a forest into groups of `depth` levels (3 or 4). Feature slots are ordered by how
 * many group evaluations use them (weighted by cover when the model has it), so the most used
 * features are register resident on AVX-512.
 * A forest reading more than `max_slots` features is not grouped at all: every tree takes the
 * reference walk on the caller's row, because a row's slots would not fit the engine's buffer.
 * `column_slots`: see grouped_forest::column_slots.
 */
inline grouped_forest build_grouped_forest(const ir::forest& f, int depth,
                                           std::size_t max_slots = SIZE_MAX,
                                           int column_slots = 128) {
  if (depth != 3 && depth != 4)
    throw error(error_code::invalid_argument, "group_depth",
                "must be 3 or 4, got " + std::to_string(depth));
  grouped_forest g;
  g.depth = depth;
  g.column_slots = column_slots;
  g.lanes = 1 << depth;
  const int W = g.lanes;
  const int N = W - 1;
  g.num_feature = f.num_feature;
  g.num_output = f.num_output;
  g.base_margin = f.base_margin;
  for (unsigned m = 0; m < 256; ++m) g.lut[m] = detail::exit_of_mask3(m);
  // Bits of leaf `node`'s weighted value in tree i (vector-leaf trees: 0, they use `ref`).
  auto leaf_value_bits = [&](std::size_t i, std::int32_t node) -> std::int32_t {
    if (g.leaf_size[i] != 1) return 0;
    std::int32_t bits;
    std::memcpy(&bits, &g.value[g.value_base[i] + static_cast<std::size_t>(node)], sizeof bits);
    return bits;
  };

  const std::size_t T = f.num_trees();
  g.root.assign(T, 0);
  g.steps.assign(T, 0);
  g.fallback.assign(T, -1);
  g.output.assign(T, 0);
  g.leaf_size.assign(T, 1);
  g.value_base.assign(T, 0);

  // Weighted leaf values: rounded to float32 exactly as the reference does at predict time.
  for (std::size_t i = 0; i < T; ++i) {
    const ir::tree& t = f.trees[i];
    g.output[i] = f.tree_output[i];
    g.leaf_size[i] = t.leaf_size;
    g.value_base[i] = g.value.size();
    const float w = f.tree_weight[i];
    for (float v : t.leaf_value) g.value.push_back(ir::detail::rounded_product(v, w));
  }

  // Pass 1: cut trees into groups (original feature ids in lane_feature for now), each lane's
  // fields in plain arrays ([group][lane]; next holds group numbers) until they are packed
  // into the records.
  detail::lane_arrays L;
  std::vector<std::int32_t> lane_feature;  // [group][lane] original feature or -1
  std::vector<double> group_reach;
  auto new_group = [&]() {
    const std::size_t id = g.num_groups++;
    L.threshold.resize(g.num_groups * W, std::numeric_limits<float>::infinity());
    L.missing_left.resize(g.num_groups * W, 0);
    L.next.resize(g.num_groups * W, 0);
    L.ref.resize(g.num_groups * W, 0);
    L.leaf_bits.resize(g.num_groups * W, 0);
    L.category_lo.resize(g.num_groups * W, 0);
    L.category_hi.resize(g.num_groups * W, 0);
    L.category_lanes.push_back(0);
    L.live_lanes.push_back(0);
    lane_feature.resize(g.num_groups * W, -1);
    group_reach.push_back(0.0);
    return static_cast<std::int32_t>(id);
  };
  new_group();  // group 0: the sink

  const bool all_scalar_path = count_used_features(f) > max_slots;
  std::vector<detail::pending_group> queue;
  for (std::size_t i = 0; i < T; ++i) {
    const ir::tree& t = f.trees[i];
    if (all_scalar_path || detail::needs_scalar_path(t)) {
      g.fallback[i] = static_cast<std::int32_t>(g.fallback_trees.size());
      g.fallback_trees.push_back(t);
      continue;
    }
    const int root_levels = detail::root_group_levels(ir::tree_depth(t), depth);
    const std::int32_t root = new_group();
    g.root[i] = root;
    queue.push_back({i, 0, root, 0, 1.0});
    // Process this tree's groups breadth first (queue holds only this tree's groups).
    for (std::size_t q = 0; q < queue.size(); ++q) {
      const detail::pending_group pg = queue[q];
      const int levels = pg.level == 0 ? root_levels : depth;  // levels of real splits
      g.steps[i] = std::max(g.steps[i], pg.level + 1);
      group_reach[pg.group] = pg.reach;
      const double root_cover =
          t.cover.empty() ? 0.0 : static_cast<double>(t.cover[static_cast<std::size_t>(pg.node)]);
      // fill(pos, node, level): node sits at complete-tree position pos (level = its depth).
      struct item {
        int pos;
        std::int32_t node;
        int level;
      };
      std::vector<item> stack{{0, pg.node, 0}};
      while (!stack.empty()) {
        const item it = stack.back();
        stack.pop_back();
        const std::size_t base = static_cast<std::size_t>(pg.group) * W;
        if (it.level == levels || t.is_leaf(it.node)) {
          // An exit of the group: a leaf, or the root of a group below. Above the last level
          // (a leaf that ends its branch early, or the end of a shallow root group) the lanes
          // below it are padding (slot 0, threshold +inf) and every exit below it carries it,
          // so the padding tests' outcomes never matter.
          const int first = ((it.pos + 1) << (depth - it.level)) - 1 - N;
          const int count = 1 << (depth - it.level);
          std::int32_t ref = 0, bits = 0, next = 0;
          if (t.is_leaf(it.node)) {
            ref = it.node + 1;
            bits = leaf_value_bits(i, it.node);
          } else {
            // Cover is only a weight for the feature order; a file's covers can be zero,
            // negative or not finite, and then an even split stands in for them.
            double reach = pg.reach / static_cast<double>(1 << it.level);
            const double cover = t.cover.empty() ? 0.0 : static_cast<double>(t.cover[it.node]);
            if (root_cover > 0.0 && std::isfinite(root_cover) && cover >= 0.0 &&
                cover <= root_cover)
              reach = pg.reach * cover / root_cover;
            const std::int32_t child = new_group();
            next = child;
            queue.push_back({i, it.node, child, pg.level + 1, reach});
          }
          for (int k = 0; k < count; ++k) {
            const std::size_t e = base + static_cast<std::size_t>(first + k);
            L.ref[e] = ref;
            L.leaf_bits[e] = bits;
            L.next[e] = next;
          }
          continue;
        }
        const std::size_t lane = base + static_cast<std::size_t>(it.pos);
        lane_feature[lane] = t.feature[it.node];
        L.live_lanes[static_cast<std::size_t>(pg.group)] |= static_cast<std::uint16_t>(1u << it.pos);
        L.threshold[lane] = t.threshold[it.node];
        if (t.is_categorical(it.node)) {
          L.threshold[lane] = 0.0f;  // the kernel maps in-set to +1, not-in-set to -1
          L.category_lanes[static_cast<std::size_t>(pg.group)] |=
              static_cast<std::uint16_t>(1u << it.pos);
          g.categorical_lanes = true;
          for (std::uint32_t c = t.category_begin[it.node]; c < t.category_begin[it.node + 1]; ++c) {
            const std::int32_t code = t.categories[c];
            std::int32_t& word = code < 32 ? L.category_lo[lane] : L.category_hi[lane];
            word = static_cast<std::int32_t>(static_cast<std::uint32_t>(word) | (1u << (code % 32)));
          }
        }
        L.missing_left[lane] = t.default_left[it.node] != 0 ? 1 : 0;
        stack.push_back({2 * it.pos + 1, t.left[it.node], it.level + 1});
        stack.push_back({2 * it.pos + 2, t.right[it.node], it.level + 1});
      }
    }
    queue.clear();
    g.max_steps = std::max(g.max_steps, g.steps[i]);
  }

  // Pass 2: order features by weighted use; the most used become slots 0, 1, ...
  // Every feature a lane reads gets a slot, whatever its weight (a weight can be 0).
  std::vector<double> use(static_cast<std::size_t>(std::max(f.num_feature, 1)), 0.0);
  std::vector<bool> used(use.size(), false);
  for (std::size_t gr = 1; gr < g.num_groups; ++gr)
    for (int l = 0; l < N; ++l) {
      const std::int32_t feat = lane_feature[gr * W + static_cast<std::size_t>(l)];
      if (feat < 0) continue;
      use[static_cast<std::size_t>(feat)] += group_reach[gr];
      used[static_cast<std::size_t>(feat)] = true;
    }
  std::vector<std::int32_t> order;
  for (std::int32_t k = 0; k < f.num_feature; ++k)
    if (used[static_cast<std::size_t>(k)]) order.push_back(k);
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    return use[static_cast<std::size_t>(a)] > use[static_cast<std::size_t>(b)];
  });
  std::vector<std::int32_t> slot_of(static_cast<std::size_t>(std::max(f.num_feature, 1)), 0);
  for (std::size_t s = 0; s < order.size(); ++s)
    slot_of[static_cast<std::size_t>(order[s])] = static_cast<std::int32_t>(s);
  g.slot_feature = order;
  if (g.slot_feature.empty()) g.slot_feature.push_back(-1);  // slot 0 = constant 0
  g.num_slots = static_cast<int>(g.slot_feature.size());
  g.resident_slots = resident_slots_for(g.num_slots);
  g.slot_stride = std::max(g.resident_slots, (g.num_slots + 15) / 16 * 16);

  L.slot.assign(g.num_groups * W, 0);
  L.flags.assign(g.num_groups, 0);
  double total = 0.0, resident = 0.0;
  for (std::size_t gr = 0; gr < g.num_groups; ++gr) {
    std::int32_t max_slot = 0;
    for (int l = 0; l < N; ++l) {
      const std::int32_t feat = lane_feature[gr * W + static_cast<std::size_t>(l)];
      const std::int32_t s = feat >= 0 ? slot_of[static_cast<std::size_t>(feat)] : 0;
      L.slot[gr * W + static_cast<std::size_t>(l)] = s;
      max_slot = std::max(max_slot, s);
    }
    const bool all_resident = max_slot < g.resident_slots;
    L.flags[gr] =
        static_cast<std::uint8_t>((all_resident ? 0 : kernels::gathers_slots) |
                                  (max_slot < g.column_slots ? 0 : kernels::beyond_columns));
    if (gr > 0) {
      total += group_reach[gr];
      if (all_resident) resident += group_reach[gr];
    }
  }
  g.sharing_rate = total > 0.0 ? resident / total : 1.0;
  detail::pack_records(L, g);
  return g;
}

}  // namespace grove::compile
