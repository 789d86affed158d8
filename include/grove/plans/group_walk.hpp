#pragma once
/// @file
/// The group walk: the plan that serves every call (margins and leaf ids, any model, any
/// target). Trees are cut into groups of D levels (compile/grouped_forest.hpp) and walked a
/// group per step (kernels/walk.hpp). Rows go in blocks: within one, each tile of trees, sized
/// so that its groups stay in L2, is walked for all the block's rows, 64 rows per kernel call.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "grove/compile/grouped_forest.hpp"
#include "grove/detail/thread_pool.hpp"
#include "grove/detail/workspace_pool.hpp"
#include "grove/ir/forest.hpp"
#include "grove/ir/reference.hpp"
#include "grove/kernels/walk.hpp"
#include "grove/plans/plan.hpp"
#include "grove/plans/row_gather.hpp"

namespace grove::plans {

/// The group depth for `f` on `target`: 3 unless depth-4 groups save enough steps. The root
/// group is stepped across rows (cheap per row), so what counts is the steps after it, row by
/// row; the kernel walks 8 trees together for as many steps as the deepest of them needs.
inline int choose_group_depth(const ir::forest& f, isa_kind target, const tuning& tune) {
  const bool avx512 = target == isa_kind::avx512 || target == isa_kind::avx512_vbmi;
  const double cost_ratio = avx512 ? tune.depth4_step_cost_avx512 : tune.depth4_step_cost;
  double cost3 = 0.0, cost4 = 0.0;
  const std::size_t chunk = kernels::walks_in_flight;
  for (std::size_t t0 = 0; t0 < f.trees.size(); t0 += chunk) {
    int depth = 1;
    for (std::size_t t = t0; t < std::min(f.trees.size(), t0 + chunk); ++t)
      depth = std::max(depth, ir::tree_depth(f.trees[t]));
    cost3 += (depth + 2) / 3 - 1;
    cost4 += cost_ratio * ((depth + 3) / 4 - 1);
  }
  return cost4 < cost3 ? 4 : 3;
}

class group_walk : public plan {
 public:
  static constexpr const char* plan_name = "group_walk";
  static call_set calls_for(const tuning&) { return {}; }
  static bool runs_on(const kernels::kernel_set&) { return true; }
  static std::unique_ptr<const plan> build(const plan_context& c) {
    return std::make_unique<const group_walk>(plan_name, calls_for(c.tune), c, c.group_depth, true);
  }

  /// pooled: may keep pooled row blocks (for calls of many rows).
  group_walk(const char* name, const call_set& calls, const plan_context& c, int depth, bool pooled)
      : plan(name, calls), few_rows_(c.tune.few_rows) {
    // A row's slots must fit the stack buffer; wider models take the reference walk.
    g_ = compile::build_grouped_forest(c.forest, depth, scratch_floats - 15, c.tune.column_slots);
    const int width = g_.resident_slots == 32 ? 0 : g_.resident_slots == 64 ? 1 : 2;
    walk_ = c.kernels.walk[depth == 4 ? 1 : 0][width][g_.categorical_lanes ? 1 : 0];
    root_steps_ = c.kernels.root_steps_across_rows;
    const std::size_t walked_bytes = g_.record.size() * sizeof(std::int32_t);
    const bool beyond_l2 = walked_bytes > c.tune.l2_walked_bytes;
    slots_ = slot_table(g_.slot_feature.data(), static_cast<std::size_t>(g_.num_slots));
    view_ = kernels::make_walk_view(g_.record.data(), g_.side_record.data(), depth, g_.lut, false,
                                    beyond_l2, few_rows_, g_.category_words.data());
    value_view_ = kernels::make_walk_view(g_.record.data(), g_.side_record.data(), depth, g_.lut,
                                          true, beyond_l2, few_rows_, g_.category_words.data());
    for (std::int32_t ls : g_.leaf_size) scalar_leaves_ = scalar_leaves_ && ls == 1;
    // Trees per tile: a multiple of 8 (the kernel's walks in flight) whose walked groups fit
    // the tuning's tile, so they stay in L2 while a block of rows passes.
    const double tree_bytes = g_.num_trees() == 0 ? 0.0
                                                  : static_cast<double>(walked_bytes) /
                                                        static_cast<double>(g_.num_trees());
    const std::size_t fit =
        tree_bytes > 0.0
            ? static_cast<std::size_t>(static_cast<double>(c.tune.tile_walked_bytes) / tree_bytes)
            : tile_trees;
    tile_trees_ = std::max<std::size_t>(8, std::min(tile_trees, fit / 8 * 8));
    // Groups too large to stay in L2 from one row block to the next are read again for every
    // block: larger blocks (from a pool made now, so predict() still allocates nothing) let one
    // read serve more rows. One buffer per thread that may run at once, within a memory budget.
    pooled_rows_ = pooled_block_rows(c.tune);
    if (pooled && beyond_l2) {
      const std::size_t bytes = pooled_floats() * sizeof(float);
      const std::size_t count =
          std::min(detail::hardware_threads() + 1,
                   std::max<std::size_t>(1, c.tune.pool_budget_bytes / bytes));
      pool_ = detail::workspace_pool(count, pooled_floats());
      pool_bytes_ = count * bytes;
    }
  }

