#pragma once
/// @file
/// grove::engine: the fast path of the predictor. Compiles an ir::forest into a grouped forest
/// once, picks a kernel (scalar, AVX2, AVX-512) once, and then computes margins or leaf ids for
/// blocks of rows with exactly the reference predictor's results, bit for bit.
///
/// Static dispatch (default): the kernels the including translation unit's flags enable are
/// compiled in (-mavx2, -mavx512f -mavx512vl -mavx512bw -mavx512dq, -march=native), and the best
/// one the CPU has is used. Runtime dispatch (opt-in): define GROVE_RUNTIME_DISPATCH and link the
/// per-ISA units that cmake/grove_dispatch.cmake builds (it also defines
/// GROVE_DISPATCH_AVX2 / GROVE_DISPATCH_AVX512 for the units it built).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "grove/compile/grouped_forest.hpp"
#include "grove/compile/node_mask_forest.hpp"
#include "grove/compile/sliced_forest.hpp"
#include "grove/detail/thread_pool.hpp"
#include "grove/detail/workspace_pool.hpp"
#include "grove/error.hpp"
#include "grove/ir/forest.hpp"
#include "grove/ir/reference.hpp"
#include "grove/kernels/walk.hpp"
#include "grove/rows.hpp"

#if !defined(GROVE_RUNTIME_DISPATCH)
#if defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512BW__) && \
    defined(__AVX512DQ__)
#include "grove/kernels/avx512.hpp"
#define GROVE_ENGINE_AVX512 1
#endif
#if defined(__AVX2__)
#include "grove/kernels/avx2.hpp"
#define GROVE_ENGINE_AVX2 1
#endif
#else
namespace grove::kernels {
#if defined(GROVE_DISPATCH_AVX512)
kernel_set dispatch_avx512() noexcept;  // defined in the AVX-512 unit of grove_dispatch.cmake
#define GROVE_ENGINE_AVX512 1
#endif
#if defined(GROVE_DISPATCH_AVX2)
kernel_set dispatch_avx2() noexcept;  // defined in the AVX2 unit of grove_dispatch.cmake
#define GROVE_ENGINE_AVX2 1
#endif
}  // namespace grove::kernels
#endif

