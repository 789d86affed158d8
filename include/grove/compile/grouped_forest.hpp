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
#include <map>
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
  /// Some lane is a categorical split: the engine then picks the kernels that test category
  /// sets. Such a lane's threshold word holds the first word of its set's code range, and the
  /// side record its words, or where they start in category_words and how many there are
  /// (kernels::field_category_base, see category_in_set in kernels/generic/walk.hpp).
  bool categorical_lanes = false;
  /// The sets of more than two words, each the words over its own code range
  /// (detail::category_span); splits with the same set share their words.
  grove::detail::aligned_vector<std::int32_t> category_words;

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

/// Category codes at or above this (2^24) never go right: the reference sends such values
/// left whatever the set, so the kernels' sets leave them out.
inline constexpr std::int32_t category_code_limit = std::int32_t{1} << 24;

/// Words a categorical split's set may take in lanes whatever its size (8 KiB: any set of codes
/// spanning at most 65,536); larger spans need sets of at least a quarter as many codes as words
/// (the words then cost at most 16 bytes per code in the model file).
inline constexpr std::uint32_t category_words_any_set = 2048;
inline constexpr std::uint32_t category_words_per_code = 4;

/// The words of a categorical split's set over its own code range: codes 32 first ..
/// 32 (first + count) - 1 (count 0 for a set without a code below category_code_limit).
struct category_span {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  std::uint32_t codes = 0;  ///< codes of the set below category_code_limit
};

inline category_span span_of(const ir::tree& t, std::size_t node) {
  category_span s;
  const std::uint32_t b = t.category_begin[node], e = t.category_begin[node + 1];
  std::int32_t lo = category_code_limit, hi = -1;
  for (std::uint32_t c = b; c < e; ++c) {
    const std::int32_t code = t.categories[c];
    if (code < 0 || code >= category_code_limit) continue;
    lo = std::min(lo, code);
    hi = std::max(hi, code);
    ++s.codes;
  }
  if (hi < 0) return s;
  s.first = static_cast<std::uint32_t>(lo) / 32;
  s.count = static_cast<std::uint32_t>(hi) / 32 - s.first + 1;
  return s;
}

/// True when a categorical split's set is too sparse for words over its range: memory per split
/// stays within max(category_words_any_set, category_words_per_code x codes) words.
inline bool too_sparse(const category_span& s) noexcept {
  return s.count > category_words_any_set &&
         s.count > static_cast<std::uint64_t>(category_words_per_code) * s.codes;
}

/// True when the kernels cannot express a node: a categorical split whose set is too sparse
/// for its words (too_sparse). Such a tree takes the reference walk.
inline bool needs_scalar_path(const ir::tree& t) {
  if (!t.has_categories()) return false;
  std::vector<std::int32_t> stack{0};
  while (!stack.empty()) {
    const std::int32_t node = stack.back();
    stack.pop_back();
    if (t.is_leaf(node)) continue;
    if (t.is_categorical(node) && too_sparse(span_of(t, static_cast<std::size_t>(node))))
      return true;
    stack.push_back(t.left[node]);
    stack.push_back(t.right[node]);
  }
  return false;
}

/// The words of split `node`'s set over its span.
inline std::vector<std::int32_t> category_words_of(const ir::tree& t, std::size_t node,
                                                   const category_span& s) {
  std::vector<std::int32_t> words(s.count, 0);
  for (std::uint32_t c = t.category_begin[node]; c < t.category_begin[node + 1]; ++c) {
    const std::int32_t code = t.categories[c];
    if (code < 0 || code >= category_code_limit) continue;
    const std::size_t at = static_cast<std::size_t>(code) / 32 - s.first;
    words[at] = static_cast<std::int32_t>(static_cast<std::uint32_t>(words[at]) |
                                          (1u << (static_cast<std::uint32_t>(code) % 32)));
  }
  return words;
}

