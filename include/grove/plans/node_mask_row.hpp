#pragma once
/// @file
/// The one-row node-mask plan: margins of calls of few rows, row by row, of forests of small
/// trees of any shape (at most 64 leaves, numeric splits, at most 256 byte columns): every
/// split of a tree evaluated at once into a 64-bit mask, then the path followed through it
/// (compile/node_mask_forest.hpp, kernels/node_mask_row_avx512.hpp). AVX-512 VBMI.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "grove/compile/node_mask_forest.hpp"
#include "grove/kernels/node_mask.hpp"
#include "grove/plans/plan.hpp"
#include "grove/plans/row_by_row.hpp"

namespace grove::plans {

class node_mask_row : public plan {
 public:
  static constexpr const char* plan_name = "node_mask_row";
  static call_set calls_for(const tuning& tune) { return {1, tune.few_rows - 1, true, false}; }
  static bool runs_on(const kernels::kernel_set& k) { return k.node_mask_row != nullptr; }
  static std::unique_ptr<const plan> build(const plan_context& c) {
    if (!runs_on(c.kernels) || static_cast<std::size_t>(c.forest.num_output) > max_value_outputs)
      return nullptr;
    compile::node_mask_forest m = compile::build_node_mask_forest(c.forest);
    if (!m.usable()) return nullptr;
    return std::make_unique<const node_mask_row>(c, std::move(m));
  }

  node_mask_row(const plan_context& c, compile::node_mask_forest m)
      : plan(plan_name, calls_for(c.tune)),
        m_(std::move(m)),
        output_(c.forest.tree_output),
        base_margin_(c.forest.base_margin),
        columns_(m_.column_feature),
        kernel_(c.kernels.node_mask_row) {
    view_ = {m_.num_columns,          m_.row_threshold.data(), m_.row_bound.data(),
             m_.node_column.data(),   m_.node_bin.data(),      m_.missing_left.data(),
             m_.child.data(),         m_.leaf.data(),          output_.data(),
             base_margin_.size() == 1};
  }

  std::size_t bytes() const noexcept override {
    return vector_bytes(m_.column_feature) + vector_bytes(m_.row_threshold) +
           vector_bytes(m_.row_bound) + vector_bytes(m_.node_column) + vector_bytes(m_.node_bin) +
           vector_bytes(m_.missing_left) + vector_bytes(m_.child) + vector_bytes(m_.leaf) +
           vector_bytes(output_) + vector_bytes(base_margin_) + columns_.bytes();
  }

  void run(const call& c) const override {
    run_row_by_row(c, columns_, base_margin_, view_, kernel_);
  }

 private:
  compile::node_mask_forest m_;
  std::vector<std::int32_t> output_;
  std::vector<float> base_margin_;
  slot_table columns_;
  kernels::node_mask_row_fn kernel_;
  kernels::node_mask_view view_{};
};

}  // namespace grove::plans