namespace grove {

/// Instruction set of the engine's kernels.
enum class isa_kind {
  automatic,  ///< the best one compiled in that the CPU supports (or GROVE_ISA)
  scalar,
  avx2,
  avx512,
};

inline const char* to_string(isa_kind k) noexcept {
  switch (k) {
    case isa_kind::automatic: return "auto";
    case isa_kind::scalar: return "scalar";
    case isa_kind::avx2: return "avx2";
    case isa_kind::avx512: return "avx512";
  }
  return "unknown";
}

/// Parses "auto", "scalar", "avx2" or "avx512"; anything else is an invalid_argument error.
inline isa_kind isa_from_string(const std::string& name, const std::string& where = "isa") {
  for (isa_kind k : {isa_kind::automatic, isa_kind::scalar, isa_kind::avx2, isa_kind::avx512})
    if (name == to_string(k)) return k;
  throw error(error_code::invalid_argument, where,
              "unknown instruction set '" + name + "' (expected auto, scalar, avx2 or avx512)");
}

/// True when this CPU can run the kernels of `k`.
inline bool cpu_supports(isa_kind k) noexcept {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  switch (k) {
    case isa_kind::automatic:
    case isa_kind::scalar: return true;
    case isa_kind::avx2: return __builtin_cpu_supports("avx2");
    case isa_kind::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  }
  return false;
#else
  return k == isa_kind::scalar || k == isa_kind::automatic;
#endif
}

/// True when kernels for `k` are compiled into this program.
inline bool isa_compiled(isa_kind k) noexcept {
  switch (k) {
    case isa_kind::automatic:
    case isa_kind::scalar: return true;
#if defined(GROVE_ENGINE_AVX2)
    case isa_kind::avx2: return true;
#endif
#if defined(GROVE_ENGINE_AVX512)
    case isa_kind::avx512: return true;
#endif
    default: return false;
  }
}

struct engine_options {
  /// automatic: GROVE_ISA if set, else the best compiled-in ISA the CPU has.
  isa_kind isa = isa_kind::automatic;
  /// Levels per group: 3 or 4; 0 chooses from the trees' depths.
  int group_depth = 0;
  /// Let margins of blocks of rows take the sliced kernel when the model allows it (trees of at
  /// most 6 levels, numeric splits, at most 128 byte columns: one per feature read and per 255
  /// of its thresholds) and the ISA has one; and calls of few rows the one-row sliced kernel
  /// (AVX-512; at most 64 columns; trees of 7 or 8 levels with VBMI only), or for deeper trees
  /// of at most 64 leaves the node-mask kernel (AVX-512 VBMI; numeric splits, at most 256
  /// columns).
  bool sliced = true;
  /// When group_depth is chosen (0) and comes out 4, also build D = 3 groups for calls of fewer
  /// than kernels::few_rows rows. Such a call reads every line of each step it takes from
  /// memory, and the three D = 3 steps of an 8-level tree read fewer lines than two D = 4 steps
  /// (one row of the 2000-tree depth-8 model: 16 -> 12.5 ns per tree), for the memory of a
  /// second copy of the groups.
  bool few_row_groups = true;
  /// Let the one-row kernels use byte permutes (AVX-512 VBMI) where the CPU has them; when
  /// false, or without them, the sliced one uses its 16-bit word form (AVX-512 BW): one row of
  /// the binary / 10-class benchmark model took 4.9 / 3.6 ns per tree with words, 3.5 / 2.4
  /// with bytes and 5.4 / 5.9 in the group walk (on a VBMI CPU); and there is no node-mask
  /// kernel (few rows walk the groups).
  bool row_byte_permutes = true;
};

/**
 * Immutable after construction; margins() and leaves() are const, allocation-free and safe to
 * call from many threads at once. Models reading more than about 16,000 features are walked
 * tree by tree with the reference rule (their rows do not fit the engine's stack buffer).
 * @code
 *   grove::engine e(model.forest());
 *   e.margins(grove::rows(X, n, cols), grove::missing_value, {0, model.num_trees()}, out);
 * @endcode
 */
class engine {
 public:
  explicit engine(const ir::forest& f, const engine_options& options = {})
      : engine(f, options, true) {}

  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  isa_kind isa() const noexcept { return isa_; }
  int group_depth() const noexcept { return g_.depth; }
  /// Group depth of the walks of calls with fewer than kernels::few_rows rows.
  int few_row_group_depth() const noexcept { return few_ ? few_->group_depth() : group_depth(); }

  /// True when margins of sliced_min_rows rows or more take the sliced kernel.
  bool sliced() const noexcept { return sliced_blocks_; }
  /// Calls with fewer rows walk the groups (a sliced block costs the same for 1 row as for 64),
  /// or take the one-row sliced kernel row by row where it exists (sliced_rows()).
  static constexpr std::size_t sliced_min_rows = 32;
  /// True when margins of at most sliced_row_max_rows rows take the one-row sliced kernel.
  bool sliced_rows() const noexcept { return sliced_row_ != nullptr; }
  /// True when margins of at most sliced_row_max_rows rows take the one-row node-mask kernel
  /// (models of at most 64 leaves per tree that the sliced one cannot take; AVX-512 VBMI).
  bool mask_rows() const noexcept { return mask_row_ != nullptr; }
  /// From kernels::few_rows rows on, the group walk steps its root groups across rows and is
  /// about as fast (ns per row x tree, 16 rows: 10 classes 2.8 walked, 2.5 row by row; binary
  /// 2.8 walked, 3.1 row by row); below, it is slower (10 classes, 8 rows: 5.5 walked, 2.6).
  static constexpr std::size_t sliced_row_max_rows = kernels::few_rows - 1;
  /// Weighted fraction of group evaluations whose features are all register resident.
  double sharing_rate() const noexcept { return g_.sharing_rate; }
  std::size_t num_trees() const noexcept { return g_.num_trees(); }
  std::size_t num_output() const noexcept { return static_cast<std::size_t>(g_.num_output); }
  std::size_t num_feature() const noexcept { return static_cast<std::size_t>(g_.num_feature); }
  const compile::grouped_forest& grouped() const noexcept { return g_; }

