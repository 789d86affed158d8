#pragma once
/// @file
/// Exact SHAP feature contributions (TreeSHAP, as XGBoost's pred_contribs) with per-leaf tables
/// precomputed at construction (FastTreeSHAP "v2"-style).
///
/// Depends on ir/ only: no JSON, no SIMD. grove::predictor uses it for output::contribs.
///
/// The quantity computed is XGBoost 1.7's TreeSHAP with node covers (sum of hessians) as the
/// background distribution. For one leaf with value v, let U be the distinct features split on
/// along its root path (d = |U|), and for each j in U:
///   z_j = product over the path's splits on j of cover(child taken) / cover(parent)
///   o_j = 1 when the row would take every one of those children, else 0.
/// The leaf contributes, to each j in U (a standard identity of TreeSHAP; XGBoost gets the same
/// numbers by extending and "unwinding" a path of permutation weights):
///   phi_j += v * (o_j - z_j) * sum_{S subset of U \ {j}} w(|S|) prod_{k in S} o_k
///                                                           prod_{k in U \ S \ {j}} z_k,
///   w(s) = s! (d - s - 1)! / d!.
/// Because each o_k is 0 or 1, only the set B = {k : o_k = 1} of the row matters. With
///   Q(C) = sum_{S subset of C} w(|S|) prod_{k in C \ S} z_k     (for C subset of U)
///   Zout = prod_{k in U \ B} z_k
/// this becomes
///   j in B:     phi_j += v * Zout * (1 - z_j) * Q(B \ {j})
///   j not in B: phi_j -= v * Zout * Q(B)
/// and since Zout(B \ {j}) = z_j Zout(B), with P(C) = v * Zout(C) * Q(C):
///   j in B:     phi_j += (1 - z_j) / z_j * P(B \ {j})
///   j not in B: phi_j -= P(B)
/// P depends on the leaf only, so it is tabulated over the 2^d subsets at construction (in
/// float); a row then costs O(d) per leaf (one load and one multiply per feature) instead of
/// XGBoost's O(d^2). Leaves with more than max_table_slots distinct features, a zero cover on the
/// path (z_j = 0), or past the memory budget are evaluated with the path algorithm (XGBoost's
/// extend, then unwind per feature, in double; O(d^2) per leaf, no table). Each tree's shares are
/// summed in double, then added to the float output. XGBoost works in float throughout, so the
/// results agree to float rounding (about 1e-6 of the row's scale), not bit for bit.
///
/// The bias column is the base margin plus each tree's expected value: the cover-weighted mean of
/// its leaves (XGBoost's node "mean values"), times the tree's DART weight.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "grove/detail/row_source.hpp"
#include "grove/error.hpp"
#include "grove/ir/forest.hpp"
#include "grove/ir/reference.hpp"

#if defined(__GNUC__) || defined(__clang__)
#define GROVE_SHAP_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define GROVE_SHAP_NOINLINE __declspec(noinline)
#else
#define GROVE_SHAP_NOINLINE
#endif

