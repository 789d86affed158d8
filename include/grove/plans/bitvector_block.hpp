#pragma once
/// @file
/// The bitvector block plan: margins of calls of many rows of forests of small trees of any
/// shape (lossguide trees of up to tuning::bitvector_max_leaves leaves, numeric splits), 64 rows
/// per block quantized to bytes once, then every split of every tree compared for the block's
/// rows at once, its entries clearing the leaves it rules out (compile/bitvector_forest.hpp,
/// kernels/bitvector.hpp). AVX-512 VBMI and AVX2.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "grove/compile/bitvector_forest.hpp"
#include "grove/kernels/bitvector.hpp"
#include "grove/plans/plan.hpp"
#include "grove/plans/row_gather.hpp"

namespace grove::plans {

class bitvector_block : public plan {
 public:
  static constexpr const char* plan_name = "bitvector_block";
  /// Byte columns at most: what the stack buffers of a call hold.
  static constexpr std::size_t max_columns = 256;

  static call_set calls_for(const tuning& tune) {
    return {tune.bitvector_block_min_rows, call_set{}.max_rows, true, false};
  }
  static bool runs_on(const kernels::kernel_set& k) {
    return k.bitvector_quantize != nullptr && k.bitvector_trees != nullptr;
  }
  static std::unique_ptr<const plan> build(const plan_context& c) {
    if (!runs_on(c.kernels) || static_cast<std::size_t>(c.forest.num_output) > max_value_outputs)
      return nullptr;
    compile::bitvector_forest b =
        compile::build_bitvector_forest(c.forest, c.tune.bitvector_max_leaves, max_columns);
    if (!b.usable()) return nullptr;
    return std::make_unique<const bitvector_block>(c, std::move(b));
  }

  bitvector_block(const plan_context& c, compile::bitvector_forest b)
      : plan(plan_name, calls_for(c.tune)),
        b_(std::move(b)),
        output_(c.forest.tree_output),
        base_margin_(c.forest.base_margin),
        columns_(b_.column_feature),
        quantize_(c.kernels.bitvector_quantize),
        trees_(c.kernels.bitvector_trees) {
    view_ = {b_.num_columns,        b_.column_levels.data(), b_.probe.data(),
             b_.entry.data(),       b_.entry_begin.data(),   b_.slice_first.data(),
             b_.slice_entries.data(), b_.leaf_byte.data(),   b_.leaf_table,
             output_.data()};
  }

  std::size_t bytes() const noexcept override {
    return vector_bytes(b_.column_feature) + b_.bytes() + vector_bytes(output_) +
           vector_bytes(base_margin_) + columns_.bytes();
  }

  /// Groups of up to bitvector_max_blocks blocks of 64 rows: each block's features column by
  /// column (missing -> NaN) quantized to its byte columns, the sums set to the base margins,
  /// then every tree in order for the group's blocks at once.
  void run(const call& c) const override {
    constexpr std::size_t R = kernels::bitvector_rows;
    constexpr std::size_t B = kernels::bitvector_max_blocks;
    alignas(64) float xt[max_columns * R];
    alignas(64) std::uint8_t q[B * 2 * max_columns * R];
    alignas(64) float acc[B * max_value_outputs * R];
    const std::size_t K = base_margin_.size();
    const std::size_t C = static_cast<std::size_t>(b_.num_columns);
    const slot_map columns = columns_.map();
    for (std::size_t r0 = 0; r0 < c.x.num_rows; r0 += B * R) {
      const std::size_t rows = std::min(B * R, c.x.num_rows - r0);
      const std::size_t blocks = (rows + R - 1) / R;
      for (std::size_t b = 0; b < blocks; ++b) {
        const std::size_t ns = std::min(R, rows - b * R);
        gather_rows(c.x, r0 + b * R, ns, columns, c.missing, xt, 1, R);
        // Rows past the last one are computed and dropped; give them defined values.
        for (std::size_t col = 0; col < C && ns < R; ++col)
          std::fill(xt + col * R + ns, xt + col * R + R, 0.0f);
        quantize_(view_, xt, q + b * 2 * C * R);
        for (std::size_t k = 0; k < K; ++k)
          std::fill(acc + (b * K + k) * R, acc + (b * K + k + 1) * R, base_margin_[k]);
      }
      trees_(view_, q, blocks, c.trees.begin, c.trees.end, acc, K);
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t k = 0; k < K; ++k)
          c.out[(r0 + r) * K + k] = acc[((r / R) * K + k) * R + r % R];
    }
  }

 private:
  compile::bitvector_forest b_;
  std::vector<std::int32_t> output_;
  std::vector<float> base_margin_;
  slot_table columns_;
  kernels::bitvector_quantize_fn quantize_;
  kernels::bitvector_trees_fn trees_;
  kernels::bitvector_view view_{};
};

}  // namespace grove::plans