  /// out[r * num_output + k]: base margin k plus trees' weighted leaves, in tree order.
  void margins(const rows& x, float missing, ir::tree_range trees, float* out) const {
    run(x, missing, trees, out, false);
  }

  /// out[r * trees.size() + j]: leaf node id reached in tree trees.begin + j, as a float.
  void leaves(const rows& x, float missing, ir::tree_range trees, float* out) const {
    run(x, missing, trees, out, true);
  }

 private:
  /// batches: false for the few-row copy (few_), which needs no pool and no copy of its own.
  engine(const ir::forest& f, const engine_options& options, bool batches) {
    isa_ = choose_isa(options.isa);
    ks_ = kernel_set_for(isa_);
    const int depth = options.group_depth == 0 ? auto_depth(f, isa_) : options.group_depth;
    if (batches && options.few_row_groups && options.group_depth == 0 && depth == 4)
      few_.reset(new engine(f, engine_options{isa_, 3, false, false}, false));
    // A row's slots must fit the stack buffer; wider models take the reference walk.
    g_ = compile::build_grouped_forest(f, depth, scratch_floats - kernels::column_slots);
    const int width = g_.resident_slots == 32 ? 0 : g_.resident_slots == 64 ? 1 : 2;
    walk_ = ks_.walk[depth == 4 ? 1 : 0][width][g_.categorical_lanes ? 1 : 0];
    view_ = kernels::make_walk_view(g_.record.data(), g_.side_record.data(), depth, g_.lut, false);
    value_view_ =
        kernels::make_walk_view(g_.record.data(), g_.side_record.data(), depth, g_.lut, true);
    const std::size_t walked_bytes = g_.record.size() * sizeof(std::int32_t);
    view_.prefetch = value_view_.prefetch = walked_bytes > prefetch_above_bytes;
    for (std::int32_t ls : g_.leaf_size) scalar_leaves_ = scalar_leaves_ && ls == 1;
    if (options.sliced && ks_.sliced != nullptr && num_output() <= max_value_outputs) {
      // The one-row kernel's nodes: bytes where the CPU has byte permutes, else 16-bit words.
      const bool bytes = options.row_byte_permutes && kernels::cpu_has_byte_permutes() &&
                         ks_.sliced_row_bytes != nullptr;
      const kernels::sliced_row_fn row = bytes ? ks_.sliced_row_bytes : ks_.sliced_row_words;
      const compile::row_nodes nodes = row == nullptr ? compile::row_nodes::none
                                       : bytes        ? compile::row_nodes::bytes
                                                      : compile::row_nodes::words;
      // Trees of 7 or 8 levels are sliced for the one-row kernel on bytes only. A block of 64
      // rows would compare all 255 nodes of a depth-8 tree, about what the group walk costs;
      // the word form's 8 permutes per tree were slower than the walk (one row, ns per tree:
      // fraud 23.4 against 12.7 / 17.5 at D = 4 / 3, large 35.0 against 25.1 / 20.0).
      s_ = compile::build_sliced_forest(
          f, bytes ? kernels::sliced_row_max_depth : compile::sliced_max_depth, nodes);
      const bool row_nodes_built = !s_.node_byte.empty() || !s_.node_word.empty();
      if (s_.depth > compile::sliced_max_depth && !row_nodes_built) s_ = compile::sliced_forest{};
      sliced_blocks_ = s_.usable() && s_.depth <= compile::sliced_max_depth;
      sliced_view_ = {s_.depth,
                      s_.num_columns,
                      s_.column_levels.data(),
                      s_.probe.data(),
                      s_.nodes_per_tree,
                      s_.node_column.data(),
                      s_.node_bin.data(),
                      s_.node_byte.empty() ? nullptr : s_.node_byte.data(),
                      s_.node_word.empty() ? nullptr : s_.node_word.data(),
                      s_.node_word_bin.empty() ? nullptr : s_.node_word_bin.data(),
                      s_.row_threshold.data(),
                      s_.row_bound.data(),
                      s_.leaves_per_tree,
                      s_.leaf.data(),
                      g_.output.data(),
                      num_output() == 1};
      if (s_.usable() && row_nodes_built) sliced_row_ = row;
    }
    // Few rows of models the one-row sliced kernel cannot take (deeper trees of at most 64
    // leaves) may take the node-mask kernel, which needs byte permutes.
    if (options.sliced && options.row_byte_permutes && sliced_row_ == nullptr &&
        ks_.node_mask_row != nullptr && kernels::cpu_has_byte_permutes() &&
        num_output() <= max_value_outputs) {
      mask_ = compile::build_node_mask_forest(f);
      if (mask_.usable()) {
        mask_view_ = {mask_.num_columns,       mask_.row_threshold.data(), mask_.row_bound.data(),
                      mask_.node_column.data(), mask_.node_bin.data(),     mask_.missing_left.data(),
                      mask_.child.data(),       mask_.leaf.data(),         g_.output.data(),
                      num_output() == 1};
        mask_row_ = ks_.node_mask_row;
      }
    }
    // Trees per tile: a multiple of 8 (the kernel's walks in flight) whose groups fit in
    // tile_group_bytes, so they stay in L2 while a 256-row block passes. A group counts as 7
    // words per lane, a figure tuned by measurement (halving or doubling the tile was no
    // faster) when a walk read 4 or 5 of its record's 10 fields; it reads its 4 walked ones now.
    const double tree_bytes = g_.num_trees() == 0 ? 0.0
        : static_cast<double>(g_.num_groups) / static_cast<double>(g_.num_trees()) * g_.lanes * 28.0;
    std::size_t fit = tree_bytes > 0.0 ? static_cast<std::size_t>(tile_group_bytes / tree_bytes) : tile_trees;
    tile_trees_ = std::max<std::size_t>(8, std::min(tile_trees, fit / 8 * 8));
    // Groups too large to stay in L2 from one row block to the next are read again for every
    // block: larger blocks (from a pool made now, so predict() still allocates nothing) let one
    // read serve more rows. One buffer per thread that may run at once, within a memory budget.
    const double group_bytes = static_cast<double>(g_.num_groups) * g_.lanes * 20.0;
    if (batches && group_bytes > static_cast<double>(pooled_above_group_bytes)) {
      const std::size_t bytes = pooled_floats() * sizeof(float);
      const std::size_t count =
          std::min(detail::hardware_threads() + 1, std::max<std::size_t>(1, pool_budget_bytes / bytes));
      pool_ = detail::workspace_pool(count, pooled_floats());
    }
  }