namespace grove::explain {

struct shap_options {
  /// Upper bound on the memory of all Q tables together; trees past it use the path algorithm.
  std::size_t table_budget_bytes = std::size_t{128} << 20;
  /// Leaves with more distinct path features than this (2^slots floats each) use the path
  /// algorithm. At most 16.
  int max_table_slots = 12;
  /// Trees with at most this many split nodes have every split decided once per row into a
  /// stack buffer; larger trees decide each split per leaf path instead (no buffer). At most
  /// max_scratch_splits.
  std::size_t scratch_splits = 8192;
  /// Trees splitting on at most this many distinct features sum their contributions in a stack
  /// accumulator of doubles; others add each leaf's share straight into the float output.
  /// At most max_local_features.
  std::size_t local_features = 2048;
};

/// Stack use of one add_rows call: 8 KiB of split decisions, 16 KiB of per-tree sums, and for
/// leaves outside the tables 4 KiB + 32 KiB of path weights: about 60 KiB, on the calling thread
/// or a pool thread (8 MiB stacks). Nothing is allocated.
///
/// Split decisions are kept on the stack for trees up to this many split nodes.
inline constexpr std::size_t max_scratch_splits = 8192;
/// Distinct features of one tree summed in the stack accumulator.
inline constexpr std::size_t max_local_features = 2048;
/// The path algorithm keeps a double and a byte per distinct path feature on the stack; the
/// default ir::limits cap the depth at 4096, so no path has more distinct features (a forest
/// loaded with a larger limit and deeper paths is refused, error_code::limit).
inline constexpr std::size_t max_path_slots = 4096;
/// Root-to-leaf path steps over all leaves (8 bytes each, plus at most one slot of 20 bytes per
/// step: at most about 0.9 GB at this bound, before tables).
/// Balanced trees need few (300 depth-8 trees: 0.4 million); very deep, chain-like trees need up
/// to depth^2 / 2 each. Beyond this the forest is refused (error_code::limit) rather than
/// allocating gigabytes.
inline constexpr std::size_t max_path_steps = std::size_t{1} << 25;

/**
 * Precomputed TreeSHAP state for one forest, which must outlive it (grove::predictor keeps
 * both). Immutable after construction; add_row() / add_rows() are const, allocate nothing and
 * may be called from many threads at once. Throws grove::error: unsupported for a forest without
 * covers or with vector leaves, limit for paths beyond max_path_steps / max_path_slots.
 */
class tree_shap {
 public:
  /// Why a forest cannot be explained, or an empty string when it can.
  static std::string unsupported_reason(const ir::forest& f) {
    for (std::size_t i = 0; i < f.num_trees(); ++i) {
      const ir::tree& t = f.trees[i];
      if (t.leaf_size != 1)
        return "tree " + std::to_string(i) +
               " has vector leaves (multi-target trees); XGBoost 1.7 defines no SHAP "
               "contributions for them and grove does not compute any";
      if (t.cover.size() != t.num_nodes())
        return "tree " + std::to_string(i) +
               " has no cover statistics (a model dump written without with_stats?); SHAP "
               "contributions need each node's cover (sum_hessian)";
    }
    return {};
  }

  explicit tree_shap(const ir::forest& f, const shap_options& options = {}) : forest_(&f) {
    const std::string reason = unsupported_reason(f);
    if (!reason.empty()) throw error(error_code::unsupported, "contributions", reason);
    if (options.max_table_slots < 0 || options.max_table_slots > 16)
      throw error(error_code::invalid_argument, "shap_options", "max_table_slots must be 0..16");
    scratch_splits_ = std::min(options.scratch_splits, max_scratch_splits);
    local_features_ = std::min(options.local_features, max_local_features);
    // Table offsets are 32-bit.
    std::size_t budget = std::min<std::size_t>(options.table_budget_bytes / sizeof(float),
                                               std::numeric_limits<std::uint32_t>::max() - 1);
    // Counted before anything is allocated, so that a forest of very deep trees is refused
    // quickly instead of after gigabytes.
    std::size_t total_steps = 0;
    for (const ir::tree& t : f.trees) {
      total_steps += path_steps(t);
      if (total_steps > max_path_steps)
        throw error(error_code::limit, "contributions",
                    "the model's root-to-leaf paths have more than " +
                        std::to_string(max_path_steps) + " steps in all");
    }
    steps_.reserve(total_steps);
    feature_local_.assign(static_cast<std::size_t>(f.num_feature), -1);
    trees_.reserve(f.num_trees());
    for (std::size_t i = 0; i < f.num_trees(); ++i)
      add_tree(f.trees[i], f.tree_weight[i], f.tree_output[i], options.max_table_slots, budget);
    feature_local_ = {};
  }

  /// Expected value of tree i (cover-weighted mean leaf, times its DART weight).
  double expected_value(std::size_t i) const noexcept { return trees_[i].expected; }
  /// Output tree i adds to.
  std::int32_t tree_output(std::size_t i) const noexcept { return trees_[i].output; }
  /// Bytes held by the Q tables.
  std::size_t table_bytes() const noexcept { return tables_.size() * sizeof(float); }
  /// Leaves evaluated from a table / with the path algorithm.
  std::size_t table_leaves() const noexcept { return table_leaves_; }
  std::size_t path_leaves() const noexcept { return leaves_.size() - table_leaves_; }