  int group_depth() const noexcept { return g_.depth; }
  const compile::grouped_forest& grouped() const noexcept { return g_; }

  std::size_t bytes() const noexcept override {
    std::size_t b = vector_bytes(g_.record) + vector_bytes(g_.side_record) +
                    vector_bytes(g_.category_words) +
                    vector_bytes(g_.slot_feature) + vector_bytes(g_.root) + vector_bytes(g_.steps) +
                    vector_bytes(g_.fallback) + vector_bytes(g_.output) +
                    vector_bytes(g_.leaf_size) + vector_bytes(g_.value_base) +
                    vector_bytes(g_.value) + vector_bytes(g_.base_margin) + slots_.bytes() +
                    pool_bytes_;
    for (const ir::tree& t : g_.fallback_trees) b += tree_bytes(t);
    return b;
  }

  void run(const call& c) const override {
    // Scratch: a large block from the pool when the model's groups do not stay in L2 between
    // blocks (so each pass over them serves more rows), else (or when every pooled block is in
    // use) the stack.
    alignas(64) float stack_xs[scratch_floats];
    alignas(64) float stack_acc[max_value_outputs * max_super_rows];
    alignas(64) float stack_xt[stack_column_floats];
    workspace w{stack_xs, stack_xt, stack_acc, stack_rows()};
    const detail::workspace_pool::lease lease =
        c.x.num_rows >= 2 * max_super_rows ? pool_.try_acquire() : detail::workspace_pool::lease();
    if (lease.data() != nullptr) w = pooled_workspace(lease.data());
    run_blocks(c, w);
  }

 private:
  static constexpr std::size_t scratch_floats = 16384;  // slot buffer: 64 KiB on the stack
  static constexpr std::size_t max_block_rows = kernels::tile_rows;  // rows per kernel call
  static constexpr std::size_t max_super_rows = 4 * max_block_rows;  // rows per tree-tile pass
  // Column copy on the stack: 64 KiB, all of max_super_rows for up to 64 slots.
  static constexpr std::size_t stack_column_floats = 64 * max_super_rows;
  static constexpr std::size_t tile_trees = 64;  // the kernel's output tile: 64 trees x 64 rows

  /// Where a call keeps its rows: the slot buffer (`rows` x slot_stride), the column-major copy
  /// (column_slots x rows) and the per-output accumulators (max_value_outputs x rows).
  struct workspace {
    float* xs;
    float* xt;
    float* acc;
    std::size_t rows;  ///< rows per block, a multiple of max_block_rows or all that fit
  };

  std::size_t column_slots() const noexcept {
    return std::min(static_cast<std::size_t>(g_.num_slots),
                    static_cast<std::size_t>(g_.column_slots));
  }

  /// Rows per stack block: as many as the stack's slot buffer and column copy hold, at most
  /// max_super_rows (a multiple of max_block_rows, or all that fit when a row is that wide).
  std::size_t stack_rows() const noexcept {
    const std::size_t column_block = column_slots() * max_block_rows;
    return std::min({max_super_rows, scratch_floats / static_cast<std::size_t>(g_.slot_stride),
                     stack_column_floats / column_block * max_block_rows});
  }

  /// Rows per pooled block: as many as keep the slot buffer within the tuning's pooled block,
  /// at least two stack blocks, at most max_pooled_rows.
  std::size_t pooled_block_rows(const tuning& tune) const noexcept {
    const std::size_t fit =
        tune.pooled_block_bytes / (static_cast<std::size_t>(g_.slot_stride) * sizeof(float));
    return std::max(2 * max_super_rows,
                    std::min(fit / max_block_rows * max_block_rows, tune.max_pooled_rows));
  }

  /// Floats of one pooled workspace.
  std::size_t pooled_floats() const noexcept {
    return pooled_rows_ *
           (static_cast<std::size_t>(g_.slot_stride) + column_slots() + max_value_outputs);
  }

  workspace pooled_workspace(float* p) const noexcept {
    const std::size_t stride = static_cast<std::size_t>(g_.slot_stride);
    return {p, p + pooled_rows_ * stride, p + pooled_rows_ * (stride + column_slots()),
            pooled_rows_};
  }