  static constexpr std::size_t scratch_floats = 16384;  // slot buffer: 64 KiB on the stack
  static constexpr std::size_t max_block_rows = kernels::tile_rows;  // rows per kernel call
  static constexpr std::size_t max_super_rows = 4 * max_block_rows;  // rows per tree-tile pass
  // Column copy on the stack: 64 KiB, all of max_super_rows for up to 64 slots.
  static constexpr std::size_t stack_column_floats = 64 * max_super_rows;
  static constexpr std::size_t tile_group_bytes = 512 * 1024;        // a tile's groups: half an L2
  static constexpr std::size_t max_value_outputs = 16;  // accumulators: 16 x 64 floats
  static constexpr std::size_t tile_trees = 64;
  static constexpr std::size_t max_pooled_rows = 2048;
  static constexpr std::size_t pooled_row_bytes = 256 * 1024;  // a pooled block's slot buffer
  static constexpr std::size_t pooled_above_group_bytes = 1024 * 1024;   // about an L2
  static constexpr std::size_t prefetch_above_bytes = 1024 * 1024;  // walked fields: about an L2
  static constexpr std::size_t pool_budget_bytes = 64 * 1024 * 1024;

  static isa_kind choose_isa(isa_kind requested) {
    isa_kind k = requested;
    if (k == isa_kind::automatic) {
      if (const char* env = std::getenv("GROVE_ISA"); env != nullptr && *env != '\0')
        k = isa_from_string(env, "GROVE_ISA");
    }
    if (k == isa_kind::automatic) {
      for (isa_kind c : {isa_kind::avx512, isa_kind::avx2})
        if (isa_compiled(c) && cpu_supports(c)) return c;
      return isa_kind::scalar;
    }
    if (!isa_compiled(k))
      throw error(error_code::unsupported, "isa",
                  std::string("the ") + to_string(k) + " kernels are not compiled into this program");
    if (!cpu_supports(k))
      throw error(error_code::unsupported, "isa",
                  std::string("this CPU does not support ") + to_string(k));
    return k;
  }