  /**
   * Adds the feature contributions of trees [trees.begin, trees.end) for row x to out, laid out
   * [output][num_feature + 1] (the bias column is not touched: see expected_value).
   */
  void add_row(const float* x, float missing, ir::tree_range trees, float* out) const noexcept {
    add_rows(x, 1, 0, missing, trees, out, 0);
  }

  /**
   * add_row for n rows: row r at x + r * stride, its output at out + r * out_stride.
   * Rows go through the trees in blocks of block_rows, tree by tree, so that a tree's paths and
   * tables are read from cache by every row of the block (a whole forest's tables are megabytes).
   * Each tree's contributions are summed in double per feature of the tree, then added to the
   * float output once, as XGBoost adds each tree's float total.
   */
  void add_rows(const float* x, std::size_t n, std::size_t stride, float missing,
                ir::tree_range trees, float* out, std::size_t out_stride) const noexcept {
    add_rows_with(
        n, [&](std::size_t r, const auto& body) { body(x + r * stride); }, missing, trees, out,
        out_stride);
  }

  /// add_rows for rows [r0, r0 + n) of any row source (dense float32 or float64, CSR: an absent
  /// entry is missing); row r0 + i's output at out + i * out_stride. A CSR view must have
  /// passed row_source::check.
  void add_rows(const grove::detail::row_source& x, std::size_t r0, std::size_t n, float missing,
                ir::tree_range trees, float* out, std::size_t out_stride) const noexcept {
    if (x.type == grove::detail::row_source::kind::dense_float)
      return add_rows(x.float_row(r0), n, x.stride(), missing, trees, out, out_stride);
    add_rows_with(
        n, [&](std::size_t r, const auto& body) { x.with_row(r0 + r, body); }, missing, trees, out,
        out_stride);
  }

 private:
  /// The work of add_rows; each_row(r, body) calls body(row r), a row read by feature as
  /// row[feature].
  template <class each_row_t>
  void add_rows_with(std::size_t n, const each_row_t& each_row, float missing,
                     ir::tree_range trees, float* out, std::size_t out_stride) const noexcept {
    const std::size_t width = static_cast<std::size_t>(forest_->num_feature) + 1;
    std::uint8_t left[max_scratch_splits];  // per split node: 1 when the row goes left
    double acc[max_local_features];         // per feature of the current tree
    for (std::size_t r0 = 0; r0 < n; r0 += block_rows) {
      const std::size_t r1 = std::min(n, r0 + block_rows);
      for (std::size_t i = trees.begin; i < trees.end; ++i) {
        const tree_entry& te = trees_[i];
        const ir::tree& t = forest_->trees[i];
        const std::int32_t* feats = tree_features_.data() + te.feature_begin;
        const std::int32_t* split_node = splits_.data() + te.split_begin;
        const bool local = te.num_features <= local_features_;
        const bool scratch = te.num_splits <= scratch_splits_;
        for (std::size_t r = r0; r < r1; ++r) each_row(r, [&](const auto& xr) {
          float* phi = out + r * out_stride + static_cast<std::size_t>(te.output) * width;
          const std::uint8_t* decided = nullptr;
          if (scratch) {
            // ir::next_node's rule, from one compact array instead of five per-node vectors.
            const split_entry* sp = split_info_.data() + te.split_begin;
            for (std::uint32_t k = 0; k < te.num_splits; ++k)
              left[k] = ir::split_goes_left(t, static_cast<std::size_t>(split_node[k]),
                                            xr[sp[k].feature], missing, sp[k].default_left != 0,
                                            sp[k].categorical != 0, sp[k].threshold);
            decided = left;
          }
          const decide_context<std::decay_t<decltype(xr)>> ctx{t, split_node, decided, xr, missing};
          if (local) {
            std::fill(acc, acc + te.num_features, 0.0);
            for (std::uint32_t l = te.leaf_begin; l < te.leaf_end; ++l) {
              const leaf_entry& le = leaves_[l];
              if (le.table_begin != no_table)
                table_leaf<double, false>(le, ctx, acc, feats);
              else
                path_leaf<double, false>(le, ctx, acc, feats);
            }
            for (std::uint32_t k = 0; k < te.num_features; ++k)
              phi[feats[k]] += static_cast<float>(acc[k]);
          } else {  // more features than the stack accumulator holds: straight into the output
            for (std::uint32_t l = te.leaf_begin; l < te.leaf_end; ++l) {
              const leaf_entry& le = leaves_[l];
              if (le.table_begin != no_table)
                table_leaf<float, true>(le, ctx, phi, feats);
              else
                path_leaf<float, true>(le, ctx, phi, feats);
            }
          }
        });
      }
    }
  }