  void run_blocks(const call& c, const workspace& w) const {
    const grove::detail::row_source& x = c.x;
    const bool leaf_ids = c.leaves;
    const ir::tree_range trees = c.trees;
    float* const out = c.out;
    const std::size_t stride = static_cast<std::size_t>(g_.slot_stride);
    float* const xs = w.xs;
    float* const xt = w.xt;
    float* const acc = w.acc;
    const std::size_t block = w.rows;
    // Slots past num_slots stay 0 (only the rows this call uses: a single row clears 128 bytes,
    // not the whole buffer).
    std::memset(xs, 0, std::min(block, x.num_rows) * stride * sizeof(float));
    alignas(64) std::int32_t tile[tile_trees * max_block_rows];  // [tree][row] kernel output
    const std::size_t K = static_cast<std::size_t>(g_.num_output);
    const std::size_t width = leaf_ids ? trees.size() : K;
    const slot_map slots = slots_.map();
    // Margins of one-value-leaf models: the kernel hands back each (tree, row)'s weighted leaf
    // value and the rows of a block are summed in per-output accumulators (acc[output][row]),
    // one vector add per tree per 16 rows. Otherwise (leaf ids, vector leaves, many outputs) it
    // hands back leaf ids.
    const bool by_value = !leaf_ids && scalar_leaves_ && K <= max_value_outputs;
    const kernels::walk_view& view = by_value ? value_view_ : view_;
    // Column-major copy of the first slots, per 64-row kernel block ([block][slot][row]), for
    // kernels that step the root group across rows (calls of at least few_rows rows); rows past
    // the last block stay defined (zero or older rows).
    const bool columns = root_steps_ && x.num_rows >= few_rows_;
    const std::size_t column_count = column_slots();
    const std::size_t column_block = column_count * max_block_rows;
    if (columns)
      std::memset(xt, 0,
                  (std::min(block, x.num_rows) + max_block_rows - 1) / max_block_rows *
                      column_block * sizeof(float));

    for (std::size_t r0 = 0; r0 < x.num_rows; r0 += block) {
      const std::size_t nb = std::min(block, x.num_rows - r0);
      for (std::size_t r = 0; r < nb; ++r) {
        float* dst = xs + r * stride;
        gather_row(x, r0 + r, slots, c.missing, dst, 1);
        if (columns) {
          float* col = xt + r / max_block_rows * column_block + r % max_block_rows;
          for (std::size_t s = 0; s < column_count; ++s) col[s * max_block_rows] = dst[s];
        }
        for (std::size_t k = 0; k < K && !leaf_ids; ++k) {
          if (by_value)
            acc[k * block + r] = g_.base_margin[k];
          else
            out[(r0 + r) * K + k] = g_.base_margin[k];
        }
      }
      for (std::size_t t0 = trees.begin; t0 < trees.end; t0 += tile_trees_) {
        const std::size_t nt = std::min(tile_trees_, trees.end - t0);
        for (std::size_t b0 = 0; b0 < nb; b0 += max_block_rows) {
          const std::size_t ns = std::min(max_block_rows, nb - b0);
          walk_(view, xs + b0 * stride, stride,
                columns ? xt + b0 / max_block_rows * column_block : nullptr, ns,
                g_.root.data() + t0, g_.steps.data() + t0, static_cast<int>(nt), tile);
          add_tile(c, t0, nt, r0 + b0, ns, tile, by_value, acc + b0, block, width);
        }
      }
      if (by_value)
        for (std::size_t r = 0; r < nb; ++r)
          for (std::size_t k = 0; k < K; ++k) out[(r0 + r) * K + k] = acc[k * block + r];
    }
  }

