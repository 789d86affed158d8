#pragma once
/// @file
/// The frame of the one-row plans: each row's columns (the features its quantized form reads,
/// missing values as NaN), its base margins, then its trees through the one-row kernel.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "grove/kernels/node_mask.hpp"
#include "grove/kernels/sliced.hpp"
#include "grove/plans/plan.hpp"
#include "grove/plans/row_gather.hpp"

namespace grove::plans {

/// Margins of the call, row by row: row_fn(view, columns, t0, t1, out) adds trees [t0, t1) of
/// a row whose column values are `columns` to its outputs; columns_of: the form's columns.
template <class view_t, class row_fn_t>
void run_row_by_row(const call& c, const slot_table& columns_of,
                    const std::vector<float>& base_margin, const view_t& view, row_fn_t row_fn) {
  static_assert(kernels::mask_max_columns >= kernels::sliced_row_max_columns);
  alignas(64) float columns[kernels::mask_max_columns];
  const slot_map map = columns_of.map();
  const std::size_t K = base_margin.size();
  for (std::size_t r = 0; r < c.x.num_rows; ++r) {
    gather_row(c.x, r, map, c.missing, columns, 1);
    float* o = c.out + r * K;
    std::copy(base_margin.begin(), base_margin.end(), o);
    row_fn(view, columns, c.trees.begin, c.trees.end, o);
  }
}

}  // namespace grove::plans