  static kernels::kernel_set kernel_set_for(isa_kind k) noexcept {
    switch (k) {
#if defined(GROVE_ENGINE_AVX512)
      case isa_kind::avx512:
#if defined(GROVE_RUNTIME_DISPATCH)
        return kernels::dispatch_avx512();
#else
        return kernels::make_kernel_set<xsimd::avx512bw>();
#endif
#endif
#if defined(GROVE_ENGINE_AVX2)
      case isa_kind::avx2:
#if defined(GROVE_RUNTIME_DISPATCH)
        return kernels::dispatch_avx2();
#else
        return kernels::make_kernel_set<xsimd::avx2>();
#endif
#endif
      default: return kernels::make_kernel_set<kernels::scalar_arch>();
    }
  }

  /// Depth 3 unless depth-4 groups save enough steps. The root group is stepped across rows
  /// (cheap per row), so what counts is the steps after it, row by row; the kernel walks 8
  /// trees together for as many steps as the deepest of them needs. A depth-4 step costs about
  /// 1.4 depth-3 steps on AVX-512 (measured 1.3 to 1.6: a 512-bit compare, a longer exit) and
  /// twice as much elsewhere (AVX2 and scalar evaluate its 15 lanes as two halves, or one by one).
  static int auto_depth(const ir::forest& f, isa_kind isa) {
    const double cost_ratio = isa == isa_kind::avx512 ? 1.4 : 2.0;
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

  void run(const rows& x, float missing, ir::tree_range trees, float* out, bool leaf_ids) const {
    if (trees.begin > trees.end || trees.end > g_.num_trees())
      throw error(error_code::invalid_argument, "trees",
                  "[" + std::to_string(trees.begin) + ", " + std::to_string(trees.end) +
                      ") is not within the model's " + std::to_string(g_.num_trees()) + " trees");
    if (x.num_rows > 0 && x.num_cols < num_feature())
      throw error(error_code::shape, "rows",
                  "rows have " + std::to_string(x.num_cols) + " columns but the model needs " +
                      std::to_string(num_feature()));
    // Two separate frames: a call's stack holds one path's buffers, not both.
    if (!leaf_ids && sliced_blocks_ && x.num_rows >= sliced_min_rows)
      run_sliced(x, missing, trees, out);
    else if (!leaf_ids && sliced_row_ != nullptr && x.num_rows <= sliced_row_max_rows)
      run_rows(x, missing, trees, out, s_.column_feature, sliced_view_, sliced_row_);
    else if (!leaf_ids && mask_row_ != nullptr && x.num_rows <= sliced_row_max_rows)
      run_rows(x, missing, trees, out, mask_.column_feature, mask_view_, mask_row_);
    else if (few_ && x.num_rows < kernels::few_rows)
      few_->run_grouped(x, missing, trees, out, leaf_ids);
    else
      run_grouped(x, missing, trees, out, leaf_ids);
  }

  [[gnu::noinline]] void run_grouped(const rows& x, float missing, ir::tree_range trees,
                                     float* out, bool leaf_ids) const {
    // Scratch: a large block from the pool when the model's groups do not stay in L2 between
    // blocks (so each pass over them serves more rows), else (or when every pooled block is in
    // use) the stack.
    alignas(64) float stack_xs[scratch_floats];
    alignas(64) float stack_acc[max_value_outputs * max_super_rows];
    alignas(64) float stack_xt[stack_column_floats];
    workspace w{stack_xs, stack_xt, stack_acc, stack_rows()};
    const detail::workspace_pool::lease lease =
        x.num_rows >= 2 * max_super_rows ? pool_.try_acquire() : detail::workspace_pool::lease();
    if (lease.data() != nullptr) w = pooled_workspace(lease.data());
    run_blocks(x, missing, trees, out, leaf_ids, w);
  }

  /// Where a call keeps its rows: the slot buffer (`rows` x slot_stride), the column-major copy
  /// (column_slots x rows) and the per-output accumulators (max_value_outputs x rows).
  struct workspace {
    float* xs;
    float* xt;
    float* acc;
    std::size_t rows;  ///< rows per block, a multiple of max_block_rows or all that fit
  };

  /// Rows per stack block: as many as the stack's slot buffer and column copy hold, at most
  /// max_super_rows (a multiple of max_block_rows, or all that fit when a row is that wide).
  std::size_t stack_rows() const noexcept {
    const std::size_t column_block =
        std::min<std::size_t>(static_cast<std::size_t>(g_.num_slots), kernels::column_slots) *
        max_block_rows;
    return std::min({max_super_rows, scratch_floats / static_cast<std::size_t>(g_.slot_stride),
                     stack_column_floats / column_block * max_block_rows});
  }

  /// Rows per pooled block: as many as keep the slot buffer to a quarter of an L2 (it streams
  /// past the groups once per tile of trees), at least two stack blocks, at most 2048.
  std::size_t pooled_rows() const noexcept {
    const std::size_t fit = pooled_row_bytes / (static_cast<std::size_t>(g_.slot_stride) * 4);
    return std::clamp<std::size_t>(fit / max_block_rows * max_block_rows, 2 * max_super_rows,
                                   max_pooled_rows);
  }

  /// Floats of one pooled workspace.
  std::size_t pooled_floats() const noexcept {
    return pooled_rows() * (static_cast<std::size_t>(g_.slot_stride) + kernels::column_slots +
                            max_value_outputs);
  }

  workspace pooled_workspace(float* p) const noexcept {
    const std::size_t stride = static_cast<std::size_t>(g_.slot_stride);
    const std::size_t rows = pooled_rows();
    return {p, p + rows * stride, p + rows * (stride + kernels::column_slots), rows};
  }

  void run_blocks(const rows& x, float missing, ir::tree_range trees, float* out, bool leaf_ids,
                  const workspace& w) const {
    const std::size_t stride = static_cast<std::size_t>(g_.slot_stride);
    float* const xs = w.xs;
    float* const xt = w.xt;
    float* const acc = w.acc;
    const std::size_t block = w.rows;
    // Slots past num_slots stay 0 (only the rows this call uses: a single row clears 128 bytes,
    // not the whole buffer).
    std::memset(xs, 0, std::min(block, x.num_rows) * stride * sizeof(float));
    alignas(64) std::int32_t tile[tile_trees * max_block_rows];  // [tree][row] kernel output
    const std::size_t K = num_output();
    const std::size_t width = leaf_ids ? trees.size() : K;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const bool missing_is_nan = missing != missing;
    const std::size_t num_slots = static_cast<std::size_t>(g_.num_slots);
    // Margins of one-value-leaf models: the kernel hands back each (tree, row)'s weighted leaf
    // value and the rows of a block are summed in per-output accumulators (acc[output][row]),
    // one vector add per tree per 16 rows. Otherwise (leaf ids, vector leaves, many outputs) it
    // hands back leaf ids.
    const bool by_value = !leaf_ids && scalar_leaves_ && K <= max_value_outputs;
    const kernels::walk_view& view = by_value ? value_view_ : view_;
    // Column-major copy of the first slots, per 64-row kernel block ([block][slot][row]), for
    // kernels that step the root group across rows (AVX-512 and AVX2, calls of at least
    // few_rows rows); rows past the last block stay defined (zero or older rows).
    const bool columns = isa_ != isa_kind::scalar && x.num_rows >= kernels::few_rows;
    const std::size_t column_slots =
        std::min(num_slots, static_cast<std::size_t>(kernels::column_slots));
    const std::size_t column_block = column_slots * max_block_rows;
    if (columns)
      std::memset(xt, 0, (std::min(block, x.num_rows) + max_block_rows - 1) / max_block_rows *
                             column_block * sizeof(float));

    // Row blocks; within one, each tile of trees (sized so that its groups stay in L2) is walked
    // for all the block's rows, 64 rows per kernel call.
    for (std::size_t r0 = 0; r0 < x.num_rows; r0 += block) {
      const std::size_t nb = std::min(block, x.num_rows - r0);
      for (std::size_t r = 0; r < nb; ++r) {
        const float* row = x.row(r0 + r);
        float* dst = xs + r * stride;
        if (missing_is_nan) {
          // NaN stays NaN (kernels treat every NaN alike): a plain copy, no test per value.
          for (std::size_t s = 0; s < num_slots; ++s) {
            const std::int32_t f = g_.slot_feature[s];
            dst[s] = f < 0 ? 0.0f : row[f];
          }
        } else {
          for (std::size_t s = 0; s < num_slots; ++s) {
            const std::int32_t f = g_.slot_feature[s];
            const float v = f < 0 ? 0.0f : row[f];
            dst[s] = (v != v || v == missing) ? nan : v;
          }
        }
        if (columns) {
          float* col = xt + r / max_block_rows * column_block + r % max_block_rows;
          for (std::size_t s = 0; s < column_slots; ++s) col[s * max_block_rows] = dst[s];
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
          add_tile(x, missing, trees, t0, nt, r0 + b0, ns, tile, by_value, leaf_ids,
                   acc + b0, block, out, width);
        }
      }
      if (by_value)
        for (std::size_t r = 0; r < nb; ++r)
          for (std::size_t k = 0; k < K; ++k) out[(r0 + r) * K + k] = acc[k * block + r];
    }
  }

  /// Margins through the sliced kernel, 64 rows per block: the rows' features column by column
  /// (missing -> NaN), the accumulators set to the base margins, then every tree in order.
  [[gnu::noinline]] void run_sliced(const rows& x, float missing, ir::tree_range trees,
                                    float* out) const {
    constexpr std::size_t R = kernels::sliced_rows;
    alignas(64) float xt[kernels::sliced_max_columns * R];
    alignas(64) float acc[max_value_outputs * R];
    const std::size_t K = num_output();
    const std::size_t C = static_cast<std::size_t>(s_.num_columns);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (std::size_t r0 = 0; r0 < x.num_rows; r0 += R) {
      const std::size_t ns = std::min(R, x.num_rows - r0);
      for (std::size_t r = 0; r < ns; ++r) {
        const float* row = x.row(r0 + r);
        for (std::size_t c = 0; c < C; ++c) {
          const float v = row[s_.column_feature[c]];
          xt[c * R + r] = v == missing ? nan : v;
        }
      }
      // Rows past the last one are computed and dropped; give them defined values.
      for (std::size_t c = 0; c < C && ns < R; ++c)
        std::fill(xt + c * R + ns, xt + c * R + R, 0.0f);
      for (std::size_t k = 0; k < K; ++k)
        std::fill(acc + k * R, acc + k * R + R, g_.base_margin[k]);
      ks_.sliced(sliced_view_, xt, trees.begin, trees.end, acc);
      for (std::size_t r = 0; r < ns; ++r)
        for (std::size_t k = 0; k < K; ++k) out[(r0 + r) * K + k] = acc[k * R + r];
    }
  }

  /// Margins through a one-row kernel (sliced or node-mask), row by row: each row's columns
  /// (the features its quantized form reads, missing values as NaN), then its trees.
  template <class view_t, class row_fn_t>
  void run_rows(const rows& x, float missing, ir::tree_range trees, float* out,
                const std::vector<std::int32_t>& column_feature, const view_t& view,
                row_fn_t row_fn) const {
    static_assert(kernels::mask_max_columns >= kernels::sliced_row_max_columns);
    alignas(64) float columns[kernels::mask_max_columns];
    const std::size_t K = num_output();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (std::size_t r = 0; r < x.num_rows; ++r) {
      const float* row = x.row(r);
      for (std::size_t c = 0; c < column_feature.size(); ++c) {
        const float v = row[column_feature[c]];
        columns[c] = v == missing ? nan : v;
      }
      float* o = out + r * K;
      std::copy(g_.base_margin.begin(), g_.base_margin.begin() + static_cast<std::ptrdiff_t>(K), o);
      row_fn(view, columns, trees.begin, trees.end, o);
    }
  }

  /// Adds the kernel's tile (trees [t0, t0 + nt), rows [r0, r0 + ns) of x) to the accumulators
  /// (by_value: acc[output * acc_stride + r]) or to `out`, trees outer and rows inner: each
  /// row still adds in tree order, and the rows' addition chains are independent of each other.
  void add_tile(const rows& x, float missing, ir::tree_range trees, std::size_t t0, std::size_t nt,
                std::size_t r0, std::size_t ns, const std::int32_t* tile, bool by_value,
                bool leaf_ids, float* acc, std::size_t acc_stride, float* out,
                std::size_t width) const {
    if (by_value && ns < 16 && g_.fallback_trees.empty()) {
      // A few rows (one, for a single request): rows outer, so a row's sums stay in registers
      // (one output) or on the stack through the tile instead of one pass per tree. Each sum
      // still adds its trees in order: the same floats.
      const std::size_t K = num_output();
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
          for (std::size_t r = 0; r < ns; ++r)
            a[r] += values[ir::find_leaf(ft, x.row(r0 + r), missing)];
        } else {
          add_value_words(a, words, ns);
        }
        continue;
      }
      const std::int32_t ls = g_.leaf_size[t];
      const std::size_t col = leaf_ids ? t - trees.begin : static_cast<std::size_t>(g_.output[t]);
      for (std::size_t r = 0; r < ns; ++r) {
        std::int32_t node = words[r] - 1;
        if (fb >= 0)
          node = ir::find_leaf(g_.fallback_trees[static_cast<std::size_t>(fb)], x.row(r0 + r),
                               missing);
        float* o = out + (r0 + r) * width;
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

  /// The float whose bits a kernel handed back.
  static float word_value(std::int32_t word) noexcept {
    float v;
    std::memcpy(&v, &word, sizeof v);
    return v;
  }

  /// a[r] += the float whose bits are words[r]: independent per row, so it vectorises (16 rows
  /// per zmm) while every row keeps adding its trees in tree order.
  static void add_value_words(float* a, const std::int32_t* words, std::size_t n) noexcept {
    for (std::size_t r = 0; r < n; ++r) a[r] += word_value(words[r]);
  }

  compile::grouped_forest g_;
  compile::sliced_forest s_;            // usable() when the model can be sliced
  kernels::sliced_view sliced_view_{};
  bool sliced_blocks_ = false;  // s_ serves blocks of rows (trees of at most 6 levels)
  kernels::sliced_row_fn sliced_row_ = nullptr;  // set when the CPU and the model allow it
  compile::node_mask_forest mask_;  // built only where the node-mask kernel may run
  kernels::node_mask_view mask_view_{};
  kernels::node_mask_row_fn mask_row_ = nullptr;  // set when the CPU and the model allow it
  kernels::kernel_set ks_{};
  kernels::walk_fn walk_ = nullptr;
  kernels::walk_view view_{};        // exits carry leaf ids
  kernels::walk_view value_view_{};  // exits carry weighted leaf values
  bool scalar_leaves_ = true;        // every tree has one value per leaf
  std::size_t tile_trees_ = tile_trees;  // trees per kernel call, <= tile_trees
  isa_kind isa_ = isa_kind::scalar;
  detail::workspace_pool pool_;  // empty for models whose groups fit in L2
  std::unique_ptr<const engine> few_;  // D = 3 groups for few rows, when these are D = 4
};

}  // namespace grove