  /// Adds the kernel's tile (trees [t0, t0 + nt), rows [r0, r0 + ns) of the call) to the
  /// accumulators (by_value: acc[output * acc_stride + r]) or to the call's output, trees outer
  /// and rows inner: each row still adds in tree order, and the rows' addition chains are
  /// independent of each other.
  void add_tile(const call& c, std::size_t t0, std::size_t nt, std::size_t r0, std::size_t ns,
                const std::int32_t* tile, bool by_value, float* acc, std::size_t acc_stride,
                std::size_t width) const {
    const bool leaf_ids = c.leaves;
    if (by_value && ns < few_rows_ && g_.fallback_trees.empty()) {
      // A few rows (one, for a single request): rows outer, so a row's sums stay in registers
      // (one output) or on the stack through the tile instead of one pass per tree. Each sum
      // still adds its trees in order: the same floats.
      const std::size_t K = static_cast<std::size_t>(g_.num_output);
      for (std::size_t r = 0; r < ns; ++r) {
        if (K == 1) {
          float sum = acc[r];
          for (std::size_t j = 0; j < nt; ++j) sum += word_value(tile[j * max_block_rows + r]);
          acc[r] = sum;
          continue;
        }
        float sum[max_value_outputs];
        for (std::size_t k = 0; k < K; ++k) sum[k] = acc[k * acc_stride + r];
        const std::int32_t* output = g_.output.data() + t0;
        for (std::size_t j = 0; j < nt; ++j)
          sum[output[j]] += word_value(tile[j * max_block_rows + r]);
        for (std::size_t k = 0; k < K; ++k) acc[k * acc_stride + r] = sum[k];
      }
      return;
    }
    for (std::size_t j = 0; j < nt; ++j) {
      const std::size_t t = t0 + j;
      const std::int32_t fb = g_.fallback[t];
      const std::int32_t* words = tile + j * max_block_rows;
      const float* values = g_.value.data() + g_.value_base[t];
      if (by_value) {
        float* a = acc + static_cast<std::size_t>(g_.output[t]) * acc_stride;
        if (fb >= 0) {
          const ir::tree& ft = g_.fallback_trees[static_cast<std::size_t>(fb)];
          for (std::size_t r = 0; r < ns; ++r) a[r] += values[fallback_leaf(ft, c, r0 + r)];
        } else {
          add_value_words(a, words, ns);
        }
        continue;
      }
      const std::int32_t ls = g_.leaf_size[t];
      const std::size_t col = leaf_ids ? t - c.trees.begin : static_cast<std::size_t>(g_.output[t]);
      for (std::size_t r = 0; r < ns; ++r) {
        std::int32_t node = words[r] - 1;
        if (fb >= 0)
          node = fallback_leaf(g_.fallback_trees[static_cast<std::size_t>(fb)], c, r0 + r);
        float* o = c.out + (r0 + r) * width;
        if (leaf_ids) {
          o[col] = static_cast<float>(node);
        } else if (ls == 1) {
          o[col] += values[node];
        } else {
          const float* value = values + static_cast<std::size_t>(node) * ls;
          for (std::int32_t k = 0; k < ls; ++k) o[k] += value[k];
        }
      }
    }
  }

  /// The leaf row r of the call reaches in a tree the groups do not hold (the reference walk).
  static std::int32_t fallback_leaf(const ir::tree& t, const call& c, std::size_t r) {
    std::int32_t node = 0;
    c.x.with_row(r, [&](const auto& row) { node = ir::find_leaf(t, row, c.missing); });
    return node;
  }

  /// The float whose bits a kernel handed back.
  static float word_value(std::int32_t word) noexcept {
    float v;
    std::memcpy(&v, &word, sizeof v);
    return v;
  }

  /// a[r] += the float whose bits are words[r]: independent per row, so xsimd batches of the
  /// portable code's width take several rows per add while every row keeps adding its trees in
  /// tree order.
  static void add_value_words(float* a, const std::int32_t* words, std::size_t n) noexcept {
    std::size_t r = 0;
#if !defined(XSIMD_NO_SUPPORTED_ARCHITECTURE)
    using floats = xsimd::batch<float>;
    using ints = xsimd::batch<std::int32_t>;
    for (; r + floats::size <= n; r += floats::size) {
      const floats sum = floats::load_unaligned(a + r) +
                         xsimd::bitwise_cast<floats>(ints::load_unaligned(words + r));
      sum.store_unaligned(a + r);
    }
#endif
    for (; r < n; ++r) a[r] += word_value(words[r]);
  }

  compile::grouped_forest g_;
  slot_table slots_;  // g_'s slots and their inverse
  kernels::walk_fn walk_ = nullptr;
  bool root_steps_ = false;          // the kernel steps root groups across rows
  kernels::walk_view view_{};        // exits carry leaf ids
  kernels::walk_view value_view_{};  // exits carry weighted leaf values
  bool scalar_leaves_ = true;        // every tree has one value per leaf
  std::size_t few_rows_;
  std::size_t tile_trees_ = tile_trees;  // trees per kernel call, <= tile_trees
  std::size_t pooled_rows_ = 0;          // rows per pooled block
  detail::workspace_pool pool_;          // empty for models whose groups fit in L2
  std::size_t pool_bytes_ = 0;
};

/// The group walk again at depth 3, for calls of fewer than tuning::few_rows rows of a model
/// whose group walk has depth 4. Such a call reads every line of each step it takes from
/// memory, and the three D = 3 steps of an 8-level tree read fewer lines than two D = 4 steps.
struct few_row_walk {
  static constexpr const char* plan_name = "few_row_walk";
  static call_set calls_for(const tuning& tune) { return {0, tune.few_rows - 1, true, true}; }
  static bool runs_on(const kernels::kernel_set&) { return true; }
  static std::unique_ptr<const plan> build(const plan_context& c) {
    if (c.group_depth != 4) return nullptr;
    return std::make_unique<const group_walk>(plan_name, calls_for(c.tune), c, 3, false);
  }
};

}  // namespace grove::plans