/// The forest's pool of category words while it is built: each distinct set once.
class category_pool {
 public:
  /// Where the words of split `node`'s set start in the pool (adding them if new).
  std::int32_t add(const ir::tree& t, std::size_t node, const category_span& s) {
    std::vector<std::int32_t> key = category_words_of(t, node, s);
    key.insert(key.begin(), static_cast<std::int32_t>(s.first));
    const auto found = base_.find(key);
    if (found != base_.end()) return found->second;
    if (words_.size() + s.count > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw error(error_code::limit, "model",
                  "the categorical splits' sets need more than 2^31 words");
    const auto base = static_cast<std::int32_t>(words_.size());
    words_.insert(words_.end(), key.begin() + 1, key.end());
    base_.emplace(std::move(key), base);
    return base;
  }
  /// The pool, with a word to spare so that a set of no words still has a valid base.
  grove::detail::aligned_vector<std::int32_t> finish() const {
    grove::detail::aligned_vector<std::int32_t> out(words_.size() + 1, 0);
    std::copy(words_.begin(), words_.end(), out.begin());
    return out;
  }

 private:
  std::vector<std::int32_t> words_;
  std::map<std::vector<std::int32_t>, std::int32_t> base_;
};

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
  std::vector<std::int32_t> slot, next, ref, leaf_bits, category_base, category_count;
  std::vector<float> threshold;
  std::vector<std::uint8_t> missing_left;  ///< the lane sends missing values left
  /// kernels::gathers_slots (a slot >= resident_slots) | kernels::beyond_columns
  std::vector<std::uint8_t> flags;
  /// bit l set when lane l holds a split (the others are padding, whose outcome never matters)
  std::vector<std::uint16_t> live_lanes;
  /// bit l set when lane l is a categorical split (its threshold holds its set's first word;
  /// category_base and category_count its words, or where they are in the pool)
  std::vector<std::uint16_t> category_lanes;
  /// bit l set when lane l's set has more than two words, which are in the pool
  std::vector<std::uint16_t> category_pooled;
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
      field(kernels::field_category_base)[l] = L.category_base[i];
      field(kernels::field_category_count)[l] = L.category_count[i];
    }
    std::uint32_t missing_left = 0;
    for (std::size_t l = 0; l + 1 < W; ++l)
      if (L.missing_left[gr * W + l] != 0) missing_left |= 1u << l;
    field(kernels::field_threshold)[W - 1] = static_cast<std::int32_t>(
        missing_left | static_cast<std::uint32_t>(L.flags[gr]) << kernels::spare_flags_shift);
    std::int32_t* words = field(kernels::field_group);
    words[kernels::group_live_lanes] = L.live_lanes[gr];
    words[kernels::group_category_lanes] = L.category_lanes[gr];
    words[kernels::group_category_pooled] = L.category_pooled[gr];
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
    L.category_base.resize(g.num_groups * W, 0);
    L.category_count.resize(g.num_groups * W, 0);
    L.category_lanes.push_back(0);
    L.category_pooled.push_back(0);
    L.live_lanes.push_back(0);
    lane_feature.resize(g.num_groups * W, -1);
    group_reach.push_back(0.0);
    return static_cast<std::int32_t>(id);
  };
  new_group();  // group 0: the sink

  const bool all_scalar_path = count_used_features(f) > max_slots;
  detail::category_pool pool;
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
          const std::size_t node = static_cast<std::size_t>(it.node);
          const detail::category_span span = detail::span_of(t, node);
          std::memcpy(&L.threshold[lane], &span.first, sizeof(float));  // no threshold: the set's first word
          if (span.count <= 2) {  // the words in the lane
            const std::vector<std::int32_t> words = detail::category_words_of(t, node, span);
            L.category_base[lane] = span.count > 0 ? words[0] : 0;
            L.category_count[lane] = span.count > 1 ? words[1] : 0;
          } else {
            L.category_base[lane] = pool.add(t, node, span);
            L.category_count[lane] = static_cast<std::int32_t>(span.count);
            L.category_pooled[static_cast<std::size_t>(pg.group)] |=
                static_cast<std::uint16_t>(1u << it.pos);
          }
          L.category_lanes[static_cast<std::size_t>(pg.group)] |=
              static_cast<std::uint16_t>(1u << it.pos);
          g.categorical_lanes = true;
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
  g.category_words = pool.finish();
  detail::pack_records(L, g);
  return g;
}

}  // namespace grove::compile