  static constexpr std::uint32_t no_table = ~std::uint32_t{0};
  /// Rows that go through a tree together (see add_rows).
  static constexpr std::size_t block_rows = 64;

  /// One step of a leaf's root path: the split (index into the tree's split list), the slot
  /// (distinct feature) it belongs to, and whether the path goes left there.
  struct step {
    std::uint32_t split;
    std::uint32_t slot : 31;
    std::uint32_t goes_left : 1;
  };
  struct leaf_entry {
    double value;                         // leaf value times the tree weight
    std::uint32_t step_begin, step_end;   // into steps_
    std::uint32_t slot_begin, num_slots;  // into slot_local_ / slot_zero_
    std::uint32_t table_begin;            // into tables_ (2^num_slots floats), or no_table
  };
  struct tree_entry {
    std::uint32_t split_begin, num_splits;      // into splits_ (node ids of split nodes)
    std::uint32_t leaf_begin, leaf_end;         // into leaves_
    std::uint32_t feature_begin, num_features;  // into tree_features_ (distinct, any order)
    std::int32_t output;
    double expected;
  };
  /// A split node's test, copied from the tree (see add_rows).
  struct split_entry {
    std::int32_t feature;
    float threshold;
    std::uint8_t default_left, categorical;
  };
  /// What deciding a split for one row needs; row_t: the row, read as x[feature].
  template <class row_t>
  struct decide_context {
    const ir::tree& t;
    const std::int32_t* split_node;
    const std::uint8_t* decided;  // per split, or null: decide on the spot
    row_t x;
    float missing;
  };

  template <class context_t>
  static bool step_taken(const step& s, const context_t& c) noexcept {
    if (c.decided) return c.decided[s.split] == s.goes_left;
    const auto node = static_cast<std::size_t>(c.split_node[s.split]);
    return (ir::next_node(c.t, node, c.x, c.missing) == c.t.left[node]) == (s.goes_left != 0);
  }

  /// Adds one leaf's contributions to sink: sink[local index] (global = false, an accumulator
  /// per feature of the tree) or sink[feature] (global = true, the output row).
  template <class T, bool global, class context_t>
  void table_leaf(const leaf_entry& le, const context_t& ctx, T* sink,
                  const std::int32_t* feats) const noexcept {
    const std::uint32_t d = le.num_slots;
    std::uint32_t in = (std::uint32_t{1} << d) - 1;  // B: slots the row satisfies
    // Written without data-dependent branches: which steps a row fails is close to random, so
    // branches here would be mispredicted about half the time.
    if (ctx.decided) {
      for (std::uint32_t s = le.step_begin; s < le.step_end; ++s) {
        const step st = steps_[s];
        in &= ~(static_cast<std::uint32_t>(ctx.decided[st.split] != st.goes_left) << st.slot);
      }
    } else {
      for (std::uint32_t s = le.step_begin; s < le.step_end; ++s)
        if (!step_taken(steps_[s], ctx)) in &= ~(std::uint32_t{1} << steps_[s].slot);
    }
    const std::uint32_t* local = slot_local_.data() + le.slot_begin;
    const double* factor = slot_factor_.data() + le.slot_begin;
    const float* p = tables_.data() + le.table_begin;
    const double out_share = -p[in];
    for (std::uint32_t j = 0; j < d; ++j) {
      const std::uint32_t bit = std::uint32_t{1} << j;
      const double in_share = factor[j] * p[in & ~bit];
      sink[global ? feats[local[j]] : local[j]] += static_cast<T>((in & bit) ? in_share : out_share);
    }
  }

