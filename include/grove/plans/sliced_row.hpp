#pragma once
/// @file
/// The one-row sliced plan: margins of calls of few rows, row by row, of forests of numeric
/// trees of at most 6 levels (8 with byte nodes) reading at most 64 byte columns: a row's
/// quantized bytes sit in two registers and each node picks its byte with a permute
/// (kernels/sliced_row_avx512.hpp). AVX-512; byte nodes need VBMI, 16-bit word nodes do not.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "grove/compile/sliced_forest.hpp"
#include "grove/kernels/sliced.hpp"
#include "grove/plans/plan.hpp"
#include "grove/plans/row_by_row.hpp"
#include "grove/plans/sliced_form.hpp"

namespace grove::plans {

class sliced_row : public plan {
 public:
  static constexpr const char* plan_name = "sliced_row";
  static call_set calls_for(const tuning& tune) { return {1, tune.few_rows - 1, true, false}; }
  static bool runs_on(const kernels::kernel_set& k) {
    return k.sliced_row_bytes != nullptr || k.sliced_row_words != nullptr;
  }
  static std::unique_ptr<const plan> build(const plan_context& c) {
    const bool bytes = c.kernels.sliced_row_bytes != nullptr;
    const kernels::sliced_row_fn kernel =
        bytes ? c.kernels.sliced_row_bytes : c.kernels.sliced_row_words;
    if (kernel == nullptr || static_cast<std::size_t>(c.forest.num_output) > max_value_outputs)
      return nullptr;
    // Trees of 7 or 8 levels only on bytes: with words, their 8 permutes per tree were slower
    // than the group walk.
    compile::sliced_forest s = compile::build_sliced_forest(
        c.forest, bytes ? kernels::sliced_row_max_depth : compile::sliced_max_depth,
        bytes ? compile::row_nodes::bytes : compile::row_nodes::words, false);
    if (!s.usable() || (s.node_byte.empty() && s.node_word.empty())) return nullptr;
    return std::make_unique<const sliced_row>(c, std::move(s), kernel);
  }

  sliced_row(const plan_context& c, compile::sliced_forest s, kernels::sliced_row_fn kernel)
      : plan(plan_name, calls_for(c.tune)),
        s_(std::move(s)),
        output_(c.forest.tree_output),
        base_margin_(c.forest.base_margin),
        columns_(s_.column_feature),
        kernel_(kernel) {
    view_ = sliced_view_of(s_, output_.data(), base_margin_.size() == 1);
  }

  std::size_t bytes() const noexcept override {
    return sliced_bytes(s_) + vector_bytes(output_) + vector_bytes(base_margin_) + columns_.bytes();
  }

  void run(const call& c) const override {
    run_row_by_row(c, columns_, base_margin_, view_, kernel_);
  }

 private:
  compile::sliced_forest s_;
  std::vector<std::int32_t> output_;
  std::vector<float> base_margin_;
  slot_table columns_;
  kernels::sliced_row_fn kernel_;
  kernels::sliced_view view_{};
};

}  // namespace grove::plans
