#pragma once
/// @file
/// The sliced block plan: margins of calls of many rows of shallow numeric forests (trees of at
/// most 6 levels, at most 128 byte columns), 64 rows per block, every node compared for the
/// block's rows at once (compile/sliced_forest.hpp, kernels/sliced.hpp). AVX2 and AVX-512.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "grove/compile/sliced_forest.hpp"
#include "grove/kernels/sliced.hpp"
#include "grove/plans/plan.hpp"
#include "grove/plans/row_gather.hpp"
#include "grove/plans/sliced_form.hpp"

namespace grove::plans {

class sliced_block : public plan {
 public:
  static constexpr const char* plan_name = "sliced_block";
  static call_set calls_for(const tuning& tune) {
    return {tune.sliced_block_min_rows, call_set{}.max_rows, true, false};
  }
  static bool runs_on(const kernels::kernel_set& k) { return k.sliced != nullptr; }
  static std::unique_ptr<const plan> build(const plan_context& c) {
    if (!runs_on(c.kernels) || static_cast<std::size_t>(c.forest.num_output) > max_value_outputs)
      return nullptr;
    compile::sliced_forest s =
        compile::build_sliced_forest(c.forest, compile::sliced_max_depth, compile::row_nodes::none);
    if (!s.usable()) return nullptr;
    return std::make_unique<const sliced_block>(c, std::move(s));
  }

  sliced_block(const plan_context& c, compile::sliced_forest s)
      : plan(plan_name, calls_for(c.tune)),
        s_(std::move(s)),
        output_(c.forest.tree_output),
        base_margin_(c.forest.base_margin),
        columns_(s_.column_feature),
        kernel_(c.kernels.sliced) {
    view_ = sliced_view_of(s_, output_.data(), base_margin_.size() == 1);
  }

  std::size_t bytes() const noexcept override {
    return sliced_bytes(s_) + vector_bytes(output_) + vector_bytes(base_margin_) + columns_.bytes();
  }

  /// Blocks of 64 rows: the rows' features column by column (missing -> NaN), the accumulators
  /// set to the base margins, then every tree in order.
  void run(const call& c) const override {
    constexpr std::size_t R = kernels::sliced_rows;
    alignas(64) float xt[kernels::sliced_max_columns * R];
    alignas(64) float acc[max_value_outputs * R];
    const std::size_t K = base_margin_.size();
    const std::size_t C = static_cast<std::size_t>(s_.num_columns);
    const slot_map columns = columns_.map();
    for (std::size_t r0 = 0; r0 < c.x.num_rows; r0 += R) {
      const std::size_t ns = std::min(R, c.x.num_rows - r0);
      gather_rows(c.x, r0, ns, columns, c.missing, xt, 1, R);
      // Rows past the last one are computed and dropped; give them defined values.
      for (std::size_t col = 0; col < C && ns < R; ++col)
        std::fill(xt + col * R + ns, xt + col * R + R, 0.0f);
      for (std::size_t k = 0; k < K; ++k) std::fill(acc + k * R, acc + k * R + R, base_margin_[k]);
      kernel_(view_, xt, c.trees.begin, c.trees.end, acc);
      for (std::size_t r = 0; r < ns; ++r)
        for (std::size_t k = 0; k < K; ++k) c.out[(r0 + r) * K + k] = acc[k * R + r];
    }
  }

 private:
  compile::sliced_forest s_;
  std::vector<std::int32_t> output_;
  std::vector<float> base_margin_;
  slot_table columns_;
  kernels::sliced_fn kernel_;
  kernels::sliced_view view_{};
};

}  // namespace grove::plans
