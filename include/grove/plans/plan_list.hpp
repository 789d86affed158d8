#pragma once
/// @file
/// The plans an engine may build, in the order a call tries them: it takes the first built
/// plan that serves it. A plan is skipped (not built) when the model or the target does not
/// allow it, when engine_options exclude it, or when the plans before it already serve every
/// call it would. The group walk, last, serves every call.
///
/// Adding a plan: a header defining it (see plans/plan.hpp: plan_entry) and one line here.

#include "grove/plans/bitvector_block.hpp"
#include "grove/plans/group_walk.hpp"
#include "grove/plans/node_mask_row.hpp"
#include "grove/plans/plan.hpp"
#include "grove/plans/sliced_block.hpp"
#include "grove/plans/sliced_row.hpp"

namespace grove::plans {

inline constexpr plan_entry plan_list[] = {
    plan_entry::of<sliced_block>(),   // margins of 32 rows or more, shallow numeric trees
    plan_entry::of<bitvector_block>(),  // margins of 32 rows or more, trees of at most 256 leaves
    plan_entry::of<sliced_row>(),     // margins of 1 to 15 rows, shallow numeric trees
    plan_entry::of<node_mask_row>(),  // margins of 1 to 15 rows, trees of at most 64 leaves
    plan_entry::of<few_row_walk>(),   // up to 15 rows, when the group walk has depth 4
    plan_entry::of<group_walk>(),     // every call
};

}  // namespace grove::plans