  /// The path algorithm (XGBoost's ExtendPath / UnwoundPathSum on one leaf's path, in double):
  /// for leaves too deep for a table. Adds to sink as table_leaf does.
  /// Not inlined: its 36 KiB of stack is then only taken while it runs.
  template <class T, bool global, class context_t>
  GROVE_SHAP_NOINLINE void path_leaf(const leaf_entry& le, const context_t& ctx, T* sink,
                 const std::int32_t* feats) const noexcept {
    const std::uint32_t d = le.num_slots;
    std::uint8_t one[max_path_slots];
    double pw[max_path_slots + 1];  // 32 KiB: only deep paths come here
    std::fill(one, one + d, std::uint8_t{1});
    for (std::uint32_t s = le.step_begin; s < le.step_end; ++s) {
      const step& st = steps_[s];
      if (!step_taken(st, ctx)) one[st.slot] = 0;
    }
    const std::uint32_t* local = slot_local_.data() + le.slot_begin;
    const double* zero = slot_zero_.data() + le.slot_begin;
    // Permutation weights of the path, XGBoost's way: element 0 is a placeholder with both
    // fractions 1 (it changes no Shapley value), then the d slots are extended in path order.
    // After extending n elements, pw[k] = sum over subsets S of size k of
    // prod_S o * prod_{not S} z * k! (n - k)! / (n + 1)!.
    pw[0] = 1.0;
    for (std::uint32_t n = 1; n <= d; ++n) {
      const double z = zero[n - 1], o = one[n - 1];
      pw[n] = 0.0;
      for (std::uint32_t i = n; i-- > 0;) {
        pw[i + 1] += o * pw[i] * (i + 1) / (n + 1);
        pw[i] = z * pw[i] * (n - i) / (n + 1);
      }
    }
    bool have_out = false;
    double out_share = 0;
    for (std::uint32_t j = 0; j < d; ++j) {
      if (!one[j] && have_out) {  // every slot the row fails gets the same share
        sink[global ? feats[local[j]] : local[j]] += static_cast<T>(out_share);
        continue;
      }
      const double c = le.value * (one[j] - zero[j]) * unwound_sum(pw, d, one[j], zero[j]);
      if (!one[j]) {
        have_out = true;
        out_share = c;
      }
      sink[global ? feats[local[j]] : local[j]] += static_cast<T>(c);
    }
  }

  /// Sum of the permutation weights with one element (fractions o, z) removed (XGBoost's
  /// UnwoundPathSum); last is the index of the path's last element.
  static double unwound_sum(const double* pw, std::uint32_t last, double o, double z) noexcept {
    double next = pw[last], total = 0;
    const double n1 = last + 1;
    for (std::uint32_t i = last; i-- > 0;) {
      if (o != 0) {
        const double tmp = next * n1 / ((i + 1) * o);
        total += tmp;
        next = pw[i] - tmp * z * (last - i) / n1;
      } else if (z != 0) {
        total += pw[i] / z / ((last - i) / n1);
      }
    }
    return total;
  }

  /// Sum of the depths of a tree's reachable leaves.
  static std::size_t path_steps(const ir::tree& t) {
    std::size_t total = 0;
    std::vector<std::pair<std::int32_t, std::size_t>> stack{{0, 0}};
    while (!stack.empty()) {
      const auto [node, depth] = stack.back();
      stack.pop_back();
      const auto n = static_cast<std::size_t>(node);
      if (t.is_leaf(n)) {
        total += depth;
      } else {
        stack.push_back({t.left[n], depth + 1});
        stack.push_back({t.right[n], depth + 1});
      }
    }
    return total;
  }

