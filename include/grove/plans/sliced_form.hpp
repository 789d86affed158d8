#pragma once
/// @file
/// What the sliced plans (block and one-row) share: the kernels' view of a sliced forest and
/// its memory.

#include <cstddef>
#include <cstdint>

#include "grove/compile/sliced_forest.hpp"
#include "grove/kernels/sliced.hpp"
#include "grove/plans/plan.hpp"

namespace grove::plans {

/// The view of `s` (arrays it was built without are null); `output`: each tree's output.
inline kernels::sliced_view sliced_view_of(const compile::sliced_forest& s,
                                           const std::int32_t* output, bool single_output) {
  auto data = [](const auto& v) { return v.empty() ? nullptr : v.data(); };
  return {s.depth,
          s.num_columns,
          s.column_levels.data(),
          s.probe.data(),
          s.nodes_per_tree,
          data(s.node_column),
          s.node_bin.data(),
          data(s.node_byte),
          data(s.node_word),
          data(s.node_word_bin),
          data(s.row_threshold),
          data(s.row_bound),
          s.leaves_per_tree,
          s.leaf.data(),
          output,
          single_output};
}

/// Bytes of all of `s`'s arrays.
inline std::size_t sliced_bytes(const compile::sliced_forest& s) noexcept {
  return vector_bytes(s.column_feature) + vector_bytes(s.column_levels) + vector_bytes(s.probe) +
         vector_bytes(s.row_threshold) + vector_bytes(s.row_bound) + vector_bytes(s.node_column) +
         vector_bytes(s.node_bin) + vector_bytes(s.node_byte) + vector_bytes(s.node_word) +
         vector_bytes(s.node_word_bin) + vector_bytes(s.leaf);
}

}  // namespace grove::plans