  void add_tree(const ir::tree& t, float weight, std::int32_t output, int max_table_slots,
                std::size_t& budget) {
    tree_entry te{};
    te.output = output;
    te.split_begin = static_cast<std::uint32_t>(splits_.size());
    te.leaf_begin = static_cast<std::uint32_t>(leaves_.size());
    te.feature_begin = static_cast<std::uint32_t>(tree_features_.size());
    // Number the reachable split nodes in depth-first order; their decisions are indexed so.
    std::vector<std::int32_t> split_index(t.num_nodes(), -1);
    std::vector<double> mean(t.num_nodes(), 0.0);
    // Iterative depth-first walk holding the current root path.
    struct frame {
      std::int32_t node;
      int state;  // 0: entering, 1: left done, 2: both done
    };
    std::vector<frame> stack{{0, 0}};
    std::vector<std::int32_t> path;  // nodes from the root to the current node
    while (!stack.empty()) {
      frame& fr = stack.back();
      const auto n = static_cast<std::size_t>(fr.node);
      if (t.is_leaf(n)) {
        mean[n] = t.leaf_value[n];
        path.push_back(fr.node);
        add_leaf(t, path, split_index, weight, max_table_slots, budget, te.feature_begin);
        path.pop_back();
        stack.pop_back();
        continue;
      }
      if (fr.state == 0) {
        split_index[n] = static_cast<std::int32_t>(splits_.size() - te.split_begin);
        splits_.push_back(fr.node);
        split_info_.push_back({t.feature[n], t.threshold[n], t.default_left[n],
                               static_cast<std::uint8_t>(t.is_categorical(n) ? 1 : 0)});
        path.push_back(fr.node);
        fr.state = 1;
        stack.push_back({t.left[n], 0});
      } else if (fr.state == 1) {
        fr.state = 2;
        stack.push_back({t.right[n], 0});
      } else {
        const auto l = static_cast<std::size_t>(t.left[n]), r = static_cast<std::size_t>(t.right[n]);
        // XGBoost's FillNodeMeanValues: children's means weighted by their covers, divided by
        // the node's own cover.
        mean[n] = (mean[l] * t.cover[l] + mean[r] * t.cover[r]) / t.cover[n];
        path.pop_back();
        stack.pop_back();
      }
    }
    te.num_splits = static_cast<std::uint32_t>(splits_.size() - te.split_begin);
    te.leaf_end = static_cast<std::uint32_t>(leaves_.size());
    te.num_features = static_cast<std::uint32_t>(tree_features_.size() - te.feature_begin);
    for (std::uint32_t k = te.feature_begin; k < tree_features_.size(); ++k)
      feature_local_[static_cast<std::size_t>(tree_features_[k])] = -1;
    te.expected = mean[0] * static_cast<double>(weight);
    trees_.push_back(te);
  }

  /// Records a leaf whose root path is `path` (split nodes, then the leaf).
  void add_leaf(const ir::tree& t, const std::vector<std::int32_t>& path,
                const std::vector<std::int32_t>& split_index, float weight, int max_table_slots,
                std::size_t& budget, std::uint32_t tree_feature_begin) {
    leaf_entry le{};
    const auto leaf = static_cast<std::size_t>(path.back());
    le.value = static_cast<double>(t.leaf_value[leaf]) * static_cast<double>(weight);
    le.step_begin = static_cast<std::uint32_t>(steps_.size());
    le.slot_begin = static_cast<std::uint32_t>(slot_local_.size());
    for (std::size_t p = 0; p + 1 < path.size(); ++p) {
      const auto node = static_cast<std::size_t>(path[p]);
      const std::int32_t child = path[p + 1];
      const auto feature = static_cast<std::size_t>(t.feature[node]);
      if (feature_local_[feature] < 0) {  // first time this tree splits on the feature
        feature_local_[feature] =
            static_cast<std::int32_t>(tree_features_.size() - tree_feature_begin);
        tree_features_.push_back(static_cast<std::int32_t>(feature));
      }
      const auto local = static_cast<std::uint32_t>(feature_local_[feature]);
      std::uint32_t slot = 0;
      while (slot < le.num_slots && slot_local_[le.slot_begin + slot] != local) ++slot;
      if (slot == le.num_slots) {
        slot_local_.push_back(local);
        slot_zero_.push_back(1.0);
        ++le.num_slots;
      }
      slot_zero_[le.slot_begin + slot] *=
          static_cast<double>(t.cover[static_cast<std::size_t>(child)]) / t.cover[node];
      step s{};
      s.split = static_cast<std::uint32_t>(split_index[node]);
      s.slot = slot;
      s.goes_left = child == t.left[node] ? 1 : 0;
      steps_.push_back(s);
    }
    le.step_end = static_cast<std::uint32_t>(steps_.size());
    if (le.num_slots > max_path_slots)  // only with ir::limits raised past a depth of 4096
      throw error(error_code::limit, "contributions",
                  "a leaf path splits on " + std::to_string(le.num_slots) +
                      " distinct features; at most " + std::to_string(max_path_slots) +
                      " are supported");
    le.table_begin = no_table;
    bool positive = true;  // the table form divides by each z_j
    for (std::uint32_t j = 0; j < le.num_slots; ++j) {
      const double z = slot_zero_[le.slot_begin + j];
      positive = positive && z > 0 && std::isfinite(z);
      slot_factor_.push_back((1.0 - z) / z);
    }
    const std::size_t size = std::size_t{1} << std::min<std::uint32_t>(le.num_slots, 31);
    if (static_cast<int>(le.num_slots) <= max_table_slots && size <= budget && positive) {
      budget -= size;
      le.table_begin = static_cast<std::uint32_t>(tables_.size());
      fill_table(slot_zero_.data() + le.slot_begin, le.num_slots, le.value);
      ++table_leaves_;
    }
    leaves_.push_back(le);
  }

  /// Appends P(C) = v * Zout(C) * Q(C) for every subset C (bit j = slot j) of a leaf's d slots,
  /// with Zout(C) = prod_{j not in C} z_j and
  /// Q(C) = sum_k w(k) e_{|C| - k}(z_C), e the elementary symmetric polynomials of C's zero
  /// fractions and w(k) = k! (d - k - 1)! / d!. e(z_C) is built from C without its top bit,
  /// times (1 + z_top t): O(2^d d).
  /// Then a row's shares are -P(B) for slots outside B and (1 - z_j) / z_j * P(B \ {j}) for
  /// slot j in B (Zout(B \ {j}) = z_j Zout(B)): one load and one multiply per slot.
  void fill_table(const double* zero, std::uint32_t d, double value) {
    if (d == 0) {
      tables_.push_back(0.0f);  // no features: nothing is ever read
      return;
    }
    const std::size_t subsets = std::size_t{1} << d, stride = d + 1;
    std::vector<double> e(subsets * stride, 0.0);
    e[0] = 1.0;  // the empty set: e_0 = 1
    std::vector<double> w(d);
    // w(k) = k! (d-k-1)! / d!, by the recurrence w(k + 1) = w(k) (k + 1) / (d - k - 1).
    w[0] = 1.0 / d;
    for (std::uint32_t k = 0; k + 1 < d; ++k) w[k + 1] = w[k] * (k + 1) / (d - k - 1);
    for (std::size_t c = 1; c < subsets; ++c) {
      std::uint32_t top = 31;
      while (!(c >> top & 1)) --top;
      const double* prev = e.data() + (c & ~(std::size_t{1} << top)) * stride;
      double* cur = e.data() + c * stride;
      const double z = zero[top];
      cur[0] = prev[0];
      for (std::uint32_t m = 1; m <= d; ++m) cur[m] = prev[m] + z * prev[m - 1];
    }
    for (std::size_t c = 0; c < subsets; ++c) {
      std::uint32_t size = 0;
      double zout = value;
      for (std::uint32_t j = 0; j < d; ++j) {
        if (c >> j & 1)
          ++size;
        else
          zout *= zero[j];
      }
      if (size == d) {  // P(U) is never read (B = U has no slot outside it, and B \ {j} < U)
        tables_.push_back(0.0f);
        continue;
      }
      double q = 0;
      for (std::uint32_t k = 0; k <= size; ++k) q += w[k] * e[c * stride + (size - k)];
      tables_.push_back(static_cast<float>(zout * q));
    }
  }

  const ir::forest* forest_;
  std::size_t scratch_splits_ = 0;
  std::size_t local_features_ = 0;
  std::vector<tree_entry> trees_;
  std::vector<std::int32_t> splits_;       // per tree: node ids of its split nodes
  std::vector<split_entry> split_info_;    // the same splits' tests
  std::vector<leaf_entry> leaves_;
  std::vector<step> steps_;
  std::vector<std::uint32_t> slot_local_;     // per leaf slot: index into its tree's features
  std::vector<std::int32_t> tree_features_;   // per tree: the features it splits on
  std::vector<std::int32_t> feature_local_;   // construction only: feature -> local index
  std::vector<double> slot_zero_;    // per leaf slot: z_j
  std::vector<double> slot_factor_;  // per leaf slot: (1 - z_j) / z_j
  std::vector<float> tables_;
  std::size_t table_leaves_ = 0;
};

}  // namespace grove::explain
